"""Vectorised driver: R independent runs of a discrete optimiser on a problem with injected noise.

Time is reported in SDE units ``t = k * eta`` (brief 1.3) and in samples processed ``k * B``
(used by the batch-size scaling rules, brief pitfall 1). One Python loop over the steps; every step
acts on arrays of shape (R, d), so there is no per-run loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from optdyn.core.optim import Optimizer, apply_updates
from optdyn.random import as_generator

from optdyn.validation import check_int

_CHUNK = 1 << 16  # random numbers drawn per call (noise of several steps at once)

__all__ = ["Trajectory", "record_steps", "run_minibatch", "run_optimizer"]


@dataclass
class Trajectory:
    """Recorded output of a simulation (discrete runs or SDE paths).

    t : (n_rec,) SDE time of each record; steps : (n_rec,) step index; samples : steps * batch size;
    loss : (n_rec, R) loss of each run; records : name -> (n_rec, ...) arrays from the recorders;
    x_final : (R, d); level : (R,) per-run time average of the loss over steps >= ``average_from``
    (None when not requested); state_final : the final optimiser/SDE state.
    """

    t: np.ndarray
    steps: np.ndarray
    samples: np.ndarray
    loss: np.ndarray
    x_final: np.ndarray
    records: dict = field(default_factory=dict)
    level: np.ndarray | None = None
    state_final: Any = None

    @property
    def mean_loss(self) -> np.ndarray:
        return self.loss.mean(axis=1)


def record_steps(n_steps: int, record_every: int, record_at=None) -> np.ndarray:
    """Step indices that are recorded: 0, record_every, 2 record_every, ... and always n_steps; or, when
    ``record_at`` is given, exactly those steps (sorted, unique, in [0, n_steps])."""
    if record_at is not None:
        s = np.unique(np.asarray(record_at, dtype=np.int64))
        if s.size == 0 or s[0] < 0 or s[-1] > n_steps:
            raise ValueError(f"record_at must hold steps in [0, {n_steps}], got {record_at!r}")
        return s
    s = np.arange(0, n_steps + 1, record_every)
    if s[-1] != n_steps:
        s = np.append(s, n_steps)
    return s


def _check_x0(x0, R: int, d: int) -> np.ndarray:
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim == 0:
        x0 = np.full(d, float(x0))
    if x0.shape not in ((d,), (R, d)):
        raise ValueError(f"x0 must be a scalar, shape ({d},) or ({R}, {d}), got {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be finite")
    return np.broadcast_to(x0, (R, d)).copy()


def run_optimizer(
    opt: Optimizer,
    problem,
    noise,
    x0,
    *,
    n_steps: int,
    R: int,
    rng,
    record_every: int = 1,
    average_from: int | None = None,
    recorders: Mapping[str, Callable] | None = None,
    record_at=None,
) -> Trajectory:
    """Run R independent copies of ``opt`` for ``n_steps`` steps with g_k = grad f(x_k) + Z_k.

    Records every ``record_every`` steps, or at the steps ``record_at`` when given.

    ``average_from`` (a step index) makes the driver accumulate, for every run, the time average of
    f(x_k) over k = average_from, ..., n_steps (the stationary level of brief 5.0, without storing
    every step).
    """
    if not isinstance(opt, Optimizer):
        raise TypeError("opt must be an optdyn.core.optim.Optimizer (e.g. sgd(eta=...))")
    n_steps = check_int("n_steps", n_steps, low=1)
    R = check_int("R", R, low=1)
    record_every = check_int("record_every", record_every, low=1)
    if average_from is not None:
        average_from = check_int("average_from", average_from, low=0, high=n_steps)
    rng = as_generator(rng)
    recorders = dict(recorders or {})
    X = _check_x0(x0, R, problem.d)
    state = opt.init(X)
    steps = record_steps(n_steps, record_every, record_at)
    loss = np.empty((steps.size, R))
    recs: dict[str, list] = {k: [] for k in recorders}
    acc = np.zeros(R) if average_from is not None else None
    j = 0

    def _record(X, state):
        nonlocal j
        loss[j] = problem.loss(X)
        for name, fn in recorders.items():
            recs[name].append(np.asarray(fn(X, state), dtype=float))
        j += 1

    if steps[0] == 0:
        _record(X, state)
    if acc is not None and average_from == 0:
        acc += loss[0]
    chunk = max(1, min(n_steps, _CHUNK // max(1, X.size)))
    Z = None
    for k in range(1, n_steps + 1):
        i = (k - 1) % chunk
        if i == 0:  # draw the noise of the next steps at once (the same stream, in the same order, as one draw per step)
            Z = noise.sample(rng, (min(chunk, n_steps - k + 1),) + X.shape)
        G = problem.grad(X) + Z[i]
        U, state = opt.update(G, state, X)
        X = apply_updates(X, U)
        if acc is not None and k >= average_from:
            acc += problem.loss(X)
        if j < steps.size and steps[j] == k:
            _record(X, state)
    level = None if acc is None else acc / (n_steps - average_from + 1)
    eta = float(opt.hparams["eta"])
    B = int(getattr(noise, "batch_size", 1))
    return Trajectory(
        t=steps * eta,
        steps=steps,
        samples=steps * B,
        loss=loss,
        x_final=X,
        records={k: np.stack(v) for k, v in recs.items()},
        level=level,
        state_final=state,
    )


def run_minibatch(opt: Optimizer, data, batch_size: int, x0, *, n_steps: int, R: int, rng, average_from: int) -> np.ndarray:
    """R independent runs of ``opt`` on a :class:`~.problems.LeastSquares` data set with real mini-batches:
    each step draws ``batch_size`` rows with replacement (per run) and uses their average gradient.

    Returns the per-run time average of the excess loss f(x_k) - f(x_hat) over k = average_from..n_steps.
    """
    if not isinstance(opt, Optimizer):
        raise TypeError("opt must be an optdyn.core.optim.Optimizer")
    n_steps = check_int("n_steps", n_steps, low=1)
    R = check_int("R", R, low=1)
    B = check_int("batch_size", batch_size, low=1)
    average_from = check_int("average_from", average_from, low=0, high=n_steps)
    rng = as_generator(rng)
    X = _check_x0(x0, R, data.d)
    state = opt.init(X)
    acc = data.excess(X) if average_from == 0 else np.zeros(R)
    for k in range(1, n_steps + 1):
        G = data.batch_grad(X, rng.integers(0, data.N, size=(R, B)))
        U, state = opt.update(G, state, X)
        X = apply_updates(X, U)
        if k >= average_from:
            acc += data.excess(X)
    return acc / (n_steps - average_from + 1)
