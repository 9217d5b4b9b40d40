"""Statistics shared by every chapter's claim checks.

All criteria used to judge a claim come from here, so that they are stated and tested once:
binomial acceptance bands for coverage, Wilson intervals for pass rates, bootstrap confidence
intervals for fitted slopes, and multiplicity corrections (Holm, Bonferroni, Benjamini-Hochberg).
"""
from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np
from scipy import stats as _st

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int, check_probability

__all__ = [
    "FAMILY",
    "SlopeCI",
    "bonferroni_z",
    "benjamini_hochberg",
    "binomial_band",
    "bonferroni",
    "bootstrap_mean_ci",
    "bootstrap_slope_ci",
    "holm",
    "in_binomial_band",
    "mean_and_se",
    "ols_slope",
    "paired_noninferiority",
    "paired_shift",
    "signed_rank_p",
    "wilson_interval",
]


#: The family-wise false-rejection level of one claim's criterion, the same in every chapter: with about
#: fifteen empirical claims per chapter, a run of the book then shows a false "not reproduced" rarely.
FAMILY = 0.001


def bonferroni_z(m: int, family: float = FAMILY, *, sided: int = 2) -> float:
    """Critical |z| for ``m`` simultaneous tests at family-wise level ``family`` (Bonferroni), two- or one-sided."""
    m = check_int("m", m, low=1)
    family = check_in_range("family", family, 0.0, 1.0, low_closed=False, high_closed=False)
    if sided not in (1, 2):
        raise ValueError(f"sided must be 1 or 2, got {sided!r}")
    return float(_st.norm.isf(family / (sided * m)))


def binomial_band(p0: float, n: int, level: float = 0.99) -> tuple[float, float]:
    """Two-sided acceptance band for an empirical proportion under ``H0: rate = p0``.

    Returns ``(lo, hi)`` as proportions: with probability at least ``level`` the proportion of
    successes in ``n`` Bernoulli(``p0``) trials lies in ``[lo, hi]`` (exact binomial quantiles,
    equal tails). Used for coverage: nominal 0.95 over R replications.
    """
    p0 = check_probability("p0", p0)
    n = check_int("n", n, low=1)
    level = check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)
    a = (1.0 - level) / 2.0
    lo = _st.binom.ppf(a, n, p0)
    hi = _st.binom.isf(a, n, p0)
    return float(lo) / n, float(hi) / n


def in_binomial_band(k: int, n: int, p0: float, level: float = 0.99) -> bool:
    """True when ``k`` successes out of ``n`` lie in :func:`binomial_band` ``(p0, n, level)``."""
    lo, hi = binomial_band(p0, n, level)
    return lo <= k / n <= hi


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k/n``."""
    n = check_int("n", n, low=1)
    k = check_int("k", k, low=0, high=n)
    level = check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)
    z = _st.norm.isf((1 - level) / 2)
    phat = k / n
    den = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / den
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def mean_and_se(x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and its standard error ``sd/sqrt(n)`` along ``axis``."""
    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"need at least 2 samples along axis {axis}, got {n}")
    return x.mean(axis=axis), x.std(axis=axis, ddof=1) / np.sqrt(n)


