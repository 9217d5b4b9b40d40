"""One simulation loop for the package (diffrax style): a step function, a declarative "what to record"
(:class:`SaveAt`), observers updated at every step, and an optional stop rule.

    traj = run(step, state, n_steps, save=SaveAt(steps=[0, 10, 100], fn={"loss": lambda s: f(s.x)}),
               observers=(running_mean,), stop=lambda s, k: bool(np.all(s.x > 1)))

``step(state, k) -> state`` advances from step ``k - 1`` to step ``k`` (``k = 1 .. n_steps``); it may
return a new state or update the state in place and return it. After every step each observer's
``update(state, k)`` is called (running averages, online covariance estimators, accumulated sums), and
at every step listed in ``save.steps`` each recorder ``fn[name](state)`` is evaluated (``0`` records
the initial state). ``stop(state, k)``, if given, ends the run after step ``k``; the steps not reached
are then not recorded. Everything is vectorised by the caller: states carry a leading run axis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from optdyn.validation import check_int

__all__ = ["Observer", "SaveAt", "Trajectory", "run"]


class Observer(Protocol):
    def update(self, state: Any, k: int) -> None: ...


@dataclass(frozen=True)
class SaveAt:
    """What to record: at the steps ``steps`` (integers in ``[0, n_steps]``; or every ``every`` steps from 0,
    always including the last), the value of every recorder ``fn[name](state)``."""

    steps: Sequence[int] | None = None
    every: int | None = None
    fn: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    def grid(self, n_steps: int) -> np.ndarray:
        """The sorted, unique steps to record for a run of ``n_steps`` steps."""
        if self.steps is not None and self.every is not None:
            raise ValueError("give SaveAt either steps or every, not both")
        if self.every is not None:
            every = check_int("every", self.every, low=1)
            s = np.arange(0, n_steps + 1, every)
            return s if s[-1] == n_steps else np.append(s, n_steps)
        if self.steps is None:
            return np.array([n_steps], dtype=np.int64)
        s = np.unique(np.asarray(self.steps, dtype=np.int64))
        if s.size and (s[0] < 0 or s[-1] > n_steps):
            raise ValueError(f"SaveAt steps must lie in [0, n_steps={n_steps}], got [{s[0]}, {s[-1]}]")
        return s


@dataclass
class Trajectory:
    """What :func:`run` returns: ``steps`` (recorded steps), ``records[name]`` (the recorder's values
    stacked along a new first axis, one row per recorded step), the final ``state``, and ``n_steps``,
    the steps actually taken (fewer than asked after a stop)."""

    steps: np.ndarray
    records: dict
    state: Any
    n_steps: int


def run(step: Callable[[Any, int], Any], state: Any, n_steps: int, *, save: SaveAt = SaveAt(),
        observers: Sequence[Observer] = (), stop: Callable[[Any, int], bool] | None = None) -> Trajectory:
    """Run ``n_steps`` steps of ``step`` from ``state`` (see the module docstring)."""
    n_steps = check_int("n_steps", n_steps, low=0)
    grid = save.grid(n_steps)
    recs: dict[str, list] = {name: [] for name in save.fn}
    taken: list[int] = []
    j = 0

    def record(s, k):
        nonlocal j
        while j < grid.size and grid[j] == k:
            for name, f in save.fn.items():
                recs[name].append(np.array(f(s), copy=True))
            taken.append(k)
            j += 1

    record(state, 0)
    k = 0
    while k < n_steps:
        k += 1
        state = step(state, k)
        for ob in observers:
            ob.update(state, k)
        record(state, k)
        if stop is not None and stop(state, k):
            break
    records = {name: np.stack(v) if v else np.empty((0,)) for name, v in recs.items()}
    return Trajectory(np.array(taken, dtype=np.int64), records, state, k)
