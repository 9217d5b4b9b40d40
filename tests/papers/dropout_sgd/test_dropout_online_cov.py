"""Online non-overlapping batch-means estimator: exact agreement with the offline formula and its expectation."""
import numpy as np
import pytest

from optdyn.papers.dropout_sgd import (
    BlockSchedule, GaussianDesign, OnlineNBMCovariance, long_run_covariance, nbm_covariance_offline, nbm_dof,
    nbm_expected_covariance, paper_beta_star, sgd_dropout_run, sgd_moments,
)


def test_block_schedule():
    s = BlockSchedule()
    np.testing.assert_array_equal(s.starts(30), [1, 4, 9, 16, 25])
    np.testing.assert_array_equal(s.lengths(10), [3, 5, 2])
    np.testing.assert_array_equal(BlockSchedule(1.0, 1.5).starts(12), [1, 2, 5, 8, 11])


def test_online_equals_offline_inside_blocks():
    rng = np.random.default_rng(0)
    n, R, d = 5000, 3, 3
    path = np.cumsum(rng.standard_normal((n, R, d)), 0) * 0.05 + 2.0 + rng.standard_normal((n, R, d))
    est = OnlineNBMCovariance(R, d)
    checks = {1, 2, 3, 4, 5, 10, 99, 1000, 2403, 4900, 4999, 5000}
    for k in range(n):
        est.update(path[k])
        if k + 1 in checks:
            off = nbm_covariance_offline(path[: k + 1])
            assert np.max(np.abs(est.covariance() - off)) < 1e-10
            np.testing.assert_allclose(est.mean, path[: k + 1].mean(0), atol=1e-12)
    # single-chain offline form and symmetry
    C = nbm_covariance_offline(path[:, 0])
    np.testing.assert_allclose(C, C.T)
    np.testing.assert_allclose(C, nbm_covariance_offline(path)[0])


def test_offline_formula_by_hand():
    path = np.arange(1.0, 11.0)[:, None]  # blocks {1,2,3}, {4..8}, {9,10}
    mean = 5.5
    sums = np.array([6.0, 30.0, 19.0])
    ell = np.array([3, 5, 2])
    expected = np.sum((sums - ell * mean) ** 2) / 10
    assert nbm_covariance_offline(path)[0, 0] == pytest.approx(expected)


def test_expected_covariance_vs_monte_carlo():
    # E[Sigma_hat_n] (exact, batch-means bias) vs the mean over R = 1500 runs from the stationary start region.
    d, p, a, n, R = 3, 0.9, 0.1, 3000, 1500
    des = GaussianDesign(paper_beta_star(d))
    m = sgd_moments(des, p)
    res = sgd_dropout_run(des, p, a, n, R, 5, beta0=0.0, online_cov=True, average=True)
    v = np.ones(d) / np.sqrt(d)
    q = np.einsum("i,rij,j->r", v, res.cov_hat[-1], v)
    e = nbm_expected_covariance(m, a, n, beta0=0.0)
    pred = v @ e["E_hat"] @ v
    assert abs(q.mean() - pred) < 4 * q.std(ddof=1) / np.sqrt(R)
    assert pred < v @ long_run_covariance(m, a) @ v  # biased low (pitfall P7)
    se_b = res.avg[-1].std(0, ddof=1) / np.sqrt(R)
    assert np.all(np.abs(res.avg[-1].mean(0) - m.target - e["mean_bias"]) < 4 * se_b)
    assert 0.7 * np.sqrt(n) < nbm_dof(n) < 0.8 * np.sqrt(n)
