"""The parameters of the dropout chapter, declared once (type, allowed range, meaning), and the theorem
conditions its claims depend on, as predicates of the parameters.

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``. ``variants`` is the range
a reader variant (``optdyn sweep --random``) is drawn from.
"""
from __future__ import annotations

import functools
import math

from optdyn.validation import Condition, Interval, Options, Param, Relation, Schema

__all__ = ["SCHEMA"]

_PROB = Interval(0.0, 1.0, "neither")
_N = Interval(2000, 10**7)  # steps of a run
_R = Interval(50, 10**5)  # replications
_P_GD = 0.9  # every GD and paper SGD experiment uses the official scripts' retain probability


def _sgd_threshold(d: int, p: float) -> float:
    """Stability threshold of SGD dropout with Sigma = I: rho(alpha) < 1 iff alpha < 2 / (3 + (d-1) p)."""
    return 2.0 / (3 + (d - 1) * p)


@functools.lru_cache(maxsize=256)
def _gd_transient(seed: int, N: int, d: int, frac: float, n: int) -> float:
    """Noncentrality ``n b' Sigma_alpha^{-1} b`` of the exact mean transient b = E beta_bar_n - beta_tilde of
    averaged GD dropout from 0 on the chapter's fixed design (which the seed determines)."""
    import numpy as np

    from optdyn.papers.dropout_sgd import theory as th
    from optdyn.papers.dropout_sgd.design import fixed_design, paper_beta_star
    from optdyn.random import Streams

    X, y = fixed_design(N, paper_beta_star(d), Streams(seed)["fixed_design"])
    m = th.gd_moments(X, y, _P_GD)
    a = frac * th.gd_alpha_max(X)
    b = th.asgd_mean_bias(m, a, n, 0.0)
    return float(n * b @ np.linalg.solve(th.long_run_covariance(m, a), b))


def _shortfall(prefix: str, joint: bool):
    def holds(P) -> bool:
        from optdyn.papers.dropout_sgd import experiments as ex

        if P[f"{prefix}_alpha"] >= 0.9 * _sgd_threshold(P[f"{prefix}_d"], P[f"{prefix}_p"]):
            return False
        pred = ex.coverage_predictions(P[f"{prefix}_d"], P[f"{prefix}_p"], P[f"{prefix}_alpha"],
                                       ex.checkpoints(P[f"{prefix}_n_first"], P[f"{prefix}_n"], P[f"{prefix}_checkpoints"]))
        pi = pred["joint"] if joint else pred["cover"][-1]
        return (0.95 - pi) / math.sqrt(0.95 * 0.05 / P[f"{prefix}_R"]) <= 0.75
    return holds


def _corr_offdiag(P) -> bool:
    import numpy as np

    from optdyn.papers.dropout_sgd import theory as th
    from optdyn.papers.dropout_sgd.design import GaussianDesign, paper_beta_star, toeplitz_cov

    m = th.sgd_moments(GaussianDesign(paper_beta_star(P["corr_d"]), toeplitz_cov(P["corr_d"], P["corr_r"])), P["corr_p"])
    Sig = th.long_run_covariance(m, P["corr_alpha_frac"] * th.one_step_threshold(m))
    v = np.ones(P["corr_d"]) / math.sqrt(P["corr_d"])
    return bool(v @ np.diag(np.diag(Sig)) @ v / (v @ Sig @ v) >= 1.5)


def _asgd_regime(P) -> bool:
    from optdyn.papers.dropout_sgd.experiments import clt_regime_gap

    return P["clt_alpha"] < _sgd_threshold(P["clt_d"], _P_GD) and clt_regime_gap(P["clt_d"], _P_GD, P["clt_alpha"], P["clt_n"]) <= 0.01


