"""Elementwise activations for :mod:`optdyn.core.nets`.

Each activation is a pair ``(f, df)``: ``h = f(a)`` and ``df(a, h) = f'(a)``, where the derivative may
use the pre-activation ``a`` and/or the output ``h`` (whichever is cheaper and more stable).

* ``identity`` (alias ``linear``): ``f(a) = a``, ``f' = 1``.
* ``sigmoid``: ``f(a) = 1/(1+e^{-a})`` computed as ``0.5 (1 + tanh(a/2))`` (no overflow or subnormal
  slow-down in saturated units), ``f' = h (1 - h)``.
* ``tanh``: ``f' = 1 - h^2``.
* ``relu``: ``f(a) = max(a, 0)``, ``f'(a) = 1[a > 0]`` (so ``relu'(0) := 0``). Not C^1: outside the
  smooth theory of the momentum chapter.
* ``softplus``: ``f(a) = log(1 + e^a)``, ``f' = sigmoid(a)``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "canonical_name"]


class Activation(NamedTuple):
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]  # df(a, h) = f'(a)
    smooth: bool  # C^2 with bounded f, f', f'' on R (assumption A1 of the momentum chapter) or not


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda a: a, lambda a, h: np.ones_like(h), False),
    "sigmoid": Activation("sigmoid", _sigmoid, lambda a, h: h * (1.0 - h), True),
    "tanh": Activation("tanh", np.tanh, lambda a, h: 1.0 - h * h, True),
    "relu": Activation("relu", lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(a.dtype), False),
    "softplus": Activation("softplus", lambda a: np.logaddexp(0.0, a), lambda a, h: _sigmoid(a), False),
}
_ALIASES = {"linear": "identity"}


def canonical_name(name: str) -> str:
    """Return the canonical activation name (``linear`` -> ``identity``) or raise ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string, got {type(name).__name__} {name!r}")
    key = _ALIASES.get(name, name)
    if key not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; allowed: {sorted(list(ACTIVATIONS) + list(_ALIASES))}"
        )
    return key


def get_activation(name: str) -> Activation:
    """Look up an activation by name (``identity``/``linear``, ``sigmoid``, ``tanh``, ``relu``, ``softplus``)."""
    return ACTIVATIONS[canonical_name(name)]
