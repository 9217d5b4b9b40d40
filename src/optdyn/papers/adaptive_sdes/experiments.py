"""Experiment drivers of the chapter (thin wrappers combining optimisers, SDEs and criteria).

Each function takes a ``numpy.random.Generator`` (a named stream of the chapter) and spawns independent
children for the discrete runs and the SDE paths (brief 5.0: never couple the Brownian increments to
the optimiser's noise, pitfall 16). All runs are vectorised over R.
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator
from optdyn.validation import check_int, check_positive
from optdyn.papers.adaptive_sdes import theory as th
from optdyn.core.optim import adamw, signsgd
from optdyn.papers.adaptive_sdes.integrate import euler_maruyama
from optdyn.papers.adaptive_sdes.noise import GaussianNoise
from optdyn.papers.adaptive_sdes.sdes import adamw_sde, rho_from_beta, signsgd_sde
from optdyn.papers.adaptive_sdes.simulation import run_optimizer

__all__ = ["adam_ablation", "pair_runs", "scaling_levels", "scaling_rates", "stationary_scan", "weak_error_scan"]


def pair_runs(problem, noise, opt, sdes: dict, *, x0, T: float, R: int, rng, n_records: int = 200,
              sde_state_kw: dict | None = None, dt: float | None = None, recorders=None) -> dict:
    """Discrete optimiser and a dict of SDE models from the same x0 on [0, T] (t = k eta).

    Returns {'disc': Trajectory, name: Trajectory, ...}; SDEs integrated with dt = eta unless given.
    """
    eta = float(opt.hparams["eta"])
    K = int(round(T / eta))
    kids = as_generator(rng).spawn(1 + len(sdes))
    rec_every = max(1, K // n_records)
    out = {"disc": run_optimizer(opt, problem, noise, x0, n_steps=K, R=R, rng=kids[0], record_every=rec_every,
                                 recorders=recorders)}
    dt = eta if dt is None else dt
    for kid, (name, sde) in zip(kids[1:], sdes.items()):
        s0 = sde.initial_state(x0, R, **(sde_state_kw or {}))
        out[name] = euler_maruyama(sde, s0, T=K * eta, dt=dt, rng=kid, record_every=int(round(rec_every * eta / dt)),
                                   recorders=recorders)
    return out


def stationary_scan(make_opt, problem, noises: list, *, T_of, R: int, rng, x0=0.0, burn_frac: float = 0.5):
    """Per-run stationary levels (time average over the last ``1 - burn_frac`` of [0, T]) for each noise.

    ``make_opt()`` returns a fresh optimiser; ``T_of(noise)`` the horizon. Returns a list of (R,) arrays.
    """
    kids = as_generator(rng).spawn(len(noises))
    out = []
    for kid, nz in zip(kids, noises):
        opt = make_opt(nz)
        eta = float(opt.hparams["eta"])
        K = int(round(T_of(nz) / eta))
        tr = run_optimizer(opt, problem, nz, x0, n_steps=K, R=R, rng=kid, record_every=K,
                           average_from=int(burn_frac * K))
        out.append(tr.level)
    return out


def _make(optimizer: str, hp: dict):
    if optimizer == "adamw":
        return adamw(eta=hp["eta"], beta1=hp["beta1"], beta2=hp["beta2"], eps=hp.get("eps", 1e-8),
                     theta=hp.get("theta", 0.0))
    if optimizer == "signsgd":
        return signsgd(eta=hp["eta"])
    raise ValueError(f"optimizer must be 'adamw' or 'signsgd', got {optimizer!r}")


def scaling_levels(problem, sigma: float, base: dict, deltas, *, optimizer: str, beta_rule: str, scale_eta: bool,
                   samples: int, R: int, rng, x0=0.0, n_records: int = 200) -> list:
    """Per-run loss averaged over the second half of a fixed sample budget, batch B = delta * B_base.

    Hyper-parameters from :func:`theory.scale_hparams`. Returns a list (one per delta) of Trajectories
    (``level`` = the per-run averages, ``loss`` recorded about every samples/n_records samples).
    """
    kids = as_generator(rng).spawn(len(deltas))
    out = []
    for kid, delta in zip(kids, deltas):
        hp = th.scale_hparams(base, delta, optimizer=optimizer, beta_rule=beta_rule, scale_eta=scale_eta)
        K = samples // hp["batch_size"]
        tr = run_optimizer(_make(optimizer, hp), problem, GaussianNoise(sigma, hp["batch_size"]), x0, n_steps=K,
                           R=R, rng=kid, record_every=max(1, samples // n_records // hp["batch_size"]),
                           average_from=K // 2)
        out.append(tr)
    return out


def scaling_rates(problem, sigma: float, base: dict, deltas, *, optimizer: str, beta_rule: str, scale_eta: bool,
                  samples: int, R: int, rng, x0, sample_spacing: int) -> list:
    """Normalised mean r(s) = sum_i E x_i(s) / sum_i x0_i against samples processed s, for each delta.

    Records every ``sample_spacing`` samples (a multiple of every batch size). Returns a list of
    (samples_grid, runs (n_rec, R)) pairs.
    """
    kids = as_generator(rng).spawn(len(deltas))
    x0 = np.broadcast_to(np.asarray(x0, float), (problem.d,))
    rec = {"r": lambda X, s: X.sum(axis=1) / x0.sum()}
    out = []
    for kid, delta in zip(kids, deltas):
        hp = th.scale_hparams(base, delta, optimizer=optimizer, beta_rule=beta_rule, scale_eta=scale_eta)
        B = hp["batch_size"]
        if sample_spacing % B:
            raise ValueError(f"sample_spacing must be a multiple of every batch size, got {sample_spacing} and B={B}")
        K = samples // B
        tr = run_optimizer(_make(optimizer, hp), problem, GaussianNoise(sigma, B), x0, n_steps=K, R=R, rng=kid,
                           record_every=sample_spacing // B, recorders=rec)
        out.append((tr.samples, tr.records["r"]))
    return out


def adam_ablation(problem, sigma: float, *, eta: float, beta1: float, beta2: float, T: float, R: int, rng) -> dict:
    """Stationary level (from x0 = 0, V0 = sigma^2 for the explicit ordering) of discrete Adam and of the
    Adam SDE with/without the eta*rho1 term and with explicit / 'mv_first' ordering (brief pitfall 3).

    Returns {label: (R,) per-run levels}.
    """
    nz = GaussianNoise(sigma)
    K = int(round(T / eta))
    kids = as_generator(rng).spawn(5)
    out = {"discrete Adam": run_optimizer(adamw(eta=eta, beta1=beta1, beta2=beta2), problem, nz, 0.0, n_steps=K,
                                          R=R, rng=kids[0], record_every=K, average_from=K // 2).level}
    i = 1
    for term in (False, True):
        for order in ("mv_first", "explicit"):
            sde = adamw_sde(problem, nz, eta=eta, rho1=rho_from_beta(beta1, eta), rho2=rho_from_beta(beta2, eta),
                            eta_rho1_term=term, update_order=order)
            s0 = sde.initial_state(0.0, R, v0=sigma**2 if order == "explicit" else 0.0)
            tr = euler_maruyama(sde, s0, T=K * eta, dt=eta, rng=kids[i], record_every=K, average_from=K * eta / 2)
            out[f"SDE, {'with' if term else 'without'} eta*rho1 term, {order}"] = tr.level
            i += 1
    return out


def weak_error_scan(problem, noise, etas, *, T: float, R: int, rng, dt_div: int = 8, kind: str = "full",
                    n_checkpoints: int = 20) -> dict:
    """Weak error of the SignSGD SDE: max over common checkpoints t <= T of |E f(x_k) - E f(X_{k eta})|.

    SDE integrated with dt = eta/dt_div. Returns {'eta', 'err', 'se'} with the SE of the worst difference.
    """
    etas = [check_positive("eta", e) for e in etas]
    kids = as_generator(rng).spawn(2 * len(etas))
    grid = np.linspace(0, T, n_checkpoints + 1)[1:]
    errs, ses = [], []
    for j, eta in enumerate(etas):
        K = int(round(T / eta))
        every = int(round(T / n_checkpoints / eta))
        tr = run_optimizer(signsgd(eta=eta), problem, noise, 1.0, n_steps=K, R=R, rng=kids[2 * j], record_every=every)
        sde = signsgd_sde(problem, noise, eta=eta, kind=kind)
        ts = euler_maruyama(sde, sde.initial_state(1.0, R), T=K * eta, dt=eta / dt_div, rng=kids[2 * j + 1],
                            record_every=every * dt_div)
        d = tr.loss[1:].mean(1) - ts.loss[1:].mean(1)
        se = np.sqrt(tr.loss[1:].var(1, ddof=1) / R + ts.loss[1:].var(1, ddof=1) / R)
        w = int(np.argmax(np.abs(d)))
        errs.append(abs(d[w]))
        ses.append(se[w])
    return {"eta": np.array(etas), "err": np.array(errs), "se": np.array(ses), "t": grid}
