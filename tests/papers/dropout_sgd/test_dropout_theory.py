"""Exact second-order theory of dropout SGD/GD: closed forms, identities, and Monte Carlo checks."""
import numpy as np
import pytest
from scipy.optimize import minimize

from optdyn.papers.dropout_sgd import (
    GaussianDesign, apply_L, asgd_exact_covariance, autocovariance, contraction_constant, dropout_marginal_gradient,
    dropout_marginal_objective, expected_sq_distance, fixed_design, gd_alpha_max, gd_dropout_target, gd_moments,
    inverted_dropout_target, long_run_covariance, lyapunov_limit, mask_moment_tensors, one_step_threshold,
    paper_beta_star, sandwich_covariance, second_moment_operator, second_moment_rate, sgd_dropout_target,
    sgd_identity_closed_form, sgd_moments, spectral_threshold, stationary_covariance, toeplitz_cov,
)


@pytest.fixture(scope="module")
def gd():
    X, y = fixed_design(100, paper_beta_star(5), np.random.default_rng(0))
    return X, y, gd_moments(X, y, 0.9)


@pytest.fixture(scope="module")
def toep():
    return sgd_moments(GaussianDesign(paper_beta_star(4), toeplitz_cov(4, 0.5)), 0.5)


def test_mask_moment_tensors():
    T2, T3, T4 = mask_moment_tensors(3, 0.7)
    assert T2[0, 0] == pytest.approx(0.7) and T2[0, 1] == pytest.approx(0.49)
    assert T3[1, 1, 1] == pytest.approx(0.7) and T3[0, 1, 0] == pytest.approx(0.49) and T3[0, 1, 2] == pytest.approx(0.343)
    assert T4[2, 0, 2, 0] == pytest.approx(0.49) and T4[0, 1, 2, 0] == pytest.approx(0.343)


def test_identity_closed_form_equals_general_solver():
    # Sigma = I closed form (brief 2.B.7) vs the d^2 x d^2 general solve: machine precision.
    for d, p, a in [(5, 0.9, 0.1), (6, 0.5, 0.05)]:
        bs = paper_beta_star(d)
        m = sgd_moments(GaussianDesign(bs), p)
        cf = sgd_identity_closed_form(d, p, a, bs)
        np.testing.assert_allclose(stationary_covariance(m, a), cf["S"], atol=1e-13)
        np.testing.assert_allclose(long_run_covariance(m, a), cf["Sigma_alpha"], atol=1e-12)
        np.testing.assert_allclose(sandwich_covariance(m), cf["sandwich"], atol=1e-12)
        assert contraction_constant(m, a) == pytest.approx(cf["lam"], abs=1e-12)
        assert second_moment_rate(m, a) == pytest.approx(cf["lam"], abs=1e-12)
        assert one_step_threshold(m) == pytest.approx(cf["threshold"], rel=1e-12)


def test_brief_table_values():
    # Table of brief Sec. 2.B (d=10, p=0.9, alpha=0.1): v'Sigma_alpha v = 3.211, sandwich 1.496, lambda = 0.920.
    d = 10
    cf = sgd_identity_closed_form(d, 0.9, 0.1, paper_beta_star(d))
    v = np.ones(d) / np.sqrt(d)
    assert v @ cf["Sigma_alpha"] @ v == pytest.approx(3.211, abs=1e-3)
    assert v @ cf["sandwich"] @ v == pytest.approx(1.496, abs=1e-3)
    assert cf["lam"] == pytest.approx(0.9199, abs=1e-4)


def test_long_run_two_formulas_and_autocovariances(toep):
    a = 0.4 * one_step_threshold(toep)
    S = stationary_covariance(toep, a)
    Sig = long_run_covariance(toep, a)
    Hi = np.linalg.inv(a * toep.H)
    np.testing.assert_allclose(Sig, Hi @ S + S @ Hi - S, atol=1e-10)
    # S solves S = E[A S A] + alpha^2 Vxi
    np.testing.assert_allclose(S - a * (toep.H @ S + S @ toep.H) + a * a * apply_L(toep, S) + a * a * toep.Vxi, S, atol=1e-13)
    # Sigma_alpha = sum_h Gamma(h) (truncated sum)
    tot = S.copy()
    for h in range(1, 400):
        G = autocovariance(toep, a, h)
        tot += G + G.T
    np.testing.assert_allclose(tot, Sig, atol=1e-8)
    # n Cov(beta_bar_n) -> Sigma_alpha at rate 1/n
    assert np.abs(1e6 * asgd_exact_covariance(toep, a, 10**6) - Sig).max() < 1e-3 * np.abs(Sig).max()


def test_small_step_limits(gd):
    X, y, m = gd
    S0 = lyapunov_limit(m)
    errs = [np.linalg.norm(stationary_covariance(m, a) / a - S0) / np.linalg.norm(S0) for a in (1e-3, 1e-4)]
    assert errs[1] < errs[0] < 0.05 and errs[0] / errs[1] == pytest.approx(10, rel=0.1)  # linear in alpha
    a = 1e-5
    np.testing.assert_allclose(long_run_covariance(m, a), sandwich_covariance(m), rtol=1e-3)


