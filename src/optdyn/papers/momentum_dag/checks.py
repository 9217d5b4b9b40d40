"""The claims of the momentum-on-DAGs chapter and the criteria that judge them (ledger v2).

Each criterion is a pure function of experiment output returning an :class:`~optdyn.claims.Outcome`,
applied unchanged to the claim's own run and to every control (unit-tested on inputs that must pass and
inputs that must fail: ``tests/papers/momentum_dag/test_checks.py``). Each :class:`ClaimSpec` states the
claim, its criterion, its kind, its theorem conditions (from :data:`.parameters.SCHEMA`) and its controls,
with the deviation every near-miss control represents.

Exact checks are implementation-consistency checks: the self-certified monotonicity and Lemma C use the
curvature of the very steps they judge, so they hold by construction (up to rounding) once Lemma B holds;
they are not evidence for Theorem 1. The empirical evidence for Theorem 1 is the *predictive* certificate.
"""
from __future__ import annotations

import numpy as np

from optdyn.claims import ClaimSpec, Control, Outcome, all_finite
from optdyn.papers.momentum_dag.diagnostics import (count_violations, descent_direction_ratio, min_descent_ratio, step_bound_ratio)
from optdyn.papers.momentum_dag.theory import c_const, eta_star
from optdyn.papers.momentum_dag.experiments import (CERT_SAFETY, CLS_LOSS, CLS_TRAINED, CONV_PARTS, EXIT_E, GRAPHS,
                                                    IDENTITY, MAX_DOUBLINGS, PHASE_FACTOR, PILOT_ETA, PILOT_RUNS)
from optdyn.papers.momentum_dag.parameters import SCHEMA

__all__ = [
    "CLAIMS", "GRAD_TOL", "DECREASE_TOL", "MIN_CERTIFIED", "autoencoder_check", "certified_monotone_check",
    "crossnet_check", "decrease_gap_check", "gradient_limit_check", "grad_check_criterion", "monotone_runs_check",
    "phase_boundary_check", "step_bound_check", "theorems_check", "weights_limit_check",
]

GRAD_TOL = 1e-6          # Lemma A: relative error of backprop against central differences
STEP_TOL = 1e-9          # Lemma B: rounding tolerance of the two inequalities
DECREASE_TOL = 1e-6      # Lemma C consistency: rounding of E_k - E_{k+1} at the resolvable threshold 1e-9 max(1, E)
MIN_CERTIFIED = 10       # the predictive certificate must certify at least this many grid runs to be judged
G_RATIO, G_TAIL = 5e-3, 1e-3            # Theorem 2: ||g_K|| <= 5e-3 max ||g||, tail sum of ||g||^2 < 1e-3
W_PATH, W_END, W_GROWTH = 0.05, 1e-2, 1e-2  # Theorem 3: path, endpoint and norm log-growth ratios
AE_SPEED = CLS_SPEED = 0.5               # the DAG / CrossNet needs at most half the steps
AE_MATCH_MARGIN = 0.05                   # DAG autoencoder: mean held-out MSE >= 5% below the sequential, <= 5% above the matched
CLS_MARGIN = 0.01                        # CrossNet held-out accuracy not below the sequential one's - 1 point


# ------------------------------------------------------------------------------------------ exact checks
def grad_check_criterion(errors: dict, tol: float = GRAD_TOL) -> Outcome:
    """Exact: every relative error ``||g - g_fd|| / ||g_fd||`` below ``tol``."""
    errs = {k: float(v) for k, v in errors.items() if np.isfinite(v)}
    worst = max(errs.values())
    return Outcome(worst < tol, "max relative error " + f"{worst:.1e} (" + ", ".join(f"{k} {v:.1e}" for k, v in errs.items()) + ")",
                   value=worst, margin=float(np.log10(tol / worst)) if worst > 0 else None)


def step_bound_check(ratio_max: float, direction_min: float) -> Outcome:
    """Exact (Lemma B): ``||dw^{k+1}|| <= eta (1+s) ||g_k||`` and ``-g_k . dw^{k+1} >= eta (1-s) ||g_k||^2`` on every
    step, to rounding: max ratio <= 1 + 1e-9 and min descent-direction ratio >= 1 - 1e-9."""
    ok = ratio_max <= 1 + STEP_TOL and direction_min >= 1 - STEP_TOL
    return Outcome(bool(ok), f"max ||dw||/(eta(1+s)||g||) = {ratio_max:.6f}; min -g.dw/(eta(1-s)||g||^2) = {direction_min:.6f}",
                   value=float(ratio_max), margin=float(min(1 + STEP_TOL - ratio_max, direction_min - 1 + STEP_TOL)))


