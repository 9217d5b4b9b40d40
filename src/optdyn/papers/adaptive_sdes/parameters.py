"""The parameters of the adaptive-SDEs chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``.

Bounds. Every count (runs, samples, batch sizes, list lengths) has a finite upper bound, and so has the
number of steps: horizons are at most 1000 in SDE time and learning rates at least 1e-4, so a run has at
most 10**7 steps (noise levels are at most 100, which bounds the noise-dependent horizons
``T = 5 sigma`` and ``T = 6 sigma`` the same way).

The Gaussian limit in ``nus``. The degrees of freedom of the Student-t noise are positive finite numbers
or the *string* ``"inf"``, which stands for nu = infinity (Gaussian noise). The validated value keeps
the string (``[1.0, 2.0, "inf"]``): it survives JSON, YAML and papermill unchanged, so a validated
parameter set can be injected again and re-validates to itself (a float ``inf`` would be written
``Infinity`` by JSON and read back as a string). A float ``inf`` (YAML ``.inf``) is accepted and
normalised to ``"inf"``. The notebook turns the list into numbers with :func:`nu_values`
(``"inf"`` -> ``math.inf``) where it uses them.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from optdyn.validation import Interval, Options, Param, ParameterError, Relation, Schema

__all__ = ["SCHEMA", "nu_values"]

INF = "inf"  # the Gaussian limit nu = infinity inside ``nus``

_RUNS = Interval(16, 2**18)  # independent runs / SDE paths of one experiment
_T = Interval(1.0, 1000.0)  # horizon in SDE time t = k eta
_SIGMA = Interval(0.0, 100.0, "right")  # noise level (standard deviation, or Student-t scale)
_THETA = Interval(0.0, 100.0)  # decoupled weight decay (0 = none)
_BETA = Interval(0.0, 1.0, "left")  # EMA parameter
_NU = Interval(0.0, 1000.0, "right")  # finite Student-t degrees of freedom
_SAMPLES = Interval(10, 10**7)  # sample budget of a scaling-rule run


def _is_inf_marker(v) -> bool:
    if isinstance(v, str):
        return v == INF
    return (isinstance(v, (numbers.Real, np.floating)) and not isinstance(v, (bool, np.bool_))
            and math.isinf(float(v)) and float(v) > 0)


class _DofList(Param):
    """A list of Student-t degrees of freedom: finite numbers in ``allowed`` or ``"inf"`` (Gaussian)."""

    def allowed_text(self) -> str:
        return super().allowed_text() + f', or the string "{INF}" (Gaussian noise, nu = infinity)'

    def check(self, value):
        if not isinstance(value, (list, tuple)) or not self.length[0] <= len(value) <= self.length[1]:
            shown = value if not isinstance(value, (list, tuple)) or len(value) <= 8 else f"a list of {len(value)} values"
            raise ParameterError(f"{self.name} must be {self.allowed_text()}, got {shown!r}")
        out = []
        for i, v in enumerate(value):
            if _is_inf_marker(v):
                out.append(INF)
            elif isinstance(v, str):
                raise ParameterError(f'{self.name}[{i}] must be a number or the string "{INF}", got {v!r}')
            else:
                out.append(self._scalar(self.item, v, f"{self.name}[{i}]"))
        return out


def nu_values(nus) -> list[float]:
    """Validated degrees of freedom as numbers: ``"inf"`` -> ``math.inf`` (the Gaussian limit)."""
    return [math.inf if _is_inf_marker(v) else float(v) for v in nus]


def _distinct(name: str) -> Relation:
    return Relation((name,), lambda P: len(set(P[name])) == len(P[name]),
                    f"{name} must hold distinct values (a log-log slope is fitted across them)")


SCHEMA = Schema(
    "adaptive_sdes",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter"),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # test bed and shared settings
        Param("d", "int", Interval(1, 1000), "dimension of the diagonal quadratic test bed"),
        Param("lam_min", "float", Interval(0.0, 100.0, "right"), "smallest curvature: lambda = geomspace(lam_min, lam_max, d)"),
        Param("lam_max", "float", Interval(0.0, 1000.0, "right"), "largest curvature of the test bed (at least lam_min)"),
        Param("eta", "float", Interval(1e-4, 0.05), "learning rate of the main experiments (SDE time t = k eta)"),
        Param("R", "int", _RUNS, "runs / SDE paths of the trajectory comparisons (C1, C3, C5c, C6)"),
        Param("R_level", "int", _RUNS, "runs of the stationary-level experiments (C4, C5a, C8, ablation, C9/C10 levels)"),
        Param("R_phase", "int", _RUNS, "paths of the 1-D phase experiment (C2)"),
        Param("R_rate", "int", _RUNS, "runs of the per-sample decay rates of the scaling rules (C9, C10)"),
        Param("R_heavy", "int", _RUNS, "runs of SGD / SignSGD under Student-t noise at nu = 1, 3, inf (C5b)"),
        Param("T_track", "float", _T, "horizon of the SignSGD and RMSpropW trajectory comparisons (C1, C5c, C6)"),
        Param("T_adam", "float", _T, "horizon of the AdamW trajectory comparison (C7)"),
        # C1, C3, C4
        Param("sigmas_track", "list", _SIGMA, "noise levels of the SignSGD SDE comparison (C1)", item="float", length=(1, 8)),
        Param("sigma_rates", "list", _SIGMA, "noise levels of the phase-3 decay-rate experiment (C3)", item="float", length=(3, 16)),
        Param("sigma_grid", "list", _SIGMA, "noise levels of the stationary-loss scan (C4)", item="float", length=(3, 32)),
        Param("batch_grid", "list", Interval(1, 10**4), "batch sizes of the batch-scaling scan, sigma_1 = 2 (C4)",
              item="int", length=(3, 16)),
        # C5
        _DofList("nus", "list", _NU, 'Student-t degrees of freedom of the heavy-tail level scan (C5a); "inf" = Gaussian',
                 item="float", length=(2, 32)),
        Param("nu_sde", "list", _NU, "degrees of freedom of the Student-t SDE comparison (C5c)", item="float", length=(1, 8)),
        # C6, C7, ablation
        Param("rms_thetas", "list", _THETA, "weight decays of the RMSpropW SDE comparison (C6)", item="float", length=(1, 8)),
        Param("rms_sigmas", "list", _SIGMA, "noise levels of the RMSpropW SDE comparison (C6)", item="float", length=(1, 8)),
        Param("adam_thetas", "list", _THETA, "weight decays of the AdamW SDE comparison (C7)", item="float", length=(1, 8)),
        Param("adam_sigmas", "list", _SIGMA, "noise levels of the AdamW SDE comparison (C7)", item="float", length=(1, 8)),
        Param("R_adam", "int", _RUNS, "paths of the AdamW SDE comparison (C7; fixed across profiles: its verdict depends on power)"),
        Param("adam_beta1", "float", _BETA, "first-moment EMA parameter beta1 of the AdamW SDE comparison (C7) and of C8"),
        Param("adam_beta2", "float", _BETA, "second-moment EMA parameter beta2 of the AdamW SDE comparison (C7)"),
        Param("ablation_beta1", "float", _BETA, "beta1 of the eta*rho1-term ablation of the Adam SDE"),
        # C8
        Param("adam_sigma_grid", "list", _SIGMA, "increasing noise levels of the Adam / AdamW stationary-loss scan (C8)",
              item="float", length=(3, 32)),
        Param("adamw_theta", "float", Interval(0.0, 100.0, "right"), "weight decay theta of AdamW in the stationary scan (C8)"),
        # C9, C10
        Param("deltas", "list", Interval(1, 1024), "batch multipliers of the scaling rules: start with 1, each divides the largest (C9, C10)",
              item="int", length=(2, 8)),
        Param("scaling_samples", "int", _SAMPLES, "sample budget of the AdamW scaling-rule levels (C9)"),
        Param("rate_samples", "int", _SAMPLES, "sample budget of the AdamW scaling-rule per-sample rates (C9)"),
        Param("signsgd_scaling_eta", "float", Interval(0.0, 0.01, "right"), "base learning rate of the SignSGD scaling rule (C10)"),
        Param("signsgd_scaling_samples", "int", _SAMPLES, "sample budget of the SignSGD scaling-rule levels (C10)"),
        Param("signsgd_rate_samples", "int", _SAMPLES, "sample budget of the SignSGD scaling-rule per-sample rates (C10)"),
        # C11
        Param("run_weak_order", "bool", None, "run the weak-order experiment (C11, many paths: full profile)"),
        Param("weak_etas", "list", Interval(1e-4, 0.1), "learning rates of the weak-order experiment (C11)",
              item="float", length=(3, 8)),
        Param("R_weak", "int", _RUNS, "paths per learning rate of the weak-order experiment (C11)"),
    ),
    relations=(
        Relation(("lam_min", "lam_max"), lambda P: P["lam_max"] >= P["lam_min"], "lam_max must be at least lam_min"),
        Relation(("eta", "lam_max"), lambda P: P["eta"] * P["lam_max"] < 2.0,
                 "eta * lam_max must be below 2 (SGD on the quadratic is stable and its discrete closed form is defined)"),
        Relation(("nus",), lambda P: 1.0 in P["nus"] and 3.0 in P["nus"],
                 "nus must contain 1.0 and 3.0 (the SGD comparisons of C5)"),
        Relation(("deltas",), lambda P: P["deltas"][0] == 1 and all(max(P["deltas"]) % x == 0 for x in P["deltas"]),
                 "deltas must start with 1 and every delta must divide max(deltas)"),
        *(Relation((n, "deltas"), (lambda P, n=n: P[n] >= 10 * max(P["deltas"])), f"{n} must be at least 10 * max(deltas)")
          for n in ("scaling_samples", "rate_samples", "signsgd_scaling_samples", "signsgd_rate_samples")),
        _distinct("sigma_rates"),
        _distinct("sigma_grid"),
        _distinct("batch_grid"),
        _distinct("weak_etas"),
        Relation(("adam_sigma_grid",), lambda P: all(a < b for a, b in zip(P["adam_sigma_grid"], P["adam_sigma_grid"][1:])),
                 "adam_sigma_grid must be strictly increasing (C8 checks that AdamW's levels increase and fits the last slope)"),
    ),
)
