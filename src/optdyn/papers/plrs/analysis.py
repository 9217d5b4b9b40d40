"""Statistics of the PLRS chapter: paired shifts, the leading exponent of a power law with
its next-order term, loss spikes and times to a threshold.

The criteria of :mod:`.checks` are built from these; every function is pure (randomness only through an
explicit generator) and never raises on non-finite data it can describe (it returns ``nan`` instead).
The paired Hodges-Lehmann shift and the signed-rank p-value are the package-wide ones of
:mod:`optdyn.stats` (re-exported here).
"""
from __future__ import annotations

import math

import numpy as np

from optdyn.random import as_generator
from optdyn.stats import paired_shift, signed_rank_p
from optdyn.validation import check_in_range, check_int

__all__ = [
    "epochs_to_threshold",
    "leading_exponent_fit",
    "paired_shift",
    "signed_rank_p",
    "spike_count",
]

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
