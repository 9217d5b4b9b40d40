"""Vectorised SGD over R replicas with per-replica learning rates (brief Sec. 5).

The update of replica ``r`` at step ``t`` (0-based) is
``x_{t+1} = x_t - eta_t^{(r)} (grad f(x_t) + xi_t)`` with ``xi_t`` uniform on the sphere of radius
``sigma`` (assumption A3), or, for the ``noise="additive"`` control, ``x_{t+1} = x_t - eta grad f - xi``
(noise *not* scaled by the learning rate, as in perturbed GD). Arrays are ``(R, d)``; the only
Python loop is over steps. The noise stream is its own Generator, so two arms run with the same
noise seed see the same ``xi_t^{(r)}`` (paired design), whatever their learning rates.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from optdyn.papers.plrs.schedule import PLRS
from optdyn.random import as_generator
from optdyn.validation import check_choice, check_in_range, check_int

from optdyn.papers.plrs.landscapes import sphere_noise

__all__ = [
    "replica_lr",
    "run_sgd",
    "escape_times",
    "f_change_curves",
    "first_time_below",
    "first_time_below_boot",
    "sup_distance",
]


def replica_lr(schedule, R: int) -> Callable[[int], np.ndarray]:
    """Per-replica rates ``step -> (R,)``: i.i.d. draws per replica for :class:`PLRS`
    (``schedule.sample``), the common deterministic value otherwise."""
    R = check_int("R", R, low=1)
    if isinstance(schedule, PLRS):
        return lambda t: schedule.sample(t, R)
    if not callable(schedule):
        raise TypeError(f"schedule must be callable step -> lr, got {type(schedule).__name__}")
    return lambda t: np.full(R, float(schedule(t)))


def _lr_fn(lr, R: int, n_steps: int) -> Callable[[int], np.ndarray]:
    if isinstance(lr, np.ndarray):
        a = lr if lr.ndim == 2 else np.repeat(lr[:, None], R, axis=1)
        if a.shape != (n_steps, R):
            raise ValueError(f"lr array must have shape ({n_steps}, {R}) or ({n_steps},), got {lr.shape}")
        if np.any(a < 0) or not np.all(np.isfinite(a)):
            raise ValueError("lr values must be finite and >= 0")
        return lambda t: a[t]
    if hasattr(lr, "sample") or hasattr(lr, "trace"):
        return replica_lr(lr, R)
    if callable(lr):
        return lambda t: np.broadcast_to(np.asarray(lr(t), dtype=float), (R,))
    v = check_in_range("lr", lr, 0.0, None)
    return lambda t: np.full(R, v)


def run_sgd(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0,
    lr,
    n_steps: int,
    *,
    sigma: float = 0.0,
    rng,
    noise: str = "gradient",
    monitors: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    stop_fn: Callable[[np.ndarray, int], bool] | None = None,
    noise_blocks: int = 1,
) -> dict:
    """Run ``n_steps`` of SGD on ``R`` replicas at once.

    Parameters
    ----------
    grad_fn : ``(R, d) -> (R, d)`` exact gradient.
    x0 : ``(R, d)`` start points (a ``(d,)`` vector means one replica).
    lr : a schedule (PLRS gives each replica its own draws), a callable ``t -> (R,)`` or scalar,
        an array ``(n_steps, R)`` / ``(n_steps,)``, or a non-negative scalar.
    sigma : radius of the sphere noise added to the gradient.
    rng : the noise Generator / seed (one stream for the whole run).
    noise : ``"gradient"`` (``x -= eta (grad + xi)``, SGD) or ``"additive"`` (``x -= eta grad + xi``).
    monitors : name -> ``fn(X) -> (R,)`` recorded at ``t = 0 .. steps run`` (array ``(T+1, R)``).
    stop_fn : ``(X, t) -> bool`` evaluated after each step; True stops early.
    noise_blocks : the rows are ``noise_blocks`` stacked arms of ``R / noise_blocks`` replicas that see
        the same noise (common random numbers): one ``(R / noise_blocks, d)`` draw per step, tiled.

    Returns a dict with ``x`` (final ``(R, d)``), ``steps`` (number run) and one array per monitor.
    """
    rng = as_generator(rng)
    n_steps = check_int("n_steps", n_steps, low=0)
    sigma = check_in_range("sigma", sigma, 0.0, None)
    check_choice("noise", noise, ("gradient", "additive"))
    X = np.array(x0, dtype=float, copy=True)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError(f"x0 must have shape (R, d), got {np.shape(x0)}")
    R, d = X.shape
    noise_blocks = check_int("noise_blocks", noise_blocks, low=1)
    if R % noise_blocks:
        raise ValueError(f"noise_blocks={noise_blocks} must divide the number of rows {R}")
    lr_at = _lr_fn(lr, R, n_steps)
    monitors = dict(monitors or {})
    rec = {k: [np.asarray(fn(X), dtype=float)] for k, fn in monitors.items()}
    steps = 0
    for t in range(n_steps):
        eta = lr_at(t)[:, None]
        G = grad_fn(X)
        xi = sphere_noise(rng, (R // noise_blocks, d), sigma) if sigma > 0 else None
        if xi is not None and noise_blocks > 1:
            xi = np.tile(xi, (noise_blocks, 1))
        if xi is None:
            X -= eta * G
        elif noise == "gradient":
            X -= eta * (G + xi)
        else:
            X -= eta * G + xi
        steps = t + 1
        for k, fn in monitors.items():
            rec[k].append(np.asarray(fn(X), dtype=float))
        if stop_fn is not None and stop_fn(X, steps):
            break
    out = {"x": X, "steps": steps}
    out.update({k: np.stack(v) for k, v in rec.items()})
    return out


def escape_times(landscape, schedule, *, R: int, sigma: float, t_max: int, rng, x0=None, threshold: float = 0.5,
                 noise_blocks: int = 1):
    """First step ``t >= 1`` with ``|x_{t,1}| >= threshold`` for each replica (brief Sec. 5.1).

    Starts at ``x0`` (default: the saddle, 0). Returns ``(times, censored)``: replicas that never
    escape by ``t_max`` get ``times = t_max`` and ``censored = True`` (right-censoring).
    ``noise_blocks``: stacked arms sharing the noise (see :func:`run_sgd`).
    """
    R = check_int("R", R, low=1)
    t_max = check_int("t_max", t_max, low=1)
    thr = check_in_range("threshold", threshold, 0.0, None, low_closed=False)
    X0 = np.zeros((R, landscape.d)) if x0 is None else np.broadcast_to(np.asarray(x0, float), (R, landscape.d))
    times = np.full(R, t_max, dtype=np.int64)
    hit = np.zeros(R, bool)

    def stop(X, t):
        new = ~hit & (np.abs(X[:, 0]) >= thr)
        times[new] = t
        hit[new] = True
        return bool(hit.all())

    run_sgd(landscape.grad, X0, schedule, t_max, sigma=sigma, rng=rng, stop_fn=stop, noise_blocks=noise_blocks)
    return times, ~hit


def f_change_curves(landscape, schedule, *, R: int, sigma: float, n_steps: int, rng, x0=None,
                    noise_blocks: int = 1) -> np.ndarray:
    """``f(x_t) - f(x_0)`` for ``t = 0 .. n_steps`` and every replica: array ``(n_steps+1, R)``."""
    R = check_int("R", R, low=1)
    X0 = np.zeros((R, landscape.d)) if x0 is None else np.broadcast_to(np.asarray(x0, float), (R, landscape.d))
    f0 = landscape.f(X0)
    out = run_sgd(landscape.grad, X0, schedule, n_steps, sigma=sigma, rng=rng, monitors={"f": lambda X: landscape.f(X) - f0},
                  noise_blocks=noise_blocks)
    return out["f"]


def first_time_below(F: np.ndarray, z: float = 2.0) -> int | None:
    """``T* = min{t >= 1 : mean_r F[t] + z SE_r < 0}`` for curves ``F`` of shape ``(T+1, R)``
    (the first step at which the expected decrease is significant); None if never."""
    F = np.asarray(F, dtype=float)
    if F.ndim != 2 or F.shape[1] < 2:
        raise ValueError("F must have shape (T+1, R) with R >= 2")
    m = F.mean(axis=1)
    se = F.std(axis=1, ddof=1) / np.sqrt(F.shape[1])
    idx = np.nonzero((m + z * se < 0)[1:])[0]
    return int(idx[0] + 1) if idx.size else None


def first_time_below_boot(F: np.ndarray, *, rng, n_boot: int = 400, z: float = 2.0) -> np.ndarray:
    """Bootstrap replicates of :func:`first_time_below` (replicas resampled); ``nan`` if never."""
    rng = as_generator(rng)
    n_boot = check_int("n_boot", n_boot, low=10)
    F = np.asarray(F, dtype=float)
    R = F.shape[1]
    C = np.zeros((n_boot, R))
    idx = rng.integers(0, R, size=(n_boot, R))
    np.add.at(C, (np.repeat(np.arange(n_boot), R), idx.ravel()), 1.0)
    m = C @ F.T / R  # (B, T+1)
    m2 = C @ (F.T**2) / R
    se = np.sqrt(np.maximum(m2 - m**2, 0.0) * R / (R - 1) / R)
    ok = (m + z * se < 0)[:, 1:]
    out = np.where(ok.any(axis=1), ok.argmax(axis=1) + 1.0, np.nan)
    return out


def sup_distance(landscape, schedule, *, x_star, R: int, sigma: float, n_steps: int, rng, noise: str = "gradient",
                 x0=None) -> np.ndarray:
    """``sup_{t <= n_steps} ||x_t - x*||`` per replica (Theorem 3's event), starting at ``x0`` (``(R, d)`` or
    ``(d,)``; default: ``x*`` itself). The start counts (t = 0)."""
    R = check_int("R", R, low=1)
    xs = np.asarray(x_star, dtype=float).reshape(1, -1)
    X0 = np.repeat(xs, R, axis=0) if x0 is None else np.broadcast_to(np.asarray(x0, dtype=float), (R, xs.shape[1]))
    sup = np.linalg.norm(X0 - xs, axis=1)

    def track(X, t):
        np.maximum(sup, np.linalg.norm(X - xs, axis=1), out=sup)
        return False

    run_sgd(landscape.grad, X0, schedule, n_steps, sigma=sigma, rng=rng, noise=noise, stop_fn=track)
    return sup