CONDITIONS = (
    Condition("gmc_sgd_step", "the SGD step satisfies the learning-rate condition of Thm A: alpha < 2/(3 + (d-1) p) (Sigma = I)",
              ("gmc_sgd_alpha", "gmc_d_sgd"), lambda P: P["gmc_sgd_alpha"] < _sgd_threshold(P["gmc_d_sgd"], _P_GD)),
    Condition("clt_step", "the SGD step satisfies the learning-rate condition: alpha < 2/(3 + (d-1) p) (Sigma = I)",
              ("clt_alpha", "clt_d"), lambda P: P["clt_alpha"] < _sgd_threshold(P["clt_d"], _P_GD)),
    Condition("asgd_clt_regime", "asymptotic regime of the CLT: the exact finite-n variance n v'Cov(beta_bar_n) v is within 1% of v'Sigma_alpha v",
              ("clt_d", "clt_alpha", "clt_n"), _asgd_regime),
    Condition("gd_clt_regime", "asymptotic regime of the GD CLT: the deterministic transient of the mean from 0 is negligible "
              "(noncentrality n b' Sigma_alpha^-1 b <= 0.1, b = E beta_bar_n - beta_tilde)",
              ("seed", "range_N", "range_d", "stat_frac", "gd_avg_n"),
              lambda P: _gd_transient(P["seed"], P["range_N"], P["range_d"], P["stat_frac"], P["gd_avg_n"]) <= 0.1),
    Condition("cov_step", "the coverage runs' step is inside the stable range with a margin, alpha < 0.9 x 2/(3 + (d-1) p) "
              "(Sigma = I): near the L2 threshold the iterates' fourth moments, which the estimator's fluctuations need, "
              "stop being finite (the paper's condition for q > 2 is stricter, [R])",
              ("cov_alpha", "cov_d", "cov_p"), lambda P: P["cov_alpha"] < 0.9 * _sgd_threshold(P["cov_d"], P["cov_p"])),
    Condition("coverage_regime", "asymptotic regime of the 1-D coverage: the finite-n shortfall 0.95 - pi_n predicted by theory at "
              "the last checkpoint is at most 0.75 binomial standard errors of the R runs",
              ("cov_d", "cov_p", "cov_alpha", "cov_n", "cov_n_first", "cov_checkpoints", "cov_R"), _shortfall("cov", False)),
    Condition("joint_coverage_regime", "asymptotic regime of the joint coverage: the predicted finite-n shortfall of the chi^2 region is "
              "at most 0.75 binomial standard errors", ("cov_d", "cov_p", "cov_alpha", "cov_n", "cov_n_first", "cov_checkpoints", "cov_R"),
              _shortfall("cov", True)),
    Condition("corr_offdiag", "a correlated design, where the off-diagonal part of Sigma_alpha matters: v'diag(Sigma_alpha)v / v'Sigma_alpha v >= 1.5",
              ("corr_d", "corr_p", "corr_r", "corr_alpha_frac"), _corr_offdiag),
    Condition("cov2_step", "the second configuration's step is inside the stable range with a margin, alpha < 0.9 x 2/(3 + (d-1) p)",
              ("cov2_alpha", "cov2_d", "cov2_p"), lambda P: P["cov2_alpha"] < 0.9 * _sgd_threshold(P["cov2_d"], P["cov2_p"])),
    Condition("coverage2_regime", "asymptotic regime of the second configuration's coverage (predicted shortfall <= 0.75 SE)",
              ("cov2_d", "cov2_p", "cov2_alpha", "cov2_n", "cov2_n_first", "cov2_checkpoints", "cov2_R"), _shortfall("cov2", False)),
)

