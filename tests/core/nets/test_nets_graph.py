"""DAGSpec validation, builders, parameter layout, init, homogeneity and drawing."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from optdyn.core.nets import (DAGNet, DAGSpec, autoencoder, chain, densenet_like, draw_dag, get_activation, random_dag,
                         resnet_like, widths_of)


def test_cycle_and_back_edge_rejected():
    with pytest.raises(ValueError, match="cycle or back-edge"):
        DAGSpec((2, 3, 1), (None, "tanh", "identity"), ((0, 1), (1, 2), (2, 1)))
    with pytest.raises(ValueError, match="cycle or back-edge"):
        DAGSpec((2, 3, 1), (None, "tanh", "identity"), ((0, 1), (1, 1), (1, 2)))


def test_dangling_nodes_rejected():
    with pytest.raises(ValueError, match="node 1 is dangling: it has no parent"):
        DAGSpec((2, 3, 1), (None, "tanh", "identity"), ((0, 2),))
    with pytest.raises(ValueError, match="node 2 is dangling: its output never reaches"):
        DAGSpec((2, 3, 3, 1), (None, "tanh", "tanh", "identity"), ((0, 1), (1, 2), (1, 3)))


def test_other_invalid_specs():
    with pytest.raises(ValueError, match=r"widths\[1\] must be a positive integer"):
        DAGSpec((2, 0, 1), (None, "tanh", "identity"), ((0, 1), (1, 2)))
    with pytest.raises(ValueError, match="acts must have one entry per node"):
        DAGSpec((2, 3, 1), (None, "tanh"), ((0, 1), (1, 2)))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        chain((2, 3, 1), act="swish")
    with pytest.raises(ValueError, match="outside"):
        DAGSpec((2, 3, 1), (None, "tanh", "identity"), ((0, 1), (1, 5)))
    with pytest.raises(ValueError, match="duplicate edge"):
        DAGSpec((2, 3, 1), (None, "tanh", "identity"), ((0, 1), (0, 1), (1, 2)))


def test_builders_structure():
    w = widths_of(3, 5, 3, 2)
    assert w == (3, 5, 5, 5, 2)
    c, r, d = chain(w), resnet_like(w), densenet_like(w)
    assert c.is_chain and len(c.edges) == 4
    assert set(r.edges) == {(i, i + 1) for i in range(4)} | {(i, i + 2) for i in range(3)}
    assert len(d.edges) == 10
    assert d.parents(4) == [0, 1, 2, 3] and d.children(0) == [1, 2, 3, 4]
    assert DAGNet(d).size == d.n_params


def test_n_params_matches_layout():
    for spec in (chain((3, 5, 2)), resnet_like((3, 5, 5, 2), bias=False), densenet_like((2, 3, 4, 1))):
        net = DAGNet(spec)
        assert net.size == spec.n_params
        covered = np.zeros(net.size, int)
        for sl in net.index.values():
            covered[sl] += 1
        assert (covered == 1).all()


@pytest.mark.parametrize("seed", range(20))
def test_random_dag_always_valid(seed):
    spec = random_dag(5, (1, 4), 0.2, np.random.default_rng(seed))
    spec.validate()
    assert spec.n_nodes == 7


def test_autoencoder_cut_vertex():
    ae = autoencoder((64, 32, 16, 8, 16, 32, 64), code=3, enc_skips=[(0, 2), (1, 3), (0, 3)],
                     dec_skips=[(3, 5), (4, 6), (3, 6)])
    assert not ae.crosses(3)
    assert resnet_like((3, 4, 4, 4, 2)).crosses(2)
    with pytest.raises(ValueError, match="encoder skip"):
        autoencoder((4, 3, 2, 3, 4), code=2, enc_skips=[(0, 3)])


def test_unpack_views_pack_roundtrip_and_weight_list():
    net = DAGNet(chain((3, 4, 2), act="relu", bias=False))
    w = net.init(0)
    p = net.unpack(w)
    p[("W", 0, 1)][0, 0] = 123.0  # zero-copy view
    assert w[0] == 123.0
    assert np.array_equal(net.pack(p), w)
    Ws = net.weight_list(w)
    assert [x.shape for x in Ws] == [(3, 4), (4, 2)]
    with pytest.raises(ValueError, match="chain"):
        DAGNet(resnet_like((3, 4, 4, 2))).weight_list(np.zeros(DAGNet(resnet_like((3, 4, 4, 2))).size))


def test_init_modes_and_reproducibility():
    net = DAGNet(chain((50, 40, 30), act="tanh"))
    w1, w2 = net.init(0, scale=1.5), net.init(0, scale=1.5)
    assert np.array_equal(w1, w2)
    W = net.unpack(w1)[("W", 0, 1)]
    assert W.std() == pytest.approx(1.5 / np.sqrt(50), rel=0.05)
    assert np.all(net.unpack(w1)[("b", 1)] == 0)
    wf = net.init(1, scale=0.01, mode="frobenius")
    for M in net.weight_list(wf):
        assert np.linalg.norm(M) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="mode"):
        net.init(0, mode="xavier")
    with pytest.raises(ValueError, match="scale"):
        net.init(0, scale=-1.0)


def test_relu_chain_homogeneity():
    rng = np.random.default_rng(2)
    L = 4
    net = DAGNet(chain((3, 6, 6, 6, 2), act="relu", out_act="identity", bias=False))
    w = net.init(rng)
    X = rng.standard_normal((9, 3))
    lam = 1.7
    assert np.allclose(net.predict(lam * w, X), lam ** L * net.predict(w, X), rtol=1e-12, atol=1e-12)


def test_shape_and_loss_validation():
    net = DAGNet(chain((3, 4, 2)))
    w = net.init(0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        net.predict(w, np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"w must have shape"):
        net.predict(w[:-1], np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"Y must have shape"):
        net.loss_grad(w, np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="loss must be one of"):
        net.loss(w, np.zeros((5, 3)), np.zeros((5, 2)), loss="hinge")
    with pytest.raises(ValueError, match="reduction must be one of"):
        net.loss(w, np.zeros((5, 3)), np.zeros((5, 2)), reduction="avg")
    with pytest.raises(ValueError, match="labels Y must lie"):
        net.loss(w, np.zeros((5, 3)), np.array([0, 1, 2, 0, 1]), loss="softmax_ce")


def test_activation_derivatives():
    a = np.linspace(-4, 4, 41) + 0.013
    for name in ("sigmoid", "tanh", "softplus", "identity", "relu", "linear"):
        act = get_activation(name)
        h = act.f(a)
        num = (act.f(a + 1e-6) - act.f(a - 1e-6)) / 2e-6
        assert np.allclose(act.df(a, h), num, atol=1e-8)
    assert get_activation("relu").df(np.zeros(1), np.zeros(1))[0] == 0.0
    assert np.allclose(get_activation("sigmoid").f(a), 1 / (1 + np.exp(-a)))


def test_blocks():
    net = DAGNet(resnet_like((3, 4, 4, 2)))
    for g in ("edge", "node", "global"):
        bl = net.blocks(g)
        cov = np.zeros(net.size, int)
        for b in bl:
            cov[b] += 1
        assert (cov == 1).all()
    assert len(net.blocks("node")) == 3 and len(net.blocks("edge")) == len(net.spec.edges) + 3
    with pytest.raises(ValueError, match="granularity"):
        net.blocks("layer")


def test_draw_dag_runs():
    import matplotlib.pyplot as plt

    ax = draw_dag(densenet_like((3, 5, 5, 2)), title="dense", highlight=(2,))
    assert len(ax.patches) == 3 and len(ax.lines) >= 3
    plt.close("all")
