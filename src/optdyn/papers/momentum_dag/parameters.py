"""The parameters of the momentum-on-DAGs chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles and the sweep grid. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA`
before any kernel starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.
"""
from __future__ import annotations

from optdyn.validation import Interval, Options, Param, Relation, Schema

__all__ = ["SCHEMA"]

N_DIGITS = 1797  # images in scikit-learn's bundled 8x8 digits set

_MOMENTUM = Interval(0.0, 1.0, "left")  # s (or beta) in [0, 1)
_ETA = Interval(0.0, 100.0, "right")  # step sizes (sum reduction)
_ITERS = Interval(1, 10**6)  # iterations of a run
_RUNS = Interval(1, 1000)  # initialisations / seeds of a vectorised run

SCHEMA = Schema(
    "momentum_dag",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter"),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # architectures
        Param("width", "int", Interval(1, 256), "width of every hidden layer of the parity and regression nets"),
        Param("depth", "int", Interval(1, 32), "number of hidden layers of the parity and regression nets"),
        Param("init_scale", "float", Interval(0.0, 10.0, "right"), "initialisation scale: W ~ N(0, init_scale^2 / fan_in)"),
        Param("granularity", "str", Options(("edge", "node", "global")), "momentum blocks of the adaptive rule"),
        # E0: gradient check
        Param("gc_samples", "int", Interval(1, 10**4), "random samples J of the gradient check"),
        Param("gc_h", "float", Interval(0.0, 0.1, "right"), "step h of the central finite differences of the gradient check"),
        # E1-E3, E7: phase diagram
        Param("pd_n_eta", "int", Interval(2, 200), "step sizes on the log grid of the phase diagram"),
        Param("pd_log10_eta_min", "float", Interval(-6.0, 2.0), "log10 of the smallest step size of the phase diagram"),
        Param("pd_log10_eta_max", "float", Interval(-6.0, 2.0), "log10 of the largest step size of the phase diagram"),
        Param("pd_ss", "list", _MOMENTUM, "momentum factors s of the phase diagram (beta = s for heavy ball)",
              item="float", length=(1, 32)),
        Param("pd_iters", "int", Interval(10, 10**5), "iterations of every phase-diagram run"),
        Param("sharp_every", "int", Interval(1, 10**5), "iterations between two sharpness estimates along a run"),
        Param("sharp_iters", "int", Interval(1, 1000), "warm-started power iterations per sharpness estimate"),
        # E4-E6: long runs
        Param("conv_eta", "float", _ETA, "step size of the long convergence runs on parity"),
        Param("conv_s", "float", _MOMENTUM, "momentum factor s of the long convergence runs"),
        Param("conv_iters", "int", Interval(8, 10**6), "iterations K of the long runs (a multiple of 4)"),
        Param("conv_seeds", "int", _RUNS, "initialisations per graph of the long runs"),
        Param("ctrl_eta", "float", _ETA, "step size of the E4 control, far outside the certified region"),
        # E8: adaptive vs classical momentum
        Param("hb_etas", "list", _ETA, "step sizes of the adaptive-versus-heavy-ball comparison", item="float", length=(1, 16)),
        Param("hb_s", "float", _MOMENTUM, "momentum factor (s = beta) of the adaptive-versus-heavy-ball comparison"),
        Param("hb_iters", "int", _ITERS, "iterations of the adaptive-versus-heavy-ball runs"),
        Param("hb_inits", "int", _RUNS, "initialisations of the adaptive-versus-heavy-ball comparison"),
        Param("treg_J", "int", Interval(1, 10**5), "training samples of the smooth regression task"),
        # E9: autoencoders
        Param("ae_train", "int", Interval(1, N_DIGITS - 1), "training images of the autoencoder experiment"),
        Param("ae_test", "int", Interval(1, N_DIGITS - 1), "test images of the autoencoder experiment"),
        Param("ae_iters", "int", _ITERS, "iterations of every autoencoder run"),
        Param("ae_eta", "float", _ETA, "step size of the autoencoder runs (mean reduction)"),
        Param("ae_s", "float", _MOMENTUM, "momentum factor s of the autoencoder runs"),
        Param("ae_seeds", "int", Interval(1, 100), "initialisations per autoencoder"),
    ),
    relations=(
        Relation(("pd_log10_eta_min", "pd_log10_eta_max"), lambda P: P["pd_log10_eta_max"] > P["pd_log10_eta_min"],
                 "pd_log10_eta_max must be larger than pd_log10_eta_min"),
        Relation(("conv_iters",), lambda P: P["conv_iters"] % 4 == 0,
                 "conv_iters must be a multiple of 4 (weights are stored at K/2 and 3K/4)"),
        Relation(("ae_train", "ae_test"), lambda P: P["ae_train"] + P["ae_test"] <= N_DIGITS,
                 f"ae_train + ae_test must be at most {N_DIGITS} (the size of the digits set)"),
    ),
)
