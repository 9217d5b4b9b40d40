"""Closed forms, data sets and metrics: Example 1, ray solutions, plateau detection."""
import math

import numpy as np
import pytest

from optdyn.papers.saddle_to_saddle import (CIRCLE_RANK1_BOUND, ReLUChain, adaptive_escape_slope, circle_data,
                            circle_rank2_construction, count_large_svals, detect_plateaus, envelope_check,
                            rank_defect, ray_escape_steps, ray_norm, relu_gap, ridge_teacher, sv_ratio,
                            upper_envelope)
from optdyn.papers.saddle_to_saddle.checks import fisher_one_sided
from optdyn.papers.saddle_to_saddle.metrics import plateau_ranks


def test_circle_rank2_construction_speed_half():
    X, Y, G = circle_data()
    for L in (3, 5):
        m = ReLUChain((2, 4) + (1,) * (L - 1))
        w = m.from_weights(circle_rank2_construction(L))
        np.testing.assert_allclose(m.layer_sq_norms(w), 1.0, rtol=1e-15)
        assert m.speed(w, X, G) == pytest.approx(0.5, abs=1e-12)
        y = m.predict(w, X)[:, 0]
        np.testing.assert_allclose(y, np.maximum(np.abs(X[:, 0]) - np.abs(X[:, 1]), 0) / 4, atol=1e-15)
    assert rank_defect(circle_rank2_construction()[0]) == pytest.approx(0.5)


def test_circle_rank_one_first_layer_bounded_by_sqrt2_minus_1():
    X, Y, G = circle_data()
    th = np.linspace(0, 2 * np.pi, 721)
    # rank-one first layer W1 = u c^T: y = A (u.x)_+ + B (u.x)_- with |A| cos + |B| sin structure, so
    # the speed is at most max(|P(u)|, |P(-u)|), P(u) = sum_k -g_k (u.x_k)_+, maximised over unit u
    best = 0.0
    for t in th:
        p = X @ np.array([np.cos(t), np.sin(t)])
        best = max(best, abs(np.sum(-G[:, 0] * np.maximum(p, 0))))
    assert best == pytest.approx(CIRCLE_RANK1_BOUND, abs=1e-9)
    assert Y[0, 0] == 1 and Y[1, 0] == -1 and G[0, 0] == -1


def test_ray_formulas():
    # L >= 3 ray ODE d lambda/dt = s lambda^(L-1), checked by RK-free fine Euler integration
    for L in (3, 4):
        lam, s, dt = 0.1, 1.3, 1e-4
        T = 0.0
        while lam < 0.5:
            lam += dt * s * lam ** (L - 1)
            T += dt
        assert T == pytest.approx(ray_escape_steps(0.1, 1.3, L, lr=1.0, r_stop=0.5), rel=2e-3)
        assert ray_norm(T, 0.1, 1.3, L) == pytest.approx(0.5, rel=2e-3)
    assert ray_norm(2.0, 0.1, 1.0, 2) == pytest.approx(0.1 * math.e**2)
    assert np.isinf(ray_norm(1e9, 0.1, 1.0, 3))
    # L = 2 discrete count and adaptive slope
    assert ray_escape_steps(1e-3, 2.0, 2, 0.05, 0.5) == pytest.approx(math.log(500) / math.log(1.1))
    assert adaptive_escape_slope(2.5, 0.1) == pytest.approx(1 / math.log(1.25))
    with pytest.raises(ValueError, match="r_stop"):
        ray_escape_steps(0.6, 1.0, 3, 0.1, 0.5)
    with pytest.raises(ValueError, match="L must be"):
        ray_escape_steps(0.1, 1.0, 1, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        ray_escape_steps(0.0, 1.0, 3, 0.1)


def test_metrics():
    u, v = np.array([1.0, 2.0, 2.0]), np.array([3.0, 4.0])
    W = np.outer(u, v)
    assert rank_defect(W) == pytest.approx(0.0, abs=1e-15) and sv_ratio(W) < 1e-15
    D = np.diag([2.0, 1.0])
    assert rank_defect(D) == pytest.approx(0.2) and sv_ratio(D) == pytest.approx(0.5)
    assert count_large_svals([1.0, 0.3, 0.2], 0.25) == 2
    assert relu_gap(np.array([[1.0, -1.0]])) == pytest.approx(0.5)
    c, ok = envelope_check([0.5, 0.01, 0.0, 0.0])
    assert ok and c == pytest.approx(0.5)
    c, ok = envelope_check([0.1, 0.01, 0.3, 0.0])
    assert not ok and c == pytest.approx(np.sqrt(3) * 0.3)
    np.testing.assert_allclose(upper_envelope([0.5, 0.1, 1e-12, 0.2]), [0.5, 0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="tau"):
        count_large_svals([1.0], 1.5)


def test_plateau_detection_on_synthetic_staircase():
    steps = np.arange(0, 10000, 10)
    levels = [5.0, 1.0, 0.25, 1e-4]
    edges = [0, 1500, 4500, 8000]
    loss = np.full(steps.shape, levels[0])
    for k in range(1, 4):  # smooth sigmoidal drops
        t = 1 / (1 + np.exp(-(steps - edges[k]) / 40))
        loss = loss * (1 - t) + loss * (levels[k] / levels[k - 1]) * t
    loss *= 1 + 0.001 * np.sin(steps / 7)
    pls = detect_plateaus(steps, loss, window=200, tol=0.02, min_len=300)
    assert len(pls) == 4
    for (a, b, lev), L0 in zip(pls, levels):
        assert lev == pytest.approx(L0, rel=0.02)
    assert pls[1][0] > 1500 and pls[1][1] < 4500
    # interior plateaus + rank read-out
    sv_steps = np.arange(0, 10000, 50)
    svals = np.array([[1.0, 0.1 if s < 4500 else 0.6] for s in sv_steps])
    pl, ranks = plateau_ranks(steps, loss, sv_steps, svals, C0=5.0)
    assert len(pl) == 2 and ranks == [1, 2]
    # a straight exponential decay has no plateau
    assert detect_plateaus(steps, np.exp(-steps / 500.0)) == []
    with pytest.raises(ValueError, match="window"):
        detect_plateaus(steps, loss, window=0)
    with pytest.raises(ValueError, match="positive"):
        detect_plateaus(steps, -loss)


def test_data_sets_and_fisher():
    X, Y = ridge_teacher(d=6, N=50, a=(3.0, 1.0), rng=0)
    X2, Y2 = ridge_teacher(d=6, N=50, a=(3.0, 1.0), rng=0)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (50, 6) and Y.shape == (50, 2) and np.all(Y >= 0)
    with pytest.raises(ValueError, match="a must"):
        ridge_teacher(a=(1.0, -1.0), rng=0)
    with pytest.raises(ValueError, match="len"):
        ridge_teacher(d=2, a=(1.0, 1.0, 1.0), rng=0)
    with pytest.raises(ValueError, match="even"):
        circle_data(7)
    assert fisher_one_sided(10, 1, 20) < 0.01 and fisher_one_sided(1, 1, 20) > 0.5
