"""The parameters of the saddle-to-saddle chapter, declared once (type, allowed range, meaning), and the
theorem conditions its claims depend on, as predicates of the parameters.

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``. ``variants`` is the range
a reader variant (``optdyn sweep --random``) is drawn from, inside every condition below.
"""
from __future__ import annotations

import math

from optdyn.validation import Condition, Interval, Options, Param, Relation, Schema

__all__ = ["CONDITIONS", "SCHEMA", "S2S_BUDGET", "s2s_budget"]

_DEPTH = Interval(2, 16)  # network depth L
_WIDTH = Interval(1, 1024)  # hidden width
_STEPS = Interval(1000, 10**7)  # GD steps of a training run
_SCALE = Interval(0.0, 2.0, "neither")  # an init scale alpha (the escape radius r_stop is at most 2)
_POS = Interval(0.0, 10.0, "right")  # a positive step constant (c, kappa, learning rate)
_ALPHA = Interval(0.0, 100.0, "right")  # an init scale of a training run (small init or large-init control)

#: Step budget of the saddle-to-saddle runs at depth 4, alpha = 0.1, c = 0.1 (the run stops at 1e-3 C(0), which it
#: reaches by about 12 000 steps there); it scales like the later escapes, log(1/alpha) / c.
S2S_BUDGET = 30000


def s2s_budget(alpha: float, c: float) -> float:
    """Steps the saddle-to-saddle claim needs at depth 4: ``S2S_BUDGET log10(1/alpha) (0.1/c)``. The later saddles have
    non-zero weights, so the alpha-scale leftovers leave them like a strict saddle, in a time ~ log(1/alpha), in steps
    of size ~c (pilot end times 7 700, 11 000 and 15 300 steps at alpha = 0.2, 0.1, 0.05, c = 0.1)."""
    return S2S_BUDGET * math.log10(1 / alpha) * (0.1 / c)


def _increasing(name: str, need: tuple[int, ...] = ()):
    def holds(P) -> bool:
        v = P[name]
        return sorted(set(v)) == list(v) and set(need) <= set(v)

    msg = f"{name} must be strictly increasing" + (f" and contain {list(need)}" if need else "")
    return Relation((name,), holds, msg)


def _scales(name: str):
    """An init-scale list of the escape-time experiment: increasing, every value below r_stop."""
    return (
        Relation((name,), lambda P: sorted(P[name]) == list(P[name]), f"{name} must be increasing"),
        Relation((name, "r_stop"), lambda P: all(a < P["r_stop"] for a in P[name]),
                 f"every init scale of {name} must be below the escape radius r_stop"),
    )


CONDITIONS = (
    Condition("solver_width", "enough width (Proposition 3.2; Example 1): solver_width >= 12, so that the solver's random restarts "
              "reach Example 1's rank-two optimum (at width 8 only about 6 % of restarts do, see the width study)",
              ("solver_width",), lambda P: P["solver_width"] >= 12),
    Condition("gd_small_init", "small initialisation: gd_alpha <= 1e-4, so that the part of theta that has not aligned "
              "(scale alpha) leaves a floor alpha/r far below the criterion's 1e-2 on s2/s1 at the escape",
              ("gd_alpha",), lambda P: P["gd_alpha"] <= 1e-4),
    Condition("adaptive_alignment", "the adapted-step runs align before they escape: every alpha of alphas_adapt is at most "
              "0.02 r_stop (the alignment time is then independent of alpha)",
              ("alphas_adapt", "r_stop"), lambda P: max(P["alphas_adapt"]) <= 0.02 * P["r_stop"]),
    Condition("s2s_depth_4", "the saddle-to-saddle runs have depth 4: at depth 3 the plateaus of this task are shorter than "
              "the detector's 300 steps; at depth 5 (alpha = 0.2) the first plateau alone lasts about 30 000 steps",
              ("s2s_depth",), lambda P: P["s2s_depth"] == 4),
    Condition("s2s_budget", f"the step budget covers the later escapes: s2s_steps >= {S2S_BUDGET} log10(1/s2s_alpha) (0.1/s2s_c), "
              "and the init is small: s2s_alpha <= 0.25",
              ("s2s_steps", "s2s_alpha", "s2s_c"),
              lambda P: P["s2s_alpha"] <= 0.25 and P["s2s_steps"] >= s2s_budget(P["s2s_alpha"], P["s2s_c"]) - 1e-6),
)