def certified_monotone_check(n_certified: int, n_bad: int, *, exact: bool = False, min_certified: int = MIN_CERTIFIED,
                             extra: str = "") -> Outcome:
    """Every certified run is monotone (0 of them has a violation). Exact version: decided on any number of
    certified runs (at least one); empirical version: undecided below ``min_certified`` certified runs."""
    text = f"{n_certified} certified runs, {n_bad} of them non-monotone" + (f"; {extra}" if extra else "")
    if exact:
        return Outcome(bool(n_certified >= 1 and n_bad == 0), text, value=float(n_bad))
    if n_certified < min_certified:
        return Outcome(None, text + f" (fewer than {min_certified} certified runs: undecided)", value=float(n_bad))
    return Outcome(bool(n_bad == 0), text, value=float(n_bad), margin=float(-n_bad))


def decrease_gap_check(gap: float, tol: float = DECREASE_TOL) -> Outcome:
    """Exact (Lemma C with the run's own curvature): min over certified runs of ``min_k r_k - c(eta, s; L_run)``
    is >= -tol (rounding)."""
    if not np.isfinite(gap):
        return Outcome(False, "no certified run")
    return Outcome(bool(gap >= -tol), f"min over certified runs of (min_k r_k - c) = {gap:.3g}", value=float(gap), margin=float(gap + tol))


# ------------------------------------------------------------------------------------------ empirical criteria
def predicted_decrease_check(gap: float, n_certified: int, tol: float = DECREASE_TOL, min_certified: int = MIN_CERTIFIED) -> Outcome:
    """Lemma C with the curvature fixed before the run: over the runs certified by L_pred, min_k r_k - c(eta, s; L_pred)
    >= -tol (rounding); undecided below ``min_certified`` certified runs."""
    text = f"{n_certified} certified runs; min over them of (min_k r_k - c(eta, s; L_pred)) = {gap:.3g}"
    if n_certified < min_certified or not np.isfinite(gap):
        return Outcome(None, text + f" (fewer than {min_certified} certified runs: undecided)")
    return Outcome(bool(gap >= -tol), text, value=float(gap), margin=float(gap + tol))


def phase_boundary_check(per_graph: dict) -> Outcome:
    """At s = s_max: on every graph every run with eta <= PHASE_FACTOR eta*(s_max; L_pred) is monotone, and at
    least one such run lies beyond the bound (eta > eta*), else undecided. ``per_graph``: name ->
    (runs beyond the bound, violating runs up to PHASE_FACTOR eta*)."""
    beyond = {k: int(v[0]) for k, v in per_graph.items()}
    bad = {k: int(v[1]) for k, v in per_graph.items()}
    text = "; ".join(f"{k}: {beyond[k]} runs in (eta*, {PHASE_FACTOR:g} eta*], {bad[k]} non-monotone" for k in per_graph)
    if min(beyond.values()) == 0:
        return Outcome(None, text + " (a graph has no grid run beyond the bound: undecided)")
    return Outcome(bool(sum(bad.values()) == 0), text, value=float(sum(bad.values())))


def gradient_limit_check(m: dict, resolved: bool = True) -> Outcome:
    """Theorem 2 on the long runs (``m``: per-run metrics): every run has ``||g_K|| <= 5e-3 max_k ||g_k||`` and
    ``sum_{k>K/2} ||g_k||^2 / sum_k ||g_k||^2 < 1e-3``. Undecided when the budget rule did not resolve the limit
    or a run is not finite."""
    gr, ts = np.asarray(m["grad_ratio"], float), np.asarray(m["tail_sq"], float)
    text = f"||g_K||/max||g|| in [{gr.min():.1e}, {gr.max():.1e}], tail sum ratio in [{ts.min():.1e}, {ts.max():.1e}]"
    if not all_finite(gr, ts):
        return Outcome(None, text + " (non-finite runs)")
    if not resolved:
        return Outcome(None, text + " (the budget rule did not resolve the limit: undecided)")
    ok = bool(np.all(gr <= G_RATIO) and np.all(ts < G_TAIL))
    return Outcome(ok, text, value=float(gr.max()), margin=float(np.log10(G_RATIO / gr.max())) if gr.max() > 0 else None)


