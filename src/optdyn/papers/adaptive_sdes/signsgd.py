"""SignSGD: ``x_{k+1} = x_k - eta sign(g_k)`` (brief 1.2).

``numpy.sign(0) = 0`` (brief pitfall 14): irrelevant with continuous noise, but a zero gradient
coordinate does not move. Matches ``x.sub_(lr * g.sign())`` in PyTorch (which also maps 0 to 0).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optdyn.validation import check_positive
from optdyn.papers.adaptive_sdes.simulation import Optimizer

__all__ = ["SignSGDState", "signsgd"]


class SignSGDState(NamedTuple):
    count: int


def signsgd(*, eta: float) -> Optimizer:
    """SignSGD with learning rate ``eta > 0``."""
    eta = check_positive("eta", eta)

    def init(params) -> SignSGDState:
        return SignSGDState(count=0)

    def update(grads, state: SignSGDState, params):
        new = np.asarray(params, dtype=float) - eta * np.sign(np.asarray(grads, dtype=float))
        return new, SignSGDState(count=state.count + 1)

    return Optimizer("SignSGD", init, update, {"eta": eta})
