"""The dropout chapter's criteria on synthetic inputs: each must pass what the paper's statement predicts
and fail a stated near miss (the unit-level version of the chapter's controls), and its claims are
declared completely (kind, conditions, near-miss controls)."""
import math

import numpy as np
import pytest

from optdyn.papers.dropout_sgd import checks as ck
from optdyn.papers.dropout_sgd.experiments import GMCLeg

RNG = np.random.default_rng


def test_claim_inventory():
    """The chapter's claim ids and kinds (the declarations themselves: tests/papers/test_claims_declared.py)."""
    assert len(ck.CLAIMS) >= 17


def test_centre_check_passes_truth_and_rejects_a_shift_and_imprecision():
    rng = RNG(0)
    avg = 1.0 + 0.01 * rng.standard_normal((400, 3))
    assert ck.centre_check(avg, np.ones(3), gap=0.1).passed
    assert not ck.centre_check(avg, np.ones(3) + 0.01, gap=0.1).passed        # 20 SE off
    assert not ck.centre_check(avg, np.ones(3), gap=0.002).passed             # not precise enough to tell
    avg[3, 1] = np.inf
    assert ck.centre_check(avg, np.ones(3), gap=0.1).passed is None           # diverged runs: undecided


def _geometric_paths(rate, K=40, R=3000, sd=0.3, seed=1):
    k = np.arange(K + 1)
    return np.exp(rate * k[:, None] + sd * RNG(seed).standard_normal((K + 1, R)) * np.sqrt(k[:, None] / K))


def test_rate_check_recovers_the_rate_and_rejects_a_rate_off_by_ten_percent():
    sq = _geometric_paths(-0.5)
    w = [np.arange(20, 41)]
    # the log-mean slope of lognormal paths is rate + sd^2/(2K): about -0.4989
    assert ck.rate_check(w, [sq], [-0.5], rng=0, n_boot=300).passed
    assert not ck.rate_check(w, [sq], [-0.55 / 0.98], rng=0, n_boot=300).passed
    assert not ck.rate_check(w, [sq], [-0.44], rng=0, n_boot=300).passed
    assert ck.rate_check(w, [np.zeros_like(sq)], [-0.5], rng=0, n_boot=300).passed is None


def test_curve_check():
    rng = RNG(2)
    x = rng.exponential(1.0, size=(5, 20000)) * np.exp(-0.3 * np.arange(5))[:, None]
    exact2 = 2.0 * np.exp(-0.6 * np.arange(5))  # E X^2 of an exponential is 2 (scaled)
    assert ck.curve_check(x, exact2).passed
    assert not ck.curve_check(x, 1.25 * exact2).passed
    assert ck.curve_check(x[:, :20], exact2).passed is None  # too noisy to tell


def test_stationary_check():
    rng = RNG(3)
    S = np.array([[1.0, 0.3], [0.3, 0.5]])
    L = np.linalg.cholesky(S)
    groups = {k: rng.standard_normal((3000, 2)) @ L.T for k in "abc"}
    assert ck.stationary_check(groups, np.zeros(2), S).passed
    assert not ck.stationary_check(groups, np.zeros(2), 1.25 * S).passed
    shifted = {**groups, "c": groups["c"] + 0.2}
    assert not ck.stationary_check(shifted, np.zeros(2), S).passed


def test_gaussian_limit_variance_ratio_and_wald():
    rng = RNG(4)
    z = rng.standard_normal(4000)
    assert ck.gaussian_limit_check(z).passed and not ck.gaussian_limit_check(z / math.sqrt(1.25)).passed
    assert not ck.gaussian_limit_check(rng.exponential(1.0, 4000) - 1).passed  # skewed
    assert ck.variance_ratio_check(z, 1.0).passed and not ck.variance_ratio_check(z, 0.7).passed
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    avg = 3.0 + rng.standard_normal((1000, 2)) @ np.linalg.cholesky(cov / 100).T
    assert ck.wald_check(avg, np.full(2, 3.0), cov, 100).passed
    assert not ck.wald_check(avg, np.full(2, 3.0), 1.25 * cov, 100).passed


def test_expectation_and_coverage_bands():
    rng = RNG(5)
    q = 1.0 + 0.2 * rng.standard_normal((6, 500))
    assert ck.expectation_check(q, np.ones(6)).passed and not ck.expectation_check(q, np.full(6, 1.05)).passed
    covered = rng.random((4, 500)) < 0.95
    assert ck.coverage_band_check(covered, 0.95).passed
    assert not ck.coverage_band_check(rng.random((4, 500)) < 0.88, 0.95).passed   # under-coverage
    assert not ck.coverage_band_check(rng.random((4, 500)) < 0.995, 0.95).passed  # over-coverage


def test_exact_checks():
    assert ck.target_identity_check({"grad_rel": 1e-16, "bfgs_err": 1e-9, "identity_err": 1e-15}).passed
    assert not ck.target_identity_check({"grad_rel": 1e-3, "bfgs_err": 1e-9, "identity_err": 1e-15}).passed
    fr = np.array([0.5, 0.1, 0.02])
    assert ck.small_step_limit_check(fr, 0.3 * fr).passed and not ck.small_step_limit_check(fr, 0.3 * np.sqrt(fr)).passed
    res = {"max_diff": 1e-14, "n": np.array([1e3, 1e7]), "ratio": np.array([0.7, 0.995])}
    assert ck.online_exact_check(res).passed
    assert not ck.online_exact_check({**res, "ratio": np.array([0.7, 0.9])}).passed


def test_gmc_outcomes_reject_the_near_misses_on_synthetic_chains():
    """Paths with random multiplicative contraction: log sq_k is a random walk with drift -0.5 and variance
    0.1 per step, so the mean decays at rate -0.45 (the 'rho') and the median at -0.5 (the 'Lyapunov' rate)."""
    K, R = 20, 4000
    steps = -0.5 + math.sqrt(0.1) * RNG(6).standard_normal((K, R))
    sq = np.exp(np.vstack([np.zeros((1, R)), np.cumsum(steps, axis=0)]))
    leg = GMCLeg("toy", sq, np.ones_like(sq), np.exp(-0.45 * np.arange(K + 1)), np.arange(10, K + 1), -0.45, -0.35, 2)
    main, ctrl = ck.gmc_outcomes([leg], rng=0, n_boot=300)
    assert main.passed, main.measured
    assert ctrl["one-step constant lambda as the rate"].passed is False
    assert ctrl["median (Lyapunov) rate"].passed is False and ctrl["uncoupled pairs"].passed is False
