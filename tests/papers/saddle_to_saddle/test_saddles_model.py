"""Network adapter: gradients vs finite differences (via optdyn.core.nets), homogeneity, Euler identity."""
import numpy as np
import pytest

from optdyn.papers.saddle_to_saddle import ReLUChain, circle_data, cost_gradient_at_zero, ridge_teacher, speed_upper_bound


def _fd_grad(f, w, h=1e-6):
    g = np.empty_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


@pytest.mark.parametrize("depth", [2, 3, 4, 6])
def test_local_and_mse_gradients_match_central_differences(depth):
    rng = np.random.default_rng(depth)
    X, Y = ridge_teacher(d=4, N=12, a=(2.0, 1.0), rng=rng)
    G = cost_gradient_at_zero(Y)
    m = ReLUChain((4,) + (5,) * (depth - 1) + (2,))
    w = m.init(rng, 2.5)  # per-layer gain O(1), so deep pre-activations are not tiny
    # away from kinks: every pre-activation is either exactly 0 (a dead input row, locally constant)
    # or farther than 1e-5 from 0 (the finite-difference step is 1e-6)
    for Z in m.hidden_preactivations(w, X):
        assert np.all((Z == 0) | (np.abs(Z) > 1e-5))
    L0, g = m.local_loss_and_grad(w, X, G)
    assert L0 == pytest.approx(m.local_loss(w, X, G), rel=1e-12)
    gfd = _fd_grad(lambda v: m.local_loss(v, X, G), w)
    assert np.linalg.norm(g - gfd) / np.linalg.norm(g) < 1e-6
    E, gm = m.mse_loss_and_grad(w, X, Y)
    assert E == pytest.approx(0.5 * np.sum((m.predict(w, X) - Y) ** 2) / X.shape[0], rel=1e-12)
    gfd = _fd_grad(lambda v: m.mse_loss_and_grad(v, X, Y)[0], w)
    assert np.linalg.norm(gm - gfd) / np.linalg.norm(gm) < 1e-6


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_homogeneity_and_euler_identities(depth):
    rng = np.random.default_rng(10 + depth)
    X, Y = ridge_teacher(d=3, N=20, a=(1.0,), rng=rng)
    G = cost_gradient_at_zero(Y)
    m = ReLUChain((3,) + (6,) * (depth - 1) + (1,))
    w = m.init(rng, 0.7)
    lam = 1.7
    np.testing.assert_allclose(m.predict(lam * w, X), lam**depth * m.predict(w, X), rtol=1e-12, atol=1e-14)
    # per-layer 1-homogeneity: scaling one layer scales the output
    lay = m.expand(np.where(np.arange(depth) == 1, 3.0, 1.0))
    np.testing.assert_allclose(m.predict(w * lay, X), 3.0 * m.predict(w, X), rtol=1e-12, atol=1e-14)
    L0, g = m.local_loss_and_grad(w, X, G)
    assert np.dot(w, g) == pytest.approx(depth * L0, rel=1e-10)          # <theta, grad L0> = L L0
    per_layer = m.layer_dot(w, g)
    np.testing.assert_allclose(per_layer, L0, rtol=1e-10)                 # <W_l, grad_l L0> = L0


def test_batched_runs_equal_single_runs():
    rng = np.random.default_rng(3)
    X, Y = ridge_teacher(d=4, N=16, a=(1.0, 0.5), rng=rng)
    G = cost_gradient_at_zero(Y)
    m = ReLUChain((4, 5, 5, 2))
    W = m.init(rng, 1.0, runs=3)
    L0b, gb = m.local_loss_and_grad(W, X, G)
    for r in range(3):
        L0, g = m.local_loss_and_grad(W[r], X, G)
        assert L0b[r] == pytest.approx(L0, rel=1e-12)
        np.testing.assert_allclose(gb[r], g, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.speed(W, X, G), [m.speed(W[r], X, G) for r in range(3)], rtol=1e-12)


def test_normalize_speed_and_upper_bound():
    X, _, G = circle_data()
    m = ReLUChain((2, 8, 8, 1))
    W = m.init(0, 0.01, runs=50)
    np.testing.assert_allclose(m.layer_sq_norms(m.normalize(W)), 1.0, rtol=1e-13)
    s = m.speed(W, X, G)
    assert np.all(np.abs(s) <= speed_upper_bound(X, G) + 1e-12)
    assert speed_upper_bound(X, G) == pytest.approx(8.0)
    # speed is scale invariant per layer
    np.testing.assert_allclose(m.speed(W * m.expand([2.0, 0.5, 3.0]), X, G), s, rtol=1e-12)


def test_validation_messages():
    with pytest.raises(ValueError, match="depth L"):
        ReLUChain((3, 1))
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        ReLUChain((3, 0, 1))
    with pytest.raises(ValueError, match=r"widths\[2\]"):
        ReLUChain((3, 4, -2, 1))
    m = ReLUChain((3, 4, 1))
    with pytest.raises(ValueError, match="alpha"):
        m.init(0, 0.0)
    with pytest.raises(ValueError, match="alpha"):
        m.init(0, -1e-3)
    with pytest.raises(ValueError, match="all-zero layer"):
        m.normalize(np.zeros(m.size))
