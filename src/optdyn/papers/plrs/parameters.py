"""The parameters of the PLRS chapter, declared once (type, allowed range, meaning), and the theorem
conditions its claims depend on, as predicates of the parameters.

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``. ``variants`` is the range
a reader variant (``optdyn sweep --random``) is drawn from, inside every theorem condition.

Allowed ranges are generous but finite (a run stays on one machine); the **theorem conditions** are
separate: a value inside the allowed range but outside a condition (e.g. ``l_max >= 1/beta``) runs, and
the claims that need the condition are recorded as *outside conditions*. The conditions come from the
theorems: ``L_max < 1/beta`` (Theorems 1-2; beta = 2 on the quartic saddle, beta = 1 on the isotropic
quadratic) and ``L_max < alpha / beta^2 = 0.25`` near the minimum of the quartic saddle (Theorem 3).
"""
from __future__ import annotations

from optdyn.validation import Condition, Interval, Options, Param, Relation, Schema

__all__ = ["CONDITIONS", "SCHEMA", "BETA_SADDLE", "BETA_QUADRATIC", "CONF_LIMIT"]

BETA_SADDLE = 2.0  # smoothness of the quartic saddle on |x_1| <= 1 (d = 10, gamma = lam_pos = 1)
BETA_QUADRATIC = 1.0  # the isotropic quadratic of the Theorem 1 experiments
CONF_LIMIT = 0.25  # alpha / beta^2 near the minimum of the quartic saddle (alpha = 1, beta = 2)

_MC = Interval(1000, 5 * 10**6)  # Monte Carlo draws of one expectation (an (n, 10) float array each)
_R = Interval(50, 10**5)  # replicas of an SGD run (a (R, 10) state)
_BOOT_INDEX_MAX = 2 * 10**8  # largest bootstrap index array of a replicated slope (int64: 1.6 GB)


def _distinct(values) -> bool:
    return len(set(values)) == len(values)


CONDITIONS = (
    Condition("saddle_step", "beta L_max < 1 on the quartic saddle (beta = 2): l_max < 0.5 (Theorems 1-2)", ("l_max",),
              lambda P: P["l_max"] * BETA_SADDLE < 1),
    Condition("thm1_grid_step", "beta L_max < 1 on the isotropic quadratic (beta = 1) at every L_max of the Theorem 1 grid",
              ("thm1_l_max_grid",), lambda P: max(P["thm1_l_max_grid"]) * BETA_QUADRATIC < 1),
    Condition("order_step", "beta L_max < 1 on the isotropic quadratic (beta = 1) over the order grid: order_l_max_hi < 1",
              ("order_l_max_hi",), lambda P: P["order_l_max_hi"] * BETA_QUADRATIC < 1),
    Condition("rate_step", "beta L_max < 1 on the quartic saddle (beta = 2) over the escape-rate grid: rate_l_max_hi < 0.5",
              ("rate_l_max_hi",), lambda P: P["rate_l_max_hi"] * BETA_SADDLE < 1),
    Condition("conf_step", "L_max < alpha / beta^2 = 0.25 near the minimum (Theorem 3) for every L_max of the confinement grid",
              ("conf_l_max",), lambda P: max(P["conf_l_max"]) < CONF_LIMIT),
)

