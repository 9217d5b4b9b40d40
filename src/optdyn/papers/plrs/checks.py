"""Statistics used by the PLRS chapter's claims (two-sample shifts, log-log slopes, spikes)."""
from __future__ import annotations

import numpy as np
from scipy import stats as _st

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int

__all__ = [
    "mann_whitney",
    "hodges_lehmann",
    "loglog_slope_from_means",
    "quantile_slope_boot",
    "spike_count",
    "epochs_to_threshold",
]


def mann_whitney(a, b, alternative: str = "two-sided") -> tuple[float, float]:
    """Mann-Whitney U test of ``a`` vs ``b``; ``alternative="less"`` tests "a tends to be smaller"."""
    r = _st.mannwhitneyu(np.asarray(a, float), np.asarray(b, float), alternative=alternative, method="asymptotic")
    return float(r.statistic), float(r.pvalue)


def hodges_lehmann(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """Hodges-Lehmann shift ``median(a_i - b_j)`` with the distribution-free (Moses) CI from the
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


def loglog_slope_from_means(x, means, ses, *, rng, n_boot: int = 2000, level: float = 0.95):
    """OLS slope of ``log|mean|`` on ``log x`` with a parametric-bootstrap CI (each mean redrawn
    from ``N(mean, se^2)``). Returns ``(slope, lo, hi)``."""
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
    """Slope of ``log quantile_q(samples[i])`` on ``log x[i]`` with a bootstrap CI (replicas
    resampled within each ``x``). ``samples``: list of 1-D arrays. Returns ``(slope, lo, hi, quantiles)``."""
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


def spike_count(losses, rel: float = 0.10) -> int:
    """Number of epochs whose loss exceeds ``(1 + rel)`` times the previous epoch's (brief C6)."""
    L = np.asarray(losses, float).ravel()
    rel = check_in_range("rel", rel, 0.0, None)
    if L.size < 2:
        return 0
    return int(np.sum(L[1:] > (1 + rel) * L[:-1]))


def epochs_to_threshold(losses, thr: float) -> int | None:
    """First epoch (1-based) whose loss is ``<= thr``; None if never (brief C7)."""
    L = np.asarray(losses, float).ravel()
    idx = np.nonzero(L <= thr)[0]
    return int(idx[0] + 1) if idx.size else None