def weights_limit_check(m: dict, resolved: bool = True) -> Outcome:
    """Theorem 3 on the long runs: every run has path length of the last half < 0.05 x the first half's,
    ``||w_K - w_{3K/4}|| < 1e-2 ||w_{K/2} - w_0||`` and norm log-growth ``(||w_K|| - ||w_{K/2}||)/(||w_K|| log 2) < 1e-2``
    (weights drifting like c log k give about 1/log K). Undecided when the limit is not resolved."""
    pr, ep, lg = (np.asarray(m[k], float) for k in ("path_ratio", "endpoint", "log_growth"))
    text = (f"path ratio in [{pr.min():.1e}, {pr.max():.1e}], endpoint ratio in [{ep.min():.1e}, {ep.max():.1e}], "
            f"norm log-growth in [{lg.min():.1e}, {lg.max():.1e}]")
    if not all_finite(pr, ep, lg):
        return Outcome(None, text + " (non-finite runs)")
    if not resolved:
        return Outcome(None, text + " (the budget rule did not resolve the limit: undecided)")
    ok = bool(np.all(pr < W_PATH) and np.all(ep < W_END) and np.all(lg < W_GROWTH))
    return Outcome(ok, text, value=float(ep.max()), margin=float(np.log10(W_END / ep.max())) if ep.max() > 0 else None)


def theorems_check(by_graph: dict) -> Outcome:
    """Theorems 1-3 on every graph: ``by_graph``: name -> (metrics, resolved); each graph's runs have 0
    violations and meet :func:`gradient_limit_check` and :func:`weights_limit_check`."""
    parts, failed, undecided, n_pass = [], False, False, 0
    for name, (m, resolved) in by_graph.items():
        mono = bool(np.all(np.asarray(m["violations"]) == 0))
        g, w = gradient_limit_check(m, resolved), weights_limit_check(m, resolved)
        bad = (not mono) or g.passed is False or w.passed is False
        open_ = not bad and (g.passed is None or w.passed is None)
        failed |= bad
        undecided |= open_
        n_pass += not bad and not open_
        parts.append(f"{name}: {'fails' if bad else 'undecided' if open_ else 'passes'} (violations max {int(np.max(m['violations']))})")
    text = "; ".join(parts)
    if failed:
        return Outcome(False, text, value=float(n_pass))
    if undecided:
        return Outcome(None, text + " (limit not resolved: undecided)", value=float(n_pass))
    return Outcome(True, text, value=float(n_pass))


def monotone_runs_check(violations) -> Outcome:
    """Every run (all initialisations, all step sizes) has 0 violations; ``violations`` (inits, etas)."""
    v = np.atleast_2d(np.asarray(violations))
    per_eta = (v > 0).sum(axis=0).tolist()
    return Outcome(bool(np.all(v == 0)), f"{int((v > 0).sum())}/{v.size} runs with violations (per eta: {per_eta})",
                   value=float((v > 0).sum()))


def autoencoder_check(dag: dict, seq: dict, matched: dict) -> Outcome:
    """The DAG autoencoder against the sequential one of the same widths (``seq``) and a parameter-matched one
    (``matched``), results of :func:`.experiments.autoencoders`: no edge of the DAG crosses the code vertex; every
    net of every seed has left the mean-image plateau (else undecided); (i) the DAG leaves it in at most half the
    steps of each (means over seeds); (ii) its mean held-out MSE is at least 5% below the same-widths sequential
    one's and at most 5% above the matched one's."""
    if dag["crosses"]:
        return Outcome(False, "an edge jumps over the code vertex: the 'compression' is fake")
    speed = {k: np.mean(dag["exit"]) / np.mean(c["exit"]) for k, c in (("sequential", seq), ("matched", matched))}
    text = (f"mean steps to leave the plateau {np.mean(dag['exit']):.0f} vs {np.mean(seq['exit']):.0f} (sequential) and "
            f"{np.mean(matched['exit']):.0f} (matched); mean test MSE {np.mean(dag['test_mse']):.4f} vs {np.mean(seq['test_mse']):.4f} "
            f"(sequential) and {np.mean(matched['test_mse']):.4f} (matched)")
    if not all(np.all(d["left"]) for d in (dag, seq, matched)) or not all_finite(dag["test_mse"]):
        return Outcome(None, text + " (a net has not left the mean-image plateau: trained and untrained nets are not compared; undecided)")
    ok = (max(speed.values()) <= AE_SPEED and np.mean(dag["test_mse"]) <= (1 - AE_MATCH_MARGIN) * np.mean(seq["test_mse"])
          and np.mean(dag["test_mse"]) <= (1 + AE_MATCH_MARGIN) * np.mean(matched["test_mse"]))
    return Outcome(bool(ok), text, value=float(np.mean(dag["test_mse"]) / np.mean(seq["test_mse"])))


