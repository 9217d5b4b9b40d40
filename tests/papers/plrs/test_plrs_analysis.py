"""Analysis helpers: the leading exponent, spikes, times to a threshold, paired shifts."""
import numpy as np
import pytest

from optdyn.papers.plrs import epochs_to_threshold, leading_exponent_fit, paired_shift, signed_rank_p, spike_count


def test_spikes_and_threshold():
    assert spike_count([1.0, 0.5, 0.56, 0.4, 0.3, 0.5]) == 2
    assert spike_count([1.0, 0.5, 0.54]) == 0
    assert spike_count([0.002, 0.003, 0.0015, 0.004]) == 2  # noise near zero counts without a floor...
    assert spike_count([0.002, 0.003, 0.0015, 0.004], floor=0.01) == 0  # ...and not with one
    assert spike_count([1.0, np.nan, 2.0]) == 0
    assert epochs_to_threshold([1.0, 0.5, 0.2, 0.1], 0.3) == 3
    assert epochs_to_threshold([1.0, 0.5], 0.1) is None


def test_paired_shift_is_the_pseudo_median_between_its_bounds():
    rng = np.random.default_rng(3)
    a = rng.standard_normal(30) + 0.5
    r = paired_shift(a, np.zeros(30), alpha=0.05)
    walsh = [(a[i] + a[j]) / 2 for i in range(30) for j in range(i, 30)]
    assert r["hl"] == pytest.approx(np.median(walsh)) and r["lower"] <= r["hl"] <= r["upper"] and r["n"] == 30
    # exact coverage of the one-sided bound (n = 10, classical critical value T+ <= 10: W_(11))
    d = np.arange(1.0, 11.0)
    assert paired_shift(d, np.zeros(10), alpha=0.05)["lower"] == pytest.approx(sorted((d[i] + d[j]) / 2 for i in range(10) for j in range(i, 10))[10])
    # a collapsed run: the estimate stays with the bulk and is never outside its bounds
    b = np.r_[np.full(19, 97.0), 60.0]
    r = paired_shift(b, np.full(20, 97.2), alpha=0.01)
    assert r["lower"] <= r["hl"] <= r["upper"] and r["mean"] < r["hl"]
    assert np.isinf(paired_shift(np.ones(3), np.zeros(3), alpha=0.01)["lower"])  # too few pairs for the level
    assert np.isnan(paired_shift([np.nan, 1.0], [0.0, 0.0])["hl"])


def test_signed_rank_p():
    assert signed_rank_p(-np.arange(1.0, 11.0), alternative="less") == pytest.approx(1 / 1024)
    assert signed_rank_p(np.zeros(7), alternative="less") == 1.0
    with pytest.raises(ValueError, match="alternative"):
        signed_rank_p([1.0], alternative="two-sided")


def test_leading_exponent_fit_recovers_the_order_despite_a_next_order_term():
    L = np.geomspace(0.01, 0.9, 6)
    y = L**2 * (1 - 0.6 * L)
    p, lo, hi = leading_exponent_fit(L, y, 1e-3 * y, rng=0, n_boot=500)
    assert p == pytest.approx(2.0, abs=0.01) and lo <= 2.0 <= hi
    assert np.isnan(leading_exponent_fit(L, np.r_[y[:-1], 0.0], 1e-3 * y, rng=0)[0])
