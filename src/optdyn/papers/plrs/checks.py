"""The claims of the PLRS chapter and the criteria that judge them (ledger v2).

Each criterion is a pure function of experiment output returning an :class:`~optdyn.claims.Outcome`, applied
unchanged to the claim's own run and to every control (unit-tested on inputs that must pass and inputs that
must fail: ``tests/papers/plrs/test_checks.py``). Each :class:`~optdyn.claims.ClaimSpec` states the claim, its
criterion, its kind, its theorem conditions (from :data:`.parameters.SCHEMA`) and its controls with the deviation
each represents. The ``<claim>_outcomes`` helpers return ``(outcome, {control name: outcome})`` for
:meth:`~optdyn.claims.StatedClaim.judge`.

Non-finite data never raise: a criterion that cannot decide returns ``Outcome(None, ...)``.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as st

from optdyn.claims import ClaimSpec, Control, Outcome, all_finite
from optdyn.papers.plrs.analysis import epochs_to_threshold, leading_exponent_fit, paired_shift, signed_rank_p
from optdyn.papers.plrs.parameters import SCHEMA
from optdyn.random import as_generator
from optdyn.stats import FAMILY, bonferroni_z, bootstrap_slope_ci, holm, ols_slope, paired_noninferiority

__all__ = [
    "CLAIMS", "FAMILY", "bonferroni_z", "bound_exponent_check", "confinement_check", "descent_check", "escape_fraction_check",
    "exact_bound_check", "fewer_check", "invariance_check", "noninferiority_check", "not_slower_check", "order_check",
    "quantile_scaling_check", "rate_exponent_check", "speedup_check", "vanishing_probability_check", "zscore_check",
]

XI = 0.05  # Theorem 3's failure probability of the confinement claim
XIS = (0.2, 0.1, 0.05, 0.02)  # failure probabilities of the Theorem 3 probability claim
COLLAPSE = 90.0  # a digits run whose final accuracy is below this (%) has collapsed



def _fmt(x: float, spec: str = ".2f") -> str:
    return "nan" if x is None or not math.isfinite(x) else format(x, spec)


# ------------------------------------------------------------------------------------------ criteria
def zscore_check(z, *, family: float = FAMILY) -> Outcome:
    """Every |z| within the two-sided Bonferroni bound at family-wise level ``family``."""
    z = np.abs(np.asarray(z, dtype=float).ravel())
    if not all_finite(z):
        return Outcome(None, "non-finite z-scores")
    zc = bonferroni_z(z.size, family)
    return Outcome(bool(z.max() <= zc), f"max |z| = {z.max():.2f} over {z.size} (critical {zc:.2f})", value=float(z.max()),
                   margin=float(zc - z.max()))


def exact_bound_check(res: dict, mc_over_bound=None) -> Outcome:
    """Exact: the closed-form one-step change lies below the derived bound -eta_c ||grad||^2 / 9 at every point of the
    dense grid (max relative excess <= 0), and the derivation's ingredients s^2 <= eta_c^2/3, beta eta_c < 1 hold."""
    ok = res["max_rel_excess"] <= 0 and res["s2_ok"] and res["step_ok"]
    extra = ""
    if mc_over_bound is not None and np.size(mc_over_bound):
        extra = f"; Monte Carlo decrease / bound between {np.min(mc_over_bound):.2f} and {np.max(mc_over_bound):.2f}"
    return Outcome(bool(ok), f"{res['n']} closed-form points: largest (identity - bound)/|bound| = {res['max_rel_excess']:.3f}"
                   f"; s^2 <= eta_c^2/3: {res['s2_ok']}; beta eta_c < 1: {res['step_ok']}{extra}")


def descent_check(mc, se, bound, *, family: float = FAMILY) -> Outcome:
    """Descent at every point: Monte Carlo mean <= bound + z SE and mean + z SE < 0 (one-sided Bonferroni z over the
    2 x points tests at family-wise level ``family``)."""
    mc, se, bound = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (mc, se, bound))
    if not all_finite(mc, se, bound):
        return Outcome(None, "non-finite Monte Carlo means")
    z = bonferroni_z(2 * mc.size, family, sided=1)
    ok = (mc <= bound + z * se) & (mc + z * se < 0)
    return Outcome(bool(ok.all()), f"E Delta f = [{', '.join(f'{m:.3g}' for m in mc)}] (SE up to {se.max():.1g}); "
                   f"bound [{', '.join(f'{b:.3g}' for b in bound)}]; z = {z:.2f}", value=float(np.max(mc + z * se)),
                   margin=float(-np.max(mc + z * se)))


def order_check(L, mc, se, p0: float, *, rng, n_boot: int = 5000, level: float = 1 - FAMILY,
                max_half_width: float = 0.05) -> Outcome:
    """Leading exponent of |E Delta f| in L_max: the fit |E Delta f| = L^p (a + b L) (the next-order term modelled,
    :func:`.analysis.leading_exponent_fit`) with a parametric-bootstrap CI at ``level``. Passes when ``p0`` lies in
    the CI; undecided when the half-width exceeds ``max_half_width`` (too imprecise to tell orders apart)."""
    p, lo, hi = leading_exponent_fit(L, mc, se, rng=rng, n_boot=max(n_boot, 5000), level=level)
    if not all(map(math.isfinite, (p, lo, hi))):
        return Outcome(None, "non-finite or zero Monte Carlo means: the exponent cannot be fitted")
    txt = f"leading exponent {p:.3f} ({100 * level:.1f}% CI {lo:.3f} to {hi:.3f}) vs {p0:g}"
    if (hi - lo) / 2 > max_half_width:
        return Outcome(None, txt + f"; CI half-width {(hi - lo) / 2:.3f} > {max_half_width}: too imprecise", value=p)
    return Outcome(bool(lo <= p0 <= hi), txt, value=p, margin=float(min(p0 - lo, hi - p0)))