def crossnet_check(net: dict, comp: dict, n_iters: int) -> Outcome:
    """A skip-connection net against a comparator (results of :func:`.experiments.classification`): both trained
    in every seed (training accuracy >= 0.9 and training loss below CLS_LOSS within the budget), else undecided;
    (i) at most half the steps to training loss CLS_LOSS (means over seeds); (ii) held-out accuracy not lower by
    more than 1 point (means over seeds)."""
    text = (f"mean steps to loss {CLS_LOSS:g}: {np.mean(net['steps']):.0f} vs {np.mean(comp['steps']):.0f}; held-out accuracy "
            f"{np.mean(net['test_acc']):.3f} vs {np.mean(comp['test_acc']):.3f}")
    trained = all(np.all(d["train_acc"] >= CLS_TRAINED) and np.all(d["steps"] <= n_iters) for d in (net, comp))
    if not trained:
        return Outcome(None, text + " (a net is not trained within the budget: undecided)")
    ok = bool(np.mean(net["steps"]) <= CLS_SPEED * np.mean(comp["steps"]) and np.mean(net["test_acc"]) >= np.mean(comp["test_acc"]) - CLS_MARGIN)
    return Outcome(ok, text, value=float(np.mean(net["steps"]) / max(np.mean(comp["steps"]), 1)))


# ------------------------------------------------------------------------------------------ claims
_C = SCHEMA.condition
_CONV = (_C("conv_step"), _C("conv_budget"))
_LONG = (lambda P: f"3-bit parity, sum reduction, {P.conv_seeds} initialisations, adaptive momentum s = {P.conv_s} at eta = "
         f"{P.conv_frac} x eta*(s; L_pred) of each graph; budget rule fixed before the run: K = {P.conv_iters}, doubled while a run "
         f"has not reached E < {EXIT_E:g} by K/4 (at most {MAX_DOUBLINGS} times; undecided if still unresolved)")

