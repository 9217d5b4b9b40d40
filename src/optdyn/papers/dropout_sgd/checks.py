"""The claims of the dropout chapter and the criteria that judge them (ledger v2).

Each criterion is a pure function of experiment output returning an :class:`~optdyn.claims.Outcome`,
applied unchanged to the claim's own run and to every control (unit-tested on inputs that must pass
and inputs that must fail: ``tests/papers/dropout_sgd/test_checks.py``). Each :class:`ClaimSpec` states
the claim, its criterion, its kind, its theorem conditions (from :data:`.parameters.SCHEMA`) and its
controls, with the deviation every near-miss control represents.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as st

from optdyn.claims import ClaimSpec, Control, Outcome, all_finite
from optdyn.papers.dropout_sgd.inference import joint_covered, projection_covered
from optdyn.papers.dropout_sgd.parameters import SCHEMA
from optdyn.random import as_generator
from optdyn.stats import FAMILY, bonferroni_z, binomial_band, bootstrap_slope_ci, holm, ols_slope

__all__ = [
    "CLAIMS", "bonferroni_z", "centre_check", "coverage_band_check", "curve_check", "expectation_check",
    "gaussian_limit_check", "online_exact_check", "rate_check", "sharp_range_check", "small_step_limit_check",
    "stationary_check", "target_identity_check", "variance_ratio_check", "wald_check",
]





# ------------------------------------------------------------------------------------------ criteria
def target_identity_check(res: dict) -> Outcome:
    """Exact: relative gradient of the marginal objective at beta_tilde < 1e-10, BFGS within 1e-5, mask
    identities E[DGD] = p G_p and E[Du] = p u to 1e-12."""
    ok = res["grad_rel"] < 1e-10 and res["bfgs_err"] < 1e-5 and res["identity_err"] < 1e-12
    return Outcome(ok, f"gradient {res['grad_rel']:.1e}, BFGS difference {res['bfgs_err']:.1e}, mask identities {res['identity_err']:.1e}")


def centre_check(avg, centre, gap: float, *, family: float = FAMILY) -> Outcome:
    """Is ``centre`` the mean of the averages ``avg`` (R, d)? Passes when every coordinate's mean lies within
    the Bonferroni z (family level ``family``) of ``centre`` AND the test is precise enough to see the
    stated alternative: the 99 % half-width of every coordinate is below ``gap / 4`` (``gap``: the largest
    coordinate difference between the hypotheses being told apart). Non-finite runs: undecided."""
    avg = np.asarray(avg, dtype=float)
    if not all_finite(avg):
        return Outcome(None, f"{int(np.sum(~np.isfinite(avg).all(1)))} of {avg.shape[0]} runs are not finite (diverged)")
    R, d = avg.shape
    mu, se = avg.mean(0), avg.std(0, ddof=1) / math.sqrt(R)
    z = np.abs(mu - centre) / se
    zc = bonferroni_z(d, family)
    half = 2.576 * se.max()
    precise = half <= gap / 4
    ok = bool(z.max() <= zc and precise)
    return Outcome(ok, f"max |z| = {z.max():.2f} (critical {zc:.2f}); 99% half-width {half:.4f} vs gap/4 = {gap / 4:.4f}",
                   value=float(z.max()), margin=float(min(zc - z.max(), gap / 4 - half)))


def sharp_range_check(res: dict) -> Outcome:
    """Exact, for every p: lambda < 1 on the grid alpha <= alpha_max; lambda(alpha_c) = 1 +- 1e-9; lambda > 1 on
    the grid above alpha_c; rho <= lambda + 1e-12; alpha_max <= alpha_c <= alpha_rho."""
    fr, parts, ok = res["fr"], [], True
    for p, r in res["p"].items():
        c = (bool(np.all(r["lam"][fr <= 1] < 1)) and abs(r["lam_at_c"] - 1) < 1e-9
             and bool(np.all(r["lam"][fr * r["amax"] > r["ac"]] > 1)) and bool(np.all(r["rho"] <= r["lam"] + 1e-12))
             and r["amax"] <= r["ac"] * (1 + 1e-12) and r["ac"] <= r["arho"] * (1 + 1e-12))
        ok &= c
        parts.append(f"p={p}: alpha_c/alpha_max = {r['ac'] / r['amax']:.3f}, alpha_rho/alpha_max = {r['arho'] / r['amax']:.3f}, "
                     f"lambda(0.0154) = {r['lam_0154']:.3f}{'' if c else ' (FAILS)'}")
    return Outcome(ok, "; ".join(parts))


def rate_check(windows, samples, targets, *, rng, stat: str = "mean", n_boot: int = 2000, rel_tol: float = 0.05,
               abs_tol: float = 0.005) -> Outcome:
    """Geometric rate of a second moment: for every leg ``i``, the bootstrap CI (whole pairs resampled,
    level 1 - 0.05/legs) of the OLS slope of ``log stat_R samples[i][k]`` on ``k`` over ``windows[i]``
    overlaps ``targets[i] +- max(rel_tol |targets[i]|, abs_tol)``. ``stat="mean"`` estimates ``log rho``;
    ``"median"`` estimates the (smaller) Lyapunov exponent."""
    rng = as_generator(rng)
    level = 1 - 0.05 / len(targets)
    ok, parts, margins = True, [], []
    for w, sq, tgt, r in zip(windows, samples, targets, rng.spawn(len(targets))):
        y = np.asarray(sq, dtype=float)[w]
        if not all_finite(y) or np.any(y <= 0):
            return Outcome(None, "non-finite or zero distances in the fit window")
        ci = bootstrap_slope_ci(w, y, rng=r, n_boot=n_boot, level=level, reduce=stat, log_y=True, paths=True)
        tol = max(rel_tol * abs(tgt), abs_tol)
        hit = ci.lo <= tgt + tol and ci.hi >= tgt - tol
        ok &= hit
        margins.append(min(tgt + tol - ci.lo, ci.hi - (tgt - tol)))
        parts.append(f"slope {ci.slope:.4f} [{ci.lo:.4f}, {ci.hi:.4f}] vs {tgt:.4f} +- {tol:.4f}")
    return Outcome(bool(ok), "; ".join(parts), value=None, margin=float(min(margins)))


def curve_check(samples, exact, *, power: int = 2, family: float = FAMILY, max_rel_se: float = 0.25) -> Outcome:
    """Does ``mean_R samples[k]^power`` follow the exact curve ``exact[k]`` for k = 1..K? Every step within the
    Bonferroni z (family ``family``) of the exact value, with the Monte Carlo precise enough to tell
    (relative standard error at most ``max_rel_se`` at every k; else undecided)."""
    x = np.asarray(samples, dtype=float)[1:] ** power
    e = np.asarray(exact, dtype=float)[1:]
    if not all_finite(x):
        return Outcome(None, "non-finite distances")
    R = x.shape[1]
    m, se = x.mean(1), x.std(1, ddof=1) / math.sqrt(R)
    if np.any(se / m > max_rel_se):
        return Outcome(None, f"Monte Carlo too noisy: relative SE up to {np.max(se / m):.2f} > {max_rel_se}")
    z = np.abs(m - e) / se
    zc = bonferroni_z(len(e), family)
    ratio = m / e
    return Outcome(bool(z.max() <= zc), f"max |z| = {z.max():.2f} (critical {zc:.2f}); simulated / predicted = "
                   + ", ".join(f"{r:.2f}" for r in ratio), value=float(z.max()), margin=float(zc - z.max()))


def stationary_check(groups: dict, target, S, *, family: float = FAMILY) -> Outcome:
    """One law, mean beta_tilde, covariance S: (i) two-sample KS between every pair of starts on every
    coordinate and on v'beta, all Holm-adjusted p > ``family``; (ii) pooled mean within the Bonferroni z of
    ``target``; (iii) ``||C - S||_F < 4 se_F``, C the pooled second moment about ``target``, se_F from the
    sample fourth moments."""
    G = {k: np.asarray(g, dtype=float) for k, g in groups.items()}
    if not all_finite(*G.values()):
        return Outcome(None, "non-finite iterates")
    d = next(iter(G.values())).shape[1]
    U = np.vstack([np.eye(d), np.ones(d) / math.sqrt(d)])
    names = list(G)
    pv = [st.ks_2samp(G[a] @ u, G[b] @ u).pvalue for u in U for i, a in enumerate(names) for b in names[i + 1:]]
    pmin = float(holm(np.array(pv)).min())
    dev = np.concatenate(list(G.values())) - target
    N = dev.shape[0]
    zmean = float(np.max(np.abs(dev.mean(0)) / (dev.std(0, ddof=1) / math.sqrt(N))))
    prods = dev[:, :, None] * dev[:, None, :]
    frob = float(np.linalg.norm(prods.mean(0) - S) / np.linalg.norm(S))
    se_f = float(np.sqrt(np.sum(prods.var(0, ddof=1) / N)) / np.linalg.norm(S))
    ok = pmin > family and zmean <= bonferroni_z(d, family) and frob < 4 * se_f
    return Outcome(bool(ok), f"min Holm KS p = {pmin:.3g}; max |z| of the mean = {zmean:.2f}; ||C - S||_F/||S||_F = {frob:.3f} "
                   f"(4 se = {4 * se_f:.3f})", value=pmin, margin=float(4 * se_f - frob))


def small_step_limit_check(fr, err) -> Outcome:
    """Exact: ``||S(alpha)/alpha - S0|| / ||S0||`` decreases as alpha shrinks, with log-log slope in [0.8, 1.2]."""
    slope = ols_slope(np.log(fr), np.log(err))
    ok = bool(np.all(np.diff(err) < 0) and 0.8 <= slope <= 1.2)
    return Outcome(ok, f"relative errors {', '.join(f'{e:.2g}' for e in err)}; slope {slope:.3f}")


def gaussian_limit_check(z) -> Outcome:
    """Is ``z`` standard normal (the small-step limit)? |skewness| < 0.5 and Var z in 1 +- 4 sqrt(2/R)."""
    z = np.asarray(z, dtype=float)
    if not all_finite(z):
        return Outcome(None, "non-finite iterates")
    band = 4 * math.sqrt(2 / z.size)
    sk, var = float(st.skew(z)), float(z.var(ddof=1))
    ok = abs(sk) < 0.5 and abs(var - 1) < band
    return Outcome(bool(ok), f"skewness {sk:.2f}, Var z = {var:.3f} (band 1 +- {band:.3f})", value=var,
                   margin=float(min(0.5 - abs(sk), band - abs(var - 1))))


def wald_check(avg, centre, cov, n) -> Outcome:
    """CLT of the averages with covariance ``cov``: the Wald statistic W = n (avg - centre)' cov^{-1} (avg - centre)
    is chi^2_d (KS p > 1e-3 and |mean W - d| <= 3.29 sd(W)/sqrt(R)), and the second moment
    C = mean_R n (avg - centre)(avg - centre)' matches ``cov``: ||C - cov||_F < 4 se_F (se_F from the sample
    fourth moments, as in :func:`stationary_check`)."""
    avg = np.asarray(avg, dtype=float)
    if not all_finite(avg):
        return Outcome(None, "non-finite averages")
    R, d = avg.shape
    diff = avg - centre
    W = n * np.einsum("ri,ri->r", diff, np.linalg.solve(cov, diff.T).T)
    p = float(st.kstest(W, st.chi2(d).cdf).pvalue)
    zW = abs(W.mean() - d) / (W.std(ddof=1) / math.sqrt(R))
    prods = n * diff[:, :, None] * diff[:, None, :]
    frob = float(np.linalg.norm(prods.mean(0) - cov) / np.linalg.norm(cov))
    se_f = float(np.sqrt(np.sum(prods.var(0, ddof=1) / R)) / np.linalg.norm(cov))
    ok = p > 1e-3 and zW <= 3.29 and frob < 4 * se_f
    return Outcome(bool(ok), f"KS p = {p:.3g}; mean W = {W.mean():.2f} (d = {d}, |z| = {zW:.2f}); "
                   f"||C - cov||_F/||cov||_F = {frob:.3f} (4 se = {4 * se_f:.3f})", value=p,
                   margin=float(min(3.29 - zW, 4 * se_f - frob)))


def variance_ratio_check(proj, var) -> Outcome:
    """``sqrt(n) v'(beta_bar_n - beta_tilde)`` has variance ``var``: r = sample var / var in the 99.9 %
    chi^2_(R-1)/(R-1) band, and KS of proj/sqrt(var) against N(0, 1) has p > 1e-3."""
    proj = np.asarray(proj, dtype=float)
    if not all_finite(proj):
        return Outcome(None, "non-finite averages")
    R = proj.size
    lo, hi = st.chi2.ppf(FAMILY / 2, R - 1) / (R - 1), st.chi2.isf(FAMILY / 2, R - 1) / (R - 1)
    r = float(proj.var(ddof=1) / var)
    p = float(st.kstest(proj / math.sqrt(var), "norm").pvalue)
    return Outcome(bool(lo <= r <= hi and p > 1e-3), f"r = {r:.3f} (band [{lo:.3f}, {hi:.3f}]); KS p = {p:.3g}", value=r,
                   margin=float(min(r - lo, hi - r)))


def online_exact_check(res: dict) -> Outcome:
    """Exact: the online recursion equals the offline batch-means formula to 1e-10; E v'Sigma_hat_n v /
    v'Sigma_alpha v increases with n and is within 2 % of 1 at n = 10^7."""
    ok = res["max_diff"] < 1e-10 and bool(np.all(np.diff(res["ratio"]) > 0)) and abs(res["ratio"][-1] - 1) < 0.02
    return Outcome(ok, f"online vs offline: max difference {res['max_diff']:.1e}; exact E v'Sigma_hat_n v / v'Sigma_alpha v at "
                   + ", ".join(f"n=10^{int(round(math.log10(n)))}: {r:.4f}" for n, r in zip(res["n"], res["ratio"])))


