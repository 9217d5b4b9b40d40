"""The experiments of the adaptive-SDEs chapter: each takes the validated parameters ``P`` and the chapter's
named random streams (:class:`optdyn.random.Streams`), runs the simulations (vectorised over runs) and
returns the arrays its criterion (:mod:`.checks`) judges and its figure (:mod:`.figures`) draws. Exact
quantities (closed forms, lattice and quadrature computations) are computed here from theory alone.

Stream names are fixed per experiment and setting (``streams["c7", cfg, j, "SDE"]``...), so adding or
reordering cells never changes another experiment's numbers. Discrete runs and SDE paths always use
independent streams (never coupled Brownian increments, brief pitfall 16).

The SDE-tracking experiments (:func:`order_runs`) follow the definition of a weak approximation: the
optimiser and the SDE are run at several learning rates eta_j with the EMA rates rho = (1 - beta)/eta held
fixed, the SDE integrated with dt = eta_j / ``substeps``, and E f is compared at common times t = k eta on
a fixed grid, plus the time average of f over [T/2, T].
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate as _integrate, special

from optdyn.core.nets import DAGNet, chain
from optdyn.core.optim import adamw, rmspropw, sgd, signsgd
from optdyn.papers.adaptive_sdes import theory as th
from optdyn.papers.adaptive_sdes.integrate import euler_maruyama
from optdyn.papers.adaptive_sdes.noise import GaussianNoise, StudentTNoise
from optdyn.papers.adaptive_sdes.parameters import nu_values
from optdyn.papers.adaptive_sdes.problems import DiagQuadratic, LeastSquares, NetworkProblem
from optdyn.papers.adaptive_sdes.sdes import adamw_sde, rmspropw_sde, signsgd_sde
from optdyn.papers.adaptive_sdes.simulation import run_minibatch, run_optimizer

__all__ = [
    "OrderRun", "adam_ablation", "adamw_order", "heavy_tails", "levels_adaptive", "minibatch_levels", "network_order",
    "order_runs", "phase2_sandwich", "phases", "rates", "rmspropw_order", "scaling", "sgd_linearity", "sigma_levels",
    "sign_order_etas", "signsgd_order", "stationary_exact", "t_order", "testbed",
]

X0 = 1.0  # initial point of the trajectory experiments (x0 = 1 in every coordinate, brief 5.0)


def testbed(P) -> DiagQuadratic:
    """The chapter's quadratic: lambda = geomspace(lam_min, lam_max, d), x* = 0."""
    return DiagQuadratic(np.geomspace(P.lam_min, P.lam_max, P.d))


# ------------------------------------------------------------------------------------------ weak order
@dataclass
class OrderRun:
    """One setting of a weak-order experiment: per learning rate eta_j, arrays (n_c + 1, runs) of the loss
    at the common checkpoint times ``t`` (rows 0..n_c-1) and of its time average over [T/2, T] (last row),
    for the optimiser (``disc``) and for every model (``models[name][j]``)."""

    label: str
    etas: np.ndarray
    t: np.ndarray
    T: float
    disc: list
    models: dict = field(default_factory=dict)


def _checkpoints(T: float, eta_max: float, n: int) -> np.ndarray:
    """About ``n`` log-spaced times in [0.02 T, T], on the grid of the largest step (so every eta_j hits them)."""
    k = np.unique(np.round(np.geomspace(0.02 * T, T, n) / eta_max).astype(np.int64))
    return k[k > 0] * eta_max