CLAIMS = {c.id.split(".")[1]: c for c in (
    ClaimSpec(
        "momentum_dag.backprop_correct", "Lemma A",
        "Reverse-topological backprop (every vertex sums the signals of all its children) gives the exact gradient of E on "
        "chain, ResNet-like, DenseNet-like and random DAGs, and with frozen identity skip edges.",
        lambda P: (f"Exact: max over the 5 graphs of ||g - g_fd|| / ||g_fd|| < {GRAD_TOL:g} (central differences, h = {P.gc_h:g}, "
                   f"float64, J = {P.gc_samples} random samples, mixed tanh/sigmoid)."),
        kind="exact", expected="verified (exact)",
        controls=(Control("no accumulation over children", "illustration",
                          "a backward pass that keeps only the last child's signal (a DAG treated as a chain)"),)),
    ClaimSpec(
        "momentum_dag.step_bound", "Lemma B",
        "Adaptive-momentum steps satisfy ||dw_{k+1}|| <= eta (1+s) ||g_k|| and -g_k . dw_{k+1} >= eta (1-s) ||g_k||^2 "
        "(true by construction of the update: an implementation-consistency check).",
        "Exact: over every step of every adaptive phase-diagram run, max ||dw||/(eta(1+s)||g||) <= 1 + 1e-9 and min "
        "-g.dw/(eta(1-s)||g||^2) >= 1 - 1e-9.",
        kind="exact", expected="verified (exact)",
        controls=(Control("classical heavy ball, beta = s", "illustration", "the same ratios for constant-coefficient momentum"),)),
    ClaimSpec(
        "momentum_dag.monotone_certified", "Theorem 1 (self-certified; implementation consistency)",
        "Every run certified by its OWN largest curvature L_run (sharpness samples and the curvature of every step it took) "
        "is monotone. By Lemma B this holds by construction, so it checks the implementation, not Theorem 1.",
        "Exact: over the 3 graphs x (eta, s) grid, every run with eta < 2(1-s)/(L_run (1+s)^2) has 0 violations "
        "(E_{k+1} > E_k + 1e-12 max(1, E_k)), and at least one run is certified.",
        kind="exact", expected="verified (exact)",
        controls=(Control("classical heavy ball, beta = s", "illustration", "the same self-certificate for constant-coefficient momentum"),)),
    ClaimSpec(
        "momentum_dag.sufficient_decrease", "Lemma C (self-certified; implementation consistency)",
        "E_k - E_{k+1} >= eta c(eta, s) ||g_k||^2 with c = (1-s) - L eta (1+s)^2/2 and L = L_run: true by construction "
        "once Lemma B holds, since L_run includes the curvature of every step taken.",
        lambda P: (f"Exact: for every self-certified adaptive run of the 3 phase diagrams, min_k r_k - c(eta, s; L_run) >= "
                   f"-{DECREASE_TOL:g} (rounding), r_k = (E_k - E_{{k+1}})/(eta ||g_k||^2) on resolvable steps."),
        kind="exact", expected="verified (exact)",
        controls=(Control("constant-length momentum", "illustration", "the momentum length frozen at s eta ||g_0|| (the ||g_k|| factor ablated)"),)),
    ClaimSpec(
        "momentum_dag.monotone_predicted", "Theorem 1 (predictive certificate)",
        "With the curvature estimated before the run, every run with eta < eta*(s; L_pred) = 2(1-s)/(L_pred (1+s)^2) has a "
        "non-increasing error.",
        lambda P: (f"L_pred = {CERT_SAFETY:g} x the largest sharpness along a pilot (plain GD, eta = {PILOT_ETA:g}, {PILOT_RUNS} "
                   f"initialisations of their own, {P.pd_iters} steps), fixed before the grid runs; over the 3 graphs x "
                   f"{len(P.pd_ss)} s x {P.pd_n_eta} eta grid ({P.pd_iters} steps each): at least {MIN_CERTIFIED} certified runs "
                   "and 0 certified runs with a violation."),
        kind="empirical",
        controls=(Control("L_pred / 4", "near_miss", "the curvature underestimated 4 times (safety factor 1/2 instead of 2): "
                          "certified steps 4 times larger"),)),
    ClaimSpec(
        "momentum_dag.sufficient_decrease_predicted", "Lemma C (predictive curvature)",
        "Every run certified in advance decreases E at least at the rate of Lemma C: E_k - E_{k+1} >= eta c(eta, s) ||g_k||^2 "
        "with c = (1-s) - L_pred eta (1+s)^2/2 at every step.",
        lambda P: (f"Same runs and L_pred as monotone_predicted: at least {MIN_CERTIFIED} certified runs, and over them "
                   f"min_k r_k - c(eta, s; L_pred) >= -{DECREASE_TOL:g} (rounding), r_k = (E_k - E_{{k+1}})/(eta ||g_k||^2) on resolvable steps."),
        kind="empirical",
        controls=(Control("L_pred / 4", "near_miss", "the curvature underestimated 4 times: certified steps 4 times larger and a "
                          "larger predicted decrease c"),)),
    ClaimSpec(
        "momentum_dag.phase_boundary", "Theorem 1 (condition A3: conservative at large s)",
        "The reconstructed step-size condition is sufficient but conservative, most of all at large s: at s = max(pd_ss) "
        "adaptive momentum stays monotone up to 10 x eta*(s; L_pred).",
        lambda P: (f"At s = {max(P.pd_ss):g}, on each of the 3 graphs: every grid run with eta <= {PHASE_FACTOR:g} eta*(s; L_pred) "
                   "has 0 violations, and at least one such run has eta > eta* (else undecided)."),
        kind="empirical", conditions=(_C("large_s"),),
        controls=(Control("classical heavy ball, beta = s", "near_miss",
                          "constant momentum coefficient beta = s in place of the adaptive one, same grid and initialisation"),)),
    ClaimSpec(
        "momentum_dag.gradient_to_zero", "Theorem 2",
        "||grad E(w^k)|| -> 0 along adaptive-momentum runs inside the (predictive) step-size condition (ResNet-like graph).",
        lambda P: _LONG(P) + f": every run has ||g_K|| <= {G_RATIO:g} max_k ||g_k|| and sum_(k>K/2) ||g_k||^2 / sum_k ||g_k||^2 < {G_TAIL:g}.",
        kind="empirical", conditions=_CONV,
        controls=(Control("fixed-length steps", "near_miss", "every step keeps the first step's length eta ||g_0|| "
                          "(normalised gradient descent): steps that do not shrink with the gradient"),)),
    ClaimSpec(
        "momentum_dag.weights_converge", "Theorem 3",
        "The weights w^k converge (ResNet-like graph).",
        lambda P: _LONG(P) + f": every run has path length of the last half < {W_PATH:g} x the first half's, ||w_K - w_3K/4|| < "
                             f"{W_END:g} ||w_K/2 - w_0|| and norm log-growth (||w_K|| - ||w_K/2||)/(||w_K|| log 2) < {W_GROWTH:g}.",
        kind="empirical", conditions=_CONV,
        controls=(Control("targets 0/1", "near_miss", "unreachable 0/1 targets for the sigmoid output (A2 violated): the weights "
                          "drift like log k"),
                  Control("constant-length momentum", "near_miss", "the momentum length frozen at s eta ||g_0|| (the ||g_k|| factor ablated)"))),
    ClaimSpec(
        "momentum_dag.architectures", "Theorems 1-3 on chain, ResNet-like and DenseNet-like graphs",
        "Monotone error, ||g|| -> 0 and weight convergence hold alike on the three graphs, each run at its own predicted "
        "certified step.",
        lambda P: _LONG(P) + ": on every graph every run has 0 violations and meets the gradient and weight criteria.",
        kind="empirical", conditions=_CONV,
        controls=(Control("constant-length momentum", "near_miss", "the momentum length frozen at s eta ||g_0|| on the three graphs"),
                  Control("targets 0/1", "near_miss", "unreachable 0/1 targets (A2 violated) on the three graphs"))),
    ClaimSpec(
        "momentum_dag.identity_skips", "Theorems 1-3 with frozen identity skips",
        "With unweighted (frozen, W = I) ResNet skips, E is still smooth in the free weights, and the error is monotone, "
        "the gradient vanishes and the weights converge as on the weighted graphs.",
        lambda P: _LONG(P) + ": the ResNet with frozen identity skips has 0 violations and meets the gradient and weight criteria in every run.",
        kind="empirical", conditions=_CONV,
        controls=(Control("constant-length momentum", "near_miss", "the momentum length frozen at s eta ||g_0||"),
                  Control("targets 0/1", "near_miss", "unreachable 0/1 targets (A2 violated)"))),
    ClaimSpec(
        "momentum_dag.adaptive_vs_classical", "Theorem 1 (role of the adaptive coefficient)",
        "Large-beta heavy ball oscillates where adaptive momentum does not: adaptive momentum (a bounded rescaling of GD, "
        "step between (1-s) eta and (1+s) eta times ||g||) is monotone at every eta of the grid, while heavy ball with "
        "beta = s increases E, also when its average step is matched.",
        lambda P: (f"Smooth regression (ResNet-like, J = {P.treg_J}, sum): all {P.hb_inits} x {len(P.hb_etas)} adaptive runs "
                   f"(s = {P.hb_s}, eta in {P.hb_etas}) have 0 violations over {P.hb_iters} iterations."),
        kind="empirical", conditions=(_C("large_beta"),),
        controls=(Control("heavy ball, beta = s", "near_miss", "constant coefficient beta = s at the same eta (steps amplified up to 1/(1-beta))"),
                  Control("heavy ball, matched step", "near_miss", "beta = s at eta (1+s)(1-beta): the same long-run step as adaptive "
                          "momentum's largest"))),
    ClaimSpec(
        "momentum_dag.autoencoder", "Experiment (autoencoder compression)",
        "Trained with the same budget, a DAG autoencoder with skips inside encoder and decoder (the code a cut vertex) leaves "
        "the mean-image plateau much sooner than the sequential autoencoder of the same widths and a parameter-matched one; "
        "it then reconstructs held-out digits better than the former and as well as the latter.",
        lambda P: (f"Digits ({P.ae_train} train / {P.ae_test} test), mean reduction, adaptive momentum s = {P.ae_s}, "
                   f"{P.ae_iters} iterations, {P.ae_seeds} seeds, eta in {P.ae_etas} (best by training MSE per net and seed): no edge "
                   f"crosses the code; every net leaves the plateau (train MSE < 0.9 x the mean image's; else undecided); the DAG "
                   f"needs at most half the steps of each sequential net to leave it, and its test MSE is at least "
                   f"{AE_MATCH_MARGIN:.0%} below the same-widths sequential net's and at most {AE_MATCH_MARGIN:.0%} above the matched "
                   f"net's (means over seeds)."),
        kind="empirical",
        controls=(Control("no skip effect", "near_miss", "a second sequential autoencoder (independent initialisations) in place of the DAG"),)),
    ClaimSpec(
        "momentum_dag.crossnet_classification", "Experiment (CrossNets classification, arXiv v1) [R]",
        "A CrossNet (every forward cross-connection i -> j) trained by backprop with adaptive momentum trains faster than the "
        "sequential net of the same widths and classifies held-out digits at least as accurately.",
        lambda P: (f"Digits ({P.cls_train} train, the other {1797 - P.cls_train} test), widths 64-{P.cls_width}x{P.cls_depth}-10, "
                   f"softmax cross-entropy, adaptive momentum s = {P.cls_s}, {P.cls_iters} iterations, {P.cls_seeds} seeds, eta in "
                   f"{P.cls_etas} (best by training loss): both nets trained (train accuracy >= {CLS_TRAINED:g}; else undecided); the "
                   f"CrossNet reaches training loss {CLS_LOSS:g} in at most half the steps (means over seeds) and its mean held-out "
                   f"accuracy is at most {CLS_MARGIN:g} below the sequential net's."),
        kind="empirical",
        controls=(Control("no cross-connection effect", "near_miss", "a second sequential net (independent initialisations) in place of the CrossNet"),)),
)}


