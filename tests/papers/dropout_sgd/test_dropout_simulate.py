"""Simulators: vectorised runs equal scalar loops, seeds reproduce, stationary moments match theory."""
import numpy as np
import pytest

from optdyn.papers.dropout_sgd import (
    GaussianDesign, coupled_sq_distance, expected_sq_distance, fixed_design, gd_alpha_max, gd_dropout_run, gd_moments,
    nbm_covariance_offline, paper_beta_star, sgd_dropout_run, sgd_identity_closed_form, stationary_covariance,
    toeplitz_cov,
)


def test_sgd_R1_equals_scalar_loop():
    d, p, a, n = 4, 0.8, 0.1, 300
    des = GaussianDesign(paper_beta_star(d), toeplitz_cov(d, 0.3), sigma=0.5)
    res = sgd_dropout_run(des, p, a, n, 1, np.random.default_rng(7), beta0=0.2, chunk=n, record_path=True,
                          average=True, checkpoints=[n])
    rng = np.random.default_rng(7)  # documented draw order: features, noise, mask uniforms (one chunk)
    x = rng.standard_normal((n, 1, d)) @ np.linalg.cholesky(des.cov).T
    y = x @ des.beta_star + 0.5 * rng.standard_normal((n, 1))
    u = rng.random((n, 1, d))
    beta = np.full(d, 0.2)
    path = []
    for k in range(n):
        D = np.diag((u[k, 0] < p).astype(float))
        xk = x[k, 0]
        beta = beta + a * D @ xk * (y[k, 0] - xk @ D @ beta)
        path.append(beta)
    np.testing.assert_allclose(res.path[:, 0], np.array(path), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(res.avg[-1, 0], np.mean(path, axis=0), rtol=1e-12)


def test_gd_R1_equals_scalar_loop():
    X, y = fixed_design(30, paper_beta_star(3), np.random.default_rng(0))
    p, n = 0.6, 200
    a = 0.5 * gd_alpha_max(X)
    res = gd_dropout_run(X, y, p, a, n, 1, np.random.default_rng(5), chunk=64, record_path=True)
    rng = np.random.default_rng(5)
    beta = np.zeros(3)
    k = 0
    while k < n:
        c = min(64, n - k)
        u = rng.random((c, 1, 3))
        for t in range(c):
            D = np.diag((u[t, 0] < p).astype(float))
            beta = beta + a * D @ X.T @ (y - X @ D @ beta)
            k += 1
            np.testing.assert_allclose(res.path[k - 1, 0], beta, rtol=1e-12, atol=1e-13)


def test_seeds_reproduce_and_differ():
    des = GaussianDesign(paper_beta_star(3))
    kw = dict(checkpoints=[50, 100], average=True, online_cov=True)
    r1 = sgd_dropout_run(des, 0.9, 0.1, 100, 5, 11, **kw)
    r2 = sgd_dropout_run(des, 0.9, 0.1, 100, 5, np.random.default_rng(11), **kw)
    r3 = sgd_dropout_run(des, 0.9, 0.1, 100, 5, 12, **kw)
    np.testing.assert_array_equal(r1.cov_hat, r2.cov_hat)
    np.testing.assert_array_equal(r1.avg, r2.avg)
    assert not np.allclose(r1.avg, r3.avg)


def test_engine_online_cov_equals_offline_formula():
    # Checkpoints inside blocks (blocks start at 1, 4, 9, ..., 2401, 2500): 1e-10.
    des = GaussianDesign(paper_beta_star(3))
    cps = [2, 7, 50, 1000, 2403, 2499, 2500, 2777]
    res = sgd_dropout_run(des, 0.9, 0.1, 2777, 4, 3, checkpoints=cps, average=True, online_cov=True, record_path=True)
    for i, k in enumerate(cps):
        np.testing.assert_allclose(res.cov_hat[i], nbm_covariance_offline(res.path[:k]), atol=1e-10, rtol=0)
        np.testing.assert_allclose(res.avg[i], res.path[:k].mean(0), atol=1e-12)


def test_gd_stationary_moments_match_theory():
    # R = 4000 chains, burn-in 400 steps from beta_tilde: mean within 4.5 SE, cov within 10% (Frobenius).
    X, y = fixed_design(100, paper_beta_star(5), np.random.default_rng(0))
    m = gd_moments(X, y, 0.9)
    a = 0.5 * gd_alpha_max(X)
    res = gd_dropout_run(X, y, 0.9, a, 400, 4000, 9, beta0=m.target)
    b = res.last
    se = b.std(0, ddof=1) / np.sqrt(b.shape[0])
    assert np.all(np.abs(b.mean(0) - m.target) < 4.5 * se)
    S = stationary_covariance(m, a)
    assert np.linalg.norm(np.cov(b.T) - S) / np.linalg.norm(S) < 0.10


def test_sgd_stationary_and_inverted_target():
    d, p, a = 5, 0.9, 0.1
    des = GaussianDesign(paper_beta_star(d))
    cf = sgd_identity_closed_form(d, p, a, des.beta_star)
    res = sgd_dropout_run(des, p, a, 300, 4000, 4, beta0=des.beta_star)
    assert np.linalg.norm(np.cov(res.last.T) - cf["S"]) / np.linalg.norm(cf["S"]) < 0.10
    inv = sgd_dropout_run(des, p, a, 300, 4000, 4, beta0=des.beta_star, mask_mode="inverted")
    # inverted dropout drifts to p beta* (pitfall P1): mean far (> 10 SE) from beta*.
    se = inv.last.std(0, ddof=1) / np.sqrt(4000)
    assert np.max(np.abs(inv.last.mean(0) - des.beta_star) / se) > 10


def test_coupled_pairs_contract_as_predicted():
    d, p, a, K, R = 5, 0.9, 0.1, 40, 3000
    des = GaussianDesign(paper_beta_star(d))
    sq = coupled_sq_distance("sgd", p, a, K, R, 2, np.zeros(d), np.ones(d), design=des)
    cf = sgd_identity_closed_form(d, p, a, des.beta_star)
    exact = d * cf["lam"] ** np.arange(K + 1)  # Sigma = I: E||Delta_k||^2 = lam^k ||Delta_0||^2
    z = (sq.mean(1) - exact) / (sq.std(1, ddof=1) / np.sqrt(R) + 1e-300)
    assert np.max(np.abs(z[1:])) < 5
    assert sq[0, 0] == pytest.approx(d)
    un = coupled_sq_distance("sgd", p, a, K, R, 2, np.zeros(d), np.ones(d), design=des, coupled=False)
    assert un[-1].mean() > 10 * sq[-1].mean()  # no contraction without coupling: ~2 tr S(alpha)
    # GD (d=5, p=0.9: the mean is not dominated by rare all-zero masks, unlike small d and p)
    X, y = fixed_design(100, paper_beta_star(5), np.random.default_rng(1))
    m = gd_moments(X, y, 0.9)
    a = 0.5 * gd_alpha_max(X)
    sq = coupled_sq_distance("gd", 0.9, a, 15, 3000, 3, 0.0, 1.0, X=X, y=y)
    ex = expected_sq_distance(m, a, np.ones(5), 15)
    z = (sq.mean(1)[1:] - ex[1:]) / (sq[1:].std(1, ddof=1) / np.sqrt(3000))
    assert np.max(np.abs(z)) < 5
