"""Momentum updates: the length identity (Lemma B), hand-computed traces, reductions, validation."""
import numpy as np
import pytest

from optdyn.papers.momentum_dag import (adaptive_momentum, constant_length_momentum, count_violations, gradient_descent, heavy_ball,
                        parity, step_bound_ratio, train)
from optdyn.core.nets import DAGNet, chain, resnet_like


def _quad_grads(A, w):
    return w @ A


def test_momentum_length_identity_blockwise():
    """||tau_{k,b} dw^k_b|| = s eta ||g_{k,b}|| for every block with dw^k_b != 0 (the momentum-length lemma)."""
    rng = np.random.default_rng(0)
    starts = np.array([0, 3, 7])
    eta, s = 0.1, 0.6
    opt = adaptive_momentum(eta, s, block_starts=starts)
    st = opt.init(np.zeros(10))
    for k in range(6):
        g = rng.standard_normal(10)
        prev = st.dw.copy()
        dw, st = opt.update(g, st)
        mom = dw + eta * g
        for a, b in zip(starts, np.append(starts[1:], 10)):
            if k == 0:
                assert np.allclose(mom[a:b], 0.0)  # dw^0 = 0: first step is plain GD
            else:
                assert np.linalg.norm(mom[a:b]) == pytest.approx(s * eta * np.linalg.norm(g[a:b]), rel=1e-12)
                # direction of the previous step is kept
                assert np.allclose(mom[a:b] / np.linalg.norm(mom[a:b]), prev[a:b] / np.linalg.norm(prev[a:b]))
        assert np.linalg.norm(dw) <= eta * (1 + s) * np.linalg.norm(g) * (1 + 1e-12)


def test_zero_block_gets_zero_coefficient():
    opt = adaptive_momentum(0.1, 0.5, block_starts=[0, 2])
    st = opt.init(np.zeros(4))
    g = np.array([1.0, 1.0, 0.0, 0.0])  # second block stationary -> dw block stays 0
    dw, st = opt.update(g, st)
    dw, st = opt.update(g, st)
    assert np.all(np.isfinite(dw)) and np.all(dw[2:] == 0) and st.tau[1] == 0.0


def test_classical_momentum_hand_trace():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    w = np.array([1.0, -1.0])
    eta, beta = 0.1, 0.9
    opt = heavy_ball(eta, beta)
    st = opt.init(w)
    ws = [w.copy()]
    for _ in range(3):
        dw, st = opt.update(_quad_grads(A, w), st)
        w = w + dw
        ws.append(w.copy())
    # hand computation: g0 = A w0 = (1.5, -0.5)
    w1 = np.array([1.0, -1.0]) - 0.1 * np.array([1.5, -0.5])            # (0.85, -0.95)
    d1 = w1 - np.array([1.0, -1.0])                                       # (-0.15, 0.05)
    g1 = A @ w1                                                           # (1.225, -0.525)
    w2 = w1 - 0.1 * g1 + 0.9 * d1                                         # (0.5925, -0.8525)
    d2 = w2 - w1
    g2 = A @ w2
    w3 = w2 - 0.1 * g2 + 0.9 * d2
    assert np.allclose(w1, [0.85, -0.95]) and np.allclose(w2, [0.5925, -0.8525])
    assert np.allclose(ws[1], w1, atol=1e-15) and np.allclose(ws[2], w2, atol=1e-15) and np.allclose(ws[3], w3, atol=1e-15)


def _net_data():
    X, Y = parity(3)
    net = DAGNet(resnet_like((3, 4, 4, 1), act="sigmoid", out_act="sigmoid"))
    return net, net.init(1, scale=1.5), X, Y


def test_reductions_gd_equivalences():
    net, w0, X, Y = _net_data()
    gd = train(net, w0, X, Y, gradient_descent(0.1), 50)
    s0 = train(net, w0, X, Y, adaptive_momentum(0.1, 0.0, block_starts=net.block_starts("edge")), 50)
    hb0 = train(net, w0, X, Y, heavy_ball(0.1, 0.0), 50)
    assert np.allclose(gd.w_final, s0.w_final, rtol=0, atol=1e-14)
    assert np.allclose(gd.w_final, hb0.w_final, rtol=0, atol=1e-14)


