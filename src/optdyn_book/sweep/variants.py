"""Random parameter variants of a chapter, drawn from its parameter schema.

``optdyn sweep SLUG --random N --seed S`` runs ``N`` variants. Each variant starts from the profile
(``quick`` by default) and draws

* the ``seed`` parameter, always: uniformly from its ``variants`` range if it declares one, else from
  ``0 .. 2**31 - 1`` (within its allowed range);
* every parameter that declares ``variants`` (:class:`optdyn.validation.Param`): an ``Interval`` is
  drawn uniformly, or log-uniformly when it spans more than a factor 10 (``0 < low``, ``high > 10 low``),
  integers on the integers of the interval, floats rounded to 6 significant digits; ``Options``
  uniformly among the options;

and keeps every other parameter at its profile value. A draw is rejected, and drawn again, when the
values fail the schema (a value outside its allowed range, a violated relation between parameters) or
repeat an earlier variant. Theorem conditions are per claim: a variant outside the conditions of one
claim still tests the others, and there the claim itself says *outside conditions*; the summary counts
each claim over the variants inside its own conditions (:func:`optdyn_book.sweep.summary.summarize`).

The draw is a pure function of (schema, profile, ``N``, ``S``): ``random.Random(S).random()`` feeds
every choice, in schema order, so the same command draws the same variants on any machine and the
first ``N`` variants of ``--random M`` (``M > N``) are those of ``--random N``.
"""
from __future__ import annotations

import math
import random as _random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from optdyn_book.chapters import Chapter, ParameterError, resolve_parameters
from optdyn_book.sweep.spec import Point, SweepError, point_id
from optdyn.validation import Interval, Options

__all__ = ["SEED_RANGE", "Draw", "parameter_draws", "random_points"]

SEED_RANGE = (0, 2**31 - 1)  # a drawn seed, unless the seed parameter declares its own variants
LOG_SPAN = 10.0  # an interval wider than this factor (low > 0) is drawn log-uniformly


@dataclass(frozen=True)
class Draw:
    """How one parameter is drawn: ``how`` is ``uniform``, ``log-uniform`` or ``choice``."""

    name: str
    kind: str  # int | float | bool | str
    how: str
    low: float | None = None
    high: float | None = None
    options: tuple = ()
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        if self.how == "choice":
            return "one of " + ", ".join(repr(o) for o in self.options)
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        if self.kind == "int":
            return f"{self.how} integers in [{int(self.low)}, {int(self.high)}]"
        return f"{self.how} numbers in {lo}{self.low:g}, {self.high:g}{hi}"

    def sample(self, u: float) -> Any:
        """The value for ``u`` uniform in [0, 1); ``None`` if it lands on an open end (draw again)."""
        if self.how == "choice":
            return self.options[min(int(u * len(self.options)), len(self.options) - 1)]
        lo, hi = self.low, self.high
        if self.kind == "int":
            lo, hi = int(lo), int(hi)
            if self.how == "log-uniform":
                x = int(math.floor(math.exp(math.log(lo) + u * (math.log(hi + 1) - math.log(lo)))))
            else:
                x = lo + int(u * (hi - lo + 1))
            return min(max(x, lo), hi)
        x = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if self.how == "log-uniform" else lo + u * (hi - lo)
        x = min(max(float(f"{x:.6g}"), lo), hi)
        if (self.low_open and x == lo) or (self.high_open and x == hi):
            return None
        return x


def _interval_draw(name: str, kind: str, iv: Interval) -> Draw:
    if iv.low is None or iv.high is None:
        raise SweepError(f"parameter {name!r}: variants must be a bounded interval, got {iv.describe()}")
    lo, hi = iv.low, iv.high
    if kind == "int":
        lo = math.ceil(lo) + (1 if not iv.low_closed and float(lo).is_integer() else 0)
        hi = math.floor(hi) - (1 if not iv.high_closed and float(hi).is_integer() else 0)
        if lo > hi:
            raise SweepError(f"parameter {name!r}: variants {iv.describe()} hold no integer")
        how = "log-uniform" if lo >= 1 and hi > LOG_SPAN * lo else "uniform"
        return Draw(name, kind, how, lo, hi)
    if kind != "float":
        raise SweepError(f"parameter {name!r} ({kind}): an Interval of variants needs an int or float parameter")
    if not lo < hi:
        raise SweepError(f"parameter {name!r}: variants {iv.describe()} is empty")
    how = "log-uniform" if lo > 0 and hi > LOG_SPAN * lo else "uniform"
    return Draw(name, kind, how, float(lo), float(hi), low_open=not iv.low_closed, high_open=not iv.high_closed)


