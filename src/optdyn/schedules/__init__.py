"""Learning-rate schedules as pure functions of the 0-based step index.

``PLRS`` (Devapriya et al., arXiv 2407.07613: per-step i.i.d. ``U[L_min, L_max]``) and the
deterministic competitors of that paper: ``Constant``, ``CosineAnnealing``,
``CosineWarmRestarts`` (SGDR), ``OneCycle`` (torch formulas), ``Knee``, ``MultiStep``.
Every schedule is an immutable dataclass with ``__call__(step)`` and a vectorised ``trace(n)``.
``epochs_to_steps`` converts epoch units once; ``paper_defaults`` builds the paper's settings.
An optional torch adapter lives in :mod:`optdyn.schedules.torch_adapter` (lazy import).
"""
from .base import Schedule, epochs_to_steps
from .deterministic import Constant, CosineAnnealing, CosineWarmRestarts, Knee, MultiStep, OneCycle
from .factory import SCHEDULE_NAMES, paper_defaults
from .plrs import PLRS

__all__ = [
    "PLRS",
    "SCHEDULE_NAMES",
    "Constant",
    "CosineAnnealing",
    "CosineWarmRestarts",
    "Knee",
    "MultiStep",
    "OneCycle",
    "Schedule",
    "epochs_to_steps",
    "paper_defaults",
]