def test_blockwise_equals_global_with_one_block():
    net, w0, X, Y = _net_data()
    a = train(net, w0, X, Y, adaptive_momentum(0.1, 0.5, block_starts=[0]), 40)
    b = train(net, w0, X, Y, adaptive_momentum(0.1, 0.5), 40)
    c = train(net, w0, X, Y, adaptive_momentum(0.1, 0.5, block_starts=net.block_starts("global")), 40)
    assert np.array_equal(a.w_final, b.w_final) and np.array_equal(a.w_final, c.w_final)
    d = train(net, w0, X, Y, adaptive_momentum(0.1, 0.5, block_starts=net.block_starts("edge")), 40)
    assert not np.allclose(a.w_final, d.w_final)


@pytest.mark.parametrize("gran", ["edge", "node", "global"])
def test_step_bound_lemma_b_in_training(gran):
    net, w0, X, Y = _net_data()
    h = train(net, w0, X, Y, adaptive_momentum(0.3, 0.7, block_starts=net.block_starts(gran)), 200)
    r = step_bound_ratio(h.step_norm, h.grad_norm, 0.3, 0.7)
    assert np.nanmax(r) <= 1 + 1e-9
    if gran == "global":
        assert np.nanmax(r) > 0.99  # equality is approached when the momentum aligns with -g


def test_vectorised_runs_equal_single_runs():
    net, w0, X, Y = _net_data()
    etas = np.array([0.05, 0.2])
    ss = np.array([0.0, 0.6])
    hv = train(net, w0, X, Y, adaptive_momentum(etas, ss, block_starts=net.block_starts("edge")), 30, path_every=10)
    for r in range(2):
        h1 = train(net, w0, X, Y, adaptive_momentum(etas[r], ss[r], block_starts=net.block_starts("edge")), 30)
        assert np.allclose(hv.E[:, r], h1.E, rtol=1e-12, atol=0)
        assert np.allclose(hv.w_final[r], h1.w_final, rtol=1e-11, atol=1e-14)
    assert hv.path.shape == (4, 2, net.size)


def test_monotone_short_run_and_heavy_ball_counterexample():
    X, Y = parity(3)
    net = DAGNet(chain((3, 6, 6, 6, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(0, scale=1.5)
    h = train(net, w0, X, Y, adaptive_momentum(0.1, 0.5, block_starts=net.block_starts("edge")), 300)
    assert count_violations(h.E) == 0 and h.E[-1] < h.E[0]
    hb = train(net, w0, X, Y, heavy_ball(0.1, 0.9), 300)
    assert count_violations(hb.E) >= 1


def test_constant_length_momentum_keeps_length():
    opt = constant_length_momentum(0.1, 0.05)
    st = opt.init(np.zeros(3))
    g = np.array([1.0, 0.0, 0.0])
    dw, st = opt.update(g, st)
    dw2, st = opt.update(1e-6 * g, st)
    assert np.linalg.norm(dw2 + 0.1 * 1e-6 * g) == pytest.approx(0.05)


def test_validation_messages():
    with pytest.raises(ValueError, match=r"eta must be in \(0"):
        adaptive_momentum(0.0, 0.5)
    with pytest.raises(ValueError, match=r"eta must be in \(0"):
        adaptive_momentum(np.array([0.1, -0.1]), 0.5)
    with pytest.raises(ValueError, match=r"s must be in \[0.0, 1.0\)"):
        adaptive_momentum(0.1, 1.0)
    with pytest.raises(ValueError, match=r"s must be in"):
        adaptive_momentum(0.1, -0.2)
    with pytest.raises(ValueError, match=r"beta must be in \[0.0, 1.0\)"):
        heavy_ball(0.1, 1.2)
    with pytest.raises(TypeError, match="eta must be a real number"):
        heavy_ball("fast", 0.5)
    with pytest.raises(ValueError, match="block_starts"):
        adaptive_momentum(0.1, 0.5, block_starts=[1, 3]).init(np.zeros(5))
    net, w0, X, Y = _net_data()
    with pytest.raises(ValueError, match="iters must be an integer"):
        train(net, w0, X, Y, gradient_descent(0.1), 0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        train(net, w0, np.zeros((8, 4)), Y, gradient_descent(0.1), 5)
    with pytest.raises(ValueError, match=r"w must have shape"):
        train(net, w0[:-2], X, Y, gradient_descent(0.1), 5)
    with pytest.raises(ValueError, match="reduction"):
        train(net, w0, X, Y, gradient_descent(0.1), 5, reduction="avg")
    with pytest.raises(TypeError, match="opt must be an optdyn.core.optim.Optimizer"):
        train(net, w0, X, Y, lambda g: g, 5)