# ------------------------------------------------------------------------------------------ outcomes per claim
# Each function applies the claim's criterion, unchanged, to the experiment and to every declared control,
# and returns ``(outcome, {control name: outcome})`` for :meth:`StatedClaim.judge`.

def backprop_outcomes(gc: dict) -> tuple:
    return grad_check_criterion({k: v[0] for k, v in gc.items()}), {
        "no accumulation over children": grad_check_criterion({k: v[1] for k, v in gc.items()})}


def _grid(pd):
    return np.meshgrid(pd["ss"], pd["etas"], indexing="ij")


def step_bound_outcomes(PD: dict) -> tuple:
    def part(rule):
        r = d = []
        r, d = [], []
        for pd in PD.values():
            h = pd[rule]["hist"]
            r.append(np.nanmax(step_bound_ratio(h.step_norm, h.grad_norm, h.eta, h.s)))
            d.append(np.nanmin(descent_direction_ratio(h.gdot, h.grad_norm, h.eta, h.s)))
        return step_bound_check(float(max(r)), float(min(d)))
    return part("adaptive"), {"classical heavy ball, beta = s": part("heavy ball")}


def _self_cert(PD, rule, key="L_run"):
    n_c = n_b = 0
    for pd in PD.values():
        S, H = _grid(pd)
        c = H < eta_star(pd[rule][key], S)
        n_c += int(c.sum())
        n_b += int((c & (pd[rule]["violations"] > 0)).sum())
    return n_c, n_b


