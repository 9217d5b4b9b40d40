"""Solver and GD trainer: Example 1 optimum, KKT points, aligned escape time vs the closed form."""
import numpy as np
import pytest

from optdyn.papers.saddle_to_saddle import (ReLUChain, circle_data, circle_rank2_construction, cost_gradient_at_zero,
                            optimal_escape_direction, ray_escape_steps, ridge_teacher, train_gd)


def test_solver_reaches_half_on_circle():
    X, _, G = circle_data()
    m = ReLUChain((2, 16, 16, 1))
    res = optimal_escape_direction(m, X, G, rng=0, n_restarts=24, n_iter=1500, step0=0.1)
    assert 0.49 <= res.speed <= 0.5 + 1e-6
    np.testing.assert_allclose(m.layer_sq_norms(res.restart_w), 1.0, rtol=1e-12)
    assert np.all(np.diff(res.history) > -1e-9) or res.history[-1] >= res.history.max() - 1e-3
    # starting from the construction (widths 4 -> 1), the solver stays at speed 1/2
    m2 = ReLUChain((2, 4, 1, 1))
    w0 = m2.from_weights(circle_rank2_construction())[None]
    r2 = optimal_escape_direction(m2, X, G, rng=0, n_restarts=1, n_iter=200, step0=1e-3, step1=1e-4, init=w0)
    assert 0.499 <= r2.speed <= 0.5 + 1e-12  # normalised steps jitter O(step) around the kink optimum
    # a rank-one first layer (width 1) cannot beat sqrt(2) - 1 (Example 1)
    m1 = ReLUChain((2, 1, 8, 1))
    r1 = optimal_escape_direction(m1, X, G, rng=1, n_restarts=8, n_iter=800, step0=0.1)
    assert r1.speed <= np.sqrt(2) - 1 + 1e-9 and r1.speed > np.sqrt(2) - 1 - 1e-3


def test_solver_kkt_on_ridge_teacher_and_reproducible():
    X, Y = ridge_teacher(d=6, N=64, a=(2.0, 1.0), rng=1)
    G = cost_gradient_at_zero(Y)
    m = ReLUChain((6, 8, 8, 2))
    a = optimal_escape_direction(m, X, G, rng=5, n_restarts=2, n_iter=1500)
    b = optimal_escape_direction(m, X, G, rng=5, n_restarts=2, n_iter=1500)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.kkt < 5e-3 and a.speed > 0
    # s = -L0(rho) and grad L0(rho) = -s rho up to the residual
    L0, g = m.local_loss_and_grad(a.w, X, G)
    assert -L0 == pytest.approx(a.speed, rel=1e-12)


def test_aligned_escape_time_matches_closed_form():
    X, Y = ridge_teacher(d=6, N=64, a=(2.0, 1.0), rng=1)
    G = cost_gradient_at_zero(Y)
    for L, alphas in ((2, [1e-3, 1e-2]), (3, [0.02, 0.05])):
        m = ReLUChain((6,) + (8,) * (L - 1) + (2,))
        rho = optimal_escape_direction(m, X, G, rng=2, n_restarts=2, n_iter=1500)
        w0 = np.array(alphas)[:, None] * rho.w[None]
        res = train_gd(m, X, Y, w0, 50000, lr=0.02, record_every=10**6, record_speed=False, stop_norm=0.5)
        for T, a in zip(res.stop_step, alphas):
            pred = ray_escape_steps(a, rho.speed, L, 0.02, 0.5)
            assert abs(T - pred) <= 0.03 * pred + 1, (L, a, T, pred)


def test_trainer_vectorised_equals_loop_and_validation():
    X, Y = ridge_teacher(d=4, N=32, a=(1.0,), rng=3)
    m = ReLUChain((4, 6, 6, 1))
    W = m.init(4, 0.3, runs=2)
    kw = dict(lr_mode="adaptive", c=0.1, record_every=5, sv_steps=[0, 20], top_k=3)
    rb = train_gd(m, X, Y, W, 40, **kw)
    for r in range(2):
        rs = train_gd(m, X, Y, W[r], 40, **kw)
        np.testing.assert_allclose(rb.loss[:, r], rs.loss[:, 0], rtol=1e-12)
        np.testing.assert_allclose(rb.w[r], rs.w[0], rtol=1e-12)
        np.testing.assert_allclose(rb.svals[:, r], rs.svals[:, 0], rtol=1e-12)
    assert rb.svals.shape == (2, 2, 3, 3)
    with pytest.raises(ValueError, match="lr_mode"):
        train_gd(m, X, Y, W, 10, lr_mode="cosine")
    with pytest.raises(ValueError, match="lr"):
        train_gd(m, X, Y, W, 10, lr=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        train_gd(m, X, Y, W, 0)
    with pytest.raises(ValueError, match="w0"):
        train_gd(m, X, Y, np.zeros(3), 10)
    with pytest.raises(ValueError, match="n_restarts"):
        optimal_escape_direction(m, X, -Y / 32, rng=0, n_restarts=0)
    with pytest.raises(ValueError, match="step1"):
        optimal_escape_direction(m, X, -Y / 32, rng=0, step0=1e-3, step1=1e-2)


def test_parallel_map_equals_serial_and_layer_report():
    from optdyn.papers.saddle_to_saddle import experiments as ex

    X, _, G = circle_data()
    tasks = [dict(widths=(2, 6, 6, 1), X=X, G=G, rng=s, n_restarts=3, n_iter=100) for s in range(3)]
    a = ex.parallel_map(ex.solve_depth, tasks, n_jobs=1)
    b = ex.parallel_map(ex.solve_depth, tasks, n_jobs=2)
    for ra, rb in zip(a, b):
        np.testing.assert_array_equal(ra.restart_w, rb.restart_w)
    m = ReLUChain((2, 4, 1, 1))
    rep = ex.layer_report(m, m.from_weights(circle_rank2_construction()), X)
    np.testing.assert_allclose(rep["eps"], [0.5, 0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(rep["relu_gap"], [0.5, 0.5], atol=1e-12)
    with pytest.raises(ValueError, match="n_jobs"):
        ex.parallel_map(ex.solve_depth, tasks, n_jobs=0)
