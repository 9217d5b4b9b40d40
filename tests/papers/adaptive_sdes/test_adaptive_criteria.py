"""The chapter's statistical criteria on synthetic data with known answers."""
import numpy as np
import pytest

from optdyn.papers.adaptive_sdes import checks as cr


def test_band_check_passes_equal_and_fails_biased():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 10, 101)
    truth = 1 + np.exp(-t)
    a = truth[:, None] + 0.1 * rng.standard_normal((101, 200))
    b = truth[:, None] + 0.1 * rng.standard_normal((101, 300))
    ok = cr.band_check(t, a, b, rtol=0.0, atol=0.0)
    assert ok.passed and 2.5 < ok.z < 4.5 and ok.n_checkpoints > 10
    bad = cr.band_check(t, a * 1.2, b, rtol=0.1, atol=0.0)
    assert not bad.passed and bad.margin < 0
    assert cr.band_check(t, a * 1.05, b, rtol=0.1, atol=0.0).passed
    with pytest.raises(ValueError, match="shape"):
        cr.band_check(t, a[:5], b, rtol=0.1, atol=0.0)
    with pytest.raises(ValueError, match="rtol"):
        cr.band_check(t, a, b, rtol=-0.1, atol=0.0)


def test_loglog_slope_recovers_power_law():
    rng = np.random.default_rng(1)
    x = np.array([0.5, 1, 2, 4])
    levels = [x_ ** 1.5 * (1 + 0.05 * rng.standard_normal(400)) for x_ in x]
    s, lo, hi, means = cr.loglog_slope(x, levels, rng=2)
    assert s == pytest.approx(1.5, abs=0.02) and lo < 1.5 < hi


def test_decay_rate_recovers_exponential():
    rng = np.random.default_rng(3)
    t = np.linspace(0, 5, 51)
    runs = np.exp(-0.8 * t)[:, None] + 0.02 * rng.standard_normal((51, 500))
    for w in (False, True):
        rate, lo, hi, window, boots = cr.decay_rate(t, runs, rng=4, weighted=w, min_frac=0.05)
        assert rate == pytest.approx(0.8, rel=0.03) and lo < 0.8 < hi and boots.shape == (200,)
        assert window[0] and not window[-1]


def test_stationary_summary():
    m, se = cr.stationary_summary([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    with pytest.raises(ValueError):
        cr.stationary_summary([1.0])


def test_normalised_error_is_noise_aware():
    rng = np.random.default_rng(5)
    t = np.linspace(0, 1, 200)
    truth = np.exp(-3 * t)[:, None]
    a = truth + 0.2 * rng.standard_normal((200, 64))
    b = truth + 0.2 * rng.standard_normal((200, 64))
    excess, raw = cr.normalised_error(a, b, 0.05)
    assert excess == 0.0 and raw > 0.1  # noise alone inflates the raw maximum, not the excess
    excess, raw = cr.normalised_error(a + 0.5, b, 0.05)
    assert excess > 0.2
    with pytest.raises(ValueError, match="L"):
        cr.normalised_error(a, b, 0.0)