SCHEMA = Schema(
    "dropout_sgd",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter", variants=Interval(0, 10**6)),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # target
        Param("target_p", "float", _PROB, "retain probability of the target experiment (correlated design)", variants=Interval(0.6, 0.95)),
        Param("target_n", "int", _N, "SGD steps per run in the target experiment"),
        Param("target_R", "int", _R, "independent runs in the target experiment"),
        # sharp range (GD, fixed design)
        Param("range_N", "int", Interval(50, 10**4), "rows N of the fixed GD design (official script: 100)"),
        Param("range_d", "int", Interval(2, 20), "dimension d of the fixed GD design (official script: 5)"),
        Param("range_p", "list", _PROB, "retain probabilities of the learning-rate range experiment (must contain 0.9)",
              item="float", length=(1, 6)),
        Param("range_grid", "int", Interval(10, 2000), "points of the alpha grid of the range experiment"),
        Param("range_mc_masks", "int", Interval(100, 10**6), "random masks of the Monte Carlo estimate of E[A'A] (paper: 500)"),
        # GMC
        Param("gmc_R", "int", _R, "coupled pairs of chains in the GMC (q = 2) experiment"),
        Param("gmc_gd_frac", "float", Interval(0.05, 1.0, "left"), "GD step of the GMC experiments, as a fraction of alpha_max",
              variants=Interval(0.93, 0.98)),
        Param("gmc_K_gd", "int", Interval(5, 40), "steps of the GD fit window (after the exact curve reaches its asymptotic rate)"),
        Param("gmc_sgd_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step of the GMC experiment (paper form)",
              variants=Interval(0.05, 0.12)),
        Param("gmc_K_sgd", "int", Interval(20, 300), "SGD steps of the GMC experiment (fit window [K/2, K])"),
        Param("gmc_d_sgd", "int", Interval(2, 30), "dimension of the SGD leg of the GMC experiment"),
        Param("q4_d", "int", Interval(2, 6), "dimension of the fixed GD design of the L4 GMC experiment (T4 is d^4 x d^4)"),
        Param("q4_K", "int", Interval(2, 8), "steps of the L4 GMC experiment"),
        Param("q4_R", "int", Interval(1000, 10**6), "coupled pairs of the L4 GMC experiment"),
        Param("n_boot", "int", Interval(200, 10**5), "bootstrap replicates of the GMC slope confidence intervals"),
        # stationary law and small step
        Param("stat_R", "int", _R, "chains per start in the stationary-law and small-step experiments"),
        Param("stat_frac", "float", Interval(0.05, 1.0, "neither"), "GD step of the stationary-law and averaged-GD experiments, as a fraction of alpha_max",
              variants=Interval(0.3, 0.7)),
        Param("small_frac", "float", Interval(1e-4, 0.1), "the small GD step of the small-step CLT, as a fraction of alpha_max",
              variants=Interval(0.005, 0.02)),
        # averaged GD
        Param("gd_avg_n", "int", _N, "GD steps of the averaged-GD CLT experiment"),
        Param("gd_avg_R", "int", _R, "runs of the averaged-GD CLT experiment"),
        # ASGD CLT
        Param("clt_d", "int", Interval(2, 30), "dimension of the ASGD CLT experiment"),
        Param("clt_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step of the ASGD CLT experiment (paper form)",
              variants=Interval(0.05, 0.12)),
        Param("clt_n", "int", _N, "SGD steps of the ASGD CLT experiment"),
        Param("clt_R", "int", _R, "runs of the ASGD CLT experiment"),
        # online estimator and coverage
        Param("cov_d", "int", Interval(2, 30), "dimension of the online-covariance and coverage experiment", variants=Interval(3, 20)),
        Param("cov_p", "float", Interval(0.0, 1.0, "right"), "retain probability of the coverage experiment", variants=Interval(0.5, 0.95)),
        Param("cov_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step (paper form, = 2 alpha_code) of the coverage experiment",
              variants=Interval(0.03, 0.12)),
        Param("cov_n", "int", _N, "SGD steps of the coverage experiment (last checkpoint)"),
        Param("cov_R", "int", Interval(100, 10**5), "runs of the coverage experiment"),
        Param("cov_checkpoints", "int", Interval(3, 100), "checkpoints (geometric) of the coverage experiment"),
        Param("cov_n_first", "int", Interval(100, 10**6), "first checkpoint of the coverage experiment"),
        # correlated design
        Param("corr_d", "int", Interval(2, 30), "dimension of the correlated-design experiment"),
        Param("corr_p", "float", _PROB, "retain probability of the correlated-design experiment", variants=Interval(0.3, 0.7)),
        Param("corr_r", "float", _PROB, "Toeplitz correlation r of the correlated design (Sigma_ij = r^|i-j|)", variants=Interval(0.4, 0.8)),
        Param("corr_alpha_frac", "float", _PROB, "step of the correlated-design and target experiments, as a fraction of alpha_c",
              variants=Interval(0.2, 0.6)),
        Param("corr_n", "int", _N, "SGD steps of the correlated-design experiment"),
        Param("corr_R", "int", _R, "runs of the correlated-design experiment"),
        # second coverage configuration (official code history: d = 50, p = 0.5)
        Param("cov2_run", "bool", None, "run the second coverage configuration (d = 50, p = 0.5; the full profile)"),
        Param("cov2_d", "int", Interval(2, 60), "dimension of the second coverage configuration"),
        Param("cov2_p", "float", Interval(0.0, 1.0, "right"), "retain probability of the second coverage configuration"),
        Param("cov2_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step of the second coverage configuration (paper form)"),
        Param("cov2_n", "int", _N, "SGD steps of the second coverage configuration"),
        Param("cov2_R", "int", Interval(100, 10**5), "runs of the second coverage configuration"),
        Param("cov2_checkpoints", "int", Interval(3, 100), "checkpoints of the second coverage configuration"),
        Param("cov2_n_first", "int", Interval(100, 10**6), "first checkpoint of the second coverage configuration"),
        # single-run diagnostics (official inference script)
        Param("diag_d", "int", Interval(2, 30), "dimension of the single-run diagnostics (official script: 10)"),
        Param("diag_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step of the single-run diagnostics (official: 0.02)"),
        Param("diag_n", "int", _N, "SGD steps of the single-run diagnostics"),
    ),
    relations=(
        Relation(("range_p",), lambda P: 0.9 in P["range_p"], "range_p must contain 0.9 (the official script's retain probability)"),
        Relation(("cov_n_first", "cov_n"), lambda P: P["cov_n_first"] <= P["cov_n"] // 2, "cov_n_first must be at most cov_n // 2"),
        Relation(("cov2_n_first", "cov2_n"), lambda P: P["cov2_n_first"] <= P["cov2_n"] // 2, "cov2_n_first must be at most cov2_n // 2"),
        Relation(("diag_alpha", "diag_d"), lambda P: P["diag_alpha"] < _sgd_threshold(P["diag_d"], _P_GD),
                 "diag_alpha must be below the stability threshold 2/(3 + (diag_d - 1) 0.9) of the single-run diagnostics"),
    ),
    conditions=CONDITIONS,
)