def expectation_check(q_hat, q_pred, *, family: float = FAMILY) -> Outcome:
    """At every checkpoint t the mean over runs of ``q_hat[t, :]`` is within the Bonferroni z (family
    ``family``) of the prediction ``q_pred[t]``."""
    q_hat = np.asarray(q_hat, dtype=float)
    if not all_finite(q_hat):
        return Outcome(None, "non-finite estimates")
    R = q_hat.shape[1]
    z = (q_hat.mean(1) - q_pred) / (q_hat.std(1, ddof=1) / math.sqrt(R))
    zc = bonferroni_z(len(q_pred), family)
    return Outcome(bool(np.max(np.abs(z)) <= zc), f"max |z| = {np.max(np.abs(z)):.2f} (critical {zc:.2f}); mean / predicted "
                   f"{q_hat[0].mean() / q_pred[0]:.3f} at the first and {q_hat[-1].mean() / q_pred[-1]:.3f} at the last checkpoint",
                   value=float(np.max(np.abs(z))), margin=float(zc - np.max(np.abs(z))))


def coverage_band_check(covered, p0, *, family: float = FAMILY) -> Outcome:
    """Empirical coverages ``covered.mean(1)`` (covered: (T, R) booleans) all inside the exact two-sided
    binomial bands around ``p0[t]`` at level ``1 - family/T`` (Bonferroni over the T intervals or checkpoints)."""
    c = np.asarray(covered, dtype=float)
    T, R = c.shape
    p0 = np.broadcast_to(np.asarray(p0, dtype=float), (T,))
    cov = c.mean(1)
    bands = np.array([binomial_band(float(q), R, 1 - family / T) for q in p0])
    inside = (bands[:, 0] <= cov) & (cov <= bands[:, 1])
    margin = float(np.min(np.minimum(cov - bands[:, 0], bands[:, 1] - cov)))
    worst = int(np.argmin(np.minimum(cov - bands[:, 0], bands[:, 1] - cov)))
    return Outcome(bool(inside.all()), f"{int((~inside).sum())}/{T} outside their band; worst: {cov[worst]:.3f} vs band "
                   f"[{bands[worst, 0]:.3f}, {bands[worst, 1]:.3f}] around {p0[worst]:.3f}", value=float(cov[-1]), margin=margin)


