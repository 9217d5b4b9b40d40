"""The parameters of the saddle-to-saddle chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.
"""
from __future__ import annotations

from optdyn.validation import Interval, Options, Param, Relation, Schema

__all__ = ["SCHEMA"]

_DEPTH = Interval(2, 16)  # network depth L
_WIDTH = Interval(1, 1024)  # hidden width
_STEPS = Interval(1000, 10**7)  # GD steps of a training run
_SCALE = Interval(0.0, 2.0, "neither")  # an init scale alpha (the escape radius r_stop is at most 2)
_POS = Interval(0.0, 10.0, "right")  # a positive step constant (c, kappa, learning rate)
_ALPHA = Interval(0.0, 100.0, "right")  # an init scale of a training run (small init or large-init control)


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


SCHEMA = Schema(
    "saddle_to_saddle",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter"),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        Param("n_jobs", "int", Interval(1, 64), "worker processes of the parallel experiments"),
        # data set D1 (ridge teacher)
        Param("ridge_d", "int", Interval(3, 200), "input dimension of the ridge-teacher data set D1 (3 output ridges)"),
        Param("ridge_N", "int", Interval(16, 20000), "number of samples of D1"),
        # optimal-escape solver
        Param("solver_width", "int", Interval(4, 1024), "hidden width of the optimal-escape solver's networks"),
        Param("solver_iters", "int", Interval(100, 10**6), "Riemannian gradient-ascent iterations per solver restart"),
        Param("solver_step0", "float", Interval(1e-3, 1.0), "initial step of the solver's Riemannian gradient ascent"),
        Param("restarts_ridge", "int", Interval(1, 1000), "solver restarts per depth on D1"),
        Param("restarts_circle", "int", Interval(1, 10**4), "solver restarts per depth on the 8-point circle D2"),
        Param("depths_ridge", "list", _DEPTH, "depths solved on D1 (strictly increasing, containing 2, 3, 4)",
              item="int", length=(3, 15)),
        Param("depths_circle", "list", _DEPTH, "depths solved on D2 (strictly increasing, containing 2, 3)",
              item="int", length=(2, 15)),
        Param("envelope_depths", "list", Interval(3, 16), "depths of the low-rank (envelope) check; those solved on D1 and D2 are used",
              item="int", length=(1, 14)),
        # C5: GD escape from small init
        Param("gd_depth", "int", Interval(2, 8), "depth of the GD-escape experiment on D1 (one of depths_ridge)"),
        Param("gd_alpha", "float", Interval(0.0, 1e-2, "right"), "small init scale of the GD-escape experiment"),
        Param("gd_c", "float", _POS, "constant c of the norm-adapted step c r^(2-L) in the GD-escape experiment"),
        Param("gd_runs", "int", Interval(1, 1000), "independent GD runs of the GD-escape experiment"),
        Param("gd_max_steps", "int", Interval(100, 10**7), "step budget of a GD-escape run"),
        Param("gd_control_alpha", "float", _ALPHA, "large init scale of the GD-escape control"),
        # C6: width study on Example 1
        Param("width_depth", "int", Interval(3, 10), "depth of the width study on Example 1"),
        Param("width_list", "list", _WIDTH, "hidden widths of the width study (strictly increasing)",
              item="int", length=(2, 20)),
        Param("width_restarts", "int", Interval(5, 10**4), "solver restarts per width in the width study"),
        Param("gd_circle_runs", "int", Interval(1, 1000), "GD runs per width of the Example 1 GD contrast"),
        Param("gd_circle_alpha", "float", Interval(0.0, 1e-2, "right"), "init scale of the Example 1 GD contrast"),
        Param("gd_circle_kappa", "float", _POS, "step constant kappa (c = kappa / s) of the Example 1 GD contrast"),
        Param("gd_circle_steps", "int", Interval(10, 10**7), "step budget of the Example 1 GD contrast"),
        # C7: escape time against the init scale
        Param("lr_plain", "float", _POS, "constant learning rate of plain GD in the escape-time experiment"),
        Param("r_stop", "float", Interval(0.0, 2.0, "right"), "escape radius: a run has escaped when ||theta|| > r_stop"),
        Param("c_adapt", "float", _POS, "constant c of the norm-adapted step in the escape-time experiment"),
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
        # C8: saddle-to-saddle
        Param("s2s_depth", "int", Interval(3, 6), "depth of the saddle-to-saddle experiment on D1"),
        Param("s2s_width", "int", Interval(4, 1024), "hidden width of the saddle-to-saddle experiment"),
        Param("s2s_alpha", "float", _ALPHA, "small init scale of the saddle-to-saddle experiment"),
        Param("s2s_c", "float", _POS, "constant c of the norm-adapted step in the saddle-to-saddle experiment"),
        Param("s2s_steps", "int", _STEPS, "GD steps of a saddle-to-saddle run"),
        Param("s2s_seeds", "int", Interval(1, 100), "independent runs (initialisations) of the saddle-to-saddle experiment"),
        Param("s2s_sv_every", "int", Interval(1, 10**6), "steps between singular-value checkpoints of a saddle-to-saddle run"),
        Param("s2s_control_alpha", "float", _ALPHA, "large init scale of the saddle-to-saddle control"),
        # C9 (full profile): digits analogue of Figure 1
        Param("run_digits", "bool", None, "run the digits analogue of the paper's Figure 1 (needs scikit-learn)"),
        Param("digits_n", "int", Interval(50, 1797), "number of digits samples used"),
        Param("digits_depth", "int", Interval(3, 8), "depth of the digits network"),
        Param("digits_width", "int", Interval(4, 1024), "hidden width of the digits network"),
        Param("digits_alpha", "float", _ALPHA, "init scale of the digits run"),
        Param("digits_kappa", "float", _POS, "step constant kappa (c = kappa / s*) of the digits run"),
        Param("digits_steps", "int", _STEPS, "GD steps of the digits run"),
        Param("digits_sv_every", "int", Interval(1, 10**6), "steps between singular-value checkpoints of the digits run"),
    ),
    relations=(
        _increasing("depths_ridge", (2, 3, 4)),
        _increasing("depths_circle", (2, 3)),
        Relation(("envelope_depths", "depths_ridge", "depths_circle"),
                 lambda P: any(L in P["depths_ridge"] and L in P["depths_circle"] for L in P["envelope_depths"]),
                 "envelope_depths must contain a depth that is in both depths_ridge and depths_circle"),
        Relation(("gd_depth", "depths_ridge"), lambda P: P["gd_depth"] in P["depths_ridge"],
                 "gd_depth must be one of depths_ridge"),
        _increasing("width_list"),
        *_scales("alphas_L2"),
        *_scales("alphas_L3"),
        *_scales("alphas_L4"),
        *_scales("alphas_adapt"),
    ),
)
