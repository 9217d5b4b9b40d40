"""The parameters of the PLRS chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.

Upper bounds are generous but finite: they keep a run on one machine (a few GB of memory at most,
hours rather than years), not at the scale of the profiles. The learning-rate bounds come from the
theorems: ``L_max < 1/beta`` (beta = 2 on the quartic saddle, beta = 1 on the isotropic quadratic)
and ``L_max < alpha / beta^2 = 0.25`` near the minimum of the quartic saddle (Theorem 3).
"""
from __future__ import annotations

from optdyn.validation import Interval, Options, Param, Relation, Schema

__all__ = ["SCHEMA"]

_MC = Interval(1000, 5 * 10**6)  # Monte Carlo draws of one expectation (an (n, 10) float array each)
_R = Interval(50, 10**5)  # replicas of an SGD run (a (R, 10) state)
_BOOT_INDEX_MAX = 2 * 10**8  # largest bootstrap index array of the exit-time slope (int64: 1.6 GB)


def _distinct(values) -> bool:
    return len(set(values)) == len(values)


SCHEMA = Schema(
    "plrs",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter"),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # theory cells: quartic saddle (d = 10, gamma = 1, lam_pos = 1, beta = 2), sphere noise of radius sigma
        Param("sigma", "float", Interval(0.0, 1.0, "right"), "radius of the sphere gradient noise (assumption A3)"),
        Param("l_min", "float", Interval(0.001, 0.5, "left"), "lower end L_min of the PLRS range of the saddle experiments"),
        Param("l_max", "float", Interval(0.001, 0.5, "left"),
              "upper end L_max of the PLRS range of the saddle experiments (beta L_max < 1 with beta = 2)"),
        Param("n_lemma", "int", _MC, "Monte Carlo draws of the PLRS noise w in the Lemma 1 experiment"),
        Param("n_thm1", "int", _MC, "Monte Carlo draws per point of the Theorem 1 one-step experiments"),
        Param("thm1_l_max_grid", "list", Interval(0.0, 1.0, "neither"),
              "L_max values of the Theorem 1 grid on the isotropic quadratic (beta L_max < 1 with beta = 1)",
              item="float", length=(1, 8)),
        Param("thm1_ratios", "list", Interval(0.0, 1.0, "neither"), "L_min / L_max ratios of the Theorem 1 grid",
              item="float", length=(1, 6)),
        Param("order_l_max_lo", "float", Interval(1e-4, 1.0, "left"), "smallest L_max of the Theorem 1 order experiment"),
        Param("order_l_max_hi", "float", Interval(1e-4, 1.0, "neither"), "largest L_max of the Theorem 1 order experiment (< 1/beta)"),
        Param("order_n", "int", Interval(3, 20), "number of L_max values (geometric) of the Theorem 1 order experiment"),
        Param("R_escape", "int", _R, "replicas per arm of the saddle-escape experiment"),
        Param("escape_t_max_mult", "float", Interval(5.0, 200.0), "escape horizon T_max = escape_t_max_mult / eta_c steps"),
        Param("no_noise_steps", "int", Interval(10, 10**6), "SGD steps of the exact-gradient (sigma = 0) escape experiment"),
        Param("rate_l_max_lo", "float", Interval(0.001, 0.025), "smallest L_max of the escape-rate experiment"),
        Param("rate_l_max_hi", "float", Interval(0.01, 0.25),
              "largest L_max of the escape-rate experiment (at least 10 x rate_l_max_lo, L_max <= alpha / beta^2)"),
        Param("rate_n", "int", Interval(3, 12), "number of L_max values (geometric) of the escape-rate experiment"),
        Param("R_exit", "int", _R, "replicas per L_max and arm of the exit times of the escape-rate experiment"),
        Param("R_curve", "int", Interval(100, 10**4), "replicas per L_max and arm of the f-change curves (T*)"),
        Param("conf_l_max", "list", Interval(0.005, 0.25, "left"),
              "L_max values of the Theorem 3 confinement experiment (L_max < alpha / beta^2 = 0.25; T = 2 / L_max^2 steps)",
              item="float", length=(3, 8)),
        Param("R_conf", "int", Interval(50, 2 * 10**4), "replicas per L_max of the confinement experiment"),
        Param("n_boot", "int", Interval(200, 10**5), "bootstrap replicates of the slope confidence intervals"),
        # digits
        Param("digits_seeds", "int", Interval(5, 200), "paired seeds (runs of every schedule) of the digits experiment"),
        Param("digits_epochs", "int", Interval(16, 500),
              "training epochs of the digits experiment (>= 16: the SGDR restarts at epochs 1, 3, 7, 15)"),
        Param("batch_size", "int", Interval(1, 512), "mini-batch size of the digits experiment"),
        Param("peak_fraction", "float", Interval(0.0, 1.0, "right"), "peak rate L_max of every schedule, as a fraction of the range-test rate"),
        Param("l_min_ratio", "float", Interval(0.0, 1.0, "neither"), "PLRS L_min / L_max in the digits experiment"),
        Param("n_range_tests", "int", Interval(1, 50), "learning-rate range tests of the digits experiment (median taken)"),
        Param("noninf_delta", "float", Interval(0.0, 10.0, "right"), "non-inferiority margin delta in accuracy percentage points"),
    ),
    relations=(
        Relation(("l_min", "l_max"), lambda P: P["l_min"] < P["l_max"], "l_min must be smaller than l_max"),
        Relation(("order_l_max_lo", "order_l_max_hi"), lambda P: P["order_l_max_lo"] < P["order_l_max_hi"],
                 "order_l_max_lo must be smaller than order_l_max_hi"),
        Relation(("rate_l_max_lo", "rate_l_max_hi"), lambda P: P["rate_l_max_hi"] >= 10 * P["rate_l_max_lo"],
                 "rate_l_max_hi must be at least 10 x rate_l_max_lo (L_max over at least one decade)"),
        Relation(("conf_l_max",), lambda P: _distinct(P["conf_l_max"]), "conf_l_max must hold distinct values"),
        Relation(("n_boot", "rate_n", "R_exit"), lambda P: P["n_boot"] * P["rate_n"] * P["R_exit"] <= _BOOT_INDEX_MAX,
                 f"n_boot x rate_n x R_exit must be at most {_BOOT_INDEX_MAX:.0e} (the exit-time bootstrap resamples "
                 "every replica n_boot times)"),
    ),
)
