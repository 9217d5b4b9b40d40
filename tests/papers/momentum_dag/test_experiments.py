"""The momentum-on-DAGs chapter's experiments at toy sizes: they run, return what the criteria need and feed
them; the frozen identity edges, the run-stacked optimisers and the budget rule behave as documented."""
import numpy as np
import pytest

from optdyn.core.nets import DAGNet, chain, resnet_like
from optdyn.core.optim import gradient_descent, heavy_ball
from optdyn.papers.momentum_dag import (adaptive_momentum, exit_step, fixed_length_steps, grad_check,
                                        identity_resnet, parity, stack_runs, train, train_budgeted)
from optdyn.papers.momentum_dag import checks as ck, experiments as ex
from optdyn.papers.momentum_dag.parameters import SCHEMA
from optdyn.random import Streams

SMALL = dict(seed=3, profile="quick", width=4, depth=3, init_scale=1.5, granularity="edge", gc_samples=5, gc_h=1e-6,
             pd_n_eta=5, pd_log10_eta_min=-2.5, pd_log10_eta_max=0.5, pd_ss=[0.0, 0.5, 0.9], pd_iters=60, sharp_every=20,
             sharp_iters=5, conv_frac=0.8, conv_s=0.25, conv_iters=64, conv_seeds=2, hb_etas=[0.01, 0.1], hb_s=0.9,
             hb_iters=40, hb_inits=2, treg_J=16, ae_train=24, ae_test=16, ae_iters=15, ae_etas=[2.0, 4.0], ae_s=0.5,
             ae_seeds=2, ae_init_scale=2.0, cls_width=6, cls_depth=2, cls_train=60, cls_iters=15, cls_etas=[1.0, 2.0],
             cls_s=0.5, cls_seeds=2, cls_init_scale=2.0)


@pytest.fixture(scope="module")
def P():
    return SCHEMA.validate(SMALL)


def test_every_experiment_runs_and_feeds_its_criterion(P):
    s = Streams(P.seed)
    nets = ex.parity_nets(P)
    assert set(nets) == set(ex.GRAPHS) | {ex.IDENTITY} and nets[ex.IDENTITY].identity == ((1, 3),)
    gc = ex.gradient_check(P, s)
    assert ck.backprop_outcomes(gc)[0].passed
    pil = {k: ex.pilot_curvature(P, s, n, k) for k, n in nets.items()}
    assert all(v["L_pred"] == pytest.approx(ex.CERT_SAFETY * v["L_pilot"]) for v in pil.values())
    g = {k: nets[k] for k in ex.GRAPHS}
    PD = ex.phase_diagrams(P, s, g, {k: pil[k]["L_pred"] for k in g})
    assert PD["chain"]["adaptive"]["violations"].shape == (3, 5) and PD["chain"]["heavy ball"]["L_run"].shape == (3, 5)
    assert ck.step_bound_outcomes(PD)[0].passed
    assert ck.monotone_certified_outcomes(PD)[0].passed
    ctrl = {k: ex.constant_length_control(P, PD[k], n) for k, n in g.items()}
    assert ck.sufficient_decrease_outcomes(PD, ctrl)[0].passed
    for f in (ck.monotone_predicted_outcomes, ck.decrease_predicted_outcomes, ck.phase_boundary_outcomes):
        out, controls = f(PD)
        assert out.measured and controls
    conv = ex.convergence(P, s, nets["ResNet-like"], "ResNet-like", pil["ResNet-like"]["L_pred"])
    assert conv["K"] in (64, 128, 256, 512) and set(conv["metrics"]) == set(ex.CONV_PARTS)
    assert conv["eta"] == pytest.approx(0.8 * 2 * 0.75 / (pil["ResNet-like"]["L_pred"] * 1.25 ** 2))
    for f in (ck.gradient_outcomes, ck.weights_outcomes, ck.identity_outcomes):
        assert len(f(conv)[1]) >= 1
    reg = ex.regression(P, s)
    assert reg["E"].shape == (41, len(ex.REG_RULES), 2, 2) and reg["violations"].shape == (len(ex.REG_RULES), 2, 2)
    assert len(ck.regression_outcomes(reg)[1]) == 2
    ae = ex.autoencoders(P, s)
    assert ae["DAG"]["test_mse"].shape == (2,) and not ae["DAG"]["crosses"]
    ck.autoencoder_outcomes(ae)
    cls = ex.classification(P, s)
    assert cls["CrossNet"]["correct"].shape == (2, 1797 - 60)
    ck.crossnet_outcomes(cls, P.cls_iters)


