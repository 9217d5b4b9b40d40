"""Parameter validation shared by every module.

Every public function checks its hyper-parameters *before* doing any work and raises an error that
names the parameter and the allowed range, e.g. ``p must be in (0, 1], got 1.5``.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

__all__ = [
    "as_generator",
    "check_choice",
    "check_in_range",
    "check_int",
    "check_positive",
    "check_probability",
    "check_real",
    "check_type",
]


def _interval(low, high, low_closed, high_closed) -> str:
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    return f"{'[' if low_closed and low is not None else '('}{lo}, {hi}{']' if high_closed and high is not None else ')'}"


def check_real(name: str, value: Any) -> float:
    """Return ``value`` as a finite float, or raise ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def check_in_range(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_closed: bool = True,
    high_closed: bool = True,
) -> float:
    """Check ``low <= value <= high`` (open or closed ends) and return the value as a float."""
    v = check_real(name, value)
    bad = (
        (low is not None and (v < low or (v == low and not low_closed)))
        or (high is not None and (v > high or (v == high and not high_closed)))
    )
    if bad:
        raise ValueError(f"{name} must be in {_interval(low, high, low_closed, high_closed)}, got {value!r}")
    return v


def check_positive(name: str, value: Any, *, strict: bool = True) -> float:
    """Check ``value > 0`` (or ``>= 0`` with ``strict=False``)."""
    return check_in_range(name, value, 0.0, None, low_closed=not strict)


def check_probability(name: str, value: Any, *, open_low: bool = False, open_high: bool = False) -> float:
    """Check that ``value`` lies in [0, 1], with either end optionally open."""
    return check_in_range(name, value, 0.0, 1.0, low_closed=not open_low, high_closed=not open_high)


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Check that ``value`` is an integer (not bool) with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer in {_interval(low, high, True, True)}, got {value!r}")
    return value


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)!r}, got {value!r}")
    return value


def check_type(name: str, value: Any, types: type | tuple[type, ...]) -> Any:
    """Check ``isinstance(value, types)`` (bool is never accepted as a number)."""
    tys = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in tys:
        ok = False
    else:
        ok = isinstance(value, tys)
    if not ok:
        names = " or ".join(t.__name__ for t in tys)
        raise TypeError(f"{name} must be of type {names}, got {type(value).__name__} {value!r}")
    return value


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` (a Generator, a SeedSequence or a non-negative int seed) into a ``Generator``.

    ``None`` is refused: every random computation in optdyn is seeded explicitly, so the same seed
    always gives the same numbers. The global NumPy state is never used.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (numbers.Integral, np.integer)) and not isinstance(rng, bool):
        if int(rng) < 0:
            raise ValueError(f"{name} seed must be a non-negative integer, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator, a SeedSequence or a non-negative int seed, "
        f"got {type(rng).__name__} {rng!r}"
    )
