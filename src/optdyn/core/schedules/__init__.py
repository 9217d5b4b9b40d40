"""Learning-rate schedules as pure functions of the 0-based step index.

Deterministic schedules: ``Constant``, ``CosineAnnealing``, ``CosineWarmRestarts`` (SGDR),
``OneCycle`` (torch formulas), ``Knee``, ``MultiStep``. Every schedule is an immutable dataclass
with ``__call__(step)`` and a vectorised ``trace(n)``; ``epochs_to_steps`` converts epoch units once.
The probabilistic scheduler PLRS and the PLRS paper's competitor settings live with that paper
(:mod:`optdyn.papers.plrs.schedule`, :mod:`optdyn.papers.plrs.competitors`).
An optional torch adapter lives in :mod:`optdyn.core.schedules.torch_adapter` (lazy import).
"""
from optdyn.core.schedules.base import Schedule, epochs_to_steps
from optdyn.core.schedules.deterministic import Constant, CosineAnnealing, CosineWarmRestarts, Knee, MultiStep, OneCycle

__all__ = [
    "Constant",
    "CosineAnnealing",
    "CosineWarmRestarts",
    "Knee",
    "MultiStep",
    "OneCycle",
    "Schedule",
    "epochs_to_steps",
]
