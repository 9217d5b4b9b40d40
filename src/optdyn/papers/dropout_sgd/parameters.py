"""The parameters of the dropout chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.
"""
from __future__ import annotations

from optdyn.validation import Interval, Options, Param, Relation, Schema

__all__ = ["SCHEMA"]

_PROB = Interval(0.0, 1.0, "neither")
_N = Interval(2000, 10**7)  # steps of a run
_R = Interval(50, 10**5)  # replications


def _stable_sgd(P) -> bool:
    """The coverage runs' step is inside the stable range (second-moment rate < 1), Sigma = I."""
    from optdyn.papers.dropout_sgd.design import GaussianDesign, paper_beta_star
    from optdyn.papers.dropout_sgd.theory import second_moment_rate, sgd_moments

    return second_moment_rate(sgd_moments(GaussianDesign(paper_beta_star(P["cov_d"])), P["cov_p"]), P["cov_alpha"]) < 1.0


def _stable_diag(P) -> bool:
    from optdyn.papers.dropout_sgd.design import GaussianDesign, paper_beta_star
    from optdyn.papers.dropout_sgd.theory import second_moment_rate, sgd_moments

    return second_moment_rate(sgd_moments(GaussianDesign(paper_beta_star(P["diag_d"])), 0.9), P["diag_alpha"]) < 1.0


SCHEMA = Schema(
    "dropout_sgd",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter"),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # E0: target
        Param("target_p", "float", _PROB, "retain probability of the target experiment (correlated design)"),
        Param("target_n", "int", _N, "SGD steps per run in the target experiment"),
        Param("target_R", "int", _R, "independent runs in the target experiment"),
        # E1: sharp range (GD, fixed design)
        Param("range_N", "int", Interval(50, 10**4), "rows N of the fixed GD design (official script: 100)"),
        Param("range_d", "int", Interval(2, 20), "dimension d of the fixed GD design (official script: 5)"),
        Param("range_p", "list", _PROB, "retain probabilities of the learning-rate range experiment (must contain 0.9)",
              item="float", length=(1, 6)),
        Param("range_grid", "int", Interval(10, 2000), "points of the alpha grid of the range experiment"),
        Param("range_mc_masks", "int", Interval(100, 10**6), "random masks of the Monte Carlo estimate of E[A'A] (paper: 500)"),
        # E2: GMC
        Param("gmc_R", "int", _R, "coupled pairs of chains in the GMC experiment"),
        Param("gmc_K_gd", "int", Interval(10, 40), "GD steps of the GMC experiment"),
        Param("gmc_K_sgd", "int", Interval(20, 300), "SGD steps of the GMC experiment"),
        Param("gmc_d_sgd", "int", Interval(2, 30), "dimension of the SGD leg of the GMC experiment"),
        Param("n_boot", "int", Interval(200, 10**5), "bootstrap replicates of the GMC slope confidence intervals"),
        # E3/E4
        Param("stat_R", "int", _R, "chains per start in the stationary-law and small-step experiments"),
        # E5
        Param("gd_avg_n", "int", _N, "GD steps of the averaged-GD CLT experiment"),
        Param("gd_avg_R", "int", _R, "runs of the averaged-GD CLT experiment"),
        # E6
        Param("clt_d", "int", Interval(2, 30), "dimension of the ASGD CLT experiment"),
        Param("clt_n", "int", _N, "SGD steps of the ASGD CLT experiment"),
        Param("clt_R", "int", _R, "runs of the ASGD CLT experiment"),
        # E7/E9
        Param("cov_d", "int", Interval(2, 30), "dimension of the online-covariance and coverage experiment"),
        Param("cov_p", "float", Interval(0.0, 1.0, "right"), "retain probability of the coverage experiment"),
        Param("cov_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step (paper form, = 2 alpha_code) of the coverage experiment"),
        Param("cov_n", "int", _N, "SGD steps of the coverage experiment (last checkpoint)"),
        Param("cov_R", "int", Interval(100, 10**5), "runs of the coverage experiment"),
        Param("cov_checkpoints", "int", Interval(3, 100), "checkpoints (geometric) of the coverage experiment"),
        Param("cov_n_first", "int", Interval(100, 10**6), "first checkpoint of the coverage experiment"),
        # E8
        Param("corr_d", "int", Interval(2, 30), "dimension of the correlated-design experiment"),
        Param("corr_p", "float", _PROB, "retain probability of the correlated-design experiment"),
        Param("corr_r", "float", _PROB, "Toeplitz correlation r of the correlated design (Sigma_ij = r^|i-j|)"),
        Param("corr_alpha_frac", "float", _PROB, "step of the correlated-design and target experiments, as a fraction of alpha_c"),
        Param("corr_n", "int", _N, "SGD steps of the correlated-design experiment"),
        Param("corr_R", "int", _R, "runs of the correlated-design experiment"),
        # E10
        Param("diag_d", "int", Interval(2, 30), "dimension of the single-run diagnostics (official script: 10)"),
        Param("diag_alpha", "float", Interval(0.0, 1.0, "neither"), "SGD step of the single-run diagnostics (official: 0.02)"),
        Param("diag_n", "int", _N, "SGD steps of the single-run diagnostics"),
    ),
    relations=(
        Relation(("range_p",), lambda P: 0.9 in P["range_p"], "range_p must contain 0.9 (the official script's retain probability)"),
        Relation(("cov_n_first", "cov_n"), lambda P: P["cov_n_first"] <= P["cov_n"] // 2, "cov_n_first must be at most cov_n // 2"),
        Relation(("cov_alpha", "cov_d", "cov_p"), _stable_sgd,
                 "cov_alpha must lie in the stable range of SGD dropout (second-moment rate rho(alpha) < 1) for cov_d and cov_p"),
        Relation(("diag_alpha", "diag_d"), _stable_diag,
                 "diag_alpha must lie in the stable range of SGD dropout (rho(alpha) < 1) for diag_d and p = 0.9"),
    ),
)
