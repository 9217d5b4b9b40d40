"""Dropout SGD in linear models (Li, Schmidt-Hieber & Wu, 2024, arXiv:2409.07434): chapter ``dropout_sgd``.

Conventions: plain 0/1 masks ``D_k = diag(delta_k)``, ``delta_kj ~ Bernoulli(p)`` (``p`` = *retain*
probability, no 1/p rescaling), the same mask in the forward pass and in the gradient, paper-form steps
(SGD ``alpha = 2 alpha_code`` of the official R code). Arrays of chains are ``(R, d)``.

Public API
----------
``design``
    :func:`paper_beta_star` ``(1/d, ..., 1)``; :func:`toeplitz_cov`; :class:`GaussianDesign`
    (streaming ``y = x'beta* + eps``, ``.sample(rng, shape)``); :func:`fixed_design` (GD data);
    :func:`alpha_from_official_code`.
``targets``
    :func:`gd_dropout_target` ``(pX'X + (1-p)Diag X'X)^{-1} X'y``; :func:`sgd_dropout_target`
    ``Sigma_p^{-1} Sigma beta*``; :func:`inverted_dropout_target` (control); :func:`gram_p`;
    :func:`dropout_marginal_objective` / :func:`dropout_marginal_gradient`; :func:`l2_gd_iterates`.
``theory`` (exact second-order theory)
    :func:`mask_moment_tensors`; :func:`gd_moments`, :func:`sgd_moments` -> :class:`DropoutMoments`
    (``H``, ``Lmat``, ``Vxi``, ``target``); :func:`apply_L`; :func:`contraction_constant` (lambda =
    lambda_max E[A'A]); :func:`second_moment_operator`, :func:`second_moment_rate` (rho);
    :func:`one_step_threshold` (alpha_c), :func:`spectral_threshold`, :func:`gd_alpha_max`,
    :func:`check_step` (error message carries the threshold); :func:`stationary_covariance` S(alpha);
    :func:`long_run_covariance` Sigma_alpha; :func:`lyapunov_limit` S0; :func:`sandwich_covariance`;
    :func:`autocovariance`; :func:`asgd_exact_covariance` (finite-n ``Cov(beta_bar_n)``); :func:`asgd_mean_bias` (exact transient of ``E beta_bar_n``);
    :func:`expected_sq_distance` (``tr T^k(Delta0 Delta0')``); :func:`sgd_identity_closed_form`.
``simulation``
    :func:`gd_dropout_run`, :func:`sgd_dropout_run` (R chains, chunked data/masks, ASGD averages and the
    online covariance at checkpoints, naive i.i.d. variance, optional path; ``mask_mode="inverted"``
    control) -> :class:`RunResult`; :func:`coupled_sq_distance` (coupled or independent pairs).
``online_cov``
    :class:`BlockSchedule` (``eta_m = m^2``); :class:`OnlineNBMCovariance` (``O(R d)`` per step);
    :func:`nbm_covariance_offline` (reference formula); :func:`nbm_dof`; :func:`nbm_expected_covariance`
    (exact finite-n expectation: the batch-means bias).
``inference``
    :func:`projection_ci`, :func:`projection_covered` (1-D, optionally diagonal-only);
    :func:`wald_statistic`, :func:`joint_covered` (chi^2_d); :func:`predicted_projection_coverage`,
    :func:`predicted_joint_coverage` (finite-n predictions).
``parameters``, ``experiments``, ``checks``, ``figures``, ``deviations``
    the chapter: its parameter schema and theorem conditions, its experiments, its claims with their
    criteria (ledger v2), its figures and its deviation log.
"""
from optdyn.papers.dropout_sgd.design import GaussianDesign, alpha_from_official_code, fixed_design, paper_beta_star, toeplitz_cov
from optdyn.papers.dropout_sgd.inference import (
    joint_covered,
    predicted_joint_coverage,
    predicted_projection_coverage,
    projection_ci,
    projection_covered,
    wald_statistic,
)
from optdyn.papers.dropout_sgd.theory import (
    DropoutMoments,
    apply_L,
    asgd_exact_covariance,
    asgd_mean_bias,
    autocovariance,
    check_step,
    contraction_constant,
    expected_sq_distance,
    gd_alpha_max,
    gd_moments,
    long_run_covariance,
    lyapunov_limit,
    mask_moment_tensors,
    one_step_threshold,
    sandwich_covariance,
    second_moment_operator,
    second_moment_rate,
    sgd_identity_closed_form,
    sgd_moments,
    spectral_threshold,
    stationary_covariance,
)
from optdyn.papers.dropout_sgd.online_cov import BlockSchedule, OnlineNBMCovariance, nbm_covariance_offline, nbm_dof, nbm_expected_covariance
from optdyn.papers.dropout_sgd.simulation import RunResult, coupled_sq_distance, gd_dropout_run, sgd_dropout_run
from optdyn.papers.dropout_sgd.targets import (
    dropout_marginal_gradient,
    dropout_marginal_objective,
    gd_dropout_target,
    gram_p,
    inverted_dropout_target,
    l2_gd_iterates,
    sgd_dropout_target,
)

__all__ = [n for n in dir() if not n.startswith("_") and n not in {"design", "inference", "theory", "online_cov", "simulation", "targets", "parameters", "experiments", "checks", "figures", "deviations"}]