def test_thresholds(gd):
    X, y, m = gd
    amax = gd_alpha_max(X)
    ac = one_step_threshold(m)
    assert ac >= amax
    assert contraction_constant(m, ac) == pytest.approx(1.0, abs=1e-9)
    for f in np.linspace(0.1, 1.0, 10):
        assert contraction_constant(m, f * amax) < 1
    for f in np.linspace(0.1, 1.6, 16):
        assert second_moment_rate(m, f * amax) <= contraction_constant(m, f * amax) + 1e-12
    ar = spectral_threshold(m)
    assert ar >= ac and second_moment_rate(m, ar) == pytest.approx(1.0, abs=1e-9)
    T = second_moment_operator(m, 0.5 * amax)
    np.testing.assert_allclose(T, T.T, atol=1e-14)


def test_expected_sq_distance_matches_operator_power(gd):
    X, y, m = gd
    a = 0.5 * gd_alpha_max(X)
    d0 = np.ones(5)
    T = second_moment_operator(m, a)
    v = np.outer(d0, d0).ravel()
    e = expected_sq_distance(m, a, d0, 7)
    for k in range(8):
        assert e[k] == pytest.approx(np.trace((np.linalg.matrix_power(T, k) @ v).reshape(5, 5)), rel=1e-10)


def test_moments_vs_monte_carlo_sgd(toep):
    # H, E[A'A], L(S) and V_xi against 2e5 Monte Carlo draws: tolerance 3% (brief 2.C: ~1% observed).
    rng = np.random.default_rng(1)
    d, p, n = 4, 0.5, 200_000
    des = GaussianDesign(paper_beta_star(d), toeplitz_cov(d, 0.5))
    x, y = des.sample(rng, (n,))
    xm = x * (rng.random((n, d)) < p)
    b = toep.target
    xi = xm * (y - xm @ b)[:, None]
    assert np.abs(xi.mean(0)).max() < 4 * xi.std(0).max() / np.sqrt(n)
    Vmc = xi.T @ xi / n
    assert np.linalg.norm(Vmc - toep.Vxi) / np.linalg.norm(toep.Vxi) < 0.03
    np.testing.assert_allclose(xm.T @ xm / n, toep.H, atol=0.02)
    S = np.diag([1.0, 2.0, 0.5, 1.5]) + 0.3
    q = np.einsum("ni,ij,nj->n", xm, S, xm)
    Lmc = np.einsum("ni,n,nj->ij", xm, q, xm) / n
    assert np.linalg.norm(Lmc - apply_L(toep, S)) / np.linalg.norm(apply_L(toep, S)) < 0.03


def test_moments_vs_monte_carlo_gd(gd):
    X, y, m = gd
    rng = np.random.default_rng(2)
    a = gd_alpha_max(X)
    masks = (rng.random((20000, 5)) < 0.9).astype(float)
    G = X.T @ X
    B = masks[:, :, None] * G[None] * masks[:, None, :]
    A = np.eye(5) - a * B
    lam_mc = np.linalg.eigvalsh(np.einsum("nij,njk->ik", A, A) / 20000)[-1]
    assert abs(lam_mc - contraction_constant(m, a)) / contraction_constant(m, a) < 0.02
    xi = masks * (X.T @ y - (masks * m.target) @ G)
    assert np.linalg.norm(xi.T @ xi / 20000 - m.Vxi) / np.linalg.norm(m.Vxi) < 0.05


def test_targets():
    X, y = fixed_design(100, paper_beta_star(5), np.random.default_rng(3))
    p = 0.7
    bt = gd_dropout_target(X, y, p)
    g = dropout_marginal_gradient(bt, X, y, p)
    assert np.linalg.norm(g) < 1e-10 * np.linalg.norm(X.T @ y)
    res = minimize(dropout_marginal_objective, np.zeros(5), args=(X, y, p), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(res.x, bt, atol=1e-6)
    # Monte Carlo marginalisation of the objective
    rng = np.random.default_rng(4)
    b = rng.standard_normal(5)
    D = rng.random((40000, 5)) < p
    mc = np.mean(((y[None] - (D * b) @ X.T) ** 2).sum(1))
    assert mc == pytest.approx(dropout_marginal_objective(b, X, y, p), rel=0.01)
    bs = paper_beta_star(5)
    np.testing.assert_allclose(sgd_dropout_target(np.diag([1.0, 2, 3, 4, 5]), bs, 0.5), bs, atol=1e-12)
    assert np.linalg.norm(sgd_dropout_target(toeplitz_cov(5, 0.5), bs, 0.5) - bs) > 0.1
    np.testing.assert_allclose(inverted_dropout_target(np.eye(5), bs, 0.6), 0.6 * bs, atol=1e-12)


def test_mean_transient_equals_l2_gd_iterates(gd):
    # E[beta_k] = b_k (the l2-regularised GD iterates), so E beta_bar_n - beta_tilde = mean(b_1..b_n) - beta_tilde.
    from optdyn.papers.dropout_sgd import asgd_mean_bias, l2_gd_iterates, nbm_expected_covariance

    X, y, m = gd
    a, n = 0.4 * gd_alpha_max(X), 60
    b = l2_gd_iterates(X, y, 0.9, a, n, beta0=0.0)
    np.testing.assert_allclose(asgd_mean_bias(m, a, n, 0.0), b[1:].mean(0) - m.target, atol=1e-12)
    np.testing.assert_allclose(nbm_expected_covariance(m, a, n, beta0=0.0)["mean_bias"], b[1:].mean(0) - m.target, atol=1e-12)
    np.testing.assert_allclose(b[-1], m.target, atol=1e-6)
