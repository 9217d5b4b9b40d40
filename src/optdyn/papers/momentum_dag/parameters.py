"""The parameters of the momentum-on-DAGs chapter, declared once (type, allowed range, meaning), and the
theorem conditions its claims depend on, as predicates of the parameters.

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles and the sweep grid. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA`
before any kernel starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.
``variants`` is the range a reader variant (``optdyn sweep --random``) is drawn from, inside the conditions.
"""
from __future__ import annotations

from optdyn.validation import Condition, Interval, Options, Param, Relation, Schema

__all__ = ["CONDITIONS", "N_DIGITS", "SCHEMA"]

N_DIGITS = 1797  # images in scikit-learn's bundled 8x8 digits set

_MOMENTUM = Interval(0.0, 1.0, "left")  # s (or beta) in [0, 1)
_ETA = Interval(0.0, 100.0, "right")  # step sizes
_ITERS = Interval(1, 10**6)  # iterations of a run
_RUNS = Interval(1, 1000)  # initialisations / seeds of a vectorised run


def _conv_effective_step(P) -> float:
    """The long runs' step relative to 2/L_pred, times the momentum amplification (1+s):
    conv_frac (1 - s)/(1 + s) (their step is conv_frac * 2(1-s)/(L_pred (1+s)^2))."""
    return P["conv_frac"] * (1.0 - P["conv_s"]) / (1.0 + P["conv_s"])


CONDITIONS = (
    Condition("conv_step", "A3 with the predictive curvature: the long runs' step conv_frac * eta*(conv_s; L_pred) is below "
              "eta*(conv_s; L_pred) = 2(1 - s)/(L_pred (1 + s)^2), i.e. conv_frac < 1",
              ("conv_frac",), lambda P: P["conv_frac"] < 1.0),
    Condition("conv_budget", "the iteration budget can resolve the limit: the long runs' effective step "
              "conv_frac (1 - conv_s)/(1 + conv_s) (in units of 2/L_pred) is at least 0.25; the certified step shrinks like "
              "(1 - s)/(1 + s)^2, and below this the plateau exits of deep sigmoid chains outrun the budget rule",
              ("conv_frac", "conv_s"), lambda P: _conv_effective_step(P) >= 0.25),
    Condition("large_s", "the phase diagram reaches large momentum: max(pd_ss) >= 0.75 (the conservativeness of the "
              "(1 - s)/(1 + s)^2 factor is a large-s statement)", ("pd_ss",), lambda P: max(P["pd_ss"]) >= 0.75),
    Condition("large_beta", "classical momentum with a large coefficient: hb_s >= 0.8, so heavy ball can amplify a step up to "
              "1/(1 - beta) >= 5 times (at beta = 0.5 heavy ball is monotone here too)", ("hb_s",), lambda P: P["hb_s"] >= 0.8),
)