def order_runs(label, problem, noise, x0, etas, T, make_opt, make_models, *, R: int, R_near: int, substeps: int,
               streams, key, n_checkpoints: int = 25, exact=None) -> OrderRun:
    """Run the optimiser ``make_opt(eta)`` and the models ``make_models(eta) -> {name: (sde, state_kw)}`` at
    every eta in ``etas`` (decreasing, each a multiple of the next) on [0, T].

    The first model is the paper's SDE (``R`` paths); the others are controls (``R_near`` paths: their gaps
    are large). Streams: ``streams[(*key, j, "disc")]`` and ``streams[(*key, j, name)]``. ``exact(eta, K,
    record_at, average_from)``, when given, returns the optimiser's exact expectations instead of runs.
    """
    etas = np.asarray(etas, dtype=float)
    T = 2.0 * etas[0] * math.ceil(T / (2.0 * etas[0]) - 1e-9)  # an even number of the largest steps: [T/2, T] on every grid
    t = _checkpoints(T, float(etas[0]), n_checkpoints)
    run = OrderRun(label, etas, t, float(T), [])
    for j, eta in enumerate(etas):
        K = int(round(T / eta))
        at = np.round(t / eta).astype(np.int64)
        if exact is not None:
            run.disc.append(exact(eta, K, at, K // 2))
        else:
            tr = run_optimizer(make_opt(eta), problem, noise, x0, n_steps=K, R=R, rng=streams[(*key, j, "disc")],
                               record_at=at, average_from=K // 2)
            run.disc.append(np.vstack([tr.loss, tr.level[None]]))
        for i, (name, (sde, kw)) in enumerate(make_models(eta).items()):
            n = R if i == 0 else R_near
            ts = euler_maruyama(sde, sde.initial_state(x0, n, **kw), T=K * eta, dt=eta / substeps,
                                rng=streams[(*key, j, name)], record_at=at * substeps, average_from=(K // 2) * eta)
            run.models.setdefault(name, []).append(np.vstack([ts.loss, ts.level[None]]))
    return run


def signsgd_lattice(lam: float, noise, eta: float, x0: float, K: int, record_at, average_from: int) -> np.ndarray:
    """Exact E f(x_k) of 1-D SignSGD x_{k+1} = x_k - eta sign(lam x_k + Z_k): the iterates live on the lattice
    x0 + eta Z and move down with probability (1 + m)/2, up with (1 - m)/2, m = E sign(lam x + Z)
    (``noise.sign_mean``). Returns E f at the steps ``record_at`` and, last, its average over
    k = average_from..K (the same layout as a column of :class:`OrderRun`)."""
    sd = math.sqrt(eta * float(np.max(noise.scale)) / lam)
    lo = int(math.ceil((x0 + 14.0 * sd) / eta)) + 8 if x0 > 0 else 8
    hi = int(math.ceil(14.0 * sd / eta)) + 8
    x = x0 + eta * np.arange(-lo, hi + 1)
    m = noise.sign_mean(lam * x)
    down, up = (1.0 + m) / 2.0, (1.0 - m) / 2.0
    p = np.zeros(x.size)
    p[lo] = 1.0
    f = 0.5 * lam * x * x
    at = set(int(k) for k in record_at)
    rec, acc = {}, 0.0
    for k in range(K + 1):
        if k:
            new = np.zeros_like(p)
            new[:-1] += p[1:] * down[1:]
            new[1:] += p[:-1] * up[:-1]
            new[0] += p[0] * down[0]  # the far ends hold no mass in practice; keep it on the lattice
            new[-1] += p[-1] * up[-1]
            p = new
        Ef = float(p @ f)
        if k in at:
            rec[k] = Ef
        if k >= average_from:
            acc += Ef
    return np.array([rec[k] for k in sorted(at)] + [acc / (K - average_from + 1)])


def sign_order_etas(kappa: float, scale: float, lam_max: float) -> np.ndarray:
    """The SignSGD order grid: eta_0 = kappa * scale / lam_max (so eta_0 lam_max / scale = kappa), halved twice."""
    return kappa * scale / lam_max / np.array([1.0, 2.0, 4.0])


def _sign_T(scale: float, lam: float, slope: float) -> float:
    """Horizon of a 1-D SignSGD order experiment from x0 = 1: twice (one time unit of sign descent, phase 1, plus
    10 relaxation times 1/(2 p(0) lam / scale) of phase 3), so that the averaging window [T/2, T] is stationary."""
    return 2.0 * (X0 + 10.0 * scale / (slope * lam))


def signsgd_order(P, streams) -> list:
    """C1: SignSGD and its SDE on the stiffest coordinate of the test bed (lambda = lam_max, where the
    discretisation gap eta lam / sigma is largest), for every sigma in ``sigmas_track``. SignSGD's E f is
    exact (:func:`signsgd_lattice`); the SDE is simulated. Controls: the drift ODE (no diffusion) and the
    SDE with the erf argument missing its 1/sqrt 2."""
    prob = DiagQuadratic([P.lam_max])
    out = []
    for i, sig in enumerate(P.sigmas_track):
        nz = GaussianNoise(sig)
        etas = sign_order_etas(P.sign_order_kappa, sig, P.lam_max)

        def models(eta, nz=nz):
            return {"SDE": (signsgd_sde(prob, nz, eta=eta), {}),
                    "drift ODE (no diffusion)": (signsgd_sde(prob, nz, eta=eta, kind="drift_only"), {}),
                    "erf argument without 1/sqrt 2": (signsgd_sde(prob, nz, eta=eta, kind="no_sqrt2"), {})}
        out.append(order_runs(f"sigma={sig:g}", prob, nz, X0, etas, _sign_T(sig, P.lam_max, th.LINEAR_RATE),
                              lambda eta: signsgd(eta=eta), models, R=P.R_sign_order, R_near=P.R_near,
                              substeps=P.sign_substeps, streams=streams, key=("c1", i),
                              exact=lambda eta, K, at, a0, nz=nz: signsgd_lattice(P.lam_max, nz, eta, X0, K, at, a0)))
    return out


def t_order(P, streams) -> list:
    """C5c: SignSGD under Student-t noise (scale 1, E f exact on its lattice) and the SDE with the t-CDF drift,
    on the stiffest coordinate, for every nu in ``nu_sde``; control: the Gaussian (erf) SDE with the same scale."""
    prob = DiagQuadratic([P.lam_max])
    out = []
    for i, nu in enumerate(P.nu_sde):
        nz = StudentTNoise(1.0, nu)
        etas = sign_order_etas(P.sign_order_kappa, 1.0, P.lam_max)

        def models(eta, nz=nz):
            return {"t-SDE": (signsgd_sde(prob, nz, eta=eta), {}),
                    "Gaussian erf SDE": (signsgd_sde(prob, GaussianNoise(1.0), eta=eta), {})}
        out.append(order_runs(f"nu={nu:g}", prob, nz, X0, etas, _sign_T(1.0, P.lam_max, th.sign_slope_at_zero(nu)),
                              lambda eta: signsgd(eta=eta), models, R=P.R_sign_order, R_near=P.R_near,
                              substeps=P.sign_substeps, streams=streams, key=("c5c", i),
                              exact=lambda eta, K, at, a0, nz=nz: signsgd_lattice(P.lam_max, nz, eta, X0, K, at, a0)))
    return out


def rmspropw_order(P, streams) -> list:
    """C6: RMSpropW and its SDE on the test bed at fixed rho = (1 - rms_beta)/eta, for every (theta, sigma);
    v0 = V0 = grad f(x0)^2 + sigma^2 in both. Control: the Malladi-style V equation (no (grad f)^2)."""
    prob = testbed(P)
    rho = (1.0 - P.rms_beta) / P.eta
    out = []
    for i, (theta, sig) in enumerate((a, b) for a in P.rms_thetas for b in P.rms_sigmas):
        nz = GaussianNoise(sig)
        v0 = (prob.lam * X0) ** 2 + sig**2

        def models(eta, nz=nz, theta=theta, v0=v0):
            mk = lambda r, vd: rmspropw_sde(prob, nz, eta=eta, rho=r, theta=theta, v_drift=vd)  # noqa: E731
            return {"SDE": (mk(rho, "full"), {"v0": v0}), "Malladi-style V": (mk(rho, "malladi"), {"v0": v0})}
        out.append(order_runs(f"theta={theta:g}, sigma={sig:g}", prob, nz, X0, P.order_etas, P.T_order,
                              lambda eta, theta=theta, v0=v0: rmspropw(eta=eta, beta=1 - eta * rho, theta=theta, v0=v0),
                              models, R=P.R_order, R_near=P.R_near, substeps=P.sde_substeps, streams=streams, key=("c6", i)))
    return out


def adamw_order(P, streams) -> list:
    """C7: AdamW and its SDE (bias corrections at the end of each integration step, M and V updated before X)
    at fixed rho_i = (1 - beta_i)/eta, for every (theta, sigma). Control: the Malladi-style V equation."""
    prob = testbed(P)
    r1, r2 = (1.0 - P.adam_beta1) / P.eta, (1.0 - P.adam_beta2) / P.eta
    out = []
    for i, (theta, sig) in enumerate((a, b) for a in P.adam_thetas for b in P.adam_sigmas):
        nz = GaussianNoise(sig)

        def models(eta, nz=nz, theta=theta):
            mk = lambda a, vd: adamw_sde(prob, nz, eta=eta, rho1=a, rho2=r2, theta=theta, v_drift=vd)  # noqa: E731
            return {"SDE": (mk(r1, "full"), {}), "Malladi-style V": (mk(r1, "malladi"), {})}
        out.append(order_runs(f"theta={theta:g}, sigma={sig:g}", prob, nz, X0, P.order_etas, P.T_order,
                              lambda eta, theta=theta: adamw(eta=eta, beta1=1 - eta * r1, beta2=1 - eta * r2, theta=theta),
                              models, R=P.R_order, R_near=P.R_near, substeps=P.sde_substeps, streams=streams, key=("c7", i)))
    return out


def breast_cancer_net(P, rng):
    """The network of the T11 experiment: ``net_n`` standardised rows of scikit-learn's breast-cancer data
    (30 features, labels +-1), a tanh MLP 30 -> net_width -> 1 with mean squared error, and its initial weights."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    rows = rng.choice(X.shape[0], P.net_n, replace=False)
    net = DAGNet(chain((X.shape[1], P.net_width, 1), act="tanh"))
    return NetworkProblem(net, X[rows], (2.0 * data.target[rows] - 1.0)[:, None]), net.init(rng)


def network_order(P, streams) -> OrderRun:
    """C12 (T11): AdamW training a small MLP (full-batch gradient plus injected N(0, net_sigma^2) noise, as in
    the paper's experiments) against the paper's AdamW SDE; control: the Malladi-style SDE (V without (grad f)^2)."""
    prob, w0 = breast_cancer_net(P, streams["c12", "data"])
    nz = GaussianNoise(P.net_sigma)
    r1, r2 = P.net_rho1, P.net_rho2

    def models(eta):
        mk = lambda vd: adamw_sde(prob, nz, eta=eta, rho1=r1, rho2=r2, v_drift=vd)  # noqa: E731
        return {"SDE": (mk("full"), {}), "Malladi-style V": (mk("malladi"), {})}
    return order_runs(f"MLP 30-{P.net_width}-1, sigma={P.net_sigma:g}", prob, nz, w0, P.net_etas, P.net_T,
                      lambda eta: adamw(eta=eta, beta1=1 - eta * r1, beta2=1 - eta * r2), models, R=P.R_net,
                      R_near=P.R_near, substeps=P.sde_substeps, streams=streams, key=("c12",), n_checkpoints=20)


# ------------------------------------------------------------------------------------------ exact computations
def _lattice_stationary(lam: float, scale: float, eta: float) -> float:
    """E x^2 under the stationary law of 1-D SignSGD x_{k+1} = x_k - eta sign(lam x_k + scale z) on the
    lattice eta Z (a birth-death chain: detailed balance gives the law exactly)."""
    s = math.sqrt(eta * scale / lam)
    n = int(math.ceil(14.0 * s / eta)) + 8
    x = np.arange(-n, n + 1) * eta
    z = lam * x / scale  # P(up) = P(lam x + scale Z < 0) = Phi(-z): log-probabilities without cancellation
    lr = np.concatenate([[0.0], np.cumsum(special.log_ndtr(-z[:-1]) - special.log_ndtr(z[1:]))])
    p = np.exp(lr - np.max(lr))
    p /= p.sum()
    return float(p @ (x * x))


def _sde_stationary(lam: float, scale: float, eta: float) -> float:
    """E X^2 under the stationary density of the 1-D SignSGD SDE dX = -m(X) dt + sqrt(eta (1 - m^2)) dW,
    m = erf(lam X/(sqrt 2 scale)): p(x) ~ exp(int_0^x -2 m/s^2) / s^2(x) (quadrature)."""
    s = math.sqrt(eta * scale / lam)
    x = np.linspace(-14.0 * s, 14.0 * s, 40001)
    y = lam * x / (math.sqrt(2.0) * scale)
    m = special.erf(y)
    s2 = eta * special.erfc(y) * special.erfc(-y)  # 1 - m^2 without cancellation
    g, c = -2.0 * m / s2, x.size // 2  # integrate outward from x = 0: the tails reach -1e14, which would swamp O(1) terms
    Phi = np.concatenate([-_integrate.cumulative_trapezoid(g[c::-1], x[c::-1], initial=0.0)[::-1][:-1] * -1,
                          _integrate.cumulative_trapezoid(g[c:], x[c:], initial=0.0)])
    lp = Phi - np.log(s2)
    p = np.exp(lp - lp.max())
    p /= np.trapezoid(p, x)
    return float(np.trapezoid(p * x * x, x))


def stationary_exact(P) -> dict:
    """C11 (exact): the stationary loss of SignSGD (lattice chain, exact) and of its SDE (quadrature of the
    stationary Fokker-Planck density) on every coordinate of the test bed, at sigma = sigmas_track[0] and the
    learning rates of the SignSGD order grid; the drift ODE's stationary loss is 0."""
    lam = np.geomspace(P.lam_min, P.lam_max, P.d)
    sig = P.sigmas_track[0]
    etas = sign_order_etas(P.sign_order_kappa, sig, P.lam_max)
    disc = np.array([sum(0.5 * l * _lattice_stationary(l, sig, e) for l in lam) for e in etas])
    sde = np.array([sum(0.5 * l * _sde_stationary(l, sig, e) for l in lam) for e in etas])
    lemma = np.array([th.signsgd_stationary_loss(lam, sig, e) for e in etas])
    return {"etas": etas, "sigma": sig, "disc": disc, "sde": sde, "lemma": lemma, "ode": np.zeros_like(disc)}


def phase2_sandwich() -> dict:
    """Exact: erf on the phase-2 range [1, 3/2] against its affine sandwich m y + q_-, m y + q_+ (T3 [D])."""
    c = th.phase2_constants()
    y = np.linspace(1.0, 1.5, 20001)
    e = special.erf(y)
    return {"lower_gap": float(np.min(e - (c["m"] * y + c["q_minus"]))), "upper_gap": float(np.min(c["m"] * y + c["q_plus"] - e)),
            "touch": float(np.min(np.abs(c["m"] * y + c["q_plus"] - e))), **c}


def sgd_linearity(P, streams) -> dict:
    """Exact: SGD on the isotropic quadratic from x0 = sigma/2 with the SAME normal draws at every sigma in
    ``sigma_rates``: x_k(sigma) - (1 - eta)^k x0 = sigma N_k, with N_k the same for all sigma (the noise enters
    linearly and has mean 0, so E x_k = (1 - eta)^k x0 whatever sigma). Returns the normalised deviations."""
    prob = DiagQuadratic(np.ones(P.d))
    K = int(round(4.0 / P.eta))
    dev = []
    for sig in P.sigma_rates:
        tr = run_optimizer(sgd(eta=P.eta), prob, GaussianNoise(sig), 0.5 * sig, n_steps=K, R=32, rng=streams.shared("c3", "sgd-crn"),
                           record_every=K // 20, recorders={"x": lambda X, s: X})
        decay = (1.0 - P.eta) ** tr.steps
        dev.append((tr.records["x"] - (decay * 0.5 * sig)[:, None, None]) / sig)
    dev = np.stack(dev)
    rates = -np.log1p(-P.eta) / P.eta * np.ones(len(P.sigma_rates))
    return {"max_dev": float(np.max(np.abs(dev - dev[0]))), "scale": float(np.max(np.abs(dev[0]))), "rates": rates}


# ------------------------------------------------------------------------------------------ SignSGD phases, rates, levels
def _pair(problem, noise, opt, sdes: dict, *, x0, T, R, substeps, streams, key, n_records=300, recorders=None) -> dict:
    """The optimiser and SDE models from the same x0 on [0, T] (t = k eta), recorded on a common grid."""
    eta = float(opt.hparams["eta"])
    K = int(round(T / eta))
    every = max(1, K // n_records)
    out = {"disc": run_optimizer(opt, problem, noise, x0, n_steps=K, R=R, rng=streams[(*key, "disc")], record_every=every,
                                 recorders=recorders)}
    for name, sde in sdes.items():
        out[name] = euler_maruyama(sde, sde.initial_state(x0, R), T=K * eta, dt=eta / substeps, rng=streams[(*key, name)],
                                   record_every=every * substeps, recorders=recorders)
    return out


def phases(P, streams) -> dict:
    """C2: 1-D SignSGD (lambda = 1, sigma = 1, x0 = 10, T = 15), its SDE and the SignGD ODE; records E x_t."""
    P1, nz = DiagQuadratic([1.0]), GaussianNoise(1.0)
    return _pair(P1, nz, signsgd(eta=P.eta), {"SDE": signsgd_sde(P1, nz, eta=P.eta), "SignGD ODE": signsgd_sde(P1, nz, eta=P.eta, kind="sign_ode")},
                 x0=10.0, T=15.0, R=P.R_phase, substeps=P.sde_substeps, streams=streams, key=("c2",),
                 recorders={"x": lambda X, s: X[:, 0]})


def rates(P, streams) -> dict:
    """C3: isotropic quadratic (lambda_i = 1) from x0 = sigma/2 (phase 3): the mean iterate of SignSGD and SGD
    for every sigma in ``sigma_rates``, and the mean loss of the SignSGD SDE with its phase-3 bounds."""
    Piso = DiagQuadratic(np.ones(P.d))
    xm = {"x": lambda X, s: X.mean(1)}
    out = {"sigma": list(P.sigma_rates), "SignSGD": [], "SGD": [], "SDE": []}
    for i, sig in enumerate(P.sigma_rates):
        nz = GaussianNoise(sig)
        for name, opt, T in (("SignSGD", signsgd(eta=P.eta), 5.0 * sig), ("SGD", sgd(eta=P.eta), 4.0)):
            K = int(round(T / P.eta))
            tr = run_optimizer(opt, Piso, nz, 0.5 * sig, n_steps=K, R=P.R, rng=streams["c3", name, i], record_every=max(1, K // 100),
                               recorders=xm)
            out[name].append((tr.t, tr.records["x"]))
        sde = signsgd_sde(Piso, nz, eta=P.eta)
        K = int(round(5.0 * sig / P.eta))
        ts = euler_maruyama(sde, sde.initial_state(0.5 * sig, P.R), T=K * P.eta, dt=P.eta / P.sde_substeps, rng=streams["c3", "SDE", i],
                            record_every=max(1, K // 100) * P.sde_substeps)
        out["SDE"].append((ts.t, ts.loss))
    out["S0"] = [float(Piso.loss(np.full(P.d, 0.5 * s))) for s in P.sigma_rates]
    return out


def _levels(make_opt, problem, noises, *, T_of, R, streams, key, x0=0.0) -> list:
    """Per-run stationary levels (time average over the second half of [0, T]) for each noise."""
    out = []
    for i, nz in enumerate(noises):
        opt = make_opt()
        K = int(round(T_of(nz) / float(opt.hparams["eta"])))
        out.append(run_optimizer(opt, problem, nz, x0, n_steps=K, R=R, rng=streams[(*key, i)], record_every=K,
                                 average_from=K // 2).level)
    return out


def sigma_levels(P, streams) -> dict:
    """C4: stationary levels of SignSGD and SGD from x0 = 0 over ``sigma_grid`` (T = max(5, 5 sigma))."""
    prob = testbed(P)
    Tof = lambda nz: max(5.0, 5.0 * float(np.max(nz.scale)))  # noqa: E731
    noises = [GaussianNoise(s) for s in P.sigma_grid]
    return {"SignSGD": _levels(lambda: signsgd(eta=P.eta), prob, noises, T_of=Tof, R=P.R_level, streams=streams, key=("c4", "SignSGD")),
            "SGD": _levels(lambda: sgd(eta=P.eta), prob, noises, T_of=Tof, R=P.R_level, streams=streams, key=("c4", "SGD")),
            "theory": {"SignSGD": np.array([th.signsgd_stationary_loss(prob.lam, s, P.eta) for s in P.sigma_grid]),
                       "SGD": np.array([th.sgd_stationary_loss(prob.lam, s, P.eta, discrete=True) for s in P.sigma_grid])}}


def minibatch_data(P, rng) -> LeastSquares:
    """The least-squares data set: ``mb_rows`` rows a_n ~ N(0, diag(lambda)) (the test bed's curvatures) and
    targets y_n = mb_noise * N(0, 1) (x* = 0)."""
    lam = np.geomspace(P.lam_min, P.lam_max, P.d)
    A = rng.standard_normal((P.mb_rows, P.d)) * np.sqrt(lam)
    return LeastSquares(A, P.mb_noise * rng.standard_normal(P.mb_rows))


def minibatch_levels(P, streams) -> dict:
    """C4 (batch size): SignSGD and SGD with real mini-batches (rows sampled with replacement) of every size in
    ``batch_grid``, from x_hat, T = T_batch; per-run time-averaged excess loss over [T/2, T]."""
    data = minibatch_data(P, streams["batch", "data"])
    K = int(round(P.T_batch / P.eta))
    out = {"data": data}
    for name, make in (("SignSGD", signsgd), ("SGD", sgd)):
        out[name] = [run_minibatch(make(eta=P.eta), data, B, data.x_hat, n_steps=K, R=P.R_batch, rng=streams["batch", name, B],
                                   average_from=K // 2) for B in P.batch_grid]
    return out


def heavy_tails(P, streams) -> dict:
    """C5a/b: SignSGD levels under Student-t noise (scale 1) for every nu in ``nus``; SGD and SignSGD at nu = 1,
    nu = 3 and Gaussian noise (R_heavy runs), T = 8."""
    prob = testbed(P)
    nus = nu_values(P.nus)
    T8 = lambda nz: 8.0  # noqa: E731
    out = {"nus": nus, "SignSGD": _levels(lambda: signsgd(eta=P.eta), prob, [StudentTNoise(1.0, nu) for nu in nus], T_of=T8,
                                          R=P.R_level, streams=streams, key=("c5", "levels")),
           "theory": np.array([th.signsgd_stationary_loss(prob.lam, 1.0, P.eta, nu=nu) for nu in nus]),
           "gaussian": th.signsgd_stationary_loss(prob.lam, 1.0, P.eta)}
    for j, nu in enumerate((1.0, 3.0, math.inf)):
        for name, make in (("SGD", sgd), ("SignSGD", signsgd)):
            out[(name, nu)] = _levels(lambda make=make: make(eta=P.eta), prob, [StudentTNoise(1.0, nu)], T_of=T8, R=P.R_heavy,
                                      streams=streams, key=("c5", "heavy", name, j))[0]
    out["sgd3"] = th.sgd_stationary_loss(prob.lam, math.sqrt(3.0), P.eta, discrete=True)
    out["sgd3_scale_as_sd"] = th.sgd_stationary_loss(prob.lam, 1.0, P.eta, discrete=True)
    return out


# ------------------------------------------------------------------------------------------ Adam / AdamW / RMSpropW
def adam_ablation(P, streams) -> dict:
    """Stationary level (from x0 = 0) of discrete Adam at beta1 = ablation_beta1 and of the Adam SDE with and
    without the eta*rho1 term, with explicit and 'mv_first' ordering, integrated at dt = eta (brief pitfall 3)."""
    prob, eta = testbed(P), P.eta
    nz = GaussianNoise(1.0)
    K = int(round(20.0 / eta))
    b1, b2 = P.ablation_beta1, P.stat_beta2
    out = {"discrete Adam": run_optimizer(adamw(eta=eta, beta1=b1, beta2=b2), prob, nz, 0.0, n_steps=K, R=P.R_level,
                                          rng=streams["ablation", "disc"], record_every=K, average_from=K // 2).level}
    for term in (False, True):
        for order in ("mv_first", "explicit"):
            sde = adamw_sde(prob, nz, eta=eta, rho1=(1 - b1) / eta, rho2=(1 - b2) / eta, eta_rho1_term=term, update_order=order)
            s0 = sde.initial_state(0.0, P.R_level, v0=1.0 if order == "explicit" else 0.0)
            name = f"SDE, {'with' if term else 'without'} eta*rho1 term, {order}"
            out[name] = euler_maruyama(sde, s0, T=K * eta, dt=eta, rng=streams["ablation", name], record_every=K,
                                       average_from=K * eta / 2).level
    return out


def levels_adaptive(P, streams) -> dict:
    """C8: stationary levels over ``adam_sigma_grid`` (x0 = 0, T = max(20, 6 sigma)) of Adam (theta = 0),
    AdamW (theta = adamw_theta; beta1 = adam_beta1, beta2 = stat_beta2) and RMSpropW (beta = rms_beta,
    theta = adamw_theta, v0 = sigma^2), with the closed forms."""
    prob, eta = testbed(P), P.eta
    T8 = lambda nz: max(20.0, 6.0 * float(np.max(nz.scale)))  # noqa: E731
    noises = [GaussianNoise(s) for s in P.adam_sigma_grid]
    b1, b2, th_ = P.adam_beta1, P.stat_beta2, P.adamw_theta
    rho1 = (1 - b1) / eta
    out = {"Adam": _levels(lambda: adamw(eta=eta, beta1=b1, beta2=b2), prob, noises, T_of=T8, R=P.R_level, streams=streams, key=("c8", "Adam")),
           "AdamW": _levels(lambda: adamw(eta=eta, beta1=b1, beta2=b2, theta=th_), prob, noises, T_of=T8, R=P.R_level, streams=streams,
                            key=("c8", "AdamW")),
           "RMSpropW": [], "rho1": rho1, "lam": prob.lam}
    for i, nz in enumerate(noises):
        K = int(round(T8(nz) / eta))
        out["RMSpropW"].append(run_optimizer(rmspropw(eta=eta, beta=P.rms_beta, theta=th_, v0=float(nz.scale) ** 2), prob, nz, 0.0,
                                             n_steps=K, R=P.R_level, rng=streams["c8", "RMSpropW", i], record_every=K,
                                             average_from=K // 2).level)
    return out


def _rule_hp(optimizer: str, base: dict, delta: int, rule: str) -> dict:
    """Hyper-parameters of one batch multiplier under ``rule``: 'sqrt' (the [D] rule), 'sqrt, theta fixed'
    (Malladi's square-root rule without the weight-decay part), 'linear' (SignSGD eta -> delta eta) or 'none'."""
    if rule in ("sqrt", "sqrt, theta fixed"):
        hp = th.scale_hparams(base, delta, optimizer=optimizer, beta_rule="delta")
        if rule == "sqrt, theta fixed":
            hp["theta"] = base.get("theta", 0.0)
        return hp
    if rule == "linear":
        return {**base, "eta": base["eta"] * delta, "batch_size": base.get("batch_size", 1) * delta}
    return th.scale_hparams(base, delta, optimizer=optimizer, beta_rule="none", scale_eta=False)


def _make(optimizer: str, hp: dict):
    if optimizer == "adamw":
        return adamw(eta=hp["eta"], beta1=hp["beta1"], beta2=hp["beta2"], eps=hp.get("eps", 1e-8), theta=hp.get("theta", 0.0))
    if optimizer == "rmspropw":
        return rmspropw(eta=hp["eta"], beta=hp["beta"], eps=hp.get("eps", 1e-8), theta=hp.get("theta", 0.0), v0=hp["v0"])
    return signsgd(eta=hp["eta"])


def rule_run(P, streams, optimizer: str, base: dict, rule: str, *, samples: int, rate_samples: int, key) -> dict:
    """Levels (loss averaged over the second half of a fixed sample budget) and the normalised mean
    r(s) = sum_i E x_i(s) / sum_i x0_i against samples processed s, from x0_i = 0.1/lambda_i (noise-dominated),
    for every delta; batch B = delta, noise sigma / sqrt(B)."""
    prob = testbed(P)
    x0 = 0.1 / prob.lam
    rec = {"r": lambda X, s: X.sum(axis=1) / x0.sum()}
    spacing = max(P.deltas)
    out = {"levels": [], "rates": [], "traj": []}
    for delta in P.deltas:
        hp = _rule_hp(optimizer, base, delta, rule)
        B = hp["batch_size"]
        if optimizer == "rmspropw":  # no bias correction: start v at its value near x0, grad^2 + sigma_B^2
            hp["v0"] = (prob.lam * x0) ** 2 + P.scaling_sigma**2 / B
        nz = GaussianNoise(P.scaling_sigma, B)
        K = samples // B
        tr = run_optimizer(_make(optimizer, hp), prob, nz, x0, n_steps=K, R=P.R_level, rng=streams[(*key, delta, "levels")],
                           record_every=max(1, samples // 100 // B), average_from=K // 2)
        out["levels"].append(tr.level)
        out["traj"].append((tr.samples, tr.loss))
        tr = run_optimizer(_make(optimizer, hp), prob, nz, x0, n_steps=rate_samples // B, R=P.R_rate, rng=streams[(*key, delta, "rates")],
                           record_every=spacing // B, recorders=rec)
        out["rates"].append((tr.samples, tr.records["r"]))
    return out


def scaling(P, streams) -> dict:
    """C9/C10: the batch-size scaling rules of AdamW and RMSpropW ([D] rule and the near miss without the
    weight-decay part) and of SignSGD (eta -> sqrt(delta) eta, and the linear rule as near miss)."""
    base_a = dict(eta=P.scaling_eta, theta=P.scaling_theta, beta1=P.adam_beta1, beta2=P.adam_beta2, eps=1e-8, batch_size=1)
    base_r = dict(eta=P.scaling_eta, theta=P.scaling_theta, beta=P.rms_beta, eps=1e-8, batch_size=1)
    out = {}
    for opt, base in (("adamw", base_a), ("rmspropw", base_r)):
        for rule in ("sqrt", "sqrt, theta fixed"):
            out[opt, rule] = rule_run(P, streams, opt, base, rule, samples=P.scaling_samples, rate_samples=P.rate_samples, key=("c9", opt, rule))
    base_s = dict(eta=P.signsgd_scaling_eta, batch_size=1)
    for rule in ("sqrt", "linear"):
        out["signsgd", rule] = rule_run(P, streams, "signsgd", base_s, rule, samples=P.signsgd_scaling_samples,
                                        rate_samples=P.signsgd_rate_samples, key=("c10", rule))
    return out
