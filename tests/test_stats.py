import numpy as np
import pytest
from scipy import stats as st

from optdyn import stats


def test_binomial_band_has_its_level_and_rejects_wrong_rates():
    lo, hi = stats.binomial_band(0.95, 400, level=0.99)
    assert lo < 0.95 < hi
    # exact probability mass inside the band is at least the level
    ks = np.arange(401)
    inside = (ks / 400 >= lo) & (ks / 400 <= hi)
    assert st.binom.pmf(ks[inside], 400, 0.95).sum() >= 0.99
    assert not stats.in_binomial_band(int(0.88 * 400), 400, 0.95)
    assert stats.in_binomial_band(380, 400, 0.95)
    with pytest.raises(ValueError, match="p0 must be in"):
        stats.binomial_band(1.2, 10)
    with pytest.raises(ValueError, match="n must be an integer"):
        stats.binomial_band(0.5, 0)


def test_wilson_interval_hand_value_and_average_coverage():
    lo, hi = stats.wilson_interval(45, 50)  # hand computation with z = 1.959964
    assert abs(lo - 0.786398) < 1e-5 and abs(hi - 0.956524) < 1e-5
    n = 50
    cis = [stats.wilson_interval(k, n) for k in range(n + 1)]
    ks = np.arange(n + 1)

    def coverage(p):
        inside = np.array([a <= p <= b for a, b in cis])
        return st.binom.pmf(ks[inside], n, p).sum()

    # exact coverage averaged over p is close to nominal (Wilson's known property)
    assert abs(np.mean([coverage(p) for p in np.linspace(0.05, 0.95, 91)]) - 0.95) < 0.01
    assert stats.wilson_interval(20, 20)[1] == 1.0
    with pytest.raises(ValueError, match="k must be an integer in"):
        stats.wilson_interval(21, 20)


def test_bootstrap_slope_ci_covers_the_slope_and_rejects_a_wrong_one():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 3, 25)
    hits = wrong = 0
    reps = 200
    for _ in range(reps):
        y = 2.0 * x + 0.1 * rng.standard_normal(25)
        ci = stats.bootstrap_slope_ci(x, y, rng=rng, n_boot=500)
        hits += ci.contains(2.0)
        wrong += ci.contains(1.8)
    # percentile bootstrap at n = 25 under-covers slightly; the band allows for it
    assert 0.88 <= hits / reps <= 0.99
    assert wrong == 0
    yrep = 2.0 * x[:, None] + 0.3 * rng.standard_normal((25, 40))
    ci2 = stats.bootstrap_slope_ci(x, yrep, rng=2, n_boot=1000)
    assert ci2.hi - ci2.lo < 0.1 and abs(ci2.slope - 2.0) < 0.05
    with pytest.raises(ValueError, match="at least 3 points"):
        stats.bootstrap_slope_ci([0, 1], [0, 1], rng=0)


def test_multiplicity_corrections_match_hand_values():
    p = [0.01, 0.04, 0.03, 0.20]
    np.testing.assert_allclose(stats.bonferroni(p), [0.04, 0.16, 0.12, 0.80])
    np.testing.assert_allclose(stats.holm(p), [0.04, 0.09, 0.09, 0.20])
    np.testing.assert_allclose(stats.benjamini_hochberg(p), [0.04, 0.0533333, 0.0533333, 0.20], rtol=1e-5)
    with pytest.raises(ValueError, match="pvals"):
        stats.holm([1.5])


def test_paired_noninferiority():
    rng = np.random.default_rng(3)
    b = rng.normal(0.9, 0.02, 20)
    a = b + rng.normal(0.0, 0.005, 20)
    assert stats.paired_noninferiority(a, b, delta=0.01)["passed"]
    worse = b - 0.05 + rng.normal(0.0, 0.005, 20)
    assert not stats.paired_noninferiority(worse, b, delta=0.01)["passed"]


def test_wilcoxon_noninferiority_is_exact_and_robust_to_one_outlier():
    from scipy import stats as st2

    rng = np.random.default_rng(4)
    b = rng.normal(0.9, 0.01, 10)
    a = b + rng.normal(0.002, 0.003, 10)
    # p-value equals scipy's exact one-sided signed-rank test of (a - b + delta)
    r = stats.paired_noninferiority(a, b, delta=0.005, method="wilcoxon")
    ref = st2.wilcoxon(a - b + 0.005, alternative="greater", method="exact").pvalue
    assert abs(r["p"] - ref) < 1e-12 and r["passed"]
    # one collapsed comparator run inflates the t-test's SE; the rank test is unaffected
    b_out = b.copy()
    b_out[0] = 0.1
    assert not stats.paired_noninferiority(a, b_out, delta=0.005)["passed"]
    assert stats.paired_noninferiority(a, b_out, delta=0.005, method="wilcoxon")["passed"]
    # a clearly worse method is rejected by both
    worse = b - 0.03
    assert not stats.paired_noninferiority(worse, b, delta=0.005, method="wilcoxon")["passed"]
    # the lower bound is below the Hodges-Lehmann estimate and above -delta when passing
    walsh = ((a - b)[:, None] + (a - b)[None, :]) / 2
    assert -0.005 < r["lower"] <= np.median(walsh[np.triu_indices(10)])
    with pytest.raises(ValueError, match="method must be one of"):
        stats.paired_noninferiority(a, b, delta=0.005, method="z")


def test_slope_ci_over_paths_mean_median_quantile():
    """Whole paths resampled: log-mean, log-median and quantile slopes of geometric data recover the rate,
    and the CI covers it; bad reductions are refused."""
    rng = np.random.default_rng(5)
    k = np.arange(10, 31)
    paths = np.exp(-0.3 * k[:, None] + rng.normal(0, 0.3, size=(1, 2000)))  # each column a path
    for red in ("mean", "median", 0.9):
        ci = stats.bootstrap_slope_ci(k, paths, rng=np.random.default_rng(1), n_boot=400, reduce=red, log_y=True, paths=True)
        assert ci.lo <= -0.3 <= ci.hi and abs(ci.slope + 0.3) < 1e-9
    with pytest.raises(ValueError, match="reduce must be"):
        stats.bootstrap_slope_ci(k, paths, rng=0, reduce="mode", log_y=True, paths=True)


def test_signed_rank_lower_bound_has_its_coverage():
    """The Walsh-average lower bound of the signed-rank non-inferiority test is a one-sided 95% bound for the
    pseudo-median: for symmetric data centred at 0 it lies below 0 in at least 95% of samples (not 94.4%)."""
    rng = np.random.default_rng(0)
    for n in (10, 20):
        lows = [stats.paired_noninferiority(rng.standard_normal(n), np.zeros(n), 0.0, method="wilcoxon")["lower"]
                for _ in range(3000)]
        assert np.mean(np.array(lows) <= 0.0) >= 0.95 - 2.5 * np.sqrt(0.05 * 0.95 / 3000)