# ------------------------------------------------------------------------------------------ claims
_C = SCHEMA.condition
_ASGD_STEP = _C("clt_step")

CLAIMS = {c.id.split(".")[1]: c for c in (
    ClaimSpec(
        "dropout_sgd.target_identity", "Lemma (target of dropout; [R] numbering)",
        "GD dropout's target beta_tilde = (p X'X + (1-p) Diag X'X)^{-1} X'y is the minimiser of the marginal objective "
        "E_D||y - X D beta||^2, and E[D X'X D] = p X_p, E[D X'y] = p X'y.",
        "Exact: relative gradient at beta_tilde < 1e-10; BFGS within 1e-5; mask identities to 1e-12 (enumerated masks).",
        kind="exact", expected="verified (exact)"),
    ClaimSpec(
        "dropout_sgd.target", "Lemma (target of dropout; [R] numbering)",
        "Plain-mask dropout SGD is centred at the dropout target beta_tilde = Sigma_p^{-1} Sigma beta* (no 1/p rescaling), not at beta*.",
        lambda P: (f"SGD, Toeplitz({P.corr_r}) design, d={P.corr_d}, p={P.target_p}, alpha = {P.corr_alpha_frac} alpha_c, "
                   f"{P.target_R} runs of n={P.target_n} from 0: every coordinate of the mean ASGD average within the Bonferroni z "
                   "(family 0.1%) of its exact expectation, and the 99% half-width of every coordinate below a quarter of the "
                   "largest |beta_tilde_j - beta*_j| (precision to tell the hypotheses apart)."),
        kind="empirical",
        controls=(Control("beta* as the centre", "near_miss", "the regression parameter beta* in place of beta_tilde (same runs)"),
                  Control("inverted dropout", "near_miss",
                          lambda P: f"masks D/p at the matched step alpha p^2: centre p beta_tilde, {100 * (1 - P.target_p):.0f}% off"))),
    ClaimSpec(
        "dropout_sgd.sharp_range", "Thm A, learning-rate range (Exp. 1)",
        "GD dropout contracts in L2 (lambda(alpha) < 1) for all alpha < alpha_max = 2/lambda_max(X'X); the exact range is "
        "alpha < alpha_c, sharp; the second-moment rate rho(alpha) <= lambda(alpha) stays < 1 up to alpha_rho >= alpha_c.",
        lambda P: (f"Exact, for p in {P.range_p}: lambda < 1 on the grid alpha <= alpha_max; lambda(alpha_c) = 1 +- 1e-9; lambda > 1 "
                   "above alpha_c; rho <= lambda + 1e-12; alpha_max <= alpha_c <= alpha_rho."),
        kind="exact", expected="verified (exact)"),
    ClaimSpec(
        "dropout_sgd.gmc", "Thm A (GMC, q = 2)",
        "Coupled dropout chains contract geometrically in L2: E||Delta_k||^2 decays at the exact rate rho(alpha) < 1 (not the "
        "one-step constant lambda(alpha), not the typical-path (Lyapunov) rate).",
        lambda P: (f"GD (d={P.range_d}, p=0.9, alpha = {P.gmc_gd_frac} alpha_max) and SGD (Sigma = I, d={P.gmc_d_sgd}, p=0.9, "
                   f"alpha={P.gmc_sgd_alpha}), {P.gmc_R} coupled pairs: the bootstrap CI (pairs resampled, level 1 - 0.05/2) of "
                   "the slope of log mean||Delta_k||^2 on k overlaps log rho +- max(5% |log rho|, 0.005), over a window where the "
                   "exact curve already runs at rate rho (GD: the first k with exact local slope within 1% of log rho, then "
                   f"{P.gmc_K_gd} steps; SGD: k in [{P.gmc_K_sgd // 2}, {P.gmc_K_sgd}])."),
        kind="empirical", conditions=(_C("gmc_sgd_step"),),
        controls=(Control("one-step constant lambda as the rate", "near_miss",
                          "log lambda(alpha) in place of log rho(alpha) (GD leg; they coincide for SGD with Sigma = I)"),
                  Control("median (Lyapunov) rate", "near_miss", "the slope of log median ||Delta_k||^2 in place of log mean"),
                  Control("uncoupled pairs", "illustration", "independent masks and data for the two chains"))),
    ClaimSpec(
        "dropout_sgd.gmc_q4", "Thm A (GMC, q = 4)",
        "Coupled GD dropout chains contract geometrically in L4: E||Delta_k||^4 follows the exact fourth-moment recursion "
        "E[Delta_k^(x)4] = T4^k Delta_0^(x)4, whose rate rho_4(alpha) < 1; the L4 rate rho_4^{1/4} exceeds the L2 rate rho^{1/2}.",
        lambda P: (f"GD, d={P.q4_d}, p=0.9, alpha = {P.gmc_gd_frac} alpha_max, {P.q4_R} coupled pairs: for k = 1..{P.q4_K}, mean "
                   "||Delta_k||^4 within the Bonferroni z (family 0.1%) of the exact E||Delta_k||^4, with relative SE <= 0.25 at every k."),
        kind="empirical",
        controls=(Control("(E||Delta_k||^2)^2", "near_miss",
                          "the squared second moment in place of the fourth moment (ignores the randomness of the contraction)"),)),
    ClaimSpec(
        "dropout_sgd.stationary_law", "Cor A (unique stationary law)",
        "From three different starts, GD dropout converges to one law pi_alpha with mean beta_tilde and covariance S(alpha).",
        lambda P: (f"GD d={P.range_d}, p=0.9, alpha = {P.stat_frac} alpha_max, {P.stat_R} chains per start (0, 5*1, N(0, 25 I)), "
                   "burn-in ceil(log 1e-8 / log rho) + 200: (i) two-sample KS tests between every pair of starts on every coordinate "
                   "and on v'beta, all Holm-adjusted p > 0.001; (ii) pooled mean within the Bonferroni z (0.1%) of beta_tilde; "
                   "(iii) ||C - S(alpha)||_F < 4 se_F."),
        kind="empirical",
        controls=(Control("small-step covariance alpha S0", "near_miss",
                          "the Lyapunov approximation alpha S0 (H S0 + S0 H = V_xi) in place of the exact S(alpha)"),
                  Control("3-step burn-in", "illustration", "the same starts after only 3 steps (not mixed)"))),
    ClaimSpec(
        "dropout_sgd.small_step_limit", "Thm B (small-step limit) [R]",
        "S(alpha)/alpha -> S0 linearly as alpha -> 0, where H S0 + S0 H = V_xi.",
        "Exact: ||S(alpha)/alpha - S0||/||S0|| decreases over alpha/alpha_max in (0.5, 0.1, 0.02, 0.004) with log-log slope in [0.8, 1.2].",
        kind="exact", expected="verified (exact)"),
    ClaimSpec(
        "dropout_sgd.small_step_clt", "Thm B (small-step CLT of the iterates) [R]",
        "(beta_k - beta_tilde)/sqrt(alpha) is approximately N(0, S0) for small alpha (Gaussian limit of the stationary law).",
        lambda P: (f"GD, {P.stat_R} chains from beta_tilde, 10 mixing times, at alpha = {P.small_frac} alpha_max: "
                   "z = v'(beta_K - beta_tilde)/sqrt(alpha v'S0 v) has |skewness| < 0.5 and Var z in 1 +- 4 sqrt(2/R)."),
        kind="empirical",
        controls=(Control("S0 x 1.25", "near_miss", "limit covariance 1.25 S0 (25% too large)"),
                  Control("large step", "illustration", "the same criterion at alpha = 0.8 alpha_max"))),
    ClaimSpec(
        "dropout_sgd.gd_average_clt", "Thm C (GD)",
        "Averaged GD dropout from 0: sqrt(n)(beta_bar_n - beta_tilde) => N(0, Sigma_alpha).",
        lambda P: (f"GD d={P.range_d}, p=0.9, alpha = {P.stat_frac} alpha_max, n={P.gd_avg_n}, R={P.gd_avg_R}: the Wald statistic with "
                   "the theorem's beta_tilde and Sigma_alpha is chi^2_d (KS p > 1e-3 and |mean W - d| <= 3.29 SE), and the second "
                   "moment of sqrt(n)(beta_bar_n - beta_tilde) matches Sigma_alpha: ||C - Sigma_alpha||_F < 4 se_F."),
        kind="empirical", conditions=(_C("gd_clt_regime"),),
        controls=(Control("Sigma_alpha x 1.25", "near_miss", "covariance 1.25 Sigma_alpha (25% too large)"),
                  Control("naive covariance S(alpha)", "illustration", "the stationary covariance of the iterates (no autocorrelation)"))),
    ClaimSpec(
        "dropout_sgd.asgd_clt", "Thm C (SGD)",
        "sqrt(n)(beta_bar_n - beta_tilde) => N(0, Sigma_alpha) for ASGD dropout, with Sigma_alpha and not the sandwich H^-1 V_xi H^-1.",
        lambda P: (f"SGD Sigma=I, d={P.clt_d}, p=0.9, alpha={P.clt_alpha}, start beta_tilde, n={P.clt_n}, R={P.clt_R}: "
                   "r = n Var_R(v'beta_bar_n)/v'Sigma_alpha v in the 99.9% chi^2_(R-1)/(R-1) band and KS p > 1e-3."),
        kind="empirical", conditions=(_ASGD_STEP, _C("asgd_clt_regime")),
        controls=(Control("sandwich covariance", "near_miss", "the small-step sandwich H^-1 V_xi H^-1 in place of Sigma_alpha "
                          "(close to Sigma_alpha at small steps)"),
                  Control("Sigma_alpha x 1.25", "near_miss", "covariance 1.25 Sigma_alpha (25% too large)"))),
    ClaimSpec(
        "dropout_sgd.online_estimator_exact", "Thm D (the online estimator)",
        "The O(d)-per-step online recursion computes the non-overlapping batch-means estimator (blocks m^2); its exact "
        "expectation increases with n to Sigma_alpha.",
        "Exact: online vs offline formula to 1e-10 on a stored path (checkpoints inside blocks); exact E v'Sigma_hat_n v / v'Sigma_alpha v "
        "increasing in n and within 2% of 1 at n = 10^7.",
        kind="exact", expected="verified (exact)"),
    ClaimSpec(
        "dropout_sgd.online_consistency", "Thm D (consistency of the online estimator)",
        "The online estimate v'Sigma_hat_n v is biased low at finite n by the exact batch-means bias, which vanishes as n grows.",
        lambda P: (f"SGD Sigma=I, d={P.cov_d}, p={P.cov_p}, alpha={P.cov_alpha}, start 0, R={P.cov_R}, {P.cov_checkpoints} checkpoints "
                   f"from {P.cov_n_first} to {P.cov_n}: at every checkpoint the mean over runs of v'Sigma_hat_n v is within the "
                   "Bonferroni z (family 0.1%) of its exact expectation."),
        kind="empirical", conditions=(_C("cov_step"),),
        controls=(Control("no finite-n bias", "near_miss", "E v'Sigma_hat_n v = v'Sigma_alpha v (the batch-means bias ignored)"),
                  Control("naive i.i.d. variance", "illustration", "the sample variance of v'beta_1..v'beta_n"))),
    ClaimSpec(
        "dropout_sgd.coverage_prediction", "Thm C + Thm D (1-D intervals at finite n)",
        "The 95% intervals v'beta_bar_n +- 1.96 sqrt(v'Sigma_hat_n v/n) cover v'beta_tilde with the finite-n probability pi_n "
        "predicted by theory (exact E Sigma_hat_n, Satterthwaite degrees of freedom), which rises to 0.95.",
        lambda P: (f"Same runs: at every checkpoint the empirical coverage lies in the two-sided exact binomial band of level "
                   f"1 - 0.001/T around pi_n (computed from theory alone, before the run)."),
        kind="empirical", conditions=(_C("cov_step"),),
        controls=(Control("nominal at every n", "near_miss", "pi_n = 0.95 at every checkpoint (the batch-means bias ignored)"),
                  Control("sandwich interval", "illustration", "the plug-in interval with the sandwich covariance"))),
    ClaimSpec(
        "dropout_sgd.coverage_nominal", "Thm C + Thm D (1-D intervals, asymptotic coverage)",
        "The 95% intervals v'beta_bar_n +- 1.96 sqrt(v'Sigma_hat_n v/n) reach nominal coverage as n grows.",
        lambda P: (f"At the last checkpoint n={P.cov_n} (R={P.cov_R}) the empirical coverage lies in the exact 99.9% binomial band "
                   "around 0.95."),
        kind="empirical", conditions=(_C("cov_step"), _C("coverage_regime")),
        controls=(Control("variance x 0.5", "near_miss", "Sigma_hat_n x 0.5: half-width x 0.71, nominal 83% (the sandwich's ratio is 0.47 at the paper's step)"),
                  Control("sandwich interval", "illustration", "the plug-in interval with the sandwich covariance"))),
    ClaimSpec(
        "dropout_sgd.joint_coverage_prediction", "Thm C + Thm D (joint chi^2 region at finite n)",
        "The joint region n(beta_bar_n - beta_tilde)' Sigma_hat_n^{-1} (beta_bar_n - beta_tilde) <= chi^2_{d,0.95} covers beta_tilde "
        "with the finite-n probability predicted by theory (Wishart model of Sigma_hat_n).",
        lambda P: f"Same runs, n={P.cov_n}: the empirical joint coverage lies in the exact 99.9% binomial band around the predicted coverage.",
        kind="empirical", conditions=(_C("cov_step"),),
        controls=(Control("estimator x 0.5", "near_miss", "the region with Sigma_hat_n x 0.5"),
                  Control("sandwich region", "illustration", "the region with the sandwich covariance"))),
    ClaimSpec(
        "dropout_sgd.joint_coverage_nominal", "Thm C + Thm D (joint chi^2 region, asymptotic coverage)",
        "The joint chi^2 region has asymptotic coverage 0.95.",
        lambda P: f"At n={P.cov_n} (R={P.cov_R}) the empirical joint coverage lies in the exact 99.9% binomial band around 0.95.",
        kind="empirical", conditions=(_C("cov_step"), _C("joint_coverage_regime")),
        controls=(Control("estimator x 0.5", "near_miss", "the region with Sigma_hat_n x 0.5"),)),
    ClaimSpec(
        "dropout_sgd.correlated_target", "Thm C + Thm D (centring at beta_tilde)",
        "In a correlated design the ASGD intervals (full Sigma_hat_n) cover the dropout target beta_tilde, with their "
        "predicted finite-n coverage; the official code's diagonal-only shortcut does not.",
        lambda P: (f"SGD Toeplitz({P.corr_r}), d={P.corr_d}, p={P.corr_p}, alpha = {P.corr_alpha_frac} alpha_c, n={P.corr_n}, "
                   f"R={P.corr_R}, start 0: the coverage of each of the {P.corr_d + 1} intervals (coordinates and v = 1/sqrt(d)) lies "
                   f"in its two-sided exact binomial band (level 1 - 0.001/{P.corr_d + 1}) around its predicted coverage."),
        kind="empirical", conditions=(_C("corr_offdiag"),),
        controls=(Control("diagonal-only Sigma_hat", "near_miss",
                          "the official code's v'diag(Sigma_hat_n)v in place of v'Sigma_hat_n v"),
                  Control("centred on beta*", "illustration", "the same intervals judged as intervals for beta*"))),
    ClaimSpec(
        "dropout_sgd.coverage_prediction_d50", "Thm C + Thm D (second configuration: d = 50, p = 0.5, finite n)",
        "In the official code's earlier configuration d = 50, p = 0.5, alpha = 0.025, the 95% intervals cover v'beta_tilde with "
        "the finite-n probability predicted by theory.",
        lambda P: (f"d={P.cov2_d}, p={P.cov2_p}, alpha={P.cov2_alpha}, n={P.cov2_n}, R={P.cov2_R}: at every checkpoint the empirical "
                   "coverage lies in the two-sided exact binomial band of level 1 - 0.001/T around pi_n."),
        kind="empirical", conditions=(_C("cov2_step"),),
        controls=(Control("nominal at every n", "near_miss", "pi_n = 0.95 at every checkpoint (the batch-means bias ignored)"),)),
    ClaimSpec(
        "dropout_sgd.coverage_nominal_d50", "Thm C + Thm D (second configuration: d = 50, p = 0.5)",
        "The 95% intervals reach nominal coverage in the official code's earlier configuration d = 50, p = 0.5, alpha = 0.025.",
        lambda P: (f"d={P.cov2_d}, p={P.cov2_p}, alpha={P.cov2_alpha}, n={P.cov2_n}, R={P.cov2_R}: at the last checkpoint the "
                   "empirical coverage of the projection interval lies in the exact 99.9% binomial band around 0.95."),
        kind="empirical", conditions=(_C("cov2_step"), _C("coverage2_regime")),
        controls=(Control("variance x 0.5", "near_miss", "Sigma_hat_n x 0.5: half-width x 0.71, nominal 83%"),)),
)}