def parameter_draws(ch: Chapter) -> list[Draw]:
    """What a random variant of ``ch`` draws: the seed, then every parameter with ``variants``, in
    schema order. Raises :class:`SweepError` for variants that cannot be drawn (unbounded, empty,
    of a list parameter)."""
    schema = ch.schema
    if "seed" not in schema.names:
        raise SweepError(f"chapter {ch.slug!r} has no 'seed' parameter, so it cannot be swept over random variants")
    out = []
    for p in schema.params:
        spec = p.variants
        if p.name == "seed" and spec is None:
            lo, hi = SEED_RANGE
            if isinstance(p.allowed, Interval):
                lo = max(lo, math.ceil(p.allowed.low)) if p.allowed.low is not None else lo
                hi = min(hi, math.floor(p.allowed.high)) if p.allowed.high is not None else hi
            out.append(Draw("seed", "int", "uniform", lo, hi))
            continue
        if spec is None:
            continue
        if p.kind == "list":
            raise SweepError(f"parameter {p.name!r}: variants of a list parameter are not supported")
        if isinstance(spec, Options):
            if not spec.values:
                raise SweepError(f"parameter {p.name!r}: variants hold no option")
            out.append(Draw(p.name, p.kind, "choice", options=tuple(spec.values)))
        elif isinstance(spec, Interval):
            d = _interval_draw(p.name, p.kind, spec)
            out.append(Draw(p.name, p.kind, "uniform", d.low, d.high) if p.name == "seed" else d)
        else:
            raise SweepError(f"parameter {p.name!r}: variants must be an Interval or Options, got {spec!r}")
    return out


def _rejection(ch: Chapter, profile: str, drawn: dict) -> str | None:
    """Why ``drawn`` is not a valid variant (``None`` if it is)."""
    schema = ch.schema
    full = {**ch.parameters, **ch.profile(profile), **drawn, "profile": profile}
    try:
        schema.validate(full)
    except ParameterError as exc:
        return str(exc).split(" (got ")[0].split(", got ")[0]
    return None


def random_points(ch: Chapter, profile: str, n: int, seed: int) -> tuple[list[Point], dict]:
    """``n`` distinct random variants of ``ch`` on top of ``profile``, drawn with seed ``seed`` (see
    the module docstring). Returns the points and a description of the draw (for the summary)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SweepError(f"--random must be an integer >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SweepError(f"--seed must be a non-negative integer, got {seed!r}")
    draws = parameter_draws(ch)
    rng = _random.Random(seed)
    max_draws = max(1000, 200 * n)
    reasons: Counter[str] = Counter()
    points: list[Point] = []
    seen: set[str] = set()
    tries = 0
    while len(points) < n and tries < max_draws:
        tries += 1
        drawn = {d.name: d.sample(rng.random()) for d in draws}
        if any(v is None for v in drawn.values()):
            reasons["an open end of a variants interval"] += 1
            continue
        why = _rejection(ch, profile, drawn)
        if why is not None:
            reasons[why] += 1
            continue
        params = resolve_parameters(ch, profile, drawn)
        pid = point_id(ch.slug, profile, params)
        if pid in seen:
            reasons["a repeat of an earlier variant"] += 1
            continue
        seen.add(pid)
        points.append(Point(pid, drawn, params))
    if len(points) < n:
        top = "; ".join(f"{why} ({k}x)" for why, k in reasons.most_common(3))
        raise SweepError(f"chapter {ch.slug!r}: only {len(points)} of {n} random variants satisfy the schema "
                         f"after {tries} draws; most rejected by: {top}")
    desc = {"random": n, "seed": seed, "profile": profile, "draws": {d.name: d.describe() for d in draws},
            "rejected": dict(reasons), "draws_made": tries}
    return points, desc
