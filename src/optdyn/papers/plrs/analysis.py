"""Statistics of the PLRS chapter: two-sample and paired shifts, the leading exponent of a power law with
its next-order term, loss spikes and times to a threshold.

The criteria of :mod:`.checks` are built from these; every function is pure (randomness only through an
explicit generator) and never raises on non-finite data it can describe (it returns ``nan`` instead).
The paired Hodges-Lehmann shift and the signed-rank p-value are the package-wide ones of
:mod:`optdyn.stats` (re-exported here).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from optdyn.random import as_generator
from optdyn.stats import paired_shift, signed_rank_p
from optdyn.validation import check_in_range, check_int

__all__ = [
    "epochs_to_threshold",
    "hodges_lehmann",
    "leading_exponent_fit",
    "loglog_slope_from_means",
    "mann_whitney",
    "paired_shift",
    "quantile_slope_boot",
    "signed_rank_p",
    "spike_count",
]

def mann_whitney(a, b, alternative: str = "two-sided") -> tuple[float, float]:
    """Mann-Whitney U test of ``a`` vs ``b``; ``alternative="less"`` tests "a tends to be smaller"."""
    r = _st.mannwhitneyu(np.asarray(a, float), np.asarray(b, float), alternative=alternative, method="asymptotic")
    return float(r.statistic), float(r.pvalue)


def hodges_lehmann(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """Two-sample Hodges-Lehmann shift ``median(a_i - b_j)`` with the distribution-free (Moses) CI from the
    normal approximation of the Mann-Whitney statistic. Returns ``(shift, lo, hi)``."""
    a = np.asarray(a, float).ravel()
    b = np.asarray(b, float).ravel()
    if a.size < 2 or b.size < 2:
        raise ValueError("a and b need at least 2 values each")
    level = check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)
    D = np.sort((a[:, None] - b[None, :]).ravel())
    m, n = a.size, b.size
    z = _st.norm.isf((1 - level) / 2)
    k = int(np.floor(m * n / 2 - z * np.sqrt(m * n * (m + n + 1) / 12)))
    k = min(max(k, 0), D.size - 1)
    return float(np.median(D)), float(D[k]), float(D[D.size - 1 - k])


def _profile_exponent(L: np.ndarray, Y: np.ndarray, w: np.ndarray, pgrid: np.ndarray) -> np.ndarray:
    """For each row of ``Y`` the exponent p on ``pgrid`` minimising the weighted residual sum of squares of
    ``Y ~ L^p (a + b L)`` (a, b by weighted least squares at each p, from the 2 x 2 normal equations), among the fits
    whose next-order term is a
    correction: ``|b| max(L) <= |a|``. Without that constraint ``L^(p-1) (a' + b' L)`` with ``a' ~ 0`` mimics
    ``L^p`` on a narrow grid and the exponent is not identified. ``nan`` if no p on the grid is admissible."""
    Lmax = float(L.max())
    yy = (Y * Y * w).sum(axis=1)
    best = np.full(Y.shape[0], np.inf)
    arg = np.full(Y.shape[0], np.nan)
    for p in pgrid:
        x1, x2 = L**p, L ** (p + 1)
        a11, a12, a22 = (w * x1 * x1).sum(), (w * x1 * x2).sum(), (w * x2 * x2).sum()
        b1, b2 = Y @ (w * x1), Y @ (w * x2)
        det = a11 * a22 - a12 * a12
        if not det > 0:
            continue
        ca, cb = (a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det  # weighted least squares, 2 x 2 normal equations
        rss = yy - ca * b1 - cb * b2
        rss[np.abs(cb) * Lmax > np.abs(ca)] = np.inf
        better = rss < best
        best[better] = rss[better]
        arg[better] = p
    return arg


def leading_exponent_fit(L, means, ses, *, rng, n_boot: int = 1000, level: float = 0.99, p_range=(0.25, 4.0),
                         step: float = 0.002) -> tuple[float, float, float]:
    """Leading exponent p of ``|mean(L)| = L^p (a + b L)``: a weighted least-squares fit that models the
    next-order term (so a fixed pre-asymptotic bias does not decide the order), the next-order term being a
    correction (``|b| max(L) <= |a|``), with a parametric-bootstrap percentile CI (each mean redrawn from
    ``N(mean, se^2)``; a replicate with no admissible fit counts as outside every interval, so it widens the CI).
    The exponent is found on a grid of spacing ``step`` (refined around the estimate). Returns ``(p, lo, hi)``;
    ``nan`` for non-finite input or when no admissible fit exists."""
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=100)
    level = check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)
    L = np.asarray(L, float)
    y = np.abs(np.asarray(means, float))
    se = np.asarray(ses, float)
    if L.ndim != 1 or L.size < 4 or y.shape != L.shape or se.shape != L.shape:
        raise ValueError("L, means and ses must be 1-D of equal length >= 4 (three parameters are fitted)")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(se)) and np.all(se > 0) and np.all(y > 0)):
        return math.nan, math.nan, math.nan
    w = 1.0 / se**2
    coarse = np.round(np.arange(p_range[0], p_range[1] + 1e-12, 0.05), 6)
    p0 = float(_profile_exponent(L, y[None, :], w, coarse)[0])
    if not math.isfinite(p0):
        return math.nan, math.nan, math.nan
    Yb = y[None, :] + se[None, :] * rng.standard_normal((n_boot, L.size))
    pb = _profile_exponent(L, Yb, w, coarse)
    lo_c, hi_c = np.quantile(np.nan_to_num(pb, nan=p0), [0.0005, 0.9995])
    start = math.floor(max(p_range[0], min(lo_c, p0) - 0.1) / step) * step
    fine = np.round(np.arange(start, min(p_range[1], max(hi_c, p0) + 0.1) + 1e-12, step), 6)
    p_hat = float(_profile_exponent(L, y[None, :], w, fine)[0])
    pb = _profile_exponent(L, Yb, w, fine)
    a = (1 - level) / 2
    lo, hi = np.quantile(np.where(np.isfinite(pb), pb, -np.inf), a), np.quantile(np.where(np.isfinite(pb), pb, np.inf), 1 - a)
    return p_hat, float(lo), float(hi)


def loglog_slope_from_means(x, means, ses, *, rng, n_boot: int = 2000, level: float = 0.95):
    """OLS slope of ``log|mean|`` on ``log x`` with a parametric-bootstrap CI (each mean redrawn from
    ``N(mean, se^2)``). Returns ``(slope, lo, hi)``. (The pre-asymptotic slope, for comparison with
    :func:`leading_exponent_fit`.)"""
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=100)
    lx = np.log(np.asarray(x, float))
    mu = np.asarray(means, float)
    se = np.asarray(ses, float)
    if lx.shape != mu.shape or mu.shape != se.shape or lx.size < 3:
        raise ValueError("x, means and ses must be 1-D of equal length >= 3")
    xc = lx - lx.mean()

    def slope(y):
        ly = np.log(np.abs(y))
        return (ly - ly.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)

    boots = slope(mu[None, :] + se[None, :] * rng.standard_normal((n_boot, mu.size)))
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return float(slope(mu)), float(lo), float(hi)


def quantile_slope_boot(x, samples, q: float = 0.95, *, rng, n_boot: int = 1000, level: float = 0.95):
    """Slope of ``log quantile_q(samples[i])`` on ``log x[i]`` with a bootstrap CI (replicas resampled
    within each ``x``). ``samples``: list of 1-D arrays. Returns ``(slope, lo, hi, quantiles)``."""
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=100)
    lx = np.log(np.asarray(x, float))
    if lx.size < 2 or len(samples) != lx.size:
        raise ValueError("need one sample array per x (at least 2)")
    xc = lx - lx.mean()
    qs = np.array([np.quantile(s, q) for s in samples])
    bq = np.empty((n_boot, lx.size))
    for i, s in enumerate(samples):
        s = np.asarray(s, float)
        bq[:, i] = np.quantile(s[rng.integers(0, s.size, size=(n_boot, s.size))], q, axis=1)
    ly = np.log(bq)
    boots = (ly - ly.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    lq = np.log(qs)
    return float((lq - lq.mean()) @ xc / (xc @ xc)), float(lo), float(hi), qs


def spike_count(losses, rel: float = 0.10, floor: float = 0.0) -> int:
    """Number of epochs whose loss exceeds the previous epoch's by more than ``rel`` (relative) **and** by
    more than ``floor`` (absolute, in loss units), so that noise on a loss near zero is not a spike.
    Non-finite losses (a diverged run) never count."""
    L = np.asarray(losses, float).ravel()
    rel = check_in_range("rel", rel, 0.0, None)
    floor = check_in_range("floor", floor, 0.0, None)
    if L.size < 2:
        return 0
    with np.errstate(invalid="ignore"):
        up = (L[1:] > (1 + rel) * L[:-1]) & (L[1:] - L[:-1] > floor)
    return int(np.sum(up & np.isfinite(L[1:]) & np.isfinite(L[:-1])))


def epochs_to_threshold(losses, thr: float) -> int | None:
    """First epoch (1-based) whose loss is ``<= thr``; None if never (non-finite losses never reach it)."""
    L = np.asarray(losses, float).ravel()
    with np.errstate(invalid="ignore"):
        idx = np.nonzero(L <= thr)[0]
    return int(idx[0] + 1) if idx.size else None
