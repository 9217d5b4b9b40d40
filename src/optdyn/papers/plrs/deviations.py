"""The PLRS chapter's deviation log: every criterion, tolerance, budget, sample size or seed changed after a result
had been seen, with the commit, the reason and the verdicts before and after.

The chapter was rebuilt on ledger v2 (issue 14) after an independent review of commit ``b5fd53a`` (its findings H1-H2,
M1-M5, L1-L5 and its reader variants plrs_v1, plrs_v2); most changes below answer results that review showed. The
rework's own pilot runs (quick profile, seeds 0-3) are listed where they fixed a size or a constant.
"""
from __future__ import annotations

from optdyn.claims import Deviation

__all__ = ["DEVIATIONS"]

_V2 = "ee391a1"

DEVIATIONS = (
    Deviation(
        "digits_noninferiority: paired one-sided t-test -> exact Wilcoxon signed-rank test of non-inferiority (margin delta, Holm over "
        "the five competitors)", "d2ddf94",
        "a robustness sweep found a seed where one collapsed cosine-with-restarts run inflated the standard error, so PLRS, 7.6 pp "
        "better on average, failed the t criterion. The switch is symmetric: a collapsed PLRS run is equally discounted (review M3: "
        "20 seeds, one PLRS run at 60% gives a mean difference of -1.9 pp yet passes), so collapsed runs are now reported per arm",
        "not reproduced (that sweep point, t-test)", "reproduced"),
    Deviation(
        "digits peak rate: 'just below the blow-up rate of the range test' (the paper) -> the median over n_range_tests tests of the "
        "rate at the smoothed-loss minimum", "0822245",
        "pilot peaks near the detected blow-up made several schedules collapse, and a single test's blow-up detector missed nets "
        "whose ReLUs died (review M5)", "several schedules collapsed (pilot)", "reproduced"),
    Deviation(
        "digits_noninferiority: the reported estimate was the mean difference next to a pseudo-median (Walsh) bound; now the paired "
        "Hodges-Lehmann estimate with its own signed-rank bound (level 1 - 0.05/5); error bars clipped, infinite bounds drawn to the "
        "edge; collapsed runs (< 90%) per arm; near miss 'PLRS lowered by 1.5 delta' added, the x 1/100 control kept as an illustration",
        _V2, "the review's variant seed 4242, digits_seeds 30 printed a bound above its estimate and crashed drawing the error bars (M3); "
             "the x 1/100 control only showed that a catastrophic arm is rejected (L4)",
        "crash (variant)", "reproduced"),
    Deviation(
        "thm1_order: OLS slope of log|E Delta f| within 2 +- 0.1 -> leading exponent of |E Delta f| = L^p (a + b L) (the next-order term "
        "modelled), 2 inside its 99.9% parametric-bootstrap CI of half-width <= 0.05; near miss 'order 1.9'; the fixed-gradient control "
        "became an illustration", _V2,
        "the fixed grid's cubic term decided the verdict (closed-form slope 1.944; review M1); order_l_max_hi 0.8 flipped it (slope 1.897)",
        "reproduced (defaults); not reproduced (order_l_max_hi 0.8)", "reproduced (both)"),
    Deviation(
        "thm2_rate_exit_time: claim removed; the exit times are shown as a demonstration, with the kinematic lower bound "
        "0.5 / (L_max (max|d_1 f| + sigma)) that every method whose step is bounded by L_max ||g|| obeys", _V2,
        "its log-log slope is <= -1 for any such method, so the 'consistent' branch was unreachable; Theorem 2 is about E f, not an exit "
        "distance (review H1)", "not reproduced", "no verdict (demonstration)"),
    Deviation(
        "escape_without_gradient_noise (not reproduced) -> no_noise_invariance (exact): with sigma = 0, x_1 = 0 stays exactly 0", _V2,
        "the printed max |x_1| = 0.0 is an identity, and the theorem assumes gradient noise (A3); it was counted as a negative result "
        "against the paper (review H1)", "not reproduced", "verified (exact)"),
    Deviation(
        "randomness_speeds_escape: unpaired Mann-Whitney and two-sample Hodges-Lehmann -> paired Wilcoxon signed-rank test and paired "
        "Hodges-Lehmann shift; positive control PLRS vs constant 0.8 eta_c and near miss constant 1.05 eta_c added; the placebo became "
        "an illustration", _V2, "the arms share the noise (review L3) and the claim had no positive control (review H2)",
        "not reproduced", "not reproduced"),
    Deviation(
        "thm2_rate_decrease_time: positive control added, PLRS on a negative-trace saddle over the whole L_max grid, with lam_pos = 0.05 "
        "(the review suggested 0.1); constant eta_c kept as the near miss", _V2,
        "at lam_pos = 0.1 the decrease at step 1 is about 2 standard errors at R_curve = 1000 (the old run showed T* = 2), so T* would "
        "wander; at 0.05 (tr H = -0.55) it is about 12", "not reproduced (no positive control)", "not reproduced"),
    Deviation(
        "thm1_bound: empirical (MC + z SE below the bound) -> exact (the closed-form identity below the bound on a dense grid)", _V2,
        "the bound is an algebraic consequence of the identity, which thm1_identity tests; it could not fail (review L1)",
        "reproduced", "verified (exact)"),
    Deviation(
        "thm3_confinement: clause (a) (99% of sup distances below 0.3) dropped; runs start at distance conf_start sqrt(L_max) from x* "
        "(was: at x*)", _V2, "0.3 against q95 of about 0.05 was vacuous (review L2); the theorem starts within O~(sqrt(L_max))",
        "reproduced", "reproduced"),
    Deviation(
        "loss_spikes: restated. PLRS against the constant rate eta_c it randomises (was: against cosine with warm restarts); a spike also "
        "needs an absolute rise above spike_floor = 0.01 nats; at least 0.5 fewer spikes per run required; positive control constant "
        "eta_c vs cosine with restarts; expected 'not reproduced'", _V2,
        "constant eta_c had as few spikes as PLRS, so the effect was the restarts'; l_min_ratio 0.3 flipped the old claim at book scale "
        "(3.85 vs 3.35 spikes); the 10% rule counted noise near a loss of 1e-3 (review M2)",
        "reproduced (defaults); not reproduced (book, l_min_ratio 0.3)", "not reproduced (the restated claim)"),
    Deviation(
        "loss_spikes: the practical threshold 0.5 -> 1 spike fewer per run on average", _V2,
        "a pilot at quick seed 1 had PLRS at 0.9 against 1.6 spikes for the constant rate (signed-rank p = 0.035), with the placebo "
        "at 0.9 against 1.3 (p = 0.079): spike counts of 10 seeds are noisy enough that a null difference passes the 5% test with "
        "0.5 about one run in ten. The restart effect of the positive control is 1.6 to 2.4 spikes per run",
        "reproduced (quick, seed 1)", "not reproduced"),
    Deviation(
        "convergence_speed: 'passes unless a one-sided test finds PLRS slower' -> non-inferiority: exact signed-rank test that PLRS is "
        "less than m = 0.2 x the constant runs' median epochs to tau slower; near miss 'PLRS faster by m'", _V2,
        "the claim passed on absence of evidence: PLRS was nominally one epoch slower, p = 0.062 at l_min_ratio 0.3 (review M4)",
        "reproduced", "reproduced"),
    Deviation(
        "family-wise level of the z criteria (lemma1_zero_mean, thm1_identity, thm1_quartic) 1% -> 0.1% per claim; near misses added "
        "(lemma1: the s^2 sigma^2 term dropped; thm1_quartic: 0.2 x threshold next to the saddle, was 0.1 x); thm1_quartic's points are "
        "placed at 2-12 thresholds (were fixed points, below the threshold at large sigma or L_max)", _V2,
        "the chapter has about 16 empirical claims; a 1% level gives a false verdict in about one run in six", "reproduced", "reproduced"),
    Deviation(
        "saddle_escape: near miss 'horizon / 4' added; sigma = 0 became an illustration", _V2,
        "sigma = 0 is the exact invariance, a straw man (review: sound but weak)", "reproduced", "reproduced"),
    Deviation(
        "lemma2_quadratic_model, lemma3_coupling, thm2_probability (new): horizon T = coupling_kappa / eta_c with coupling_kappa = 2 and "
        "the decay factor 4 of thm2_probability chosen after a pilot (kappa = 1.5, 2, 3; R = 1000) showed the failure fraction flat in "
        "L_max at every kappa and the coupling gap decaying like L_max^1.3", _V2,
        "the Theorem 2 horizon T = O~(L_max^-1/4) has unknown constants; kappa = 2 is past T*, where the mean has already dropped",
        "new claims (pilot)", "reproduced (Lemmas 2-3); not reproduced (thm2_probability)"),
    Deviation(
        "tensor_decomposition (new): LR scale tensor_l_max = 6e-4 at d = 6 (1.5e-4 at d = 10, full) and tensor_steps chosen after "
        "pilots at 1e-4 to 1e-2; positive control comparator 0.8 -> 0.7 eta_c and tensor_R 20 -> 40 (quick)", _V2,
        "the paper's [0.007, 0.01] does not converge in this normalisation (brief C8); at R = 20 the near miss (1.05 eta_c) reached an "
        "8.1% reduction and at R = 60 seed 1 the 0.8 eta_c positive control only 13.9%, both close to the 10% threshold",
        "new claim (pilot)", "not reproduced"),
    Deviation(
        "lemma1_zero_mean: the test point moved from (0.3, 0.2, ..., 0.2) (|grad f|^2 = 0.43) to a point with |grad f| = 2 sigma",
        _V2, "a random variant (sigma = 0.057) left the near miss unrejected (max |z| 2.8 < 3.9): at a fixed point its deviation "
        "s^2 sigma^2 shrinks like sigma^2 against the gradient part; with |grad f| proportional to sigma it is 7.5% of E||w||^2 at "
        "every sigma", "inconclusive (variant sigma 0.057)", "reproduced"),
    Deviation(
        "thm3_confinement and thm3_probability: the start distance conf_start sqrt(L_max) -> conf_start sigma sqrt(L_max) (default "
        "0.1 -> 0.5)", _V2, "random variants with sigma near 0.06 and conf_start near 0.18 started farther out than the noise ever "
        "pushes, so the sup distance was the start distance (slope 0.500) for PLRS and for the additive-noise near miss alike",
        "inconclusive (two variants)", "reproduced"),
    Deviation(
        "thm1_order: the fit L^p (a + b L) restricted to a next-order term that is a correction, |b| max(L) <= |a|", _V2,
        "a random variant (order grid 0.013 to 0.24) gave the CI 0.90 to 2.01: L^(p-1) (a' + b' L) with a' near 0 mimics L^p on a "
        "narrow grid, so the unconstrained exponent is not identified. With the constraint the 99.9% CI half-width is 0.01-0.02 on "
        "every grid tried", "inconclusive (variant)", "reproduced"),
    Deviation(
        "digits_seeds of the quick profile 10 -> 20", _V2,
        "PLRS and the constant rate end at a high rate, so their final-epoch accuracy is now and then a snapshot inside a loss spike "
        "(83.8% in one run of a random variant, 93.3% and 94.9% in another seed): with 10 pairs one such run as the largest signed "
        "rank gives p = 0.042 per comparison and the Holm-adjusted non-inferiority fails (review M3 made the same point for n = 10); "
        "with 20 pairs two such runs are tolerated", "not reproduced (variant seed 360160, quick)", "reproduced"),
    Deviation(
        "random numbers: SeedSequence children spawned in call order -> named streams (optdyn.random.Streams) for every experiment; "
        "every number changed", _V2, "reproducibility under cell edits, not a result", "14 claims at their documented verdicts (quick, seed 0)",
        "all claims at their documented verdicts (quick, seeds 0-2)"),
)