def monotone_certified_outcomes(PD: dict) -> tuple:
    sc, sb = _self_cert(PD, "adaptive", "L_sharp")
    main = certified_monotone_check(*_self_cert(PD, "adaptive"), exact=True,
                                    extra=f"for reference, the sharpness samples alone certify {sc} runs, {sb} of them non-monotone")
    return main, {"classical heavy ball, beta = s": certified_monotone_check(*_self_cert(PD, "heavy ball"), exact=True)}


def decrease_gap(hist, L, certified) -> float:
    """min over the certified runs of ``min_k r_k - c(eta, s; L)`` (+inf if none)."""
    c = (1 - hist.s) - 0.5 * L * hist.eta * (1 + hist.s) ** 2
    g = (min_descent_ratio(hist) - c)[certified]
    return float(g.min()) if g.size else np.inf


def sufficient_decrease_outcomes(PD: dict, controls: dict) -> tuple:
    """``controls``: graph -> constant-length history at the self-certified points with s > 0 (or None)."""
    gaps, gaps_c = [], []
    for name, pd in PD.items():
        S, H = _grid(pd)
        L = pd["adaptive"]["L_run"]
        cert = (H < eta_star(L, S)).ravel()
        gaps.append(decrease_gap(pd["adaptive"]["hist"], L.ravel(), cert))
        hc = controls.get(name)
        if hc is not None:
            sel = cert & (S.ravel() > 0)
            gaps_c.append(decrease_gap(hc, L.ravel()[sel], np.ones(int(sel.sum()), bool)))
    return decrease_gap_check(min(gaps)), {"constant-length momentum": decrease_gap_check(min(gaps_c) if gaps_c else np.nan)}


def _pred_cert(PD, rule, factor=1.0):
    n_c = n_b = 0
    for pd in PD.values():
        S, H = _grid(pd)
        c = H < eta_star(pd["L_pred"] * factor, S)
        n_c += int(c.sum())
        n_b += int((c & (pd[rule]["violations"] > 0)).sum())
    return n_c, n_b