def test_identity_resnet_gradient_and_forward():
    rng = np.random.default_rng(0)
    net = identity_resnet((3, 5, 5, 5, 5, 2), act="tanh")
    assert net.identity == ((1, 3), (2, 4)) and net.size == DAGNet(chain((3, 5, 5, 5, 5, 2))).size
    w = net.init(rng, scale=1.2)
    X, Y = rng.standard_normal((6, 3)), rng.uniform(0.1, 0.9, (6, 2))
    assert grad_check(net, w, X, Y) < 1e-6
    # forward by hand on the first frozen edge: A_3 = H_2 W_23 + H_1 + b_3
    A, H = net.forward(w, X)
    p = net.unpack(w)
    assert np.allclose(A[3], H[2] @ p[("W", 2, 3)] + H[1] + p[("b", 3)])
    # batched weights give the per-run values
    W = np.stack([w, w + 0.05])
    assert np.allclose(net.loss_grad(W, X, Y)[1][1], net.loss_grad(w + 0.05, X, Y)[1])


def test_stack_runs_equals_separate_runs():
    X, Y = parity(3)
    net = DAGNet(resnet_like((3, 4, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(1, scale=1.5, runs=3)
    a = adaptive_momentum(np.array([0.1, 0.2]), 0.5, block_starts=net.block_starts("edge"))
    b = heavy_ball(0.1, 0.9)
    hs = train(net, w0, X, Y, stack_runs(a, b, sizes=(2, 1)), 30)
    ha = train(net, w0[:2], X, Y, a, 30)
    hb = train(net, w0[2:], X, Y, b, 30)
    assert np.allclose(hs.E[:, :2], ha.E, rtol=1e-13) and np.allclose(hs.E[:, 2:], hb.E, rtol=1e-13)
    assert np.allclose(hs.eta, [0.1, 0.2, 0.1]) and np.allclose(hs.s, [0.5, 0.5, 0.9])
    with pytest.raises(ValueError, match="leading run axis"):
        train(net, w0[:2], X, Y, stack_runs(a, b, sizes=(2, 1)), 3)


def test_budget_rule_continues_the_same_runs():
    X, Y = parity(3)
    net = DAGNet(chain((3, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(2, scale=1.5, runs=2)
    opt = adaptive_momentum(0.2, 0.3, block_starts=net.block_starts("edge"))
    h = train_budgeted(net, w0, X, Y, opt, 16, done=lambda h: h.iters >= 64, max_doublings=5, path_every=2)
    ref = train(net, w0, X, Y, opt, 64, path_every=2)
    assert h.iters == 64 and h.extra["doublings"] == 2
    assert np.allclose(h.E, ref.E, rtol=1e-12) and np.allclose(h.w_final, ref.w_final, rtol=1e-12)
    assert h.path_steps.tolist() == ref.path_steps.tolist() and np.allclose(h.path, ref.path, rtol=1e-12)
    capped = train_budgeted(net, w0, X, Y, opt, 16, done=lambda h: False, max_doublings=1)
    assert capped.iters == 32 and capped.extra["doublings"] == 1


def test_fixed_length_steps_and_exit_step():
    opt = fixed_length_steps(np.array([0.5, 2.0]))
    st = opt.init(np.zeros((2, 3)))
    g = np.array([[3.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    dw, st = opt.update(g, st)
    assert np.allclose(np.linalg.norm(dw, axis=-1), [0.5, 0.0]) and np.allclose(dw[0], -0.5 * g[0] / 5.0)
    E = np.array([[1.0, 1.0], [0.5, 1.0], [0.005, 1.0]])
    assert exit_step(E, 1e-2).tolist() == [2, 3]