# ------------------------------------------------------------------------------------------ outcomes per claim
# Each function applies the claim's criterion, unchanged, to the experiment and to every declared control,
# and returns ``(outcome, {control name: outcome})`` for :meth:`StatedClaim.judge`.

def target_outcomes(run) -> tuple:
    gap = float(np.max(np.abs(run.beta_tilde - run.beta_star)))
    main = centre_check(run.avg_plain, run.expect["beta_tilde"], gap)
    return main, {"beta* as the centre": centre_check(run.avg_plain, run.expect["beta_star"], gap),
                  "inverted dropout": centre_check(run.avg_inverted, run.expect["beta_tilde"], gap)}


def gmc_outcomes(legs, *, rng, n_boot: int) -> tuple:
    r = as_generator(rng).spawn(4)
    w = [g.window for g in legs]
    coupled = [g.sq for g in legs]
    main = rate_check(w, coupled, [g.log_rho for g in legs], rng=r[0], n_boot=n_boot)
    return main, {
        "one-step constant lambda as the rate": rate_check(w, coupled, [g.log_lam for g in legs], rng=r[1], n_boot=n_boot),
        "median (Lyapunov) rate": rate_check(w, coupled, [g.log_rho for g in legs], rng=r[2], n_boot=n_boot, stat="median"),
        "uncoupled pairs": rate_check(w, [g.sq_free for g in legs], [g.log_rho for g in legs], rng=r[3], n_boot=n_boot),
    }


