"""Backprop on DAGs against central finite differences (Lemma A of the momentum_dag brief)."""
import numpy as np
import pytest

from optdyn.core.nets import DAGNet, chain, densenet_like, random_dag, resnet_like


def _fd_grad(net, w, X, Y, loss, reduction, h=1e-6):
    g = np.empty(net.size)
    for k in range(net.size):
        e = np.zeros(net.size)
        e[k] = h
        g[k] = (net.loss(w + e, X, Y, loss, reduction) - net.loss(w - e, X, Y, loss, reduction)) / (2 * h)
    return g


def _data(net, rng, loss, n=7):
    X = rng.standard_normal((n, net.widths[0]))
    if loss == "softmax_ce":
        Y = rng.integers(0, net.widths[-1], size=n)
    else:
        Y = rng.uniform(0.1, 0.9, size=(n, net.widths[-1]))
    return X, Y


def _specs(bias):
    w = (3, 5, 5, 5, 2)
    return {
        "chain": chain(w, act="tanh", out_act="sigmoid", bias=bias),
        "resnet": resnet_like(w, act="sigmoid", out_act="identity", bias=bias),
        "densenet": densenet_like(w, act="tanh", out_act="sigmoid", bias=bias),
        "random": random_dag(4, (2, 5), 0.5, np.random.default_rng(7), acts=("sigmoid", "tanh", "softplus", "identity"),
                             out_act="tanh", bias=bias),
    }


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("loss,reduction", [("squared", "sum"), ("squared", "mean"), ("softmax_ce", "mean")])
@pytest.mark.parametrize("arch", ["chain", "resnet", "densenet", "random"])
def test_gradient_matches_finite_differences(arch, loss, reduction, bias):
    net = DAGNet(_specs(bias)[arch])
    rng = np.random.default_rng(1)
    w = net.init(rng, scale=1.3)
    if bias:
        w = w + 0.1 * rng.standard_normal(net.size)
    X, Y = _data(net, rng, loss)
    g = net.loss_grad(w, X, Y, loss, reduction)[1]
    fd = _fd_grad(net, w, X, Y, loss, reduction)
    assert np.linalg.norm(g - fd) / np.linalg.norm(fd) < 1e-6


@pytest.mark.parametrize("bias", [True, False])
def test_relu_gradient_away_from_kinks(bias):
    rng = np.random.default_rng(3)
    net = DAGNet(resnet_like((3, 6, 6, 6, 2), act="relu", out_act="identity", bias=bias))
    w = net.init(rng, scale=1.0)
    X, Y = _data(net, rng, "squared")
    A, _ = net.forward(w, X)
    h = 1e-6
    # away from kinks: every hidden pre-activation is far from 0 relative to the FD perturbation
    margin = min(np.abs(a).min() for a in A[1:-1])
    assert margin > 1e-4
    g = net.loss_grad(w, X, Y)[1]
    fd = _fd_grad(net, w, X, Y, "squared", "sum", h)
    assert np.linalg.norm(g - fd) / np.linalg.norm(fd) < 1e-6


def test_vjp_is_gradient_of_inner_product():
    rng = np.random.default_rng(4)
    net = DAGNet(densenet_like((2, 4, 3), act="tanh"))
    w = net.init(rng)
    X = rng.standard_normal((5, 2))
    G = rng.standard_normal((5, 3))
    v = net.vjp(w, X, G)
    h = 1e-6
    fd = np.array([(np.sum(G * net.predict(w + h * e, X)) - np.sum(G * net.predict(w - h * e, X))) / (2 * h)
                   for e in np.eye(net.size)])
    assert np.linalg.norm(v - fd) / np.linalg.norm(fd) < 1e-7


def test_vjp_equals_loss_grad_of_squared_error():
    rng = np.random.default_rng(5)
    net = DAGNet(chain((3, 4, 2), act="sigmoid"))
    w = net.init(rng)
    X = rng.standard_normal((6, 3))
    Y = rng.standard_normal((6, 2))
    assert np.allclose(net.vjp(w, X, net.predict(w, X) - Y), net.loss_grad(w, X, Y)[1], rtol=0, atol=1e-14)


def test_batched_runs_equal_single_runs():
    rng = np.random.default_rng(6)
    net = DAGNet(resnet_like((3, 5, 5, 2), act="tanh", out_act="sigmoid"))
    W = net.init(rng, runs=4)
    X = rng.standard_normal((7, 3))
    Y = rng.uniform(0.1, 0.9, (7, 2))
    E, G = net.loss_grad(W, X, Y)
    assert E.shape == (4,) and G.shape == (4, net.size)
    for r in range(4):
        e, g = net.loss_grad(W[r], X, Y)
        assert e == pytest.approx(E[r], rel=1e-14) and np.allclose(g, G[r], rtol=1e-13, atol=1e-15)


def test_hvp_matches_fd_of_gradient_and_is_symmetric():
    rng = np.random.default_rng(8)
    net = DAGNet(chain((2, 4, 1), act="tanh", out_act="sigmoid"))
    w = net.init(rng)
    X = rng.standard_normal((5, 2))
    Y = rng.uniform(0.1, 0.9, (5, 1))
    Hm = np.stack([net.hvp(w, e, X, Y) for e in np.eye(net.size)])
    assert np.allclose(Hm, Hm.T, atol=1e-7)
    u, v = rng.standard_normal((2, net.size))
    assert np.allclose(net.hvp(w, u + 2 * v, X, Y), Hm @ (u + 2 * v), atol=1e-6)


@pytest.mark.parametrize("bias", [True, False])
def test_frozen_identity_edges(bias):
    """Frozen identity edges (W_ij = I, not trained): backprop against finite differences, no new parameter,
    A_j gains H_i; without them the network is exactly the plain DAGNet; bad edges are refused."""
    rng = np.random.default_rng(5)
    spec = chain((3, 4, 4, 4, 2), act="tanh", out_act="sigmoid", bias=bias)
    net = DAGNet(spec, identity=((1, 3),))
    assert net.identity == ((1, 3),) and net.size == DAGNet(spec).size and "identity=((1, 3),)" in repr(net)
    w = net.init(rng, scale=1.2)
    X, Y = _data(net, rng, "squared")
    g = net.loss_grad(w, X, Y, "squared", "sum")[1]
    fd = _fd_grad(net, w, X, Y, "squared", "sum")
    assert np.linalg.norm(g - fd) / np.linalg.norm(fd) < 1e-6
    A, H = net.forward(w, X)
    p = net.unpack(w)
    assert np.allclose(A[3], H[2] @ p[("W", 2, 3)] + H[1] + (p[("b", 3)] if bias else 0.0))
    # no frozen edge: exactly the DAGNet
    plain = DAGNet(chain((3, 4, 2)), identity=())
    X2, Y2 = rng.standard_normal((6, 3)), rng.uniform(0.1, 0.9, (6, 2))
    assert np.array_equal(plain.loss_grad(plain.init(0), X2, Y2)[1], DAGNet(chain((3, 4, 2))).loss_grad(plain.init(0), X2, Y2)[1])
    with pytest.raises(ValueError, match="equal widths"):
        DAGNet(chain((3, 4, 5, 2)), identity=((1, 2),))
    with pytest.raises(ValueError, match="topological"):
        DAGNet(chain((3, 4, 4, 2)), identity=((2, 1),))
    with pytest.raises(ValueError, match="duplicate"):
        DAGNet(chain((3, 4, 4, 4, 2)), identity=((1, 3), (1, 3)))
