"""Analysis helpers: Hodges-Lehmann, Mann-Whitney, slopes, spikes."""
import numpy as np
import pytest

from optdyn.papers.plrs import epochs_to_threshold, hodges_lehmann, loglog_slope_from_means, mann_whitney, quantile_slope_boot, spike_count


def test_hodges_lehmann_recovers_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=400) + 1.5
    b = rng.normal(size=400)
    s, lo, hi = hodges_lehmann(a, b)
    assert lo < 1.5 < hi and s == pytest.approx(1.5, abs=0.2)
    assert mann_whitney(a, b, "greater")[1] < 1e-10
    assert mann_whitney(b, b + 0.0)[1] > 0.5


def test_slopes():
    x = np.array([0.01, 0.02, 0.04, 0.08])
    m = 3 * x**2
    s, lo, hi = loglog_slope_from_means(x, -m, 1e-6 * m, rng=0)
    assert s == pytest.approx(2.0) and lo < 2.0 < hi and hi - lo < 0.01
    rng = np.random.default_rng(1)
    samples = [np.sqrt(xx) * np.abs(rng.normal(size=500)) for xx in x]
    s, lo, hi, qs = quantile_slope_boot(x, samples, rng=2, n_boot=200)
    assert lo < 0.5 < hi and qs.shape == (4,)


def test_spikes_and_threshold():
    assert spike_count([1.0, 0.5, 0.56, 0.4, 0.3, 0.5]) == 2
    assert spike_count([1.0, 0.5, 0.54]) == 0
    assert epochs_to_threshold([1.0, 0.5, 0.2, 0.1], 0.3) == 3
    assert epochs_to_threshold([1.0, 0.5], 0.1) is None