def gmc_q4_outcomes(q4) -> tuple:
    main = curve_check(q4.sq, q4.exact4)
    return main, {"(E||Delta_k||^2)^2": curve_check(q4.sq, q4.exact2**2)}


def stationary_outcomes(run, target) -> tuple:
    return stationary_check(run.mixed, target, run.S), {
        "small-step covariance alpha S0": stationary_check(run.mixed, target, run.S_small),
        "3-step burn-in": stationary_check(run.short, target, run.S)}


def small_step_outcomes(res) -> tuple:
    return gaussian_limit_check(res["z_small"]), {"S0 x 1.25": gaussian_limit_check(res["z_small"] / math.sqrt(1.25)),
                                                   "large step": gaussian_limit_check(res["z_large"])}


def gd_average_outcomes(res) -> tuple:
    a, c, n = res["avg"], res["centre"], res["n"]
    return wald_check(a, c, res["Sigma"], n), {"Sigma_alpha x 1.25": wald_check(a, c, 1.25 * res["Sigma"], n),
                                               "naive covariance S(alpha)": wald_check(a, c, res["S"], n)}


def asgd_clt_outcomes(res) -> tuple:
    return variance_ratio_check(res["proj"], res["var"]), {"sandwich covariance": variance_ratio_check(res["proj"], res["var_sandwich"]),
                                                           "Sigma_alpha x 1.25": variance_ratio_check(res["proj"], 1.25 * res["var"])}


