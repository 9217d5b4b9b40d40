"""Shared pieces of the learning-rate schedules: the protocol, epoch->step conversion, validation.

Every schedule is a small frozen dataclass and a pure function of the **0-based step index**
``t`` (one step = one mini-batch update): ``schedule(t) -> float`` and the vectorised
``schedule.trace(n) -> ndarray`` holding the rates of steps ``0 .. n-1``.
"""
from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np

from optdyn.validation import check_in_range, check_int, check_real

__all__ = ["Schedule", "epochs_to_steps", "check_lr", "check_step"]


@runtime_checkable
class Schedule(Protocol):
    """A learning-rate schedule: a function of the 0-based step index."""

    def __call__(self, step: int) -> float: ...

    def trace(self, n_steps: int) -> np.ndarray: ...


def epochs_to_steps(epochs: float, steps_per_epoch: int) -> int:
    """Convert a duration in epochs to optimiser steps: ``round(epochs * steps_per_epoch)``.

    The one place where epoch units (SGDR's ``T_0``, multi-step milestones, the knee's explore
    length, brief pitfall 2) become step units. ``steps_per_epoch`` must be a positive integer.
    """
    spe = check_int("steps_per_epoch", steps_per_epoch, low=1)
    ep = check_in_range("epochs", epochs, 0.0, None)
    return int(round(ep * spe))


def check_lr(name: str, value, *, strict: bool = False) -> float:
    """A learning rate: finite and ``>= 0`` (``> 0`` with ``strict``)."""
    v = check_real(name, value)
    if v < 0 or (strict and v == 0):
        raise ValueError(f"{name} must be a learning rate in {'(0' if strict else '[0'}, inf), got {value!r}")
    return v


def check_step(step) -> int:
    """A step index: a non-negative integer."""
    return check_int("step", step, low=0)


def check_n_steps(n_steps) -> int:
    return check_int("n_steps", n_steps, low=0)


def _finite(x: float) -> bool:
    return math.isfinite(x)