def escape_fraction_check(times, censored, horizon: int, *, min_frac: float = 0.99) -> Outcome:
    """At least ``min_frac`` of the replicas reach |x_1| >= 0.5 within ``horizon`` steps."""
    times, censored = np.asarray(times), np.asarray(censored, dtype=bool)
    frac = float(np.mean(~censored & (times <= horizon)))
    return Outcome(frac >= min_frac, f"{100 * frac:.1f}% of {times.size} escaped within {horizon} steps", value=frac,
                   margin=frac - min_frac)


def speedup_check(a, b, *, min_reduction: float = 0.10, alpha: float = 0.05) -> Outcome:
    """Is ``a`` faster than ``b`` (paired times, shared noise)? One-sided Wilcoxon signed-rank p < ``alpha`` AND the
    median time of ``a`` at least ``min_reduction`` lower; the paired Hodges-Lehmann shift is reported with its 95% CI."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not all_finite(a, b):
        return Outcome(None, "non-finite times")
    p = signed_rank_p(a - b, alternative="less")
    red = 1.0 - float(np.median(a)) / float(np.median(b))
    hl = paired_shift(a, b, alpha=0.025)
    return Outcome(bool(p < alpha and red >= min_reduction),
                   f"medians {np.median(a):.0f} vs {np.median(b):.0f} steps (reduction {100 * red:.1f}%), signed-rank p = "
                   f"{p:.2g}; paired HL shift {hl['hl']:+.1f} (95% CI {_fmt(hl['lower'], '+.1f')} to {_fmt(hl['upper'], '+.1f')})",
                   value=red, margin=float(min(alpha - p, red - min_reduction)))


def rate_exponent_check(l_max, tstar, tboot, *, consistent: float = -0.25, contradicted: float = -0.5,
                        level: float = 0.95) -> Outcome:
    """Slope of log T* on log L_max with a bootstrap percentile CI (replicas resampled; ``tboot``: ``(n_boot, len(L))``):
    consistent with T = O(L_max^-1/4) (passed) if the CI reaches ``consistent`` or above, contradicted (failed) if its
    upper end is below ``contradicted``, undecided otherwise or when T* is undefined (never significant)."""
    lx = np.log(np.asarray(l_max, dtype=float))
    ts = np.asarray(tstar, dtype=float)
    if not all_finite(ts):
        return Outcome(None, f"T* undefined (no significant decrease within the horizon) at {int(np.sum(~np.isfinite(ts)))} L_max")
    xc = lx - lx.mean()
    slope = ols_slope(lx, np.log(ts))
    lb = np.log(np.asarray(tboot, dtype=float))
    nan_frac = float(np.mean(~np.isfinite(lb).all(axis=1)))
    boots = (lb - lb.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
    boots = boots[np.isfinite(boots)]
    if boots.size < 100 or nan_frac > 0.1:
        return Outcome(None, f"slope {slope:.2f}; T* undefined in {100 * nan_frac:.0f}% of the bootstrap samples")
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    passed = True if hi >= consistent else (False if hi < contradicted else None)
    return Outcome(passed, f"slope {slope:.2f} ({100 * level:.0f}% CI {lo:.2f} to {hi:.2f}); T* = {ts.astype(int).tolist()}",
                   value=slope, margin=float(hi - consistent))


def bound_exponent_check(l_max, samples, exponent: float, *, rng, n_boot: int = 1000, q: float = 0.95, level: float = 0.99,
                         max_width: float = 0.3) -> Outcome:
    """Is the bound ``distance <= O~(L_max^exponent)`` consistent with the data? The slope b of log q-quantile (over
    replicas) on log L_max, with a bootstrap CI at ``level`` (replicas resampled within each L_max): consistent (passed)
    when the CI reaches ``exponent`` or above (the distance shrinks at least that fast), contradicted (failed) when its
    upper end is below; undecided when the CI is wider than ``max_width`` (too imprecise to contradict anything)."""
    y = np.asarray(samples, dtype=float)
    if not all_finite(y) or np.any(y <= 0):
        return Outcome(None, "non-finite or zero distances")
    ci = bootstrap_slope_ci(np.log(np.asarray(l_max, dtype=float)), y, rng=rng, n_boot=n_boot, level=level, reduce=q, log_y=True)
    txt = f"slope of log q{int(round(100 * q))} {ci.slope:.2f} ({100 * level:.0f}% CI {ci.lo:.2f} to {ci.hi:.2f}) vs {exponent:g}"
    if ci.hi - ci.lo > max_width:
        return Outcome(None, txt + f"; CI wider than {max_width}", value=ci.slope)
    return Outcome(bool(ci.hi >= exponent), txt, value=ci.slope, margin=float(ci.hi - exponent))


def vanishing_probability_check(fail, *, factor: float = 4.0, alpha: float = 0.05, min_events: int = 10) -> Outcome:
    """Does a failure probability vanish as L_max -> 0? ``fail``: ``(len(L), R)`` booleans, L_max decreasing along the
    rows or increasing (the first row is the smallest L_max). Passes when the failure fraction at the smallest L_max is
    at most ``1/factor`` of that at the largest and lower by a one-sided Fisher exact test (p < ``alpha``); undecided
    when the largest L_max has fewer than ``min_events`` failures (no decay could be seen)."""
    f = np.asarray(fail, dtype=bool)
    R = f.shape[1]
    k_lo, k_hi = int(f[0].sum()), int(f[-1].sum())
    fr = f.mean(axis=1)
    txt = f"failure fractions {', '.join(f'{x:.3f}' for x in fr)} (smallest to largest L_max, R = {R})"
    if k_hi < min_events:
        return Outcome(None, txt + f"; fewer than {min_events} failures at the largest L_max")
    p = float(st.fisher_exact([[k_lo, R - k_lo], [k_hi, R - k_hi]], alternative="less").pvalue)
    ok = k_lo <= k_hi / factor and p < alpha
    return Outcome(bool(ok), txt + f"; ratio smallest/largest {k_lo / k_hi:.2f}, Fisher p = {p:.2g}", value=k_lo / k_hi,
                   margin=float(1 / factor - k_lo / k_hi))


def confinement_check(l_max, sups, *, rng, n_boot: int = 1000, xi: float = XI, ratio_max: float = 2.0,
                      slope_band=(0.35, 0.65)) -> Outcome:
    """Theorem 3's radius: q_{1-xi} of sup_t ||x_t - x*|| over replicas, for each L_max; (b) q / sqrt(L log(1/(L xi)))
    varies by at most ``ratio_max`` across L_max; (c) the slope of log q on log L_max lies in ``slope_band``."""
    L = np.asarray(l_max, dtype=float)
    y = np.asarray(sups, dtype=float)
    if not all_finite(y) or np.any(y <= 0):
        return Outcome(None, "non-finite or zero distances")
    ci = bootstrap_slope_ci(np.log(L), y, rng=rng, n_boot=n_boot, level=0.95, reduce=1 - xi, log_y=True)
    qs = np.quantile(y, 1 - xi, axis=1)
    ratio = qs / np.sqrt(L * np.log(1 / (L * xi)))
    spread = float(ratio.max() / ratio.min())
    ok = spread <= ratio_max and slope_band[0] <= ci.slope <= slope_band[1]
    return Outcome(bool(ok), f"slope {ci.slope:.3f} (95% CI {ci.lo:.3f} to {ci.hi:.3f}); q{int(100 * (1 - xi))} / sqrt(L log(1/(L xi))) = "
                   f"{', '.join(f'{r:.3f}' for r in ratio)} (max/min {spread:.2f})", value=ci.slope,
                   margin=float(min(ci.slope - slope_band[0], slope_band[1] - ci.slope, ratio_max - spread)))


def quantile_scaling_check(l_max, sups, radius, *, xis=XIS, ratio_max: float = 2.0) -> Outcome:
    """One constant bounds every quantile: C(L, xi) = q_{1-xi}(sup_t ||x_t - x*||) / radius(L, xi) varies by at most
    ``ratio_max`` over all L_max and xi in ``xis``."""
    L = np.asarray(l_max, dtype=float)
    y = np.asarray(sups, dtype=float)
    if not all_finite(y) or np.any(y <= 0):
        return Outcome(None, "non-finite or zero distances")
    C = np.array([[np.quantile(y[i], 1 - x) / radius(L[i], x) for x in xis] for i in range(L.size)])
    spread = float(C.max() / C.min())
    per_xi = ", ".join(f"xi={x}: {C[:, j].min():.3f}-{C[:, j].max():.3f}" for j, x in enumerate(xis))
    return Outcome(spread <= ratio_max, f"C(L, xi) over L_max by xi: {per_xi}; max/min {spread:.2f}", value=spread,
                   margin=ratio_max - spread)


def _acc(x) -> np.ndarray:
    """Final accuracies in %, a diverged run (nan) counted as 0."""
    return np.nan_to_num(np.asarray(x, dtype=float), nan=0.0)


def noninferiority_check(a, comps: dict, delta: float, *, alpha: float = 0.05) -> Outcome:
    """Non-inferiority of ``a`` (accuracy %, paired seeds) against every competitor in ``comps`` with margin ``delta``:
    exact one-sided Wilcoxon signed-rank test of H0: pseudo-median(a - comp) <= -delta for each, all Holm-adjusted
    p < ``alpha``. Reports the paired Hodges-Lehmann estimate (pseudo-median) with its one-sided signed-rank lower bound at
    level 1 - alpha/m (simultaneous, Bonferroni), and the collapsed runs (< 90 %) per arm."""
    a = _acc(a)
    names = list(comps)
    tests = [paired_noninferiority(a, _acc(comps[c]), delta, method="wilcoxon") for c in names]
    shifts = [paired_shift(a, _acc(comps[c]), alpha=alpha / len(names)) for c in names]
    padj = holm([t["p"] for t in tests])
    collapsed = {"PLRS": int(np.sum(a < COLLAPSE)), **{c: int(np.sum(_acc(comps[c]) < COLLAPSE)) for c in names}}
    parts = [f"{c}: HL {s['hl']:+.2f} pp (lower {_fmt(s['lower'], '+.2f')}), Holm p {p:.2g}" for c, s, p in zip(names, shifts, padj)]
    lowest = min(s["lower"] for s in shifts)
    return Outcome(bool(np.all(padj < alpha)), "; ".join(parts) + "; collapsed runs (< 90%): "
                   + ", ".join(f"{k} {v}" for k, v in collapsed.items()), value=float(lowest) if math.isfinite(lowest) else None,
                   margin=float(lowest + delta) if math.isfinite(lowest) else None,
                   details={"hl": {c: s["hl"] for c, s in zip(names, shifts)}, "lower": {c: s["lower"] for c, s in zip(names, shifts)},
                            "mean_diff": {c: s["mean"] for c, s in zip(names, shifts)}, "holm_p": dict(zip(names, padj.tolist())),
                            "collapsed": collapsed})


def fewer_check(a, b, *, min_diff: float = 1.0, alpha: float = 0.05) -> Outcome:
    """Does ``a`` have fewer events (spikes) than ``b`` (paired counts)? One-sided Wilcoxon signed-rank p < ``alpha``
    AND mean count at least ``min_diff`` lower."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    p = signed_rank_p(a - b, alternative="less")
    diff = float(b.mean() - a.mean())
    return Outcome(bool(p < alpha and diff >= min_diff), f"mean {a.mean():.2f} vs {b.mean():.2f} per run, signed-rank p = {p:.2g}",
                   value=diff, margin=float(min(alpha - p, diff - min_diff)))