SCHEMA = Schema(
    "plrs",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter", variants=Interval(0, 10**6)),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # theory cells: quartic saddle (d = 10, gamma = 1, lam_pos = 1, beta = 2), sphere noise of radius sigma
        Param("sigma", "float", Interval(0.0, 1.0, "right"), "radius of the sphere gradient noise (assumption A3)",
              variants=Interval(0.05, 0.2)),
        Param("l_min", "float", Interval(0.001, 1.0, "left"), "lower end L_min of the PLRS range of the saddle experiments",
              variants=Interval(0.02, 0.07)),
        Param("l_max", "float", Interval(0.001, 1.0, "left"),
              "upper end L_max of the PLRS range of the saddle experiments (theorem condition: beta L_max < 1, beta = 2)",
              variants=Interval(0.1, 0.3)),
        Param("n_lemma", "int", _MC, "Monte Carlo draws of the PLRS noise w in the Lemma 1 experiment"),
        Param("n_thm1", "int", _MC, "Monte Carlo draws per point of the Theorem 1 one-step experiments"),
        Param("thm1_l_max_grid", "list", Interval(0.0, 2.0, "neither"),
              "L_max values of the Theorem 1 grid on the isotropic quadratic (theorem condition: beta L_max < 1, beta = 1)",
              item="float", length=(1, 8)),
        Param("thm1_ratios", "list", Interval(0.0, 1.0, "neither"), "L_min / L_max ratios of the Theorem 1 grid",
              item="float", length=(1, 6)),
        Param("order_l_max_lo", "float", Interval(1e-4, 1.0, "left"), "smallest L_max of the Theorem 1 order experiment",
              variants=Interval(0.005, 0.02)),
        Param("order_l_max_hi", "float", Interval(1e-4, 2.0, "neither"),
              "largest L_max of the Theorem 1 order experiment (theorem condition: < 1/beta = 1)", variants=Interval(0.2, 0.9)),
        Param("order_n", "int", Interval(4, 20), "number of L_max values (geometric) of the Theorem 1 order experiment"),
        Param("R_escape", "int", _R, "replicas per arm of the saddle-escape experiment"),
        Param("escape_t_max_mult", "float", Interval(10.0, 200.0), "escape horizon T_max = escape_t_max_mult / (eta_c gamma) steps"),
        Param("no_noise_steps", "int", Interval(10, 10**6), "SGD steps of the exact-gradient (sigma = 0) invariance check"),
        Param("rate_l_max_lo", "float", Interval(0.001, 0.025), "smallest L_max of the escape-rate and coupling experiments"),
        Param("rate_l_max_hi", "float", Interval(0.01, 0.6),
              "largest L_max of the escape-rate and coupling experiments (at least 10 x rate_l_max_lo; theorem condition: < 0.5)"),
        Param("rate_n", "int", Interval(3, 12), "number of L_max values (geometric) of the escape-rate and coupling experiments"),
        Param("R_exit", "int", _R, "replicas per L_max of the exit-time demonstration"),
        Param("R_curve", "int", Interval(100, 10**4), "replicas per L_max and arm of the f-change curves (T*)"),
        Param("R_coupling", "int", Interval(100, 2 * 10**4), "replicas per L_max of the coupling (Lemmas 2-3) experiment"),
        Param("coupling_kappa", "float", Interval(1.0, 3.0),
              "horizon of the coupling experiment, T = coupling_kappa / eta_c steps (T* is about 1.2-1.4 / eta_c)",
              variants=Interval(1.5, 2.5)),
        Param("conf_l_max", "list", Interval(0.005, 0.5, "left"),
              "L_max values of the Theorem 3 confinement experiment (theorem condition: L_max < alpha / beta^2 = 0.25; "
              "T = 2 / L_max^2 steps)", item="float", length=(3, 8)),
        Param("R_conf", "int", Interval(100, 2 * 10**4), "replicas per L_max of the confinement experiment"),
        Param("conf_start", "float", Interval(0.0, 10.0),
              "start at distance conf_start * sigma * sqrt(L_max) from the minimum (Theorem 3: within O~(sqrt(L_max)))",
              variants=Interval(0.0, 1.0)),
        Param("n_boot", "int", Interval(200, 10**5), "bootstrap replicates of the slope and exponent confidence intervals"),
        # digits
        Param("digits_seeds", "int", Interval(5, 200), "paired seeds (runs of every schedule) of the digits experiment"),
        Param("digits_epochs", "int", Interval(16, 500),
              "training epochs of the digits experiment (>= 16: the SGDR restarts at epochs 1, 3, 7, 15)"),
        Param("batch_size", "int", Interval(1, 512), "mini-batch size of the digits experiment"),
        Param("peak_fraction", "float", Interval(0.0, 1.0, "right"), "peak rate L_max of every schedule, as a fraction of the range-test rate",
              variants=Interval(0.5, 1.0)),
        Param("l_min_ratio", "float", Interval(0.0, 1.0, "neither"), "PLRS L_min / L_max in the digits experiment",
              variants=Interval(0.3, 0.9)),
        Param("n_range_tests", "int", Interval(1, 50), "learning-rate range tests of the digits experiment (median taken)"),
        Param("noninf_delta", "float", Interval(0.0, 10.0, "right"), "non-inferiority margin delta in accuracy percentage points"),
        Param("spike_floor", "float", Interval(0.0, 1.0), "absolute loss rise (nats) below which an epoch is never a spike"),
        Param("speed_margin", "float", Interval(0.0, 1.0, "right"),
              "convergence-speed margin, as a fraction of the constant-rate runs' median epochs to the loss threshold"),
        # online tensor decomposition (App. G; synthetic)
        Param("tensor_d", "int", Interval(3, 16), "dimension (and number of components) of the orthogonal 4-tensor"),
        Param("tensor_R", "int", Interval(10, 2000), "paired runs per arm of the tensor-decomposition experiment"),
        Param("tensor_steps", "int", Interval(500, 10**6), "online SGD steps (one sample each) of the tensor decomposition"),
        Param("tensor_l_max", "float", Interval(0.0, 0.1, "neither"),
              "PLRS L_max of the tensor decomposition (L_min = 0.7 L_max, the paper's [0.007, 0.01] ratio; calibrated to this normalisation)"),
        Param("tensor_threshold", "float", Interval(0.0, 1.0, "neither"), "reconstruction error that counts as converged"),
    ),
    relations=(
        Relation(("l_min", "l_max"), lambda P: P["l_min"] < P["l_max"], "l_min must be smaller than l_max"),
        Relation(("order_l_max_lo", "order_l_max_hi"), lambda P: P["order_l_max_hi"] >= 5 * P["order_l_max_lo"],
                 "order_l_max_hi must be at least 5 x order_l_max_lo (the leading exponent needs a wide grid)"),
        Relation(("rate_l_max_lo", "rate_l_max_hi"), lambda P: P["rate_l_max_hi"] >= 10 * P["rate_l_max_lo"],
                 "rate_l_max_hi must be at least 10 x rate_l_max_lo (L_max over at least one decade)"),
        Relation(("conf_l_max",), lambda P: _distinct(P["conf_l_max"]), "conf_l_max must hold distinct values"),
        Relation(("n_boot", "rate_n", "R_coupling"), lambda P: P["n_boot"] * P["rate_n"] * P["R_coupling"] <= _BOOT_INDEX_MAX,
                 f"n_boot x rate_n x R_coupling must be at most {_BOOT_INDEX_MAX:.0e} (the coupling bootstrap resamples every "
                 "replica n_boot times)"),
    ),
    conditions=CONDITIONS,
)
