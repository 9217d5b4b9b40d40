"""Parameter validation shared by every module, and the declarative chapter parameter schemas.

Every public function checks its hyper-parameters *before* doing any work and raises an error that
names the parameter and the allowed range, e.g. ``p must be in (0, 1], got 1.5``.

A chapter declares its parameters once, as data (scikit-learn style): a :class:`Schema` of
:class:`Param` entries (type, allowed :class:`Interval` or :class:`Options`, a one-line description),
cross-parameter :class:`Relation` s, and the theorem :class:`Condition` s its claims depend on, as
predicates of the parameters. The ``optdyn`` command validates every run, build and sweep against the
schema before any kernel starts; the notebook's validation cell is one call to the same schema.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "Condition",
    "Interval",
    "Options",
    "Param",
    "ParameterError",
    "Parameters",
    "Relation",
    "Schema",
    "check_array",
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


def check_array(name: str, value: Any, low: float | None = None, high: float | None = None, *,
                low_closed: bool = True, high_closed: bool = True) -> np.ndarray:
    """A real scalar or array of reals, finite, every element in the interval; returned as a float array."""
    try:
        arr = None if isinstance(value, (bool, np.bool_, str)) else np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    flat = np.atleast_1d(arr).ravel()
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    bad = np.zeros(flat.shape, dtype=bool)
    if low is not None:
        bad |= (flat < low) if low_closed else (flat <= low)
    if high is not None:
        bad |= (flat > high) if high_closed else (flat >= high)
    if np.any(bad):
        raise ValueError(f"{name} must be in {_interval(low, high, low_closed, high_closed)}, got {float(flat[bad][0])!r}")
    return arr


# ------------------------------------------------------------------------------------------------
# Declarative parameter schemas
# ------------------------------------------------------------------------------------------------


class ParameterError(ValueError):
    """A parameter that does not exist, has the wrong type or lies outside its allowed range."""


_KINDS = {"int": int, "float": float, "bool": bool, "str": str}


@dataclass(frozen=True)
class Interval:
    """A numeric range ``low .. high`` (``None`` = unbounded); ``closed`` in both/left/right/neither."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def __post_init__(self):
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be one of both/left/right/neither, got {self.closed!r}")

    @property
    def low_closed(self) -> bool:
        return self.closed in ("both", "left")

    @property
    def high_closed(self) -> bool:
        return self.closed in ("both", "right")

    def contains(self, v: float) -> bool:
        lo_ok = self.low is None or v > self.low or (v == self.low and self.low_closed)
        hi_ok = self.high is None or v < self.high or (v == self.high and self.high_closed)
        return bool(lo_ok and hi_ok)

    def describe(self) -> str:
        return _interval(self.low, self.high, self.low_closed, self.high_closed)


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple

    def contains(self, v) -> bool:
        return any(v == o and isinstance(v, bool) == isinstance(o, bool) for o in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Param:
    """One chapter parameter: its type (``int``, ``float``, ``bool``, ``str`` or ``list``), its allowed
    values (``allowed``: an :class:`Interval` or :class:`Options`; for a list, the constraint on each
    item, with ``item`` the item type and ``length`` the allowed number of items), a one-line
    description and, optionally, ``variants``: the narrower range a reader variant (or a random sweep)
    draws from, inside the theorem conditions."""

    name: str
    kind: str
    allowed: Interval | Options | None
    description: str
    item: str | None = None
    length: tuple[int, int] = (1, 64)
    variants: Interval | Options | None = None

    def __post_init__(self):
        if self.kind not in (*_KINDS, "list"):
            raise ValueError(f"Param {self.name}: kind must be one of {[*_KINDS, 'list']}, got {self.kind!r}")
        if self.kind == "list" and self.item not in _KINDS:
            raise ValueError(f"Param {self.name}: a list parameter needs item in {list(_KINDS)}")
        if not self.description.strip():
            raise ValueError(f"Param {self.name}: empty description")

    def allowed_text(self) -> str:
        if self.kind == "bool":
            return "True or False"
        if self.kind == "list":
            lo, hi = self.length
            inner = f"{self.item} in {self.allowed.describe()}" if isinstance(self.allowed, Interval) else (
                f"{self.item}, {self.allowed.describe()}" if self.allowed is not None else self.item)
            return f"a list of {lo} to {hi} values, each {inner}"
        if self.allowed is None:
            return f"any {self.kind}"
        if isinstance(self.allowed, Interval):
            return f"{'an integer' if self.kind == 'int' else 'a number'} in {self.allowed.describe()}"
        return self.allowed.describe()

    def _scalar(self, kind: str, value: Any, where: str) -> Any:
        if kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(f"{where} must be True or False, got {type(value).__name__} {value!r}")
            return bool(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ParameterError(f"{where} must be a string, got {type(value).__name__} {value!r}")
            v = value
        elif kind == "int":
            if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
                value = int(value)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
                raise ParameterError(f"{where} must be an integer, got {type(value).__name__} {value!r}")
            v = int(value)
        else:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
                raise ParameterError(f"{where} must be a number, got {type(value).__name__} {value!r}")
            v = float(value)
            if not math.isfinite(v):
                raise ParameterError(f"{where} must be finite, got {value!r}")
        if self.allowed is not None and not self.allowed.contains(v):
            raise ParameterError(f"{where} must be {self.allowed_text() if self.kind != 'list' else self.allowed.describe()}, got {value!r}")
        return v

    def check(self, value: Any) -> Any:
        """The validated (and normalised) value, or a :class:`ParameterError` naming the parameter."""
        if self.kind != "list":
            return self._scalar(self.kind, value, self.name)
        if not isinstance(value, (list, tuple)):
            raise ParameterError(f"{self.name} must be {self.allowed_text()}, got {type(value).__name__} {value!r}")
        lo, hi = self.length
        if not lo <= len(value) <= hi:
            shown = value if len(value) <= 8 else f"a list of {len(value)} values"
            raise ParameterError(f"{self.name} must be {self.allowed_text()}, got {shown!r}")
        return [self._scalar(self.item, v, f"{self.name}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class Relation:
    """A constraint between parameters: ``holds(P)`` must be true; ``message`` says what is required."""

    names: tuple[str, ...]
    holds: Callable[[Any], bool]
    message: str


@dataclass(frozen=True)
class Condition:
    """A theorem condition as a predicate of the chapter parameters (ledger v2). Outside it a claim's
    verdict is *outside conditions*, naming the condition. ``reads``: the parameters it depends on."""

    name: str
    statement: str
    reads: tuple[str, ...]
    holds: Callable[[Any], bool]


class Parameters(dict):
    """Validated chapter parameters: a read-only mapping with attribute access (``P.cov_n``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}") from None

    def _readonly(self, *a, **k):
        raise TypeError("Parameters are read-only; pass overrides to the schema instead")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly  # type: ignore[assignment]


@dataclass(frozen=True)
class Schema:
    """Every parameter of a chapter, declared once (see the module docstring)."""

    chapter: str
    params: tuple[Param, ...]
    relations: tuple[Relation, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self):
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.chapter}: duplicate parameter names")
        for c in self.conditions:
            unknown = set(c.reads) - set(names)
            if unknown:
                raise ValueError(f"schema {self.chapter}: condition {c.name} reads unknown parameters {sorted(unknown)}")

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def __getitem__(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def condition(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(f"schema {self.chapter}: no condition {name!r}")

    def validate(self, values: Mapping[str, Any], *, complete: bool = True) -> Parameters:
        """Check ``values`` (a mapping such as the notebook's ``globals()``; names outside the schema are
        ignored unless ``complete=False``, which instead checks only the names present and refuses unknown
        ones). Raises :class:`ParameterError` naming the first bad parameter and its allowed range."""
        if complete:
            missing = [n for n in self.names if n not in values]
            if missing:
                raise ParameterError(f"{self.chapter}: missing parameter(s) {', '.join(missing)}")
            items = [(p, values[p.name]) for p in self.params]
        else:
            unknown = sorted(set(values) - set(self.names))
            if unknown:
                raise ParameterError(f"unknown parameter(s) {', '.join(map(repr, unknown))} for chapter "
                                     f"{self.chapter!r}; known: {', '.join(self.names)}")
            items = [(self[n], v) for n, v in values.items()]
        out = Parameters()
        for p, v in items:
            try:
                dict.__setitem__(out, p.name, p.check(v))
            except ParameterError as exc:
                raise ParameterError(f"{exc} ({p.name}: {p.description})") from None
        for r in self.relations:
            if all(n in out for n in r.names) and not r.holds(out):
                raise ParameterError(f"{', '.join(r.names)}: {r.message} (got " + ", ".join(f"{n}={out[n]!r}" for n in r.names) + ")")
        return out

    def conditions_for(self, P: Mapping[str, Any], names: Sequence[str]) -> dict:
        """``{"satisfied": bool, "violated": [names]}`` for the listed conditions at parameters ``P``."""
        violated = [n for n in names if not self.condition(n).holds(P)]
        return {"satisfied": not violated, "violated": violated}

    def reading(self, param: str) -> list[str]:
        """Names of the conditions that read parameter ``param``."""
        return [c.name for c in self.conditions if param in c.reads]
