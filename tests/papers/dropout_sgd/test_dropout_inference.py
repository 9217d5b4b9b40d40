"""Intervals, Wald statistics and coverage predictions."""
import numpy as np
import pytest
from scipy import stats as st

from optdyn.papers.dropout_sgd import (
    joint_covered, predicted_joint_coverage, predicted_projection_coverage, projection_ci, projection_covered, wald_statistic,
)


def test_projection_ci_and_coverage_gaussian():
    rng = np.random.default_rng(0)
    d, R, n = 3, 20000, 100
    C = np.array([[2.0, 0.5, 0], [0.5, 1.0, 0.2], [0, 0.2, 1.5]])
    avg = rng.multivariate_normal(np.ones(d), C / n, size=R)
    v = np.array([1.0, -1.0, 0.5])
    lo, hi = projection_ci(avg, C, n, v)
    half = 1.959964 * np.sqrt(v @ C @ v / n)
    np.testing.assert_allclose(hi - lo, 2 * half, rtol=1e-6)
    cov = projection_covered(avg, C, n, v, np.ones(d)).mean()
    assert abs(cov - 0.95) < 4 * np.sqrt(0.95 * 0.05 / R)
    w = wald_statistic(avg, np.ones(d), C, n)
    assert st.kstest(w, st.chi2(d).cdf).pvalue > 1e-3
    np.testing.assert_allclose(w, wald_statistic(avg, np.ones(d), np.broadcast_to(C, (R, d, d)), n))
    assert abs(joint_covered(avg, np.ones(d), C, n).mean() - 0.95) < 4 * np.sqrt(0.95 * 0.05 / R)
    lo_d, hi_d = projection_ci(avg, C, n, v, diag_only=True)
    np.testing.assert_allclose(hi_d - lo_d, 2 * 1.959964 * np.sqrt(v**2 @ np.diag(C) / n), rtol=1e-6)


def test_predicted_coverage():
    # nu -> t distribution; bias and variance ratio shift it as Gaussian algebra says.
    for nu in (8, 50, 300):
        assert predicted_projection_coverage(1.0, 1.0, nu) == pytest.approx(2 * st.t.cdf(1.959964, nu) - 1, abs=1e-7)
    assert predicted_projection_coverage(1.0, 0.5, np.inf) == pytest.approx(2 * st.norm.cdf(1.959964 * np.sqrt(0.5)) - 1)
    b = 0.7
    exp = st.norm.cdf(1.959964 - b) - st.norm.cdf(-1.959964 - b)
    assert predicted_projection_coverage(1.0, 1.0, np.inf, b) == pytest.approx(exp)
    pj = predicted_joint_coverage(np.eye(3), np.eye(3), 1e6, rng=1, n_mc=40000)
    assert abs(pj - 0.95) < 0.006
    # Hotelling: T^2 (nu-d+1)/(d nu) ~ F(d, nu-d+1)
    nu, d = 30, 3
    hot = st.f.cdf(st.chi2.ppf(0.95, d) * (nu - d + 1) / (d * nu), d, nu - d + 1)
    assert abs(predicted_joint_coverage(np.eye(d), np.eye(d), nu, rng=2, n_mc=40000) - hot) < 0.006
