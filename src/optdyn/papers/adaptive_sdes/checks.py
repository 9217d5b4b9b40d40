"""Statistical criteria of the chapter (brief 5.0), all computed across independent runs.

* :func:`band_check`: two mean curves agree at every checkpoint up to a Bonferroni z-band plus the
  O(eta) weak error allowance: |m_a - m_b| <= z SE + rtol m_b + atol.
* :func:`stationary_summary`: mean and SE across runs of per-run time averages (never SEs from time
  points of one run: they are autocorrelated, brief pitfall 15).
* :func:`loglog_slope`: slope of log(mean level) vs log(x) with a bootstrap over runs.
* :func:`decay_rate`: exponential decay rate of a mean curve on a fixed window, with a bootstrap over runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int, check_positive

__all__ = ["BandCheck", "band_check", "decay_rate", "log_checkpoints", "loglog_slope", "stationary_summary"]


def log_checkpoints(t, n: int = 25) -> np.ndarray:
    """Indices of about ``n`` log-spaced checkpoints among the record times t (t > 0), sorted, unique."""
    t = np.asarray(t, dtype=float)
    n = check_int("n", n, low=2)
    pos = np.flatnonzero(t > 0)
    if pos.size == 0:
        raise ValueError("t has no positive time")
    targets = np.geomspace(t[pos[0]], t[pos[-1]], n)
    idx = pos[np.searchsorted(t[pos], targets, side="left").clip(0, pos.size - 1)]
    return np.unique(idx)


@dataclass(frozen=True)
class BandCheck:
    """Outcome of :func:`band_check`: ``passed``, the worst normalised excess and the tolerances."""

    passed: bool
    margin: float  # min over checkpoints of 1 - |diff| / bound (> 0 = inside the band)
    worst_t: float
    max_rel_diff: float  # max |diff| / m_b
    max_z: float  # max |diff| / SE
    z: float
    n_checkpoints: int

    def __str__(self) -> str:
        return (f"{'pass' if self.passed else 'FAIL'}: max |diff|/m = {self.max_rel_diff:.3f}, max z = {self.max_z:.2f}, "
                f"margin = {self.margin:+.2f} (worst at t = {self.worst_t:.3g}; {self.n_checkpoints} checkpoints, z = {self.z:.2f})")


def band_check(t, a, b, *, rtol: float, atol: float, alpha: float = 0.01, idx=None, n_checkpoints: int = 25) -> BandCheck:
    """Do the run-mean curves of ``a`` (n_t, R_a) and ``b`` (n_t, R_b) agree (brief 5.0)?

    Pass if at every checkpoint |m_a - m_b| <= z SE + rtol m_b + atol, SE = sqrt(s_a^2/R_a + s_b^2/R_b),
    z = Phi^{-1}(1 - alpha/(2 n_c)) (Bonferroni at family level alpha). ``b`` is the reference.
    """
    rtol = check_positive("rtol", rtol, strict=False)
    atol = check_positive("atol", atol, strict=False)
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, low_closed=False, high_closed=False)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    t = np.asarray(t, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != t.size or b.shape[0] != t.size:
        raise ValueError("a and b must have shape (len(t), R)")
    if idx is None:
        idx = log_checkpoints(t, n_checkpoints)
    idx = np.asarray(idx)
    ma, mb = a[idx].mean(1), b[idx].mean(1)
    se = np.sqrt(a[idx].var(1, ddof=1) / a.shape[1] + b[idx].var(1, ddof=1) / b.shape[1])
    z = float(_st.norm.isf(alpha / (2 * idx.size)))
    diff = np.abs(ma - mb)
    bound = z * se + rtol * np.abs(mb) + atol
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(bound > 0, 1.0 - diff / bound, np.where(diff > 0, -np.inf, 1.0))
        rel = np.where(mb != 0, diff / np.abs(mb), np.inf)
        zz = np.where(se > 0, diff / se, np.where(diff > 0, np.inf, 0.0))
    w = int(np.argmin(excess))
    return BandCheck(bool(np.all(diff <= bound)), float(excess[w]), float(t[idx][w]), float(rel.max()),
                     float(zz.max()), z, int(idx.size))


def stationary_summary(levels) -> tuple[float, float]:
    """Mean and standard error across runs of per-run stationary levels (time averages)."""
    x = np.asarray(levels, dtype=float).ravel()
    if x.size < 2:
        raise ValueError("need at least 2 runs")
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def loglog_slope(x, levels, *, rng, n_boot: int = 200, level: float = 0.95):
    """Slope of log(mean level) on log(x), with a percentile bootstrap over runs within each x.

    ``levels`` is a sequence (one entry per x) of per-run levels (1-D arrays, possibly of different
    lengths). Returns ``(slope, lo, hi, means)``.
    """
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=50)
    x = np.asarray(x, dtype=float)
    if np.any(x <= 0) or x.size < 2 or len(levels) != x.size:
        raise ValueError("x must be positive with one level array per x (at least 2)")
    lx = np.log(x)
    xc = lx - lx.mean()
    arrs = [np.asarray(v, dtype=float).ravel() for v in levels]
    means = np.array([v.mean() for v in arrs])
    if np.any(means <= 0):
        raise ValueError("mean levels must be > 0 for a log-log slope")
    slope = float(np.dot(xc, np.log(means)) / np.dot(xc, xc))
    boot = np.empty((n_boot, x.size))
    for i, v in enumerate(arrs):  # loop over the few x values only
        boot[:, i] = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(1)
    ly = np.log(np.maximum(boot, 1e-300))
    bs = (ly - ly.mean(1, keepdims=True)) @ xc / np.dot(xc, xc)
    a = (1 - level) / 2
    lo, hi = np.quantile(bs, [a, 1 - a])
    return slope, float(lo), float(hi), means


def decay_rate(t, runs, *, rng, window=None, n_se: float = 5.0, min_frac: float = 0.0, n_boot: int = 200,
               level: float = 0.95, weighted: bool = False):
    """Exponential decay rate of the run mean of ``runs`` (n_t, R): minus the slope of log mean vs t.

    The fit window is fixed from the full sample: times with mean > n_se * SE and mean > min_frac * mean[0]
    (the leading contiguous stretch), unless ``window`` (a boolean mask) is given. ``weighted=True`` uses
    weighted least squares with the delta-method weights (mean/SE)^2 = 1/Var(log mean), fixed from the full
    sample. Returns ``(rate, lo, hi, window, boot_rates)``; the bootstrap resamples runs (multinomial
    weights) and refits on the same window with the same weights.
    """
    rng = as_generator(rng)
    t = np.asarray(t, dtype=float)
    y = np.asarray(runs, dtype=float)
    if y.ndim != 2 or y.shape[0] != t.size:
        raise ValueError("runs must have shape (len(t), R)")
    n_boot = check_int("n_boot", n_boot, low=50)
    m = y.mean(1)
    se = y.std(1, ddof=1) / np.sqrt(y.shape[1])
    if window is None:
        ok = (m > n_se * se) & (m > min_frac * m[0])
        stop = np.argmin(ok) if not ok.all() else ok.size
        window = np.zeros(t.size, bool)
        window[:stop] = True
    window = np.asarray(window, bool)
    if window.sum() < 3:
        raise ValueError("the fit window has fewer than 3 points")
    tw = t[window]
    if weighted:
        sw = se[window]
        w = np.where(sw > 0, (m[window] / np.where(sw > 0, sw, 1.0)) ** 2, 0.0)
        if not np.any(w > 0):
            w = np.ones_like(tw)
        w = np.where(w > 0, w, w[w > 0].max())  # zero-variance points (identical runs): top weight
    else:
        w = np.ones_like(tw)
    w = w / w.sum()
    tc = tw - np.dot(w, tw)
    den = np.dot(w * tc, tc)
    rate = float(-np.dot(w * tc, np.log(m[window])) / den)
    Rn = y.shape[1]
    counts = rng.multinomial(Rn, np.full(Rn, 1.0 / Rn), size=n_boot)  # (n_boot, R)
    mb = counts @ y[window].T / Rn  # (n_boot, n_w)
    lb = np.log(np.maximum(mb, 1e-300))
    rates = -(lb @ (w * tc)) / den
    a = (1 - level) / 2
    lo, hi = np.quantile(rates, [a, 1 - a])
    return rate, float(lo), float(hi), window, rates


def normalised_error(a, b, L: float, *, alpha: float = 0.01) -> tuple[float, float]:
    """Noise-aware normalised error of the run-mean curve of ``a`` against the reference ``b`` (both (n_t, R)).

    Returns ``(excess, raw)``: raw = max_t |m_a - m_b| / (m_b + L), and excess = the same with |m_a - m_b|
    reduced by z SE_t (z Bonferroni over the n_t record times at family level ``alpha``), floored at 0, so that
    Monte Carlo noise alone does not inflate the maximum. ``L`` (> 0) is the predicted stationary loss.
    """
    L = check_positive("L", L)
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, low_closed=False, high_closed=False)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError("a and b must have shape (n_t, R_a) and (n_t, R_b)")
    ma, mb = a.mean(1), b.mean(1)
    se = np.sqrt(a.var(1, ddof=1) / a.shape[1] + b.var(1, ddof=1) / b.shape[1])
    z = float(_st.norm.isf(alpha / (2 * a.shape[0])))
    d = np.abs(ma - mb)
    return float(np.max(np.maximum(d - z * se, 0.0) / (mb + L))), float(np.max(d / (mb + L)))
