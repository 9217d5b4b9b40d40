"""Losses for :mod:`optdyn.core.nets`: value and gradient with respect to the network output.

* ``squared``: ``E = 0.5 * sum_n ||o_n - y_n||^2`` (``reduction="sum"``, the batch error of Wu et al.
  2008) or that divided by the number of samples N (``reduction="mean"``). ``dE/do = (o - y)`` (/N).
* ``softmax_ce``: softmax cross-entropy with integer labels ``y_n in {0..C-1}``,
  ``E = -(1/N) sum_n log softmax(o_n)[y_n]`` (``reduction="mean"``, default) or the sum.
  ``dE/do = (softmax(o) - onehot(y))`` (/N).

All functions accept outputs with leading "run" axes ``(..., N, C)``; the loss is then an array of
shape ``(...)`` (one value per run).
"""
from __future__ import annotations

import numpy as np

__all__ = ["LOSSES", "REDUCTIONS", "squared_error", "softmax_cross_entropy", "loss_and_dout"]

LOSSES = ("squared", "softmax_ce")
REDUCTIONS = ("sum", "mean")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {list(REDUCTIONS)}, got {reduction!r}")


def squared_error(out: np.ndarray, Y: np.ndarray, reduction: str = "sum"):
    """Return ``(E, dE/dout)`` for ``E = 0.5 sum ||out - Y||^2`` (``/N`` with ``reduction="mean"``)."""
    _check_reduction(reduction)
    r = out - Y
    E = 0.5 * np.sum(r * r, axis=(-2, -1))
    if reduction == "mean":
        n = out.shape[-2]
        return E / n, r / n
    return E, r


def softmax_cross_entropy(out: np.ndarray, labels: np.ndarray, reduction: str = "mean"):
    """Return ``(E, dE/dout)`` for softmax cross-entropy with integer ``labels`` of shape ``(N,)``."""
    _check_reduction(reduction)
    z = out - out.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - lse
    n = out.shape[-2]
    idx = np.arange(n)
    nll = -logp[..., idx, labels]
    E = nll.sum(axis=-1)
    d = np.exp(logp)
    d[..., idx, labels] -= 1.0
    if reduction == "mean":
        return E / n, d / n
    return E, d


def loss_and_dout(out, Y, loss="squared", reduction=None):
    """Dispatch on ``loss`` (``squared`` default reduction ``sum``; ``softmax_ce`` default ``mean``)."""
    if loss == "squared":
        return squared_error(out, Y, "sum" if reduction is None else reduction)
    if loss == "softmax_ce":
        return softmax_cross_entropy(out, Y, "mean" if reduction is None else reduction)
    raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")
