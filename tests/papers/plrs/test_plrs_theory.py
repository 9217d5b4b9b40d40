"""Landscapes, sphere noise and the Lemma 1 / Theorem 1 closed forms vs Monte Carlo."""
import numpy as np
import pytest

from optdyn.papers.plrs import (
    IsotropicQuadratic,
    QuarticSaddle,
    lemma1_samples,
    lemma1_second_moment,
    noise_decomposition,
    one_step_change_mc,
    plrs_moments,
    sphere_noise,
    thm1_bound,
    thm1_expected_change,
    thm1_threshold,
)


def test_quartic_gradient_hessian_finite_differences():
    q = QuarticSaddle(d=4, gamma=1.3, lam_pos=0.7)
    x = np.array([[0.4, -0.2, 0.9, 0.1]])
    eps = 1e-6
    fd = np.array([(q.f(x + eps * e) - q.f(x - eps * e))[0] / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(q.grad(x)[0], fd, rtol=1e-7, atol=1e-9)
    fdh = np.array([(q.grad(x + eps * e) - q.grad(x - eps * e))[0] / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(q.hess(x[0]), fdh, atol=1e-6)
    assert q.hess(q.saddle)[0, 0] == -1.3
    np.testing.assert_allclose(q.f(q.minima), [q.f_min] * 2)
    np.testing.assert_allclose(q.grad(q.minima), 0.0)
    assert q.trace_hessian_at_saddle() == pytest.approx(3 * 0.7 - 1.3)
    assert QuarticSaddle().beta == 2.0 and QuarticSaddle().alpha == 1.0


def test_sphere_noise_norm_and_mean():
    xi = sphere_noise(np.random.default_rng(0), (20000, 5), 0.3)
    np.testing.assert_allclose(np.linalg.norm(xi, axis=1), 0.3)
    assert np.all(np.abs(xi.mean(axis=0)) < 4 * 0.3 / np.sqrt(5) / np.sqrt(20000))
    assert np.all(sphere_noise(0, (3, 2), 0.0) == 0)
    with pytest.raises(ValueError, match="radius"):
        sphere_noise(0, (3, 2), -1.0)


def test_moments_and_threshold():
    eta_c, s2 = plrs_moments(0.07, 0.1)
    assert eta_c == pytest.approx(0.085) and s2 == pytest.approx(0.03**2 / 12)
    assert s2 <= eta_c**2 / 3
    assert thm1_threshold(0.085, 2.0, 0.01) == pytest.approx(np.sqrt(3 * 0.085 * 2 * 0.01))
    with pytest.raises(ValueError, match="l_min must be <= l_max"):
        plrs_moments(0.2, 0.1)
    with pytest.raises(ValueError, match="beta"):
        thm1_threshold(0.1, 0.0, 0.01)


def test_noise_decomposition_reconstructs_the_update():
    rng = np.random.default_rng(1)
    g, grad = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    eta = rng.uniform(0.1, 0.3, 6)
    w = noise_decomposition(g, grad, eta, 0.2)
    np.testing.assert_allclose(eta[:, None] * g, 0.2 * grad + w)


def test_lemma1_mean_zero_and_second_moment_mc():
    q = QuarticSaddle()
    x = np.full(10, 0.3)
    W, grad = lemma1_samples(q, x, 0.05, 0.2, 0.5, 200_000, np.random.default_rng(2))
    se = W.std(axis=0, ddof=1) / np.sqrt(W.shape[0])
    assert np.all(np.abs(W.mean(axis=0)) < 4.5 * se)
    m2 = (W**2).sum(axis=1)
    cf = lemma1_second_moment(float(grad @ grad), 0.25, 0.05, 0.2)
    assert abs(m2.mean() - cf) < 4 * m2.std(ddof=1) / np.sqrt(m2.size)
    Wd, _ = lemma1_samples(q, x, 0.05, 0.2, 0.5, 200_000, np.random.default_rng(2), dependent=True)
    assert abs(Wd[:, 0].mean()) > 10 * se[0]  # dependence breaks the zero mean


@pytest.mark.parametrize("l_min, l_max, gmult", [(0.02, 0.4, 1.0), (0.3, 0.9, 2.0), (0.07, 0.1, 4.0)])
def test_thm1_identity_equality_on_isotropic_quadratic(l_min, l_max, gmult):
    beta, sigma = 1.0, 0.1
    q = IsotropicQuadratic(d=10, beta=beta)
    eta_c, _ = plrs_moments(l_min, l_max)
    gn = gmult * thm1_threshold(eta_c, beta, sigma**2)
    x = np.zeros(10)
    x[0] = gn / beta
    m, se = one_step_change_mc(q, x, l_min, l_max, sigma, 200_000, np.random.default_rng(3))
    cf = thm1_expected_change(gn**2, beta, l_min, l_max, sigma**2)
    assert abs(m - cf) < 4 * se
    assert cf <= thm1_bound(eta_c, gn**2)


def test_thm1_bound_is_violated_below_threshold():
    eta_c, _ = plrs_moments(0.2, 0.5)
    gn = 0.1 * thm1_threshold(eta_c, 1.0, 0.01)
    assert thm1_expected_change(gn**2, 1.0, 0.2, 0.5, 0.01) > thm1_bound(eta_c, gn**2)