SCHEMA = Schema(
    "saddle_to_saddle",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter", variants=Interval(0, 10**6)),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        Param("n_jobs", "int", Interval(1, 64), "worker processes of the parallel experiments"),
        # data set D1 (ridge teacher)
        Param("ridge_d", "int", Interval(3, 200), "input dimension of the ridge-teacher data set D1 (3 output ridges)",
              variants=Interval(8, 14)),
        Param("ridge_N", "int", Interval(16, 20000), "number of samples of D1", variants=Interval(192, 384)),
        # optimal-escape solver
        Param("solver_width", "int", Interval(4, 1024), "hidden width of the optimal-escape solver's networks",
              variants=Options((12, 16, 24))),
        Param("solver_iters", "int", Interval(100, 10**6), "Riemannian gradient-ascent iterations per solver restart"),
        Param("solver_step0", "float", Interval(1e-3, 1.0), "initial step of the solver's Riemannian gradient ascent"),
        Param("restarts_ridge", "int", Interval(1, 1000), "solver restarts per depth on D1"),
        Param("restarts_circle", "int", Interval(1, 10**4), "solver restarts per depth on the 8-point circle D2 and the cube D4"),
        Param("depths_ridge", "list", _DEPTH, "depths solved on D1 (strictly increasing, containing 2, 3, 4)",
              item="int", length=(3, 15)),
        Param("depths_circle", "list", _DEPTH, "depths solved on D2 and D4 (strictly increasing, containing 2, 3)",
              item="int", length=(2, 15)),
        Param("envelope_depths", "list", Interval(3, 16), "depths of the low-rank (envelope) check; each must be solved on D1, D2 and D4",
              item="int", length=(1, 14)),
        # balancedness: independent single-sphere ascent
        Param("balance_depths", "list", Interval(2, 16), "depths of the single-sphere ascent on D1 (each one of depths_ridge)",
              item="int", length=(1, 10)),
        Param("balance_restarts", "int", Interval(1, 1000), "unbalanced starts per depth of the single-sphere ascent"),
        Param("balance_iters", "int", Interval(100, 10**6), "iterations of the single-sphere ascent"),
        Param("balance_imbalance", "float", Interval(0.0, 0.9), "start layer norms lambda_l / rms(lambda), lambda_l uniform in [1 - b, 1 + b]",
              variants=Interval(0.3, 0.8)),
        # Proposition 3.3: propagation of a non-negative rank-one input
        Param("prop_deltas", "list", Interval(1e-6, 1.0), "noise levels delta of the near-rank-one inputs z h' + delta E (decreasing)",
              item="float", length=(2, 10)),
        Param("prop_depth", "int", Interval(2, 8), "depth of the networks solved on the near-rank-one inputs"),
        Param("prop_restarts", "int", Interval(1, 1000), "solver restarts per noise level"),
        # GD escape from small init
        Param("gd_depth", "int", Interval(2, 8), "depth of the GD-escape experiment on D1 (one of depths_ridge)"),
        Param("gd_alpha", "float", Interval(0.0, 1e-2, "right"), "small init scale of the GD-escape experiments (D1 and digits)",
              variants=Interval(1e-9, 1e-5)),
        Param("gd_c", "float", _POS, "constant c of the norm-adapted step c r^(2-L) in the GD-escape experiment", variants=Interval(0.06, 0.15)),
        Param("gd_runs", "int", Interval(1, 1000), "independent GD runs of the GD-escape experiment"),
        Param("gd_max_steps", "int", Interval(100, 10**7), "step budget of a GD-escape run"),
        Param("gd_nearmiss_alpha", "float", _ALPHA, "moderate init scale of the GD-escape near miss"),
        Param("gd_control_alpha", "float", _ALPHA, "large init scale of the GD-escape illustration"),
        # width study on Example 1
        Param("width_depth", "int", Interval(3, 10), "depth of the width study on Example 1"),
        Param("width_list", "list", _WIDTH, "hidden widths of the width study (strictly increasing)",
              item="int", length=(2, 20)),
        Param("width_restarts", "int", Interval(8, 10**4), "restarts per width and method in the width study (even)"),
        Param("gd_circle_runs", "int", Interval(2, 1000), "GD runs per width of the Example 1 GD width study (even)"),
        Param("gd_circle_alpha", "float", Interval(0.0, 1e-2, "right"), "init scale of the Example 1 GD width study"),
        Param("gd_circle_kappa", "float", _POS, "step constant kappa (c = kappa / s) of the Example 1 GD width study"),
        Param("gd_circle_steps", "int", Interval(10, 10**7), "step budget of the Example 1 GD width study"),
        # escape time against the init scale
        Param("lr_plain", "float", _POS, "constant learning rate of plain GD in the escape-time experiment",
              variants=Interval(0.012, 0.03)),
        Param("r_stop", "float", Interval(0.0, 2.0, "right"), "escape radius: a run has escaped when ||theta|| > r_stop"),
        Param("c_adapt", "float", _POS, "constant c of the norm-adapted step in the escape-time experiment", variants=Interval(0.05, 0.15)),
        Param("alphas_L2", "list", _SCALE, "init scales of the escape-time experiment at L = 2 (increasing, below r_stop)",
              item="float", length=(3, 20)),
        Param("alphas_L3", "list", _SCALE, "init scales of the escape-time experiment at L = 3 (increasing, below r_stop)",
              item="float", length=(3, 20)),
        Param("alphas_L4", "list", _SCALE, "init scales of the escape-time experiment at L = 4 (increasing, below r_stop)",
              item="float", length=(3, 20)),
        Param("alphas_adapt", "list", _SCALE, "init scales of the adapted-step escape-time runs (increasing, below r_stop)",
              item="float", length=(3, 20)),
        Param("n_random_dirs", "int", Interval(1, 100), "random start directions per init scale in the escape-time experiment"),
        Param("random_L4", "bool", None, "also run plain GD from random starts at L = 4 (slow)"),
        Param("escape_max_steps", "int", Interval(1000, 10**8), "step budget of an escape-time run"),
        # saddle-to-saddle
        Param("s2s_depth", "int", Interval(3, 6), "depth of the saddle-to-saddle experiment on D1"),
        Param("s2s_width", "int", Interval(4, 1024), "hidden width of the saddle-to-saddle experiment", variants=Options((16, 24, 32))),
        Param("s2s_alpha", "float", _ALPHA, "small init scale of the saddle-to-saddle experiment", variants=Interval(0.1, 0.2)),
        Param("s2s_c", "float", _POS, "constant c of the norm-adapted step in the saddle-to-saddle experiment", variants=Interval(0.1, 0.15)),
        Param("s2s_steps", "int", _STEPS, "step budget of a saddle-to-saddle run (it stops at 1e-3 C(0))"),
        Param("s2s_seeds", "int", Interval(1, 100), "independent runs (initialisations) of the saddle-to-saddle experiment"),
        Param("s2s_sv_every", "int", Interval(1, 10**6), "steps between singular-value checkpoints of a saddle-to-saddle run"),
        Param("s2s_control_alpha", "float", _ALPHA, "large init scale of the saddle-to-saddle illustration"),
        # digits (D3): GD escape and the analogue of Figure 1
        Param("run_digits", "bool", None, "run the digits experiments (needs scikit-learn)"),
        Param("digits_n", "int", Interval(50, 1797), "number of digits samples used"),
        Param("digits_depth", "int", Interval(3, 8), "depth of the digits network of the Figure 1 analogue"),
        Param("digits_width", "int", Interval(4, 1024), "hidden width of the digits networks"),
        Param("digits_gd_depth", "int", Interval(3, 8), "depth of the digits GD-escape runs and of the solver's digits optimum s*"),
        Param("digits_restarts", "int", Interval(1, 100), "solver restarts for the digits optimum s*"),
        Param("digits_gd_runs", "int", Interval(1, 100), "GD runs of the digits GD-escape experiment"),
        Param("digits_gd_kappa", "float", _POS, "step constant kappa (c = kappa / s*) of the digits GD-escape runs"),
        Param("digits_alpha", "float", _ALPHA, "init scale of the Figure 1 analogue on digits"),
        Param("digits_kappa", "float", _POS, "step constant kappa (c = kappa / s*) of the Figure 1 analogue"),
        Param("digits_steps", "int", _STEPS, "GD steps of the Figure 1 analogue"),
        Param("digits_sv_every", "int", Interval(1, 10**6), "steps between singular-value checkpoints of the Figure 1 analogue"),
    ),
    relations=(
        _increasing("depths_ridge", (2, 3, 4)),
        _increasing("depths_circle", (2, 3)),
        Relation(("envelope_depths", "depths_ridge", "depths_circle"),
                 lambda P: all(L in P["depths_ridge"] and L in P["depths_circle"] for L in P["envelope_depths"]),
                 "every depth of envelope_depths must be in depths_ridge and in depths_circle (no depth is dropped)"),
        _increasing("envelope_depths"),
        Relation(("envelope_depths",), lambda P: max(P["envelope_depths"]) >= 4,
                 "the largest depth of envelope_depths must be at least 4 (the near miss perturbs hidden layer 3)"),
        Relation(("balance_depths", "depths_ridge"), lambda P: all(L in P["depths_ridge"] for L in P["balance_depths"]),
                 "every depth of balance_depths must be one of depths_ridge"),
        Relation(("prop_deltas",), lambda P: sorted(P["prop_deltas"], reverse=True) == list(P["prop_deltas"])
                 and len(set(P["prop_deltas"])) == len(P["prop_deltas"]), "prop_deltas must be strictly decreasing"),
        Relation(("gd_depth", "depths_ridge"), lambda P: P["gd_depth"] in P["depths_ridge"],
                 "gd_depth must be one of depths_ridge"),
        _increasing("width_list"),
        Relation(("width_restarts",), lambda P: P["width_restarts"] % 2 == 0, "width_restarts must be even (the placebo splits it in two)"),
        Relation(("gd_circle_runs",), lambda P: P["gd_circle_runs"] % 2 == 0, "gd_circle_runs must be even (the placebo splits it in two)"),
        *_scales("alphas_L2"),
        *_scales("alphas_L3"),
        *_scales("alphas_L4"),
        *_scales("alphas_adapt"),
    ),
    conditions=CONDITIONS,
)