def not_slower_check(a, b, margin: float, *, alpha: float = 0.05) -> Outcome:
    """Is ``a`` (paired epochs to a loss threshold) at most ``margin`` slower than ``b``? One-sided Wilcoxon signed-rank
    test of H0: pseudo-median(a - b) >= margin (non-inferiority, smaller is better), p < ``alpha``; the paired
    Hodges-Lehmann shift is reported with its one-sided upper bound."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not all_finite(a, b):
        return Outcome(None, "non-finite epochs")
    p = signed_rank_p(a - b - margin, alternative="less")
    s = paired_shift(a, b, alpha=alpha)
    return Outcome(bool(p < alpha), f"HL shift {s['hl']:+.1f} epochs (upper bound {_fmt(s['upper'], '+.1f')}) vs margin "
                   f"{margin:.2f}; p = {p:.2g}", value=s["hl"], margin=float(margin - s["upper"]) if math.isfinite(s["upper"]) else None)


def invariance_check(nn: dict) -> Outcome:
    """Exact: with exact gradients x_1 stays exactly 0 (every run, every step) for PLRS and for the constant rate."""
    ok = nn["PLRS"]["max_abs_x1"] == 0.0 and nn["const eta_c"]["max_abs_x1"] == 0.0
    return Outcome(bool(ok), f"max |x_1| over {nn['R']} runs x {nn['steps']} steps: PLRS {nn['PLRS']['max_abs_x1']:.1e}, constant "
                   f"eta_c {nn['const eta_c']['max_abs_x1']:.1e}; median final distance to the saddle (PLRS) "
                   f"{nn['PLRS']['median_final_distance']:.1e}")


# ------------------------------------------------------------------------------------------ claims
_C = SCHEMA.condition


def _r(P) -> str:
    return f"[{P.l_min}, {P.l_max}]"


CLAIMS = {c.id.split(".")[1]: c for c in (
    ClaimSpec(
        "plrs.lemma1_zero_mean", "Lemma 1",
        "The PLRS noise w = eta_c (g - grad f) + u g has E w = 0, and [R] E||w||^2 = eta_c^2 E||xi||^2 + s^2 E||g||^2, when the "
        "rate is independent of the gradient.",
        lambda P: (f"{P.n_lemma} draws at a point of the quartic saddle with |grad f| = 2 sigma, [L_min, L_max] = [0.05, 0.2], "
                   f"sigma = {P.sigma}: the "
                   "10 coordinate z-scores of mean(w) and the z-score of mean ||w||^2 against the closed form all within the "
                   "two-sided Bonferroni bound at family-wise level 0.1%."),
        kind="empirical",
        controls=(Control("s^2 sigma^2 term dropped", "near_miss",
                          "E||w||^2 = eta_c^2 sigma^2 + s^2 ||grad f||^2 (the noise part of s^2 E||g||^2 forgotten: 7.5% of E||w||^2)"),
                  Control("rate coupled to the gradient noise", "illustration",
                          "sign(u) = sign(xi_1): the uniform marginal kept, independence broken"))),
    ClaimSpec(
        "plrs.thm1_identity", "Theorem 1 (one-step identity [R, D])",
        "E f(x+) - f(x) = -eta_c |grad f|^2 + (beta/2)(eta_c^2 + s^2)(|grad f|^2 + sigma^2), with equality on the isotropic quadratic.",
        lambda P: (f"Isotropic quadratic (beta = 1), L_max in {P.thm1_l_max_grid}, L_min/L_max in {P.thm1_ratios}, |grad f| = 0.1, 1, 2, "
                   f"4 thresholds, {P.n_thm1} draws each: every |MC mean - closed form| / SE within the Bonferroni bound (family 0.1%)."),
        kind="empirical",
        controls=(Control("s^2 dropped", "near_miss",
                          "the constant-rate identity: the learning-rate variance term (beta/2) s^2 (|grad f|^2 + sigma^2) left out "
                          "(1-20% of the second-order term on this grid)"),)),
    ClaimSpec(
        "plrs.thm1_bound", "Theorem 1 (explicit bound [D]; consistency check)",
        "If beta L_max < 1 and |grad f| >= sqrt(3 eta_c beta sigma^2), then E Delta f <= -eta_c |grad f|^2 / 9 (a consequence of "
        "the identity with s^2 <= eta_c^2/3).",
        "Exact: on a dense closed-form grid (L_max in (0, 1/beta), L_min/L_max in [0, 1), 1 to 16 thresholds, and the chapter's "
        "grid) the identity lies below the bound; s^2 <= eta_c^2/3 and beta eta_c < 1 hold.",
        kind="exact", expected="verified (exact)", conditions=(_C("thm1_grid_step"),)),
    ClaimSpec(
        "plrs.thm1_quartic", "Theorem 1 (non-quadratic f)",
        "On the quartic saddle, at gradients above the threshold, the expected one-step change is negative and below the "
        "beta-smooth bound (beta = 2).",
        lambda P: (f"PLRS {_r(P)}, sigma = {P.sigma}, five points with |grad f| = 2-12 thresholds (x_1 = 0.2-0.8), {P.n_thm1} draws each: "
                   "MC mean <= bound + z SE and MC mean + z SE < 0 at every point (one-sided Bonferroni z, family 0.1%)."),
        kind="empirical", conditions=(_C("saddle_step"),),
        controls=(Control("0.2 x threshold next to the saddle", "near_miss",
                          "the gradient condition missed by a factor 5 at the positive-trace saddle, where the identity predicts "
                          "E Delta f > 0 (descent read as holding below the threshold)"),)),
    ClaimSpec(
        "plrs.thm1_order", "Theorem 1 (order L_max^2)",
        "At the threshold gradient the expected one-step decrease is of order L_max^2.",
        lambda P: (f"|E Delta f| at the threshold gradient for {P.order_n} L_max in [{P.order_l_max_lo}, {P.order_l_max_hi}] (L_min = 0.7 L_max): "
                   "weighted fit |E Delta f| = L^p (a + b L), the next-order term modelled; 2 lies in the 99.9% parametric-bootstrap "
                   "CI of p, whose half-width is at most 0.05."),
        kind="empirical", conditions=(_C("order_step"),),
        controls=(Control("order 1.9", "near_miss", "the leading exponent 1.9 in place of 2 (the old criterion's lower tolerance)"),
                  Control("fixed gradient norm", "illustration", "|grad f| = 0.2, not scaled with the threshold: order L_max"))),
    ClaimSpec(
        "plrs.saddle_escape", "Theorem 2 (qualitative)",
        "SGD with PLRS started at a strict saddle escapes it.",
        lambda P: (f"PLRS {_r(P)}, sigma = {P.sigma}, {P.R_escape} replicas from x_0 = 0: at least 99% reach |x_1| >= 0.5 within "
                   f"T_max = {P.escape_t_max_mult:g} / (eta_c gamma) steps."),
        kind="empirical", conditions=(_C("saddle_step"),),
        controls=(Control("horizon / 4", "near_miss",
                          lambda P: f"the same runs within {P.escape_t_max_mult / 4:g} / (eta_c gamma) steps (a budget 4 times shorter)"),
                  Control("sigma = 0", "illustration", "exact gradients: x_1 = 0 is invariant (see no_noise_invariance)"))),
    ClaimSpec(
        "plrs.randomness_speeds_escape", "Motivation of Theorem 2",
        "The random learning rate makes SGD escape the saddle faster than the constant rate eta_c at the centre of its interval.",
        lambda P: (f"Same runs (shared noise): one-sided Wilcoxon signed-rank test on the paired escape steps (PLRS - constant eta_c), "
                   "p < 0.05, AND median escape step at least 10% lower; censored runs kept at T_max."),
        kind="empirical", expected="not reproduced", conditions=(_C("saddle_step"),),
        controls=(Control("constant 1.05 eta_c vs eta_c", "near_miss", "a 5% larger constant rate (a speed-up of about 5%, below the "
                          "10% that counts)"),
                  Control("PLRS vs constant 0.8 eta_c", "positive",
                          "a comparator 20% slower than the PLRS mean rate (about L_min at the paper's [0.07, 0.1]): a speed-up of about 25%"),
                  Control("placebo", "illustration", "constant eta_c with an independent noise stream vs constant eta_c"))),
    ClaimSpec(
        "plrs.no_noise_invariance", "Pitfall (not a claim of the paper): the random rate is not a perturbation",
        "With exact gradients (sigma = 0) SGD with any step sequence, PLRS included, never leaves the stable manifold {x_1 = 0} "
        "of the saddle: the multiplicative noise u g vanishes with the gradient's x_1 component.",
        lambda P: (f"Exact: from the saddle and from {min(P.R_escape, 300) - 1} points of its stable manifold, max |x_1| over "
                   f"{P.no_noise_steps} steps is exactly 0.0 for PLRS {_r(P)} and for the constant rate eta_c."),
        kind="exact", expected="verified (exact)"),
    ClaimSpec(
        "plrs.thm2_rate_decrease_time", "Theorem 2 (rate)",
        "E f(x_T) < f(x_0) is reached after T = O~(L_max^(-1/4)) steps.",
        lambda P: (f"T* = first t with mean(f(x_t) - f(x_0)) + 2 SE < 0 over {P.R_curve} replicas, for {P.rate_n} L_max in "
                   f"[{P.rate_l_max_lo}, {P.rate_l_max_hi}] (L_min = 0.7 L_max, positive-trace saddle): slope of log T* on log L_max "
                   "with a 95% bootstrap CI; consistent if the CI reaches -1/4 or above, contradicted if its upper end is below -1/2."),
        kind="empirical", expected="not reproduced", conditions=(_C("rate_step"),),
        controls=(Control("constant eta_c", "near_miss", "s^2 = 0: the constant rate eta_c on the same noise"),
                  Control("negative-trace saddle", "positive",
                          "lam_pos = 0.05 (tr H = -0.55): E f drops at once, so T* does not depend on L_max"))),
    ClaimSpec(
        "plrs.lemma2_quadratic_model", "Lemma 2 (the quadratic model stays near the saddle)",
        "The PLRS iterates x~_t on the quadratic model of f at the saddle stay within ||x~_t - x_0|| <= O~(L_max^(3/8) log(1/L_max)).",
        lambda P: (f"{P.R_coupling} runs per L_max ({P.rate_n} values in [{P.rate_l_max_lo}, {P.rate_l_max_hi}]) over T = "
                   f"{P.coupling_kappa:g} / eta_c steps (longer than the paper's T = O~(L_max^-1/4) as L_max -> 0): the 99% bootstrap CI "
                   "of the slope of log q95 of sup_t ||x~_t - x_0|| on log L_max reaches 3/8 (the log factor ignored, which is stricter) "
                   "and is at most 0.3 wide."),
        kind="empirical", conditions=(_C("rate_step"),),
        controls=(Control("exponent 3/4", "near_miss", "the bound O~(L_max^(3/4)): twice the lemma's exponent"),)),
    ClaimSpec(
        "plrs.lemma3_coupling", "Lemma 3 (coupling to the quadratic model)",
        "Driven by the same rates and noise, the PLRS iterates on f and on its quadratic model at the saddle stay within "
        "||x_t - x~_t|| <= O~(L_max^(3/4)).",
        lambda P: (f"Same runs: the 99% bootstrap CI of the slope of log q95 of sup_t ||x_t - x~_t|| on log L_max reaches 3/4 and is at "
                   "most 0.3 wide."),
        kind="empirical", conditions=(_C("rate_step"),),
        controls=(Control("uncoupled model", "near_miss",
                          "x~ driven by independent rates and noise: the distance is then of order sqrt(L_max), exponent 1/2"),)),
    ClaimSpec(
        "plrs.thm2_probability", "Theorem 2 (probability part; high-probability reading [R])",
        "With probability 1 - O~(L_max^(7/2)) the escape decreases f: P(f(x_T) >= f(x_0)) -> 0 as L_max -> 0 (the statement "
        "'with probability p, E f(x_T) - f(x_0) <= -...' is ill-posed; this is its high-probability reading).",
        lambda P: (f"Same runs, T = {P.coupling_kappa:g} / eta_c (past T*, where the mean has already dropped): the fraction of runs with "
                   "f(x_T) >= f(x_0) at the smallest L_max is at most 1/4 of that at the largest (O~(L^7/2) predicts a factor "
                   "above 1000) and lower by a one-sided Fisher exact test, p < 0.05."),
        kind="empirical", expected="not reproduced", conditions=(_C("rate_step"),),
        controls=(Control("constant eta_c", "near_miss", "s^2 = 0: the constant rate eta_c on the same noise"),
                  Control("fixed-gradient start", "positive",
                          "start at (0, c, 0, ...) with c the Theorem 1 threshold at the smallest L_max: the gradient stays fixed while "
                          "the noise shrinks, so the failure probability does vanish"))),
    ClaimSpec(
        "plrs.thm3_confinement", "Theorem 3",
        "Started within O~(sqrt(L_max)) of a minimum, SGD with PLRS stays within O~(sqrt(L_max log(1/(L_max xi)))) for O~(L_max^-2) steps.",
        lambda P: (f"PLRS [0.7 L, L], L in {P.conf_l_max}, {P.R_conf} replicas from distance {P.conf_start:g} sigma sqrt(L) of x*, "
                   "T = 2/L^2 steps: (b) q95 of sup_t ||x_t - x*|| divided by sqrt(L log(1/(L xi))) (xi = 0.05) varies by at most a "
                   "factor 2 across L; (c) the slope of log q95 on log L lies in [0.35, 0.65]."),
        kind="empirical", conditions=(_C("conf_step"),),
        controls=(Control("additive noise", "near_miss",
                          "noise of fixed radius 0.085 sigma added to the iterate, not scaled by the rate (perturbed GD)"),)),
    ClaimSpec(
        "plrs.thm3_probability", "Theorem 3 (probability part)",
        "With probability at least 1 - xi the confinement radius is O~(sqrt(L_max log(1/(L_max xi)))): one constant bounds every "
        "level xi.",
        lambda P: ("Same runs: C(L, xi) = q_{1-xi} / sqrt(L log(1/(L xi))) for xi in {0.2, 0.1, 0.05, 0.02} and every L varies by "
                   "at most a factor 2."),
        kind="empirical", conditions=(_C("conf_step"),),
        controls=(Control("Chebyshev radius", "near_miss",
                          "the radius sqrt(L_max / xi) that a second-moment bound gives (polynomial, not logarithmic, in 1/xi)"),)),
    ClaimSpec(
        "plrs.digits_noninferiority", "Tables 1-3 (stand-in: digits MLP)",
        "PLRS performs as well as the cosine (warm restarts), one-cycle, knee, multi-step and constant schedules.",
        lambda P: (f"{P.digits_seeds} paired seeds, {P.digits_epochs} epochs: for each of the 5 competitors, exact one-sided Wilcoxon "
                   f"signed-rank test of non-inferiority of PLRS (margin delta = {P.noninf_delta} pp on final test accuracy); all "
                   "Holm-adjusted p < 0.05. Reported: paired Hodges-Lehmann estimates with their signed-rank lower bounds, collapsed runs."),
        kind="empirical",
        controls=(Control("PLRS lowered by 1.5 delta", "near_miss",
                          lambda P: f"every PLRS accuracy lowered by {1.5 * P.noninf_delta:g} pp (1.5 times the margin)"),
                  Control("PLRS range x 1/100", "illustration", "a grossly mis-set schedule"))),
    ClaimSpec(
        "plrs.loss_spikes", "Figures 1-3 (loss spikes; restated)",
        "Randomising the rate makes training more stable: PLRS shows fewer training-loss spikes than the constant rate eta_c it "
        "randomises. (The paper contrasts PLRS with cosine annealing with warm restarts, whose spikes come from its restarts.)",
        lambda P: (f"Spike: an epoch loss more than 10% and more than {P.spike_floor} nats above the previous epoch's. One-sided Wilcoxon "
                   "signed-rank test on the paired spike counts (PLRS fewer), p < 0.05, AND at least 1 spike fewer per run on average."),
        kind="empirical", expected="not reproduced",
        controls=(Control("placebo", "near_miss", "PLRS against PLRS with an independent rate seed: no effect by construction"),
                  Control("constant eta_c vs cosine (warm restarts)", "positive",
                          "the restarts against no restarts: the spikes the paper's figures show"))),
    ClaimSpec(
        "plrs.convergence_speed", "Figures 1-3 (speed)",
        "PLRS converges as fast as the constant rate eta_c it randomises: it reaches a given training loss at most a small "
        "margin later (the paper: 'among the fastest').",
        lambda P: (f"tau = median over seeds of the constant run's loss at epoch ceil(E/2); epochs to tau (censored at E+1); margin "
                   f"m = {P.speed_margin:g} x the constant runs' median epochs to tau. Exact one-sided Wilcoxon signed-rank test of "
                   "H0: pseudo-median(PLRS - constant) >= m, p < 0.05."),
        kind="empirical",
        controls=(Control("PLRS faster by m", "near_miss", "the same test with every PLRS time increased by 2m: the claim 'PLRS is at "
                          "least m epochs faster than eta_c'"),
                  Control("PLRS range x 1/100", "illustration", "a grossly mis-set schedule"))),
    ClaimSpec(
        "plrs.tensor_decomposition", "App. G (online tensor decomposition; synthetic)",
        "On online orthogonal tensor decomposition PLRS converges faster than noisy SGD with unit-sphere noise (Ge et al. 2015) at "
        "the same mean rate.",
        lambda P: (f"Orthogonal 4-tensor, d = {P.tensor_d}, one sample per step, {P.tensor_R} paired runs (same start, same samples), "
                   f"PLRS [0.7 L, L] with L = {P.tensor_l_max:g} vs noisy SGD at eta_c: steps to reach error {P.tensor_threshold:g}, "
                   "one-sided Wilcoxon signed-rank p < 0.05 AND median at least 10% lower."),
        kind="empirical", expected="not reproduced",
        controls=(Control("noisy SGD 1.05 eta_c vs eta_c", "near_miss", "a 5% larger rate (a speed-up below the 10% that counts)"),
                  Control("PLRS vs noisy SGD 0.7 eta_c", "positive", "a comparator at a rate 30% below the PLRS mean rate: a speed-up of about 30%"))),
)}


# ------------------------------------------------------------------------------------------ outcomes per claim
def lemma1_outcomes(res: dict) -> tuple:
    m = res["main"]
    z_main = np.r_[m["z_mean"], (m["m2"] - res["m2_closed"]) / m["m2_se"]]
    z_near = np.r_[m["z_mean"], (m["m2"] - res["m2_near_miss"]) / m["m2_se"]]
    dep = res["dependent"]
    z_dep = np.r_[dep["z_mean"], (dep["m2"] - res["m2_closed"]) / dep["m2_se"]]
    main = zscore_check(z_main)
    main = Outcome(main.passed, main.measured + f"; E||w||^2 MC {m['m2']:.4e} vs closed form {res['m2_closed']:.4e}", main.value, main.margin)
    return main, {"s^2 sigma^2 term dropped": zscore_check(z_near), "rate coupled to the gradient noise": zscore_check(z_dep)}


def thm1_identity_outcomes(g: dict) -> tuple:
    return zscore_check((g["mc"] - g["closed"]) / g["se"]), {"s^2 dropped": zscore_check((g["mc"] - g["closed_no_s2"]) / g["se"])}


def thm1_bound_outcome(ex: dict, g: dict) -> Outcome:
    above = g["grad_mult"] >= 1
    return exact_bound_check(ex, g["mc"][above] / g["bound"][above])


def thm1_quartic_outcomes(qe: dict) -> tuple:
    main = descent_check(qe["mc"][:-1], qe["se"][:-1], qe["bound"][:-1])
    ratio = qe["grad_norm"][:-1] / qe["threshold"]
    main = Outcome(main.passed, f"|grad f| / threshold = {', '.join(f'{r:.1f}' for r in ratio)}; " + main.measured, main.value, main.margin)
    return main, {"0.2 x threshold next to the saddle": descent_check(qe["mc"][-1:], qe["se"][-1:], qe["bound"][-1:])}


def thm1_order_outcomes(o: dict, *, rng, n_boot: int) -> tuple:
    r = as_generator(rng).spawn(3)
    L, th, fx = o["l_max"], o["threshold"], o["fixed"]
    return order_check(L, th["mc"], th["se"], 2.0, rng=r[0], n_boot=n_boot), {
        "order 1.9": order_check(L, th["mc"], th["se"], 1.9, rng=r[1], n_boot=n_boot),
        "fixed gradient norm": order_check(L, fx["mc"], fx["se"], 2.0, rng=r[2], n_boot=n_boot)}


def saddle_escape_outcomes(esc: dict, escape_t_max_mult: float) -> tuple:
    p = esc["PLRS"]
    quarter = int(math.ceil(escape_t_max_mult / 4 / esc["eta_c"]))
    main = escape_fraction_check(p["times"], p["censored"], esc["t_max"])
    main = Outcome(main.passed, main.measured + f"; median escape step {np.median(p['times']):.0f}", main.value, main.margin)
    z = esc["PLRS, sigma = 0"]
    return main, {"horizon / 4": escape_fraction_check(p["times"], p["censored"], quarter),
                  "sigma = 0": escape_fraction_check(z["times"], z["censored"], esc["t_max"])}


def randomness_outcomes(esc: dict) -> tuple:
    t = {k: esc[k]["times"] for k in ("PLRS", "const eta_c", "const 1.05 eta_c", "const 0.8 eta_c", "placebo", "const L_min")}
    main = speedup_check(t["PLRS"], t["const eta_c"])
    cens = max(float(np.mean(esc[k]["censored"])) for k in ("PLRS", "const eta_c"))
    main = Outcome(main.passed, main.measured + f"; censored at most {cens:.3f}. For reference, PLRS vs constant L_min: median "
                   f"{np.median(t['const L_min']):.0f} steps", main.value, main.margin)
    return main, {"constant 1.05 eta_c vs eta_c": speedup_check(t["const 1.05 eta_c"], t["const eta_c"]),
                  "PLRS vs constant 0.8 eta_c": speedup_check(t["PLRS"], t["const 0.8 eta_c"]),
                  "placebo": speedup_check(t["placebo"], t["const eta_c"])}


def decrease_time_outcomes(rate: dict) -> tuple:
    ts, tb = rate["tstar"], rate["tstar_boot"]
    main = rate_exponent_check(rate["l_max"], ts["PLRS"], tb["PLRS"])
    main = Outcome(main.passed, main.measured + f"; eta_c T* = {', '.join(f'{v:.2f}' for v in rate['eta_c'] * ts['PLRS'])}",
                   main.value, main.margin)
    return main, {"constant eta_c": rate_exponent_check(rate["l_max"], ts["const eta_c"], tb["const eta_c"]),
                  "negative-trace saddle": rate_exponent_check(rate["l_max"], ts["PLRS, negative trace"], tb["PLRS, negative trace"])}


def lemma2_outcomes(cp: dict, *, rng, n_boot: int) -> tuple:
    r = as_generator(rng).spawn(2)
    return bound_exponent_check(cp["l_max"], cp["disp"], 3 / 8, rng=r[0], n_boot=n_boot), {
        "exponent 3/4": bound_exponent_check(cp["l_max"], cp["disp"], 3 / 4, rng=r[1], n_boot=n_boot)}


def lemma3_outcomes(cp: dict, *, rng, n_boot: int) -> tuple:
    r = as_generator(rng).spawn(2)
    return bound_exponent_check(cp["l_max"], cp["gap"], 3 / 4, rng=r[0], n_boot=n_boot), {
        "uncoupled model": bound_exponent_check(cp["l_max"], cp["gap_free"], 3 / 4, rng=r[1], n_boot=n_boot)}


def thm2_probability_outcomes(cp: dict) -> tuple:
    return vanishing_probability_check(cp["df"] >= 0), {"constant eta_c": vanishing_probability_check(cp["df_const"] >= 0),
                                                       "fixed-gradient start": vanishing_probability_check(cp["df_start"] >= 0)}


def _log_radius(L, xi):
    return math.sqrt(L * math.log(1 / (L * xi)))


def thm3_confinement_outcomes(conf: dict, *, rng, n_boot: int) -> tuple:
    r = as_generator(rng).spawn(2)
    return confinement_check(conf["l_max"], conf["sup"], rng=r[0], n_boot=n_boot), {
        "additive noise": confinement_check(conf["l_max"], conf["sup_additive"], rng=r[1], n_boot=n_boot)}


def thm3_probability_outcomes(conf: dict) -> tuple:
    return quantile_scaling_check(conf["l_max"], conf["sup"], _log_radius), {
        "Chebyshev radius": quantile_scaling_check(conf["l_max"], conf["sup"], lambda L, xi: math.sqrt(L / xi))}


def digits_accuracy(dg: dict) -> dict:
    """Final test accuracy in % per arm, ``{arm: (seeds,)}`` (a diverged run is ``nan``)."""
    return {a: 100 * dg["final_test_acc"][i] for i, a in enumerate(dg["arms"])}


def noninferiority_outcomes(dg: dict, delta: float) -> tuple:
    A = digits_accuracy(dg)
    comps = {c: A[c] for c in ("cosine_wr", "one_cycle", "knee", "multi_step", "constant")}
    return noninferiority_check(A["plrs"], comps, delta), {
        "PLRS lowered by 1.5 delta": noninferiority_check(_acc(A["plrs"]) - 1.5 * delta, comps, delta),
        "PLRS range x 1/100": noninferiority_check(A["plrs_misscaled"], comps, delta)}


def spikes_outcomes(dg: dict) -> tuple:
    s = {a: dg["spikes"][i] for i, a in enumerate(dg["arms"])}
    main = fewer_check(s["plrs"], s["constant"])
    main = Outcome(main.passed, main.measured + "; mean spikes per run: " + ", ".join(f"{a} {s[a].mean():.1f}" for a in dg["arms"][:6])
                   + f"; PLRS vs cosine (warm restarts): p = {signed_rank_p(s['plrs'] - s['cosine_wr'], alternative='less'):.2g}",
                   main.value, main.margin)
    return main, {"placebo": fewer_check(s["plrs"], s["plrs_placebo"]),
                  "constant eta_c vs cosine (warm restarts)": fewer_check(s["constant"], s["cosine_wr"])}


def epochs_to_tau(dg: dict) -> tuple[float, dict]:
    """The loss threshold tau (median over seeds of the constant run's loss at epoch ceil(E/2)) and the epochs each
    run takes to reach it (E + 1 when it never does)."""
    arms = list(dg["arms"])
    E = dg["train_loss"].shape[2] - 1
    tau = float(np.nanmedian(dg["train_loss"][arms.index("constant")][:, int(math.ceil(E / 2))]))
    ett = {a: np.array([epochs_to_threshold(l[1:], tau) or (E + 1) for l in dg["train_loss"][i]], float) for i, a in enumerate(arms)}
    return tau, ett


def speed_outcomes(dg: dict, margin_frac: float) -> tuple:
    tau, ett = epochs_to_tau(dg)
    m = margin_frac * float(np.median(ett["constant"]))
    main = not_slower_check(ett["plrs"], ett["constant"], m)
    main = Outcome(main.passed, f"tau = {tau:.4f}; median epochs to tau: " + ", ".join(f"{a} {np.median(ett[a]):.0f}" for a in list(ett)[:6])
                   + "; " + main.measured, main.value, main.margin, details={"epochs_to_tau": ett, "tau": tau, "margin": m})
    return main, {"PLRS faster by m": not_slower_check(ett["plrs"] + 2 * m, ett["constant"], m),
                  "PLRS range x 1/100": not_slower_check(ett["plrs_misscaled"], ett["constant"], m)}


def tensor_outcomes(tr: dict) -> tuple:
    t = {a: tr[a]["times"] for a in ("PLRS", "noisy SGD eta_c", "noisy SGD 1.05 eta_c", "noisy SGD 0.7 eta_c")}
    main = speedup_check(t["PLRS"], t["noisy SGD eta_c"])
    extra = (f"; censored {np.mean(tr['PLRS']['censored']):.2f} / {np.mean(tr['noisy SGD eta_c']['censored']):.2f}; median final error "
             f"{np.nanmedian(tr['PLRS']['final']):.3f} vs {np.nanmedian(tr['noisy SGD eta_c']['final']):.3f}; roughness (total variation of "
             f"log error, second half) {np.nanmedian(tr['PLRS']['roughness']):.1f} vs {np.nanmedian(tr['noisy SGD eta_c']['roughness']):.1f}")
    main = Outcome(main.passed, main.measured + extra, main.value, main.margin)
    return main, {"noisy SGD 1.05 eta_c vs eta_c": speedup_check(t["noisy SGD 1.05 eta_c"], t["noisy SGD eta_c"]),
                  "PLRS vs noisy SGD 0.7 eta_c": speedup_check(t["PLRS"], t["noisy SGD 0.7 eta_c"])}
