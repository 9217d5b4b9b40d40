"""The dropout chapter's deviation log: every criterion, tolerance, budget, sample size or seed changed
after a result had been seen, with the commit, the reason and the verdicts before and after.

The chapter was rebuilt on ledger v2 after an independent review of commit ``b5fd53a`` (reviews of the
chapter and its reader variants); the criteria below were changed because of results that review showed.
"""
from __future__ import annotations

from optdyn.claims import Deviation

__all__ = ["DEVIATIONS"]

_V2 = "cef4f4d"

_ROBUST = "fe9e0b0"  # the random-variant robustness commit (issue 17)

DEVIATIONS = (
    Deviation(
        "coverage: the band [lo(pi_n), hi(0.95)] (lower edge following the predicted finite-n coverage) split into "
        "coverage_prediction (two-sided band around pi_n) and coverage_nominal (band around 0.95 at the last checkpoint, "
        "judged only inside the asymptotic regime)",
        _V2, "the review's variant cov_d 20, cov_alpha 0.08 was 'reproduced' at coverage far below nominal (H1)",
        "reproduced (quick, seed 0)", "coverage_prediction reproduced; coverage_nominal reproduced (book), outside conditions (quick)"),
    Deviation(
        "joint coverage: the same split; joint_coverage_nominal is judged only where the predicted shortfall is below the "
        "binomial resolution", _V2, "joint coverage 0.675 was 'reproduced' in the review's variant d3 (band [0.630, 0.975])",
        "reproduced (quick, seed 0)", "joint_coverage_prediction reproduced; joint_coverage_nominal outside conditions (quick, book)"),
    Deviation(
        "target: z-test alone -> z-test plus a precision requirement (99% half-width below a quarter of the beta_tilde - beta* gap); "
        "the inverted-dropout control now runs at the matched step alpha p^2 (it cannot diverge); beta* added as a near miss",
        _V2, "in the review's variant d2 the control diverged to about 1e24 and passed the z-test (M1)",
        "reproduced (defaults); inconclusive (variant d2)", "reproduced"),
    Deviation(
        "gmc: the GD leg at 0.3 alpha_max dropped and the GD step moved from 0.8 to 0.95 alpha_max; the fit is compared with "
        "log rho over a window where the exact curve runs at rate rho (was: the exact finite-k curve over [K/4, K]); near "
        "misses log lambda and the median slope added; one bootstrap stream per leg and statistic",
        _V2, "at 0.3 alpha_max lambda and rho differ by 2.6% (no power); a pilot at seed 107 (0.8 alpha_max) had lambda within "
        "2.2% of rho, so the near miss passed; the six bootstraps had drawn identical indices (reused SeedSequence)",
        "reproduced", "reproduced"),
    Deviation(
        "deterministic parts relabelled as exact checks: sharp_range, small_step_limit (was half of small_step), "
        "online_estimator_exact (parts ii-iii of online_consistency), target_identity (the GD half of target)",
        _V2, "they cannot fail, yet were counted as reproductions (M2)", "reproduced", "verified (exact), counted apart"),
    Deviation(
        "gd_average_clt: KS alone -> KS, the mean of the Wald statistic and ||C - Sigma_alpha||_F < 4 se_F (the brief's E5 "
        "Frobenius check, with a tolerance from the sample fourth moments instead of the fixed 0.15, which a random variant failed "
        "at 0.167 by chance at R = 500), with the theorem's beta_tilde and Sigma_alpha (was: the exact finite-n mean and covariance); gd_avg_n 20000 -> 200000 (quick "
        "10000 -> 100000) so that the default runs lie inside the regime condition",
        _V2, "the criterion could not tell Sigma_alpha x 1.25 from Sigma_alpha; a pilot at quick seeds 104, 105, 111 was outside "
        "the regime at n = 40000", "reproduced", "reproduced"),
    Deviation(
        "cov_R 300 -> 500 (book profile), then the near miss of coverage_nominal from 'variance x 0.64' to 'variance x 0.5'",
        _V2, "pilots at book seeds 101 and 1 did not reject 'variance x 0.64' (coverage 0.923 inside [0.917, 0.980] at R = 300; "
        "0.917 inside [0.903, 0.987] at R = 500 and level 0.1%); R = 1000 would double the chapter's run time",
        "coverage_nominal inconclusive (pilots)", "reproduced"),
    Deviation(
        "corr_R 400 -> 1000 (quick 400 -> 1500, after a pilot at quick seeds 10 and 11 where the near miss sat inside the "
        "band at R = 600); condition corr_offdiag (v'diag(Sigma_alpha)v / v'Sigma_alpha v >= 1.5) added",
        _V2, "designing the diagonal-only near miss: at R = 400 its over-coverage (about 0.98) sits at the edge of the band",
        "reproduced (without a near miss)", "reproduced"),
    Deviation(
        "gmc_q4 (new claim): q4_R set to 40000 after a pilot at 10000 pairs was undecided (relative SE 0.27 > 0.25 at k = 4)",
        _V2, "the fourth moment is carried by rare mask sequences; the Monte Carlo needs more pairs to resolve it",
        "inconclusive (pilot, quick, seed 100)", "reproduced"),
    Deviation(
        "family-wise level of every criterion 1% -> 0.1% per claim (z critical values, Holm KS threshold, binomial and chi^2 "
        "bands)", _V2, "with about 15 empirical claims a 1% level gives a false 'not reproduced' in roughly one run of the "
        "chapter in seven; a pilot showed one (stationary_law at quick seed 0: Holm KS p = 0.0059, 1 of 60 seeds)",
        "stationary_law not reproduced (quick, seed 0)", "reproduced"),
    Deviation(
        "ledger rule: an illustration (straw man) that meets the criterion, or one near miss among several that does, no longer "
        "makes the verdict inconclusive; only 'no near miss rejected' does (the rule of the ledger v2 issue); the near miss it "
        "misses is reported", _V2, "in random variants at small steps the sandwich illustration is close to Sigma_alpha and meets "
        "the band (coverage_prediction, joint_coverage_prediction), and the median rate approaches log rho (gmc)",
        "inconclusive in 7 of 12 random variants (quick)", "the documented verdicts"),
    Deviation(
        "asgd_clt: second near miss Sigma_alpha x 1.25 added; joint coverage near miss Sigma_hat_n x 0.8 -> x 0.5", _V2,
        "random variants at small clt_alpha (0.057, 0.061), where the sandwich is within a few % of Sigma_alpha, and at "
        "cov_d = 3, where x 0.8 moves the chi^2 region's coverage by only 0.05, left the claims without a rejected near miss",
        "inconclusive in 3 of 20 random variants (quick)", "the documented verdicts"),
    Deviation(
        "condition cov_step (and cov2_step): alpha < 2/(3 + (d-1) p) -> alpha < 0.9 x that threshold", _V2,
        "a random variant at 97.6% of the L2 threshold (cov_d 18, cov_p 0.89, cov_alpha 0.109) gave a sample mean of "
        "v'Sigma_hat v 38% below its exact expectation at n = 1000 (heavy tails near the threshold); at 85% and 92% of the "
        "threshold the claim holds (seeds 1 and 2)", "online_consistency not reproduced (that variant)", "outside conditions there"),
    Deviation(
        "random numbers: one SeedSequence tree spawned in cell order -> named streams (optdyn.random.Streams); every number changed",
        "d7e0949", "reproducibility under cell edits (design review 3.7), not a result", "all 11 claims reproduced (quick, seeds 0 and 1)",
        "all 11 claims reproduced (quick, seeds 0 and 1, v1 criteria)"),
    Deviation(
        "quick profile: stat_R 2000 -> 4000 (the book's value)", _ROBUST,
        "a random-variant sweep (quick, optdyn sweep --random 8 --seed 7) left small_step_clt inconclusive at seed 418123: Var z = "
        "1.092 inside its band 1 +- 0.126, and the near miss S0 x 1.25 (Var z = 0.874) just inside it too; with 2000 chains the "
        "band is 4 sqrt(2/R) = 0.126 wide against a near-miss shift of 0.2. The criterion is unchanged",
        "inconclusive (that variant)", "reproduced (that variant: Var z = 1.006, band 1 +- 0.089; near miss 0.805 rejected)"),
)
