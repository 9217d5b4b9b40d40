"""The adaptive-SDEs chapter's deviation log: every criterion, tolerance, budget, sample size or seed changed
after a result had been seen, with the commit, the reason and the verdicts before and after.

The chapter was rebuilt on ledger v2 after an independent review of commit ``b5fd53a`` (its findings H1-H2,
M1-M8, L1-L6); most changes below answer a result that review showed, the others answer pilot runs made while
rebuilding (named "pilot", quick or book sizes, seed 0 unless stated).
"""
from __future__ import annotations

from optdyn.claims import Deviation

__all__ = ["DEVIATIONS"]

_V2 = "f924d2b"  # the ledger-v2 change of this chapter

_ROBUST = "fe9e0b0"  # the random-variant robustness commit (issue 17)

DEVIATIONS = (
    Deviation(
        "adamw_sde_tracks: band check (rtol 0.10) at the single rate eta = 0.01 with R_adam = 512 fixed 'because the verdict "
        "depends on power' -> the weak order at fixed rho over eta in {0.01, 0.005, 0.0025} (relative gaps, 99.9% interval of "
        "the order above 1/4 and reaching 3/4); near miss Malladi-style V; expected 'not reproduced' -> 'reproduced'",
        _V2, "review H1: the trough gap halves with every halving of eta (0.86, 0.36, 0.18, 0.09); at eta = 0.005 the old "
        "criterion passed (variant a1). Pilot: order 0.98 (CI 0.77-1.19) and 0.99 (0.73-1.25) for theta = 0, 1",
        "not reproduced", "reproduced"),
    Deviation(
        "adamw_sde: time_shift default eta -> the integration step dt (bias corrections at the end of each step)",
        _V2, "review L1: with dt < eta the old default slowed the first substeps and doubled the trough gap (0.73 vs 0.39)",
        "not reproduced (band check)", "reproduced (weak order; unchanged at dt = eta)"),
    Deviation(
        "signsgd_sde_tracks, signsgd_t_sde_tracks, rmspropw_sde_tracks: band check at eta = 0.01 with dt = eta -> the weak order "
        "with dt = eta / sde_substeps; the SignGD ODE control replaced by near misses (drift ODE, erf argument without "
        "1/sqrt 2, Gaussian erf SDE, Malladi-style V)",
        _V2, "issue: judge tracking as weak approximation is stated; review M5 (straw-man controls), M6 (dt = eta matches the "
        "optimiser's one-step moments exactly)", "reproduced", "reproduced"),
    Deviation(
        "signsgd_sde_tracks and signsgd_t_sde_tracks: the 10-d test bed with simulated SignSGD -> the stiffest coordinate "
        "(lambda = lam_max) at eta lam_max / sigma = 0.4, 0.2, 0.1, with SignSGD's E f exact on its lattice",
        _V2, "pilot on the 10-d test bed (R = 1024, sigma = 0.5, eta = 0.02, 0.01, 0.005): the SDE's gap (about 1-3%) was "
        "below the Monte Carlo resolution, order 0.71 +- 0.36, and 0.95 (99.9% CI -0.13 to 2.03) with the time-averaged level "
        "added; Student-t (nu = 1) with simulated SignSGD: order 0.84 (CI -0.23 to 1.91)",
        "inconclusive (pilot)", "reproduced"),
    Deviation(
        "weak_order_one (C11): Monte Carlo slope test of the absolute weak error, full profile only, control SignGD ODE -> exact "
        "comparison of the stationary laws (lattice chain vs Fokker-Planck quadrature) in every profile, where the drift ODE "
        "cannot meet the statistic",
        _V2, "review M1: the drift-only ODE passed the same slope test (slope 1.03); the book build never judged the claim",
        "reproduced (full profile only; no power against the drift ODE)", "verified (exact)"),
    Deviation(
        "network_sde_tracks (C12, new id): recorded instead of dropped; AdamW (not RMSpropW) on a tanh MLP on the breast-cancer "
        "data; horizon 2 -> 0.5 and rates {0.02, 0.01, 0.005} -> {0.01, 0.005, 0.0025}; R_net 256 -> 128",
        _V2, "review H2. Pilots (R = 256): RMSpropW could not separate the Malladi-style SDE (its order 0.31 +- 0.15, the SDE's "
        "0.68 +- 0.33, rho = 0.5); with AdamW over [0, 2] the late-time gaps follow the phase of the loss oscillation (max 55%, "
        "106%, 31%) while the early ones scale like eta; R = 128 for the book budget (order 1.00, CI 0.88-1.12)",
        "dropped in v1 (no power in a development run)", "reproduced"),
    Deviation(
        "sgd_rate_sigma_free: empirical slope test -> exact check (common random numbers: the noise part of the iterates is "
        "proportional to sigma)", _V2, "review M4: an identity of linear SGD, counted as a reproduction",
        "reproduced", "verified (exact)"),
    Deviation(
        "loss_batch_scaling: injected noise sigma/sqrt(B) -> real mini-batches of a least-squares data set (mb_rows 2000, label "
        "noise 4), B in {1, 4, 16, 64} -> {16, 64, 256}, levels against Lemmas 3.7/3.8 with Sigma measured from the data; "
        "condition batch_regime (min B >= 4, SignSGD in phase 3 at the largest B)",
        _V2, "review M4: the injected version re-ran the sigma scan. Pilot with real batches: slope -0.53 over B in {1, 2, 4, 16}, "
        "SignSGD 12% above the Gaussian level at B = 1 (noise far from Gaussian), 1.6% at B = 16; label noise 1 left SignSGD "
        "outside phase 3 at B = 256 (eta lam / s = 0.5)", "reproduced (tautological)", "reproduced"),
    Deviation(
        "signsgd_loss_linear_sigma: condition sign_stationary_regime (eta lam_max / min sigma <= 0.4) added; tolerance 10% -> "
        "10% + z SE; the SGD-levels control replaced by the near miss 'Adam's constant'", _V2,
        "review M2: lam_max = 30 (eta lam_max / sigma_min = 1.2) flipped the verdict (+13%); the discrete level is then far "
        "from the SDE's", "not reproduced (variant lam_max 30)", "outside conditions (variant lam_max 30)"),
    Deviation(
        "adamw_loss_bounded: saturation 'last log-slope < 0.5' -> the closed form's own last slope +- (0.1 + z SE); levels "
        "within 10% + z SE (was 10%)", _V2, "review M3: the closed form's own last slope is 0.49-0.65 for lam_max 30 or "
        "theta 0.5, so the old threshold failed simulations that matched the theory", "reproduced (a2 by a hair: 0.48)", "reproduced"),
    Deviation(
        "adamw_momentum_factor: condition momentum_factor_separable (rho1/(rho1 + theta) <= 0.8) added; new claim "
        "rmspropw_loss_bounded tests C.57 as quoted where it is exact (RMSpropW)", _V2,
        "review M7: C.57 as quoted was judged only where it must fail", "reproduced", "reproduced"),
    Deviation(
        "adamw_scaling_sqrt_beta_variant dropped; new rmspropw_scaling_rule; scaling near misses 'theta unchanged' (Malladi's "
        "square-root rule) and the linear rule instead of the unscaled control; base constants exposed as parameters "
        "(scaling_eta, scaling_theta, scaling_sigma)", _V2,
        "review M8 and L2: a hybrid rule that no source uses, run where it fails by construction; RMSpropW's rule untested",
        "not reproduced (expected)", "dropped"),
    Deviation(
        "conditions adaptive_stationary_regime (eta lam_max / min sigma <= 1) on the four stationary-law claims of Adam, AdamW "
        "and RMSpropW, scaling_regime on the AdamW and RMSpropW scaling rules, and eta lam_max <= 0.5 in batch_regime; the "
        "SignSGD order horizon doubled (the averaging window [T/2, T] stationary); R_sign_order 4096 -> 8192", _V2,
        "pilots of the review's variant lam_max = 100 (eta lam_max = 1): RMSpropW's level 15% above C.57 at sigma = 0.5, the "
        "RMSpropW rule's level +36% at delta = 16, SGD's mini-batch level 20% above Lemma 3.8, and the SignSGD order undecided "
        "(its window [T/2, T] still in phase 1); at quick seed 4242 the Student-t order had a 99.9% CI of 0.19 to 1.39",
        "not reproduced / inconclusive (lam_max 100; seed 4242)", "outside conditions (lam_max 100); reproduced (seed 4242)"),
    Deviation(
        "scaling rules: levels and per-sample rates within 10% -> within 10% + z SE of delta = 1", _V2,
        "pilot at quick seed 1: the per-sample rates of the AdamW and RMSpropW rules deviated by 10.3% and 11.1% from delta = 1 "
        "with standard errors of about 2% (the old criterion had no sampling allowance)", "not reproduced (pilot, quick seed 1)",
        "reproduced"),
    Deviation(
        "signsgd_phase3_bound: the paper's sqrt(2/pi) bound added (tolerance delta0 = 4%, the linearisation's drift deficit at "
        "Y0, computed from theory), near miss 'constant 1.25 sqrt(2/pi)'", _V2,
        "review L5 and the issue: the paper's constant was never tested", "reproduced (chord bound only)", "reproduced"),
    Deviation(
        "adam_eta_rho1_term: condition eta_rho1_separable (ablation_beta1^2 <= 0.85) added; beta2 of the ablation and of the "
        "stationary scans is the parameter stat_beta2 (was hard-coded 0.99)", _V2,
        "review L4 and L2: at ablation_beta1 = 0.95 the two forms differ by 10% and the claim was inconclusive (variant a1)",
        "inconclusive (variant a1)", "outside conditions (variant a1)"),
    Deviation(
        "rmspropw_sde_tracks and adamw_sde_tracks: conditions rms_gradient_regime / adam_gradient_regime (every sigma at most "
        "lam_min = min |grad f(x0)|) added; near miss of adamw_loss_bounded and rmspropw_loss_bounded theta x 0.8 -> theta x 0.5",
        _V2, "pilot of the review's variant a3 (quick, seed 777): AdamW at sigma = 2 had order 0.74 (99.9% CI -0.42 to 1.90), "
        "undecided, its gap (2-6%) below the resolution of 512 paths; at theta = 0.5 the near miss theta x 0.8 moved the "
        "RMSpropW levels by at most 12% and was not rejected", "inconclusive (a3)", "outside conditions (adamw_sde_tracks, a3); reproduced (rmspropw_loss_bounded, a3)"),
    Deviation(
        "sde_substeps 4 -> 2 (dt = eta/2), R_order 1024 -> 512, R_near 256 -> 128, T_order 5 -> 4, and the second near miss "
        "(rho x 2) of the RMSpropW and AdamW claims dropped (the Malladi-style V remains); the 1-D SignSGD order experiments keep "
        "dt = eta/4 (sign_substeps)", _V2,
        "budget: in a book-profile pilot the RMSpropW and AdamW weak-order experiments took 26 s and 20 s; with dt = eta/2 and "
        "512 paths the orders were 1.01-1.05 (AdamW CIs 0.69-1.29 and 0.56-1.54); rho x 2 was rejected as clearly as the "
        "Malladi-style V (order about 0); with dt = eta/2 the Student-t order at quick seed 0 had a 99.9% CI of 0.23 to 1.73 "
        "(undecided), so the cheap 1-D SignSGD experiments kept eta/4", "reproduced (pilot)", "reproduced"),
    Deviation(
        "family-wise false-rejection level of every criterion 1% -> 0.1% per claim (band checks, level checks, order intervals)",
        _V2, "with about 20 empirical claims a 1% level gives a false verdict in roughly one run of the chapter in five",
        "reproduced", "reproduced"),
    Deviation(
        "R_order 512 -> 1024 (quick and book), R_net 64 -> 128 (quick), 128 -> 256 (book), 256 -> 512 (full)", _ROBUST,
        "a random-variant sweep (quick, optdyn sweep --random 8 --seed 7) left adamw_sde_tracks undecided in 1 of 8 variants "
        "(seed 433646: order 1.36, 99.9% CI 0.24 to 2.48) and network_sde_tracks in 2 of 8 (seeds 151984 and 594370: CIs 0.23 to "
        "2.17 and 0.22 to 2.06), below the 95% target: the Monte Carlo could not tell the order from 1/4. The criterion is "
        "unchanged", "inconclusive (those 3 variants)",
        "reproduced (those 3 variants: CIs 0.73 to 1.51, 0.62 to 1.78, 0.43 to 1.77; the Malladi-style near miss rejected)"),
)