def interval_covers(res, scale: float = 1.0, cov=None):
    """(T, R) booleans: does the 1-D interval with ``Sigma_hat_n x scale`` (or a fixed ``cov``) cover v'beta_tilde
    at every checkpoint (:func:`.inference.projection_covered`, ``Sigma_hat_n / n`` at time n)?"""
    C = res["cov_hat"] * scale if cov is None else cov
    return projection_covered(res["avg"], C, res["cps"][:, None], res["v"], res["target"])


def region_covers(res, scale: float = 1.0, cov=None):
    """(1, R) booleans: is beta_tilde inside the chi^2 region (:func:`.inference.joint_covered`) at the last checkpoint?"""
    C = res["cov_hat"][-1] * scale if cov is None else cov
    return joint_covered(res["avg"][-1], res["target"], C, res["cps"][-1])[None, :]


def coverage_outcomes(res) -> dict:
    """Outcomes of the four claims on the coverage runs: online_consistency, coverage_prediction,
    coverage_nominal, joint_coverage_prediction, joint_coverage_nominal."""
    v = res["v"]
    q_hat = np.einsum("i,trij,j->tr", v, res["cov_hat"], v)
    T = len(res["cps"])
    sig = float(v @ res["Sigma"] @ v)
    cov, sw = interval_covers(res), interval_covers(res, cov=res["sandwich"])
    joint, joint_sw = region_covers(res), region_covers(res, cov=res["sandwich"])
    last = lambda x: x[-1:]  # noqa: E731
    return {
        "online_consistency": (expectation_check(q_hat, res["q"]), {
            "no finite-n bias": expectation_check(q_hat, np.full(T, sig)),
            "naive i.i.d. variance": expectation_check(res["naive_var"], res["q"])}),
        "coverage_prediction": (coverage_band_check(cov, res["cover"]), {
            "nominal at every n": coverage_band_check(cov, np.full(T, 0.95)),
            "sandwich interval": coverage_band_check(sw, res["cover"])}),
        "coverage_nominal": (coverage_band_check(last(cov), 0.95), {
            "variance x 0.5": coverage_band_check(last(interval_covers(res, 0.5)), 0.95),
            "sandwich interval": coverage_band_check(last(sw), 0.95)}),
        "joint_coverage_prediction": (coverage_band_check(joint, res["joint"]), {
            "estimator x 0.5": coverage_band_check(region_covers(res, 0.5), res["joint"]),
            "sandwich region": coverage_band_check(joint_sw, res["joint"])}),
        "joint_coverage_nominal": (coverage_band_check(joint, 0.95), {"estimator x 0.5": coverage_band_check(region_covers(res, 0.5), 0.95)}),
    }


