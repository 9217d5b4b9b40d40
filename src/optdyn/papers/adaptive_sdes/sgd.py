"""SGD: ``x_{k+1} = x_k - eta g_k`` (brief 1.2), as a pure optax-style pair.

Matches ``torch.optim.SGD(lr=eta)`` (no momentum, no weight decay). All operations are elementwise,
so params may have any shape, e.g. (R, d) for R independent runs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optdyn.validation import check_positive
from optdyn.papers.adaptive_sdes.simulation import Optimizer

__all__ = ["SGDState", "sgd"]


class SGDState(NamedTuple):
    count: int


def sgd(*, eta: float) -> Optimizer:
    """Plain SGD with learning rate ``eta > 0``."""
    eta = check_positive("eta", eta)

    def init(params) -> SGDState:
        return SGDState(count=0)

    def update(grads, state: SGDState, params):
        new = np.asarray(params, dtype=float) - eta * np.asarray(grads, dtype=float)
        return new, SGDState(count=state.count + 1)

    return Optimizer("SGD", init, update, {"eta": eta})