def ols_slope(x, y) -> float:
    """Least-squares slope of ``y`` on ``x`` (with intercept)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xc = x - x.mean()
    return float(np.dot(xc, y - y.mean()) / np.dot(xc, xc))


@dataclass(frozen=True)
class SlopeCI:
    """A fitted slope with a bootstrap percentile confidence interval."""

    slope: float
    lo: float
    hi: float
    level: float

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def __str__(self) -> str:
        return f"{self.slope:.3g} ({100 * self.level:.0f}% CI {self.lo:.3g} to {self.hi:.3g})"


def _reducer(reduce):
    if reduce == "mean":
        return lambda a, axis: a.mean(axis=axis)
    if reduce == "median":
        return lambda a, axis: np.median(a, axis=axis)
    if isinstance(reduce, float) and 0.0 < reduce < 1.0:
        return lambda a, axis: np.quantile(a, reduce, axis=axis)
    raise ValueError(f"reduce must be 'mean', 'median' or a quantile level in (0, 1), got {reduce!r}")


def _weighted_quantile(y, W, q: float) -> np.ndarray:
    """``(n_boot, len(x))`` lower ``q``-quantiles of every row of ``y`` (shape ``(len(x), R)``) under integer
    resampling counts ``W`` (``(n_boot, R)``, rows summing to R): the quantile of each bootstrap sample."""
    r = y.shape[1]
    order = np.argsort(y, axis=1)
    ys = np.take_along_axis(y, order, axis=1)
    out = np.empty((W.shape[0], y.shape[0]))
    for i in range(y.shape[0]):
        cw = np.cumsum(W[:, order[i]], axis=1)
        out[:, i] = ys[i, np.argmax(cw >= q * r, axis=1)]
    return out


def bootstrap_slope_ci(x, y, *, rng, n_boot: int = 2000, level: float = 0.95, reduce="mean", log_y: bool = False,
                       paths: bool = False) -> SlopeCI:
    """OLS slope of ``y`` on ``x`` (with intercept) and a percentile bootstrap confidence interval: the one
    slope-with-CI function of the package.

    * ``y`` 1-D: pairs ``(x_i, y_i)`` are resampled.
    * ``y`` of shape ``(len(x), R)`` (replicated measurements at each ``x``): the fitted points are
      ``reduce(y[i, :])`` (``"mean"``, ``"median"`` or a quantile level such as ``0.95``), on the log scale
      when ``log_y`` (``log reduce(y)``: the log of the mean, never the mean of the logs); replicates are
      resampled within each ``x``, or, with ``paths=True``, whole columns at once (column ``r`` is one
      trajectory observed at every ``x``, e.g. one pair of coupled chains).
    """
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=100)
    level = check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)
    red = _reducer(reduce)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape[0] != x.shape[0] or x.shape[0] < 3:
        raise ValueError("x must be 1-D with at least 3 points and y must have len(x) rows")
    f = np.log if log_y else (lambda a: a)
    xc = x - x.mean()
    if y.ndim == 1:
        slope = ols_slope(x, f(y))
        idx = rng.integers(0, x.size, size=(n_boot, x.size))
        xb, yb = x[idx], f(y[idx])
        xbc = xb - xb.mean(axis=1, keepdims=True)
        den = (xbc * xbc).sum(axis=1)
        ok = den > 0
        boots = (xbc * (yb - yb.mean(axis=1, keepdims=True))).sum(axis=1)[ok] / den[ok]
    else:
        r = y.shape[1]
        slope = ols_slope(x, f(red(y, 1)))
        boots = np.empty(n_boot)
        for i in range(0, n_boot, 200):
            j = min(n_boot, i + 200)
            if paths:  # whole columns resampled: multinomial counts W, the same for every x
                W = rng.multinomial(r, np.full(r, 1.0 / r), size=j - i).astype(float)
                ym = f(W @ y.T / r if reduce == "mean" else _weighted_quantile(y, W, 0.5 if reduce == "median" else reduce))
            elif reduce == "mean" and not log_y:
                idx = rng.integers(0, r, size=(j - i, x.size, r))
                ym = np.take_along_axis(y[None, :, :], idx, axis=2).mean(axis=2)
            else:
                idx = rng.integers(0, r, size=(j - i, x.size, r))
                ym = f(red(np.take_along_axis(y[None, :, :], idx, axis=2), 2))
            boots[i:j] = (ym - ym.mean(axis=1, keepdims=True)) @ xc / np.dot(xc, xc)
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return SlopeCI(float(slope), float(lo), float(hi), level)


def bootstrap_mean_ci(x, *, rng, n_boot: int = 2000, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``x`` with a percentile bootstrap CI: ``(mean, lo, hi)``."""
    rng = as_generator(rng)
    x = np.asarray(x, dtype=float).ravel()
    if x.size < 2:
        raise ValueError("x needs at least 2 values")
    idx = rng.integers(0, x.size, size=(check_int("n_boot", n_boot, low=100), x.size))
    boots = x[idx].mean(axis=1)
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return float(x.mean()), float(lo), float(hi)