def coverage_d50_outcomes(res) -> dict:
    """Outcomes of coverage_prediction_d50 and coverage_nominal_d50 on the second configuration's runs."""
    cov = interval_covers(res)
    T = len(res["cps"])
    return {"coverage_prediction_d50": (coverage_band_check(cov, res["cover"]),
                                        {"nominal at every n": coverage_band_check(cov, np.full(T, 0.95))}),
            "coverage_nominal_d50": (coverage_band_check(cov[-1:], 0.95),
                                     {"variance x 0.5": coverage_band_check(interval_covers(res, 0.5)[-1:], 0.95)})}


def correlated_coverages(res) -> dict:
    """(k, R) coverage booleans of the k intervals: full Sigma_hat at beta_tilde, diagonal-only, centred on beta*."""
    V, avg, C, n = res["V"], res["avg"], res["cov_hat"], res["n"]
    full = np.einsum("ki,rij,kj->kr", V, C, V)
    diag = np.einsum("ki,rii,ki->kr", V, C, V)
    def cov(q, truth):
        return np.abs(avg @ V.T - V @ truth).T <= 1.959964 * np.sqrt(np.maximum(q, 0) / n)
    return {"full Sigma_hat, target beta_tilde": cov(full, res["beta_tilde"]),
            "diagonal-only Sigma_hat, target beta_tilde": cov(diag, res["beta_tilde"]),
            "full Sigma_hat, target beta*": cov(full, res["beta_star"])}


def correlated_outcomes(res) -> tuple:
    c = correlated_coverages(res)
    return coverage_band_check(c["full Sigma_hat, target beta_tilde"], res["pred"]), {
        "diagonal-only Sigma_hat": coverage_band_check(c["diagonal-only Sigma_hat, target beta_tilde"], res["pred"]),
        "centred on beta*": coverage_band_check(c["full Sigma_hat, target beta*"], res["pred"])}