SCHEMA = Schema(
    "momentum_dag",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter", variants=Interval(0, 10**6)),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # architectures of the theorem experiments (3-bit parity)
        Param("width", "int", Interval(1, 256), "width of every hidden layer of the parity and regression nets",
              variants=Interval(4, 8)),
        Param("depth", "int", Interval(1, 32), "number of hidden layers of the parity and regression nets", variants=Interval(2, 4)),
        Param("init_scale", "float", Interval(0.0, 10.0, "right"), "initialisation scale: W ~ N(0, init_scale^2 / fan_in)",
              variants=Interval(1.0, 1.5)),
        Param("granularity", "str", Options(("edge", "node", "global")), "momentum blocks of the adaptive rule",
              variants=Options(("edge", "node", "global"))),
        # gradient check
        Param("gc_samples", "int", Interval(1, 10**4), "random samples J of the gradient check"),
        Param("gc_h", "float", Interval(0.0, 0.1, "right"), "step h of the central finite differences of the gradient check"),
        # phase diagram
        Param("pd_n_eta", "int", Interval(2, 200), "step sizes on the log grid of the phase diagram"),
        Param("pd_log10_eta_min", "float", Interval(-6.0, 2.0), "log10 of the smallest step size of the phase diagram"),
        Param("pd_log10_eta_max", "float", Interval(-6.0, 2.0), "log10 of the largest step size of the phase diagram"),
        Param("pd_ss", "list", _MOMENTUM, "momentum factors s of the phase diagram (beta = s for heavy ball)",
              item="float", length=(1, 32)),
        Param("pd_iters", "int", Interval(10, 10**5), "iterations of every phase-diagram run (and of the curvature pilot)"),
        Param("sharp_every", "int", Interval(1, 10**5), "iterations between two sharpness estimates along a run"),
        Param("sharp_iters", "int", Interval(1, 1000), "warm-started power iterations per sharpness estimate"),
        # long runs (Theorems 2 and 3)
        Param("conv_frac", "float", Interval(0.0, 4.0, "right"),
              "step of the long runs as a fraction of the predicted certified step eta*(conv_s; L_pred) of each graph",
              variants=Interval(0.7, 0.9)),
        Param("conv_s", "float", _MOMENTUM, "momentum factor s of the long runs", variants=Interval(0.1, 0.4)),
        Param("conv_iters", "int", Interval(32, 10**6), "initial budget K of the long runs (doubled by the budget rule, a multiple of 32)"),
        Param("conv_seeds", "int", _RUNS, "initialisations per graph of the long runs"),
        # adaptive vs classical momentum (smooth regression)
        Param("hb_etas", "list", _ETA, "step sizes of the adaptive-versus-heavy-ball comparison", item="float", length=(1, 16)),
        Param("hb_s", "float", _MOMENTUM, "momentum factor (s = beta) of the adaptive-versus-heavy-ball comparison",
              variants=Interval(0.8, 0.95)),
        Param("hb_iters", "int", _ITERS, "iterations of the adaptive-versus-heavy-ball runs"),
        Param("hb_inits", "int", _RUNS, "initialisations of the adaptive-versus-heavy-ball comparison"),
        Param("treg_J", "int", Interval(1, 10**5), "training samples of the smooth regression task"),
        # autoencoders (digits, mean reduction)
        Param("ae_train", "int", Interval(1, N_DIGITS - 1), "training images of the autoencoder experiment"),
        Param("ae_test", "int", Interval(1, N_DIGITS - 1), "test images of the autoencoder experiment"),
        Param("ae_iters", "int", _ITERS, "iterations of every autoencoder run"),
        Param("ae_etas", "list", _ETA, "step-size grid of the autoencoders (the best by training error is kept per net and seed)",
              item="float", length=(1, 8)),
        Param("ae_s", "float", _MOMENTUM, "momentum factor s of the autoencoder runs", variants=Interval(0.3, 0.6)),
        Param("ae_seeds", "int", Interval(1, 100), "initialisations per autoencoder"),
        Param("ae_init_scale", "float", Interval(0.0, 10.0, "right"), "initialisation scale of the autoencoders"),
        # CrossNet classification (digits, softmax cross-entropy)
        Param("cls_width", "int", Interval(1, 256), "width of every hidden layer of the classification nets"),
        Param("cls_depth", "int", Interval(1, 16), "hidden layers of the classification nets"),
        Param("cls_train", "int", Interval(10, N_DIGITS - 100), "training images of the classification experiment (the rest is the test set)"),
        Param("cls_iters", "int", _ITERS, "iterations of every classification run"),
        Param("cls_etas", "list", _ETA, "step-size grid of the classification nets (the best by training loss is kept)",
              item="float", length=(1, 8)),
        Param("cls_s", "float", _MOMENTUM, "momentum factor s of the classification runs", variants=Interval(0.4, 0.6)),
        Param("cls_seeds", "int", Interval(1, 100), "initialisations per classification net"),
        Param("cls_init_scale", "float", Interval(0.0, 10.0, "right"), "initialisation scale of the classification nets"),
    ),
    relations=(
        Relation(("pd_log10_eta_min", "pd_log10_eta_max"), lambda P: P["pd_log10_eta_max"] > P["pd_log10_eta_min"],
                 "pd_log10_eta_max must be larger than pd_log10_eta_min"),
        Relation(("conv_iters",), lambda P: P["conv_iters"] % 32 == 0,
                 "conv_iters must be a multiple of 32 (weights are stored every conv_iters/8 steps, at K/4, K/2 and 3K/4)"),
        Relation(("ae_train", "ae_test"), lambda P: P["ae_train"] + P["ae_test"] <= N_DIGITS,
                 f"ae_train + ae_test must be at most {N_DIGITS} (the size of the digits set)"),
    ),
    conditions=CONDITIONS,
)