def _pvals(pvals) -> np.ndarray:
    p = np.asarray(pvals, dtype=float)
    if p.ndim != 1 or p.size == 0 or np.any((p < 0) | (p > 1)) or np.any(~np.isfinite(p)):
        raise ValueError("pvals must be a non-empty 1-D array of values in [0, 1]")
    return p


def bonferroni(pvals) -> np.ndarray:
    """Bonferroni-adjusted p-values ``min(1, m p)``."""
    p = _pvals(pvals)
    return np.minimum(1.0, p * p.size)


def holm(pvals) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control), in the input order."""
    p = _pvals(pvals)
    m = p.size
    order = np.argsort(p)
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


def benjamini_hochberg(pvals) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false-discovery-rate control), in the input order."""
    p = _pvals(pvals)
    m = p.size
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


_EXACT_MAX = 60  # exact signed-rank null distribution up to this many pairs, normal approximation beyond


def _signed_rank_null_cdf(n: int) -> np.ndarray:
    """Exact null CDF of the Wilcoxon signed-rank statistic T+ for ``n`` non-zero differences."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return np.cumsum(counts) / 2.0**n


def _walsh(d: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2.0)


def _lower_rank(n: int, alpha: float) -> int:
    """0-based index k of the Walsh average that is the one-sided ``1 - alpha`` lower confidence bound of the
    pseudo-median of ``n`` differences: the largest k with P(T+ <= k) <= alpha under the null (Hollander and
    Wolfe's W_(C), C = k + 1); -1 when even k = 0 has P > alpha (too few pairs for that level). Exact null
    distribution of T+ up to ``_EXACT_MAX`` pairs, normal approximation (continuity-corrected) beyond."""
    if n <= _EXACT_MAX:
        return int(np.searchsorted(_signed_rank_null_cdf(n), alpha, side="right")) - 1
    mu, sd = n * (n + 1) / 4.0, math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    return int(math.floor(mu - _st.norm.isf(alpha) * sd - 0.5))


def paired_shift(a, b, *, alpha: float = 0.05) -> dict:
    """Paired Hodges-Lehmann estimate of the shift of ``a`` against ``b``: the pseudo-median of the
    differences ``a - b`` (median of the Walsh averages), with its signed-rank one-sided ``1 - alpha`` lower
    and upper confidence bounds (exact up to 60 pairs; infinite when there are too few pairs for the level). The estimate always lies between its bounds (the
    mean difference, reported next to it, need not). Non-finite pairs are dropped; fewer than 2 finite pairs
    give ``nan`` values. Returns ``hl``, ``lower``, ``upper``, ``mean``, ``n``."""
    a = np.asarray(a, float).ravel()
    b = np.asarray(b, float).ravel()
    if a.shape != b.shape:
        raise ValueError("a and b must be paired samples of equal length")
    alpha = check_in_range("alpha", alpha, 0.0, 0.5, low_closed=False)
    d = (a - b)[np.isfinite(a) & np.isfinite(b)]
    if d.size < 2:
        return {"hl": math.nan, "lower": math.nan, "upper": math.nan, "mean": math.nan, "n": int(d.size)}
    w = _walsh(d)
    k = min(_lower_rank(d.size, alpha), (w.size - 1) // 2)
    lower, upper = (float(w[k]), float(w[w.size - 1 - k])) if k >= 0 else (-math.inf, math.inf)
    return {"hl": float(np.median(w)), "lower": lower, "upper": upper,
            "mean": float(d.mean()), "n": int(d.size)}


def signed_rank_p(d, *, alternative: str) -> float:
    """One-sided Wilcoxon signed-rank p-value for the differences ``d`` (``alternative="less"``: they tend to
    be negative; ``"greater"``: positive). Zero differences are dropped (Wilcoxon's convention); exact below
    ``_EXACT_MAX`` non-zero differences without ties, normal approximation otherwise. All-zero (or fewer than
    one finite) differences give p = 1: no evidence either way."""
    if alternative not in ("less", "greater"):
        raise ValueError(f"alternative must be 'less' or 'greater', got {alternative!r}")
    d = np.asarray(d, float).ravel()
    d = d[np.isfinite(d) & (d != 0)]
    if d.size == 0:
        return 1.0
    method = "exact" if d.size <= _EXACT_MAX and np.unique(np.abs(d)).size == d.size else "approx"
    return float(_st.wilcoxon(d, alternative=alternative, zero_method="wilcox", method=method).pvalue)


def _noninferiority_signed_rank(diff: np.ndarray, delta: float, alpha: float) -> dict:
    """Exact signed-rank test of H0: pseudo-median(diff) <= -delta, with the Walsh-average lower bound."""
    d = diff + delta
    d = d[d != 0]
    if d.size == 0:
        p = 1.0
    else:
        t_plus = _st.rankdata(np.abs(d))[d > 0].sum()
        cdf = _signed_rank_null_cdf(d.size)
        # P(T+ >= t) under H0 (ties: mid-ranks, the exact table is then approximate)
        p = float(1.0 - (cdf[int(np.ceil(t_plus)) - 1] if t_plus >= 1 else 0.0))
    k = _lower_rank(diff.size, alpha)  # the bound is the (k+1)-th smallest Walsh average, Hollander & Wolfe's W_(C)
    lower = float(_walsh(diff)[k]) if k >= 0 else -np.inf
    return {"diff": float(diff.mean()), "se": float(diff.std(ddof=1) / np.sqrt(diff.size)), "lower": lower,
            "p": p, "passed": bool(p < alpha)}


def paired_noninferiority(a, b, delta: float, *, alpha: float = 0.05, method: str = "t") -> dict:
    """One-sided paired test of non-inferiority of ``a`` relative to ``b`` (larger is better).

    ``method="t"``: paired t-test of H0: mean(a - b) <= -delta vs H1: mean(a - b) > -delta; ``lower`` is
    the one-sided ``1 - alpha`` lower confidence bound of the mean difference.
    ``method="wilcoxon"``: exact signed-rank test of H0: pseudo-median(a - b) <= -delta (robust to a
    few extreme pairs, e.g. one collapsed run of the comparator); ``lower`` is the matching
    distribution-free lower bound (a quantile of the Walsh averages).
    Returns the mean difference, ``lower``, the p-value and ``passed`` (p < alpha).
    """
    if method not in ("t", "wilcoxon"):
        raise ValueError(f"method must be one of ['t', 'wilcoxon'], got {method!r}")
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError("a and b must be 1-D paired samples of equal length >= 2")
    delta = check_in_range("delta", delta, 0.0, None)
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, low_closed=False, high_closed=False)
    diff = a - b
    if method == "wilcoxon":
        return _noninferiority_signed_rank(diff, delta, alpha)
    n = diff.size
    m = float(diff.mean())
    se = float(diff.std(ddof=1) / np.sqrt(n))
    if se == 0.0:
        lower = m
        p = 0.0 if m > -delta else 1.0
    else:
        t = (m + delta) / se
        p = float(_st.t.sf(t, n - 1))
        lower = m - _st.t.isf(alpha, n - 1) * se
    return {"diff": m, "se": se, "lower": float(lower), "p": p, "passed": bool(lower > -delta)}
