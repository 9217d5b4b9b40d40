"""Euler-Maruyama for the diagonal SDEs of :mod:`.sdes`, vectorised over R paths.

One step of size dt:  Y_{n+1} = Y_n + b(Y_n, t_n) dt + s(Y_n, t_n) sqrt(dt) xi_n,  xi_n ~ N(0, I_d),
with s containing the sqrt(eta) of the weak approximation, so the increment is sqrt(eta dt) coef xi
(brief pitfall 1). With dt = eta, step n corresponds to optimiser step k = n and time t = k eta.
Components listed in ``sde.stages`` are updated stage by stage, later stages seeing the new values
(``update_order='mv_first'`` for the adaptive SDEs); one xi per step is shared by all stages. Second
moments V are clipped at 0 after each step (brief pitfall 10). The weak order is 1.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_int, check_positive
from optdyn.papers.adaptive_sdes.sdes import SDE
from optdyn.papers.adaptive_sdes.simulation import Trajectory, record_steps

__all__ = ["euler_maruyama"]


def euler_maruyama(
    sde: SDE,
    state0: Mapping[str, np.ndarray],
    *,
    T: float,
    dt: float,
    rng,
    record_every: int = 1,
    average_from: float | None = None,
    recorders: Mapping[str, Callable] | None = None,
    batch_size: int = 1,
    record_at=None,
) -> Trajectory:
    """Integrate ``sde`` from ``state0`` (dict of (R, d) arrays) on [0, T] with step dt.

    ``n = round(T/dt)`` steps (T must be a multiple of dt up to 1e-9 relative). ``average_from`` is a
    *time*: per-path time average of the loss over grid points t_n >= average_from. Returned
    ``samples`` = (t / eta) * batch_size. ``record_at``: record exactly at these grid steps (else every
    ``record_every`` steps).
    """
    if not isinstance(sde, SDE):
        raise TypeError("sde must be an SDE from optdyn.papers.adaptive_sdes.sdes")
    T = check_positive("T", T)
    dt = check_positive("dt", dt)
    n = int(round(T / dt))
    if n < 1 or abs(n * dt - T) > 1e-9 * max(T, 1.0):
        raise ValueError(f"T must be a positive multiple of dt, got T={T!r}, dt={dt!r}")
    record_every = check_int("record_every", record_every, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    if average_from is not None:
        average_from = check_positive("average_from", average_from, strict=False)
        if average_from > T:
            raise ValueError(f"average_from must be in [0, T], got {average_from!r}")
    rng = as_generator(rng)
    missing = set(sde.components) - set(state0)
    if missing:
        raise ValueError(f"state0 misses components {sorted(missing)}")
    state = {c: np.array(state0[c], dtype=float, copy=True) for c in sde.components}
    R, d = state["X"].shape
    recorders = dict(recorders or {})
    steps = record_steps(n, record_every, record_at)
    loss = np.empty((steps.size, R))
    recs: dict[str, list] = {k: [] for k in recorders}
    n_from = None if average_from is None else int(math.ceil(average_from / dt - 1e-9))
    acc = np.zeros(R) if n_from is not None else None
    sq = math.sqrt(dt)
    j = 0

    def _record(state):
        nonlocal j
        loss[j] = sde.problem.loss(state["X"])
        for name, fn in recorders.items():
            recs[name].append(np.asarray(fn(state["X"], state), dtype=float))
        j += 1

    if steps[0] == 0:
        _record(state)
    if acc is not None and n_from == 0:
        acc += loss[0]
    chunk = max(1, min(n, (1 << 16) // (R * d)))
    for k in range(n):
        t = k * dt
        if k % chunk == 0:  # Brownian increments of the next steps at once (same stream and order as one draw per step)
            XI = rng.standard_normal((min(chunk, n - k), R, d))
        xi = XI[k % chunk]
        for stage in sde.stages:
            b = sde.drift(state, t, stage, dt)
            s = sde.diffusion(state, t, stage, dt)
            new = dict(state)
            for c in stage:
                inc = b[c] * dt
                if c in s:
                    inc = inc + s[c] * (sq * xi)
                new[c] = state[c] + inc
            state = new
        for c in sde.nonnegative:
            np.maximum(state[c], 0.0, out=state[c])
        if acc is not None and k + 1 >= n_from:
            acc += sde.problem.loss(state["X"])
        if j < steps.size and steps[j] == k + 1:
            _record(state)
    level = None if acc is None else acc / (n - n_from + 1)
    return Trajectory(
        t=steps * dt,
        steps=steps,
        samples=steps * dt / sde.eta * batch_size,
        loss=loss,
        x_final=state["X"],
        records={k: np.stack(v) for k, v in recs.items()},
        level=level,
        state_final=state,
    )
