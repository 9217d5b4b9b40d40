"""The parameters of the adaptive-SDEs chapter, declared once (type, allowed range, meaning).

The notebook's ``parameters`` cell holds the book-profile defaults; ``profile.yaml`` the other
profiles. ``optdyn run / build / sweep`` check every value against :data:`SCHEMA` before any kernel
starts, and the notebook's validation cell is ``SCHEMA.validate(globals())``. :data:`CONDITIONS` are the
theorem (and regime) conditions of the claims, as predicates of the parameters; ``variants`` is the range a
reader variant (``optdyn sweep --random``) is drawn from.

Bounds. Every count (runs, samples, batch sizes, list lengths) has a finite upper bound, and so has the
number of steps: horizons are at most 1000 in SDE time and learning rates at least 1e-4, so a run has at
most 10**7 steps (noise levels are at most 100, which bounds the noise-dependent horizons
``T = 5 sigma`` and ``T = 6 sigma`` the same way; the SignSGD order grid has eta_0 = kappa sigma / lam_max >=
1e-4 by a relation).

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

from optdyn.validation import Condition, Interval, Options, Param, ParameterError, Relation, Schema

__all__ = ["CONDITIONS", "SCHEMA", "nu_values"]

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


_R_ORDER = Interval(64, 2**16)  # paths of a weak-order experiment


def _halving(name: str) -> Relation:
    return Relation((name,), lambda P: all(a > b and abs(a / b - round(a / b)) < 1e-9 for a, b in zip(P[name], P[name][1:])),
                    f"{name} must be decreasing, each value an integer multiple of the next (common checkpoint times)")


def _rho1(P) -> float:
    return (1.0 - P["adam_beta1"]) / P["eta"]


def _ls_sign_kappa(P) -> float:
    """Largest eta lambda_i / s_i of SignSGD in the mini-batch experiment: s_i = mb_noise sqrt(lambda_i / B)."""
    return P["eta"] * math.sqrt(P["lam_max"] * max(P["batch_grid"])) / P["mb_noise"]


def _gradient_regime(name: str) -> Condition:
    return Condition(f"{name.split('_')[0]}_gradient_regime",
                     f"the regime the paper's SDEs are built for and where they differ from Malladi et al.'s: the noise does not "
                     f"dominate the gradient at x0 = 1 (every sigma in {name} at most lam_min = min |grad f(x0)|); for "
                     "noise-dominated settings both SDEs agree to leading order and their O(eta) gap is below the Monte Carlo "
                     "resolution of the chapter's sizes", (name, "lam_min"), lambda P: max(P[name]) <= P["lam_min"])


CONDITIONS = (
    _gradient_regime("rms_sigmas"),
    _gradient_regime("adam_sigmas"),
    Condition("sign_stationary_regime", "the phase-3 (linear) regime of Lemma 3.7 for the discrete optimiser: eta lam_max / "
              "min(sigma_grid) <= 0.4 (brief pitfall 8; beyond it the discrete level exceeds the SDE's by more than 5%)",
              ("eta", "lam_max", "sigma_grid"), lambda P: P["eta"] * P["lam_max"] / min(P["sigma_grid"]) <= 0.4 + 1e-12),
    Condition("heavy_regime", "the phase-3 regime under Student-t noise of scale 1: eta lam_max <= 0.4",
              ("eta", "lam_max"), lambda P: P["eta"] * P["lam_max"] <= 0.4 + 1e-12),
    Condition("batch_regime", "mini-batches large enough for near-Gaussian noise (min(batch_grid) >= 4), SignSGD in its "
              "phase-3 regime at the largest batch (eta sqrt(lam_max max(batch_grid)) / mb_noise <= 0.4) and SGD's step small "
              "against the curvature (eta lam_max <= 0.5: the state-dependent part of the mini-batch noise stays small)",
              ("batch_grid", "eta", "lam_max", "mb_noise"),
              lambda P: min(P["batch_grid"]) >= 4 and _ls_sign_kappa(P) <= 0.4 + 1e-12 and P["eta"] * P["lam_max"] <= 0.5),
    Condition("adaptive_stationary_regime", "the linear regime of the stationary laws C.52/C.57 for the discrete optimisers: "
              "eta lam_max / min(adam_sigma_grid) <= 1 (the preconditioned step eta lam / sigma is small)",
              ("eta", "lam_max", "adam_sigma_grid"), lambda P: P["eta"] * P["lam_max"] / min(P["adam_sigma_grid"]) <= 1.0),
    Condition("scaling_regime", "the scaling rules' largest preconditioned step is moderate: scaling_eta sqrt(max delta) lam_max / "
              "(scaling_sigma / sqrt(max delta)) <= 1.5", ("scaling_eta", "deltas", "lam_max", "scaling_sigma"),
              lambda P: P["scaling_eta"] * max(P["deltas"]) * P["lam_max"] / P["scaling_sigma"] <= 1.5),
    Condition("eta_rho1_separable", "the two forms of the Adam SDE differ by at least 15% at the ablation's beta1: "
              "(1 - eta rho1)^2 = ablation_beta1^2 <= 0.85", ("ablation_beta1",), lambda P: P["ablation_beta1"] ** 2 <= 0.85),
    Condition("momentum_factor_separable", "C.57 as quoted and the [D] form differ by at least 20%: rho1/(rho1 + theta) <= 0.8 "
              "(rho1 = (1 - adam_beta1)/eta, theta = adamw_theta)", ("adam_beta1", "eta", "adamw_theta"),
              lambda P: _rho1(P) / (_rho1(P) + P["adamw_theta"]) <= 0.8),
)

SCHEMA = Schema(
    "adaptive_sdes",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream of the chapter", variants=Interval(0, 10**6)),
        Param("profile", "str", Options(("quick", "book", "full")), "name of the parameter profile (set by the runner)"),
        # test bed and shared settings
        Param("d", "int", Interval(1, 1000), "dimension of the diagonal quadratic test bed", variants=Interval(6, 14)),
        Param("lam_min", "float", Interval(0.0, 100.0, "right"), "smallest curvature: lambda = geomspace(lam_min, lam_max, d)"),
        Param("lam_max", "float", Interval(0.0, 1000.0, "right"), "largest curvature of the test bed (at least lam_min)",
              variants=Interval(5.0, 10.0)),
        Param("eta", "float", Interval(1e-4, 0.05), "learning rate of the experiments at one step size (SDE time t = k eta); "
              "with the beta's it fixes the EMA rates rho = (1 - beta)/eta", variants=Interval(0.005, 0.01)),
        Param("sde_substeps", "int", Interval(1, 64), "Euler-Maruyama steps per optimiser step in every SDE comparison (dt = eta / sde_substeps)"),
        Param("R", "int", _RUNS, "runs / SDE paths of the phase-3 rate and bound experiment (C3)"),
        Param("R_level", "int", _RUNS, "runs of the stationary-level experiments (C4, C5a, C8, ablation, C9/C10 levels)"),
        Param("R_phase", "int", _RUNS, "paths of the 1-D phase experiment (C2)"),
        Param("R_rate", "int", _RUNS, "runs of the per-sample decay rates of the scaling rules (C9, C10)"),
        Param("R_heavy", "int", _RUNS, "runs of SGD / SignSGD under Student-t noise at nu = 1, 3, inf (C5b)"),
        Param("R_near", "int", _RUNS, "paths of every control model of the weak-order experiments (their gaps are large)"),
        # C1, C5c: SignSGD weak order
        Param("sigmas_track", "list", _SIGMA, "noise levels of the SignSGD weak-order experiment (C1) and of the exact "
              "stationary comparison (C11, first value)", item="float", length=(1, 8)),
        Param("sign_order_kappa", "float", Interval(0.05, 0.4), "largest eta lam_max / sigma of the SignSGD order grid "
              "(eta_0 = kappa sigma / lam_max, then eta_0/2, eta_0/4)"),
        Param("R_sign_order", "int", _R_ORDER, "paths of the SignSGD weak-order experiments (C1, C5c; one coordinate)"),
        Param("sign_substeps", "int", Interval(1, 64), "Euler-Maruyama steps per optimiser step of the SignSGD weak-order experiments "
              "(C1, C5c; one coordinate, so a finer dt is cheap and keeps the integrator's own error small against the SDE's gap)"),
        # C3, C4
        Param("sigma_rates", "list", _SIGMA, "noise levels of the phase-3 decay-rate experiment (C3)", item="float", length=(3, 16)),
        Param("sigma_grid", "list", _SIGMA, "noise levels of the stationary-loss scan (C4)", item="float", length=(3, 32)),
        Param("batch_grid", "list", Interval(1, 4096), "batch sizes of the real mini-batch experiment (C4)", item="int", length=(3, 16)),
        Param("mb_rows", "int", Interval(100, 10**6), "rows of the least-squares data set of the mini-batch experiment"),
        Param("mb_noise", "float", Interval(0.0, 100.0, "right"), "standard deviation of the targets (label noise) of the least-squares data"),
        Param("R_batch", "int", _RUNS, "runs per batch size of the mini-batch experiment"),
        Param("T_batch", "float", _T, "horizon of the mini-batch experiment (levels over [T/2, T])"),
        # C5
        _DofList("nus", "list", _NU, 'Student-t degrees of freedom of the heavy-tail level scan (C5a); "inf" = Gaussian',
                 item="float", length=(2, 32)),
        Param("nu_sde", "list", _NU, "degrees of freedom of the Student-t SDE weak-order experiment (C5c)", item="float", length=(1, 8)),
        # C6, C7: weak order of the adaptive SDEs
        Param("order_etas", "list", Interval(1e-4, 0.05), "learning rates of the RMSpropW / AdamW weak-order experiments at fixed rho "
              "(decreasing; each a multiple of the next)", item="float", length=(3, 6)),
        Param("T_order", "float", _T, "horizon of the RMSpropW / AdamW weak-order experiments"),
        Param("R_order", "int", _R_ORDER, "paths of the RMSpropW / AdamW weak-order experiments"),
        Param("rms_beta", "float", _BETA, "RMSpropW beta at learning rate eta (rho = (1 - rms_beta)/eta; C6, C8, C9)",
              variants=Interval(0.985, 0.995)),
        Param("rms_thetas", "list", _THETA, "weight decays of the RMSpropW SDE experiment (C6)", item="float", length=(1, 8)),
        Param("rms_sigmas", "list", _SIGMA, "noise levels of the RMSpropW SDE experiment (C6)", item="float", length=(1, 8)),
        Param("adam_thetas", "list", _THETA, "weight decays of the AdamW SDE experiment (C7)", item="float", length=(1, 8)),
        Param("adam_sigmas", "list", _SIGMA, "noise levels of the AdamW SDE experiment (C7)", item="float", length=(1, 8)),
        Param("adam_beta1", "float", _BETA, "AdamW beta1 at learning rate eta (rho1 = (1 - beta1)/eta; C7, C8, C9)"),
        Param("adam_beta2", "float", _BETA, "AdamW beta2 at learning rate eta (rho2 = (1 - beta2)/eta; C7, C9)"),
        Param("ablation_beta1", "float", _BETA, "beta1 of the eta*rho1-term ablation of the Adam SDE", variants=Interval(0.8, 0.92)),
        # C8
        Param("stat_beta2", "float", _BETA, "beta2 of the Adam / AdamW stationary scans (C8) and of the ablation"),
        Param("adam_sigma_grid", "list", _SIGMA, "increasing noise levels of the Adam / AdamW / RMSpropW stationary-loss scan (C8)",
              item="float", length=(3, 32)),
        Param("adamw_theta", "float", Interval(0.0, 100.0, "right"), "weight decay theta of AdamW and RMSpropW in the stationary scan (C8)",
              variants=Interval(0.5, 2.0)),
        # C9, C10
        Param("deltas", "list", Interval(1, 1024), "batch multipliers of the scaling rules: start with 1, each divides the largest (C9, C10)",
              item="int", length=(2, 8)),
        Param("scaling_eta", "float", Interval(1e-4, 0.05), "base learning rate of the AdamW / RMSpropW scaling rules (C9)"),
        Param("scaling_theta", "float", Interval(0.0, 100.0, "right"), "base weight decay of the AdamW / RMSpropW scaling rules (C9)",
              variants=Interval(0.5, 2.0)),
        Param("scaling_sigma", "float", Interval(0.0, 100.0, "right"), "per-sample noise level of the scaling rules (batch B: sigma/sqrt(B))"),
        Param("scaling_samples", "int", _SAMPLES, "sample budget of the AdamW / RMSpropW scaling-rule levels (C9)"),
        Param("rate_samples", "int", _SAMPLES, "sample budget of the AdamW / RMSpropW scaling-rule per-sample rates (C9)"),
        Param("signsgd_scaling_eta", "float", Interval(0.0, 0.01, "right"), "base learning rate of the SignSGD scaling rule (C10)"),
        Param("signsgd_scaling_samples", "int", _SAMPLES, "sample budget of the SignSGD scaling-rule levels (C10)"),
        Param("signsgd_rate_samples", "int", _SAMPLES, "sample budget of the SignSGD scaling-rule per-sample rates (C10)"),
        # C12: the network experiment
        Param("run_network", "bool", None, "run the network experiment (C12, T11)"),
        Param("net_n", "int", Interval(16, 569), "rows of scikit-learn's breast-cancer data used for training (C12)"),
        Param("net_width", "int", Interval(2, 256), "hidden width of the tanh MLP 30 -> width -> 1 (C12)"),
        Param("net_sigma", "float", Interval(0.0, 10.0, "right"), "injected gradient noise of the network experiment (C12)",
              variants=Interval(0.005, 0.02)),
        Param("net_rho1", "float", Interval(0.01, 100.0), "AdamW rho1 = (1 - beta1)/eta of the network experiment (C12)"),
        Param("net_rho2", "float", Interval(0.001, 100.0), "AdamW rho2 = (1 - beta2)/eta of the network experiment (C12)"),
        Param("net_T", "float", Interval(0.05, 100.0), "horizon of the network experiment (C12)"),
        Param("net_etas", "list", Interval(1e-4, 0.05), "learning rates of the network weak-order experiment (C12)", item="float", length=(3, 6)),
        Param("R_net", "int", _R_ORDER, "runs / paths of the network experiment (C12)"),
    ),
    relations=(
        Relation(("lam_min", "lam_max"), lambda P: P["lam_max"] >= P["lam_min"], "lam_max must be at least lam_min"),
        Relation(("eta", "lam_max"), lambda P: P["eta"] * P["lam_max"] < 2.0,
                 "eta * lam_max must be below 2 (SGD on the quadratic is stable and its discrete closed form is defined)"),
        Relation(("sign_order_kappa", "sigmas_track", "lam_max"), lambda P: P["sign_order_kappa"] * min(P["sigmas_track"]) / P["lam_max"] / 4 >= 1e-4,
                 "the smallest step of the SignSGD order grid, kappa min(sigmas_track) / (4 lam_max), must be at least 1e-4"),
        Relation(("nus",), lambda P: 1.0 in P["nus"] and 3.0 in P["nus"],
                 "nus must contain 1.0 and 3.0 (the SGD comparisons of C5)"),
        Relation(("deltas",), lambda P: P["deltas"][0] == 1 and all(max(P["deltas"]) % x == 0 for x in P["deltas"]),
                 "deltas must start with 1 and every delta must divide max(deltas)"),
        *(Relation((n, "deltas"), (lambda P, n=n: P[n] >= 10 * max(P["deltas"])), f"{n} must be at least 10 * max(deltas)")
          for n in ("scaling_samples", "rate_samples", "signsgd_scaling_samples", "signsgd_rate_samples")),
        Relation(("scaling_eta", "deltas"), lambda P: P["scaling_eta"] * math.sqrt(max(P["deltas"])) <= 0.05,
                 "scaling_eta * sqrt(max(deltas)) must be at most 0.05"),
        Relation(("adam_beta1", "adam_beta2", "rms_beta", "eta", "order_etas", "scaling_eta", "deltas"),
                 lambda P: all(max(P["order_etas"] + [P["scaling_eta"] * math.sqrt(max(P["deltas"]))]) * (1 - b) / P["eta"] < 1
                               and (1 - b) * max(P["deltas"]) < 1 for b in (P["adam_beta1"], P["adam_beta2"], P["rms_beta"])),
                 "the EMA rates rho = (1 - beta)/eta must give beta = 1 - eta' rho in [0, 1) at every learning rate eta' used"),
        Relation(("net_rho1", "net_rho2", "net_etas"), lambda P: max(P["net_etas"]) * max(P["net_rho1"], P["net_rho2"]) < 1,
                 "max(net_etas) * max(net_rho1, net_rho2) must be below 1 (beta = 1 - eta rho >= 0)"),
        _halving("order_etas"),
        _halving("net_etas"),
        Relation(("order_etas", "T_order"), lambda P: abs(P["T_order"] / P["order_etas"][0] - round(P["T_order"] / P["order_etas"][0])) < 1e-9,
                 "T_order must be a multiple of the largest order_etas"),
        Relation(("net_etas", "net_T"), lambda P: abs(P["net_T"] / P["net_etas"][0] - round(P["net_T"] / P["net_etas"][0])) < 1e-9,
                 "net_T must be a multiple of the largest net_etas"),
        _distinct("sigma_rates"),
        _distinct("sigma_grid"),
        _distinct("batch_grid"),
        Relation(("adam_sigma_grid",), lambda P: all(a < b for a, b in zip(P["adam_sigma_grid"], P["adam_sigma_grid"][1:])),
                 "adam_sigma_grid must be strictly increasing (C8 checks that AdamW's levels increase and fits the last slope)"),
    ),
    conditions=CONDITIONS,
)