def monotone_predicted_outcomes(PD: dict) -> tuple:
    c1, b1 = _pred_cert(PD, "adaptive", 0.5)
    ch, bh = _pred_cert(PD, "heavy ball")
    ref = f"for reference: safety 1 certifies {c1} runs, {b1} non-monotone; heavy ball (beta = s) under L_pred: {bh} of {ch} non-monotone"
    return (certified_monotone_check(*_pred_cert(PD, "adaptive"), extra=ref),
            {"L_pred / 4": certified_monotone_check(*_pred_cert(PD, "adaptive", 0.25))})


def _pred_gap(PD, factor=1.0):
    gaps, n = [], 0
    for pd in PD.values():
        S, H = _grid(pd)
        L = pd["L_pred"] * factor
        cert = (H < eta_star(L, S)).ravel()
        n += int(cert.sum())
        gaps.append(decrease_gap(pd["adaptive"]["hist"], np.full(cert.size, L), cert))
    return min(gaps), n


def decrease_predicted_outcomes(PD: dict) -> tuple:
    return predicted_decrease_check(*_pred_gap(PD)), {"L_pred / 4": predicted_decrease_check(*_pred_gap(PD, 0.25))}


def phase_boundary_outcomes(PD: dict) -> tuple:
    def per_graph(rule):
        out = {}
        for name, pd in PD.items():
            i = int(np.argmax(pd["ss"]))
            es = eta_star(pd["L_pred"], pd["ss"][i])
            inside = pd["etas"] <= PHASE_FACTOR * es
            out[name] = (int((inside & (pd["etas"] > es)).sum()), int((inside & (pd[rule]["violations"][i] > 0)).sum()))
        return out
    return phase_boundary_check(per_graph("adaptive")), {"classical heavy ball, beta = s": phase_boundary_check(per_graph("heavy ball"))}


def gradient_outcomes(conv: dict) -> tuple:
    m, res = conv["metrics"], conv["resolved"]
    return gradient_limit_check(m["main"], res), {"fixed-length steps": gradient_limit_check(m["fixed-length steps"], res)}


def weights_outcomes(conv: dict) -> tuple:
    m, res = conv["metrics"], conv["resolved"]
    return weights_limit_check(m["main"], res), {"targets 0/1": weights_limit_check(m["targets 0/1"], res),
                                                 "constant-length momentum": weights_limit_check(m["constant-length momentum"], res)}


def architectures_outcomes(CONV: dict) -> tuple:
    def on(part):
        return theorems_check({n: (CONV[n]["metrics"][part], CONV[n]["resolved"]) for n in GRAPHS})
    return on("main"), {"constant-length momentum": on("constant-length momentum"), "targets 0/1": on("targets 0/1")}


def identity_outcomes(conv: dict) -> tuple:
    def on(part):
        return theorems_check({IDENTITY: (conv["metrics"][part], conv["resolved"])})
    return on("main"), {"constant-length momentum": on("constant-length momentum"), "targets 0/1": on("targets 0/1")}


def regression_outcomes(reg: dict) -> tuple:
    v = reg["violations"]
    i = {r: k for k, r in enumerate(reg["rules"])}
    return monotone_runs_check(v[i["adaptive"]]), {
        "heavy ball, beta = s": monotone_runs_check(v[i["heavy ball, beta = s"]]),
        "heavy ball, matched step": monotone_runs_check(v[i["heavy ball, matched step"]])}


def autoencoder_outcomes(ae: dict) -> tuple:
    seq, matched = ae["sequential"], ae["sequential (matched)"]
    return autoencoder_check(ae["DAG"], seq, matched), {"no skip effect": autoencoder_check(ae["sequential (2nd init)"], seq, matched)}


def crossnet_outcomes(cls: dict, n_iters: int) -> tuple:
    return crossnet_check(cls["CrossNet"], cls["sequential"], n_iters), {
        "no cross-connection effect": crossnet_check(cls["sequential (2nd init)"], cls["sequential"], n_iters)}


__all__ += ["CONV_PARTS", "architectures_outcomes", "decrease_predicted_outcomes", "predicted_decrease_check", "autoencoder_outcomes", "backprop_outcomes", "crossnet_outcomes",
            "decrease_gap", "gradient_outcomes", "identity_outcomes", "monotone_certified_outcomes",
            "monotone_predicted_outcomes", "phase_boundary_outcomes", "regression_outcomes", "step_bound_outcomes",
            "sufficient_decrease_outcomes", "weights_outcomes"]
