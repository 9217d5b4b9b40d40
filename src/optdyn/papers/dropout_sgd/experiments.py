"""The experiments of the dropout chapter: each takes the validated parameters ``P`` and the chapter's
named random streams, runs the simulations (vectorised over runs) and returns the arrays its criterion
(:mod:`.checks`) judges and its figure (:mod:`.figures`) draws. Exact quantities (closed forms, exact
finite-n moments) are computed here too, from theory alone, before any simulated number is looked at.

Stream names are fixed per experiment (``streams["gmc", "GD", "coupled"]``...), so adding or reordering
cells never changes another experiment's numbers. Where a method and its control deliberately share
draws, the shared stream is asked for at the call (``streams.shared("target")``).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from optdyn.papers.dropout_sgd import theory as th
from optdyn.papers.dropout_sgd.design import GaussianDesign, fixed_design as _fixed_design, paper_beta_star, toeplitz_cov
from optdyn.papers.dropout_sgd.inference import predicted_joint_coverage, predicted_projection_coverage
from optdyn.papers.dropout_sgd.online_cov import (BlockSchedule, OnlineNBMCovariance, nbm_covariance_offline, nbm_dof,
                                                  nbm_expected_covariance)
from optdyn.papers.dropout_sgd.simulation import coupled_sq_distance, gd_dropout_run, sgd_dropout_run
from optdyn.papers.dropout_sgd.targets import dropout_marginal_gradient, dropout_marginal_objective, gram_p

__all__ = [
    "FixedDesign", "coverage", "coverage_predictions", "correlated", "fixed_design", "gd_average", "gmc", "gmc_q4",
    "asgd_clt", "online_estimator_exact", "sharp_range", "single_run", "small_step", "stationary", "target",
    "target_identity",
]

P_GD = 0.9  # retain probability of every GD experiment (the official script's)


@dataclass
class FixedDesign:
    """The fixed GD design of the chapter (``N x d`` Gaussian, ``y = X beta* + eps``) and its exact moments."""

    X: np.ndarray
    y: np.ndarray
    moments: th.DropoutMoments
    alpha_max: float


def fixed_design(P, streams) -> FixedDesign:
    """``range_N x range_d`` design from stream ``fixed_design``; moments at p = 0.9."""
    X, y = _fixed_design(P.range_N, paper_beta_star(P.range_d), streams["fixed_design"])
    return FixedDesign(X, y, th.gd_moments(X, y, P_GD), th.gd_alpha_max(X))


def _mean_transient(m: th.DropoutMoments, alpha: float, n: int, centre) -> np.ndarray:
    """``E beta_bar_n`` of a chain started at 0 whose mean recursion contracts to ``centre`` with ``I - alpha H``."""
    shifted = th.DropoutMoments(m.kind, m.p, m.H, m.Lmat, m.Vxi, np.asarray(centre, float), m.gram)
    return np.asarray(centre, float) + th.asgd_mean_bias(shifted, alpha, n, 0.0)


# --------------------------------------------------------------------------------------------- target
def target_identity(fd: FixedDesign) -> dict:
    """Exact facts about the target (GD): the gradient of the marginal objective vanishes at beta_tilde,
    BFGS finds the same point, and the mask identities ``E[D G D] = p G_p``, ``E[D u] = p u`` hold
    (exact enumeration over the masks of the first ``min(d, 8)`` coordinates)."""
    X, y, b = fd.X, fd.y, fd.moments.target
    grad_rel = float(np.linalg.norm(dropout_marginal_gradient(b, X, y, P_GD)) / np.linalg.norm(X.T @ y))
    opt = minimize(dropout_marginal_objective, np.zeros(X.shape[1]), args=(X, y, P_GD), method="BFGS", options={"gtol": 1e-10})
    d = min(X.shape[1], 8)
    G, u = (X.T @ X)[:d, :d], (X.T @ y)[:d]
    masks, w = th._gd_masks(d, P_GD)
    EDGD = np.einsum("m,mi,ij,mj->ij", w, masks, G, masks)
    ident = float(max(np.abs(EDGD - P_GD * gram_p(G, P_GD)).max(), np.abs(w @ masks * u - P_GD * u).max()))
    return {"grad_rel": grad_rel, "bfgs_err": float(np.abs(opt.x - b).max()), "identity_err": ident}


@dataclass
class TargetRun:
    """ASGD averages of the target experiment and the exact expectations of the candidate centres."""

    avg_plain: np.ndarray      # (R, d) plain-mask dropout (the paper's algorithm)
    avg_inverted: np.ndarray   # (R, d) inverted dropout (masks D/p) at the matched step alpha p^2
    expect: dict               # hypothesis -> exact E beta_bar_n (start 0, finite n)
    beta_tilde: np.ndarray
    beta_star: np.ndarray
    alpha: float


def target(P, streams) -> TargetRun:
    """SGD dropout, correlated (Toeplitz ``corr_r``) design, ``d = corr_d``, ``p = target_p``,
    ``alpha = corr_alpha_frac * alpha_c``, ``target_R`` runs of ``target_n`` steps from 0. The inverted
    control runs at ``alpha p^2``, where its random coefficients equal those of plain dropout, so it is
    stable whenever plain dropout is; its mean is ``p beta_tilde``. Both use the same draws."""
    des = GaussianDesign(paper_beta_star(P.corr_d), toeplitz_cov(P.corr_d, P.corr_r))
    m = th.sgd_moments(des, P.target_p)
    a = P.corr_alpha_frac * th.one_step_threshold(m)
    run_plain = sgd_dropout_run(des, P.target_p, a, P.target_n, P.target_R, streams.shared("target"), average=True)
    run_inv = sgd_dropout_run(des, P.target_p, a * P.target_p**2, P.target_n, P.target_R, streams.shared("target"),
                              average=True, mask_mode="inverted", check_stability=False)
    bt = m.target
    expect = {c: _mean_transient(m, a, P.target_n, centre) for c, centre in
              (("beta_tilde", bt), ("beta_star", des.beta_star), ("p beta_tilde", P.target_p * bt))}
    return TargetRun(run_plain.avg[-1], run_inv.avg[-1], expect, bt, des.beta_star, a)


# --------------------------------------------------------------------------------------------- range
def sharp_range(P, streams, fd: FixedDesign) -> dict:
    """For every ``p`` in ``range_p``: exact lambda(alpha) and rho(alpha) on ``range_grid`` points of
    alpha/alpha_max in [0.3, 1.6], the thresholds, and the Monte Carlo estimate of lambda from
    ``range_mc_masks`` random masks at a few alpha (the paper's Exp. 1, 500 masks)."""
    fr = np.linspace(0.3, 1.6, P.range_grid)
    fmc = np.array([0.6, 0.9, 1.0, 1.1, 1.3, 1.5])
    G = fd.X.T @ fd.X
    out = {"fr": fr, "fmc": fmc, "p": {}}
    rng = streams["range_mc"]
    for p in P.range_p:
        m = th.gd_moments(fd.X, fd.y, p)
        amax = fd.alpha_max
        D = (rng.random((len(fmc), P.range_mc_masks, P.range_d)) < p).astype(float)
        A = np.eye(P.range_d) - (fmc * amax)[:, None, None, None] * D[..., :, None] * G * D[..., None, :]
        lam_mc = np.linalg.eigvalsh(np.einsum("fnji,fnjk->fik", A, A) / P.range_mc_masks)[:, -1]
        out["p"][p] = {
            "lam": np.array([th.contraction_constant(m, f * amax) for f in fr]),
            "rho": np.array([th.second_moment_rate(m, f * amax) for f in fr]),
            "lam_at_c": th.contraction_constant(m, th.one_step_threshold(m)),
            "amax": amax, "ac": th.one_step_threshold(m), "arho": th.spectral_threshold(m),
            "lam_mc": lam_mc, "lam_exact_mc": np.array([th.contraction_constant(m, f * amax) for f in fmc]),
            "lam_0154": th.contraction_constant(m, 0.0154),
        }
    return out


# --------------------------------------------------------------------------------------------- GMC
@dataclass
class GMCLeg:
    name: str
    sq: np.ndarray         # (K+1, R) ||Delta_k||^2, coupled pairs
    sq_free: np.ndarray    # (K+1, R) uncoupled pairs (illustration)
    exact: np.ndarray      # (K+1,) exact E||Delta_k||^2
    window: np.ndarray     # fit window (k values), where the exact curve runs at its asymptotic rate
    log_rho: float
    log_lam: float
    d: int


def _asymptotic_window(exact_long: np.ndarray, log_rho: float, length: int) -> np.ndarray:
    """The ``length + 1`` steps from the first ``k0`` at which the exact curve's local slope is within 1 %
    of ``log rho`` (decided from theory, before the run)."""
    local = np.diff(np.log(exact_long))
    ok = np.abs(local - log_rho) <= 0.01 * abs(log_rho)
    k0 = int(np.argmax(ok)) if ok.any() else len(local)
    return np.arange(k0, k0 + length + 1)


def gmc(P, streams, fd: FixedDesign) -> list[GMCLeg]:
    """Coupled chains from 0 and 1 (same masks and data), ``gmc_R`` pairs: GD at ``gmc_gd_frac alpha_max``
    (fit window of ``gmc_K_gd`` steps once the exact curve runs at rate rho) and SGD (Sigma = I,
    ``d = gmc_d_sgd``, p = 0.9, ``alpha = gmc_sgd_alpha``, window ``[K/2, K]`` with ``K = gmc_K_sgd``)."""
    legs = []
    a_gd = P.gmc_gd_frac * fd.alpha_max
    m = fd.moments
    long = th.expected_sq_distance(m, a_gd, np.ones(P.range_d), 400)
    win = _asymptotic_window(long, math.log(th.second_moment_rate(m, a_gd)), P.gmc_K_gd)
    K = int(win[-1])
    des = GaussianDesign(paper_beta_star(P.gmc_d_sgd))
    ms = th.sgd_moments(des, P_GD) if P.gmc_d_sgd <= 20 else None
    specs = [("GD", "gd", m, a_gd, K, P.range_d, win, dict(X=fd.X, y=fd.y)),
             ("SGD", "sgd", ms, P.gmc_sgd_alpha, P.gmc_K_sgd, P.gmc_d_sgd,
              np.arange(P.gmc_K_sgd // 2, P.gmc_K_sgd + 1), dict(design=des))]
    for name, kind, mm, a, KK, d, w, kw in specs:
        z, o = np.zeros(d), np.ones(d)
        sq = coupled_sq_distance(kind, P_GD, a, KK, P.gmc_R, streams["gmc", name, "coupled"], z, o, **kw)
        free = coupled_sq_distance(kind, P_GD, a, KK, P.gmc_R, streams["gmc", name, "uncoupled"], z, o, coupled=False, **kw)
        if mm is None:
            cf = th.sgd_identity_closed_form(d, P_GD, a, des.beta_star)
            exact, lrho, llam = d * cf["rho"] ** np.arange(KK + 1), math.log(cf["rho"]), math.log(cf["lam"])
        else:
            exact = th.expected_sq_distance(mm, a, o, KK)
            lrho, llam = math.log(th.second_moment_rate(mm, a)), math.log(th.contraction_constant(mm, a))
        legs.append(GMCLeg(name, sq, free, exact, w, lrho, llam, d))
    return legs


@dataclass
class Q4Run:
    sq: np.ndarray          # (K+1, R) ||Delta_k||^2 of coupled GD pairs
    exact4: np.ndarray      # (K+1,) exact E||Delta_k||^4
    exact2: np.ndarray      # (K+1,) exact E||Delta_k||^2
    log_rho4: float
    log_rho2: float
    alpha: float


def gmc_q4(P, streams) -> Q4Run:
    """GMC in ``L^4`` (GD): a ``range_N x q4_d`` design from stream ``q4_design``, p = 0.9,
    ``alpha = gmc_gd_frac alpha_max``, ``q4_R`` coupled pairs from 0 and 1 for ``q4_K`` steps, with the exact
    fourth-moment curve (``T4^k``, masks enumerated) and its rate ``rho_4``."""
    X, y = _fixed_design(P.range_N, paper_beta_star(P.q4_d), streams["q4_design"])
    m = th.gd_moments(X, y, P_GD)
    a = P.gmc_gd_frac * th.gd_alpha_max(X)
    o = np.ones(P.q4_d)
    sq = coupled_sq_distance("gd", P_GD, a, P.q4_K, P.q4_R, streams["q4_pairs"], np.zeros(P.q4_d), o, X=X, y=y)
    return Q4Run(sq, th.expected_fourth_distance(X, P_GD, a, o, P.q4_K), th.expected_sq_distance(m, a, o, P.q4_K),
                 math.log(th.fourth_moment_rate(X, P_GD, a)), math.log(th.second_moment_rate(m, a)), a)


# --------------------------------------------------------------------------------------------- stationary law
@dataclass
class StationaryRun:
    mixed: dict            # start name -> (R, d) iterates after the burn-in
    short: dict            # start name -> (R, d) iterates after 3 steps (illustration)
    S: np.ndarray          # exact S(alpha)
    S_small: np.ndarray    # alpha S0: the small-step (Lyapunov) approximation
    burn_in: int
    alpha: float


def stationary(P, streams, fd: FixedDesign) -> StationaryRun:
    """GD dropout from three starts (0, 5 * 1, N(0, 25 I) per chain), ``stat_R`` chains each, at
    ``stat_frac alpha_max``; burn-in ``ceil(log 1e-8 / log rho) + 200`` steps (and 3 steps for the
    illustration)."""
    m, a = fd.moments, P.stat_frac * fd.alpha_max
    K = int(math.ceil(math.log(1e-8) / math.log(th.second_moment_rate(m, a)))) + 200
    d = P.range_d
    starts = {"0": np.zeros(d), "5 * 1": 5 * np.ones(d),
              "N(0, 25 I)": 5 * streams["stationary", "start"].standard_normal((P.stat_R, d))}
    runs = {}
    for label, steps in (("mixed", K), ("short", 3)):
        runs[label] = {name: gd_dropout_run(fd.X, fd.y, P_GD, a, steps, P.stat_R, streams["stationary", label, name],
                                            beta0=b0).last for name, b0 in starts.items()}
    return StationaryRun(runs["mixed"], runs["short"], th.stationary_covariance(m, a), a * th.lyapunov_limit(m), K, a)


# --------------------------------------------------------------------------------------------- small step
def small_step(P, streams, fd: FixedDesign) -> dict:
    """Exact: ``||S(alpha)/alpha - S0|| / ||S0||`` for alpha/alpha_max in (0.5, 0.1, 0.02, 0.004). Monte Carlo:
    ``z = v'(beta_K - beta_tilde) / sqrt(alpha v'S0 v)`` of ``stat_R`` GD chains started at beta_tilde, run
    for 10 mixing times, at ``small_frac alpha_max`` and (illustration) at 0.8 alpha_max."""
    m, amax = fd.moments, fd.alpha_max
    S0 = th.lyapunov_limit(m)
    fr = np.array([0.5, 0.1, 0.02, 0.004])
    err = np.array([np.linalg.norm(th.stationary_covariance(m, f * amax) / (f * amax) - S0) / np.linalg.norm(S0) for f in fr])
    v = np.ones(P.range_d) / math.sqrt(P.range_d)
    z = {}
    for name, f in (("small", P.small_frac), ("large", 0.8)):
        a = f * amax
        K = int(math.ceil(10 / -math.log(th.second_moment_rate(m, a))))
        last = gd_dropout_run(fd.X, fd.y, P_GD, a, K, P.stat_R, streams["small_step", name], beta0=m.target).last
        z[name] = (last - m.target) @ v / math.sqrt(a * v @ S0 @ v)
    return {"fr": fr, "err": err, "z_small": z["small"], "z_large": z["large"]}


# --------------------------------------------------------------------------------------------- CLTs
def gd_average(P, streams, fd: FixedDesign) -> dict:
    """Averaged GD dropout from 0 at ``stat_frac alpha_max``: ``gd_avg_R`` averages after ``gd_avg_n`` steps,
    with the theorem's centre and covariance (beta_tilde, Sigma_alpha) and the naive S(alpha)."""
    m, a = fd.moments, P.stat_frac * fd.alpha_max
    run = gd_dropout_run(fd.X, fd.y, P_GD, a, P.gd_avg_n, P.gd_avg_R, streams["gd_average"], average=True)
    return {"avg": run.avg[-1], "n": P.gd_avg_n, "centre": m.target, "Sigma": th.long_run_covariance(m, a),
            "S": th.stationary_covariance(m, a), "sandwich": th.sandwich_covariance(m)}


def asgd_clt(P, streams) -> dict:
    """ASGD dropout, Sigma = I, ``d = clt_d``, p = 0.9, ``alpha = clt_alpha``, started at beta_tilde:
    ``sqrt(n) v'(beta_bar_n - beta_tilde)`` of ``clt_R`` runs, with v'Sigma_alpha v and the sandwich."""
    des = GaussianDesign(paper_beta_star(P.clt_d))
    cf = th.sgd_identity_closed_form(P.clt_d, P_GD, P.clt_alpha, des.beta_star)
    v = np.ones(P.clt_d) / math.sqrt(P.clt_d)
    run = sgd_dropout_run(des, P_GD, P.clt_alpha, P.clt_n, P.clt_R, streams["asgd_clt"], beta0=cf["target"], average=True)
    return {"proj": math.sqrt(P.clt_n) * (run.avg[-1] - cf["target"]) @ v,
            "var": float(v @ cf["Sigma_alpha"] @ v), "var_sandwich": float(v @ cf["sandwich"] @ v)}


def clt_regime_gap(d: int, p: float, alpha: float, n: int) -> float:
    """Relative gap ``|n v'Cov(beta_bar_n) v / v'Sigma_alpha v - 1|`` of the exact finite-n variance from the
    asymptotic one, for a stationary start (Sigma = I, v = 1/sqrt(d)): how far ``n`` is from the CLT regime."""
    return _clt_gap(int(d), float(p), float(alpha), int(n))


@functools.lru_cache(maxsize=256)
def _clt_gap(d, p, alpha, n):
    m = th.sgd_moments(GaussianDesign(paper_beta_star(d)), p)
    v = np.ones(d) / math.sqrt(d)
    return float(abs(n * v @ th.asgd_exact_covariance(m, alpha, n) @ v / (v @ th.long_run_covariance(m, alpha) @ v) - 1))


# --------------------------------------------------------------------------------------------- online estimator
def online_estimator_exact(streams) -> dict:
    """Exact checks of the online batch-means estimator: the O(d)-per-step recursion equals the offline
    formula on a stored SGD path (d = 3, n = 5000, checkpoints inside blocks), and the exact expectation
    ``E v'Sigma_hat_n v`` (d = 5, p = 0.9, alpha = 0.1) increases with n towards ``v'Sigma_alpha v``."""
    des = GaussianDesign(paper_beta_star(3))
    run = sgd_dropout_run(des, P_GD, 0.1, 5000, 2, streams["online_exact"], record_path=True)
    est = OnlineNBMCovariance(2, 3, BlockSchedule())
    worst = 0.0
    for k in range(5000):
        est.update(run.path[k])
        if k + 1 in (1234, 2500, 4999, 5000):
            off = nbm_covariance_offline(run.path[: k + 1])
            worst = max(worst, float(np.abs(est.covariance() - off).max()))
    m = th.sgd_moments(GaussianDesign(paper_beta_star(5)), P_GD)
    v = np.ones(5) / math.sqrt(5)
    Sig = v @ th.long_run_covariance(m, 0.1) @ v
    ns = np.array([10**3, 10**4, 10**5, 10**6, 10**7])
    ratio = np.array([v @ nbm_expected_covariance(m, 0.1, int(n))["E_hat"] @ v / Sig for n in ns])
    return {"max_diff": worst, "n": ns, "ratio": ratio}


@functools.lru_cache(maxsize=64)
def _predictions(d: int, p: float, alpha: float, cps: tuple, joint_seed: int = 0) -> dict:
    """Theory-only predictions at the checkpoints (no simulated number): exact E Sigma_hat_n and
    Cov(beta_bar_n) with the mean transient from 0, the Satterthwaite degrees of freedom, the predicted 1-D
    coverage pi_n, and the predicted joint coverage at the last checkpoint (Monte Carlo over the
    Wishart model, with a fixed internal seed: a deterministic function of the parameters)."""
    des = GaussianDesign(paper_beta_star(d))
    m = th.sgd_moments(des, p)
    v = np.ones(d) / math.sqrt(d)
    q, cover = [], []
    for n in cps:
        e = nbm_expected_covariance(m, alpha, int(n), beta0=0.0)
        C = n * th.asgd_exact_covariance(m, alpha, int(n))
        nu = nbm_dof(int(n))
        b = math.sqrt(n) * e["mean_bias"]
        q.append(float(v @ e["E_hat"] @ v))
        cover.append(predicted_projection_coverage(v @ C @ v, v @ e["E_hat"] @ v, nu, b @ v))
    joint = predicted_joint_coverage(C, e["E_hat"], nu, b, rng=np.random.default_rng(joint_seed), n_mc=20000)
    Sig = th.long_run_covariance(m, alpha)
    return {"q": np.array(q), "cover": np.array(cover), "joint": joint, "Sigma": Sig,
            "sandwich": th.sandwich_covariance(m), "target": m.target, "v": v}


def checkpoints(n_first: int, n: int, count: int) -> np.ndarray:
    """Geometric checkpoints from ``n_first`` to ``n`` (unique integers)."""
    return np.unique(np.geomspace(n_first, n, count).astype(int))


def coverage_predictions(d: int, p: float, alpha: float, cps) -> dict:
    """Cached :func:`_predictions` (the theorem-condition predicates and the experiment share it)."""
    return _predictions(int(d), float(p), float(alpha), tuple(int(c) for c in cps))


def coverage(P, streams, prefix: str = "cov") -> dict:
    """The online-covariance and coverage experiment: ASGD dropout, Sigma = I, ``d = {prefix}_d``,
    ``p = {prefix}_p``, ``alpha = {prefix}_alpha``, start 0, ``{prefix}_R`` runs of ``{prefix}_n`` steps, the online
    estimate and the ASGD average at geometric checkpoints, the naive i.i.d. variance, and the theory-only
    predictions (:func:`coverage_predictions`)."""
    g = lambda k: P[f"{prefix}_{k}"]  # noqa: E731
    cps = checkpoints(g("n_first"), g("n"), g("checkpoints"))
    pred = coverage_predictions(g("d"), g("p"), g("alpha"), cps)
    des = GaussianDesign(paper_beta_star(g("d")))
    run = sgd_dropout_run(des, g("p"), g("alpha"), g("n"), g("R"), streams[prefix], checkpoints=cps, average=True,
                          online_cov=True, naive_v=pred["v"])
    return {"cps": cps, "avg": run.avg, "cov_hat": run.cov_hat, "naive_var": run.naive_var, **pred}


# --------------------------------------------------------------------------------------------- correlated design
def correlated(P, streams) -> dict:
    """Toeplitz(corr_r) design, d = corr_d, p = corr_p, alpha = corr_alpha_frac alpha_c, ``corr_R`` runs of
    ``corr_n`` steps from 0: ASGD averages and online estimates at the end; the intervals are the d
    coordinates and v = 1/sqrt(d); the predicted coverage of each interval (theory only)."""
    des = GaussianDesign(paper_beta_star(P.corr_d), toeplitz_cov(P.corr_d, P.corr_r))
    m = th.sgd_moments(des, P.corr_p)
    a = P.corr_alpha_frac * th.one_step_threshold(m)
    V = np.vstack([np.eye(P.corr_d), np.ones(P.corr_d) / math.sqrt(P.corr_d)])
    e = nbm_expected_covariance(m, a, P.corr_n, beta0=0.0)
    C = P.corr_n * th.asgd_exact_covariance(m, a, P.corr_n)
    nu = nbm_dof(P.corr_n)
    b = math.sqrt(P.corr_n) * e["mean_bias"]
    pred = np.array([predicted_projection_coverage(u @ C @ u, u @ e["E_hat"] @ u, nu, u @ b) for u in V])
    run = sgd_dropout_run(des, P.corr_p, a, P.corr_n, P.corr_R, streams["correlated"], average=True, online_cov=True)
    Sig = th.long_run_covariance(m, a)
    return {"V": V, "avg": run.avg[-1], "cov_hat": run.cov_hat[-1], "n": P.corr_n, "pred": pred, "beta_tilde": m.target,
            "beta_star": des.beta_star, "alpha": a, "diag_ratio": float(V[-1] @ np.diag(np.diag(Sig)) @ V[-1] / (V[-1] @ Sig @ V[-1]))}


# --------------------------------------------------------------------------------------------- Exp. 2 (figures only)
def single_run(P, streams) -> dict:
    """The official ``inference_SGD_dropout.R`` setting: one run, d = diag_d, p = 0.9, alpha = diag_alpha,
    400 checkpoints; exact Sigma_alpha and exact E Sigma_hat_k for reference lines."""
    des = GaussianDesign(paper_beta_star(P.diag_d))
    cf = th.sgd_identity_closed_form(P.diag_d, P_GD, P.diag_alpha, des.beta_star)
    cps = np.unique(np.linspace(P.diag_n / 400, P.diag_n, 400).astype(int))
    run = sgd_dropout_run(des, P_GD, P.diag_alpha, P.diag_n, 1, streams["single_run"], checkpoints=cps, average=True,
                          online_cov=True)
    m = th.sgd_moments(des, P_GD) if P.diag_d <= 20 else None
    k_e = np.unique(np.geomspace(cps[0], P.diag_n, 15).astype(int))
    E_jj = None if m is None else np.array(
        [np.mean(np.diag(nbm_expected_covariance(m, P.diag_alpha, int(k), beta0=0.0)["E_hat"])) for k in k_e])
    return {"cps": cps, "avg": run.avg[:, 0], "cov_hat": run.cov_hat[:, 0], "Sigma": cf["Sigma_alpha"],
            "beta_star": des.beta_star, "k_e": k_e, "E_jj": E_jj}
