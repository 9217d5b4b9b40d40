"""Random numbers: explicit generators and named streams (never the global NumPy state).

Every random computation in optdyn takes a ``numpy.random.Generator`` (or an explicit integer seed)
and no function has a default seed. A chapter draws its generators from :class:`Streams`, one per
*name*:

    streams = Streams(seed)
    rng = streams["bootstrap"]                 # Generator keyed by (seed, "bootstrap")
    rng_k = streams["gmc", k]                  # keyed by (seed, "gmc", k): one stream per setting

A stream depends only on the seed and its name, so adding, removing or reordering cells never
changes the numbers of another experiment (``SeedSequence.spawn`` depends on call order). Asking
twice for the same name is an error, because it would silently repeat the same numbers; common
random numbers (the same draws for a method and its control) are asked for explicitly at the call:
``streams.shared("target")`` returns a fresh generator at the same start every time.
"""
from __future__ import annotations

import hashlib
import numbers
from typing import Any

import numpy as np

__all__ = ["Streams", "as_generator", "stream_key"]


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """``rng`` as a ``Generator``: a Generator is used as is; a non-negative int is a seed.

    ``None`` is refused (every random computation is seeded explicitly), and so is a ``SeedSequence``:
    turning the same SeedSequence into a generator twice silently repeats its numbers; draw named
    streams from :class:`Streams` instead.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (numbers.Integral, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if int(rng) < 0:
            raise ValueError(f"{name} seed must be a non-negative integer, got {rng!r}")
        return np.random.default_rng(int(rng))
    if isinstance(rng, np.random.SeedSequence):
        raise TypeError(f"{name}: pass a numpy.random.Generator (e.g. a named stream, optdyn.random.Streams), "
                        "not a SeedSequence, whose reuse silently repeats the same numbers")
    raise TypeError(f"{name} must be a numpy.random.Generator or a non-negative int seed, got {type(rng).__name__} {rng!r}")


def _part(x: Any) -> int:
    if isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_)):
        if int(x) < 0:
            raise ValueError(f"stream index must be a non-negative integer, got {x!r}")
        return int(x)
    if isinstance(x, str) and x:
        return int.from_bytes(hashlib.sha256(x.encode()).digest()[:8], "little")
    raise TypeError(f"a stream name is a non-empty string followed by integers or strings, got {x!r}")


def stream_key(seed: int, *name: Any) -> list[int]:
    """The entropy of stream ``name`` under ``seed``: ``[seed, h(part_1), ...]`` with ``h`` the first 8
    bytes of SHA-256 of a string part (integers are used as they are). Stable across Python runs."""
    if not name:
        raise TypeError("a stream needs a name")
    return [_part(seed)] + [_part(x) for x in name]


class Streams:
    """Named, independent random streams under one seed (see the module docstring)."""

    def __init__(self, seed: int):
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (numbers.Integral, np.integer)) or int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self._used: set[tuple] = set()

    def _key(self, name) -> tuple:
        return name if isinstance(name, tuple) else (name,)

    def __getitem__(self, name) -> np.random.Generator:
        key = self._key(name)
        if key in self._used:
            raise ValueError(f"stream {key!r} was already used under seed {self.seed}: asking again would repeat its "
                             "numbers. Use another name, or streams.shared(name) for deliberate common random numbers")
        self._used.add(key)
        return np.random.default_rng(stream_key(self.seed, *key))

    def shared(self, *name) -> np.random.Generator:
        """A generator at the start of stream ``name``, as often as asked: for common random numbers
        (a method and its control on the same draws), stated at the call."""
        key = name[0] if len(name) == 1 and isinstance(name[0], tuple) else name
        return np.random.default_rng(stream_key(self.seed, *key))

    def seed_of(self, *name) -> int:
        """A 63-bit integer seed derived from stream ``name`` (for code that takes an int seed,
        e.g. a counter-based schedule); marks the name as used."""
        return int(self[name if len(name) > 1 else name[0]].integers(0, 2**63 - 1))
