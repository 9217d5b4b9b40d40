"""RMSpropW: RMSprop with decoupled weight decay (brief 1.2).

    v_{k+1} = beta v_k + (1 - beta) g_k^2
    x_{k+1} = x_k - eta g_k / (sqrt(v_{k+1}) + eps) - eta theta x_k

* the step uses the *updated* v_{k+1} (already containing g_k^2) and eps sits outside the square root:
  this is ``torch.optim.RMSprop(lr=eta, alpha=beta, eps=eps)`` (whose default v_0 is 0);
* the weight decay is decoupled: applied to x_k and multiplied by the learning rate (per-step decay
  eta*theta), not added to the gradient (brief pitfall 6). theta = 0 gives RMSprop.
* there is no bias correction, so the SDE comparison starts from the same v_0 = V_0 > 0 in both
  (brief pitfall 4); ``v0`` sets it (scalar or broadcastable to params).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optdyn.validation import check_in_range, check_positive
from optdyn.papers.adaptive_sdes.simulation import Optimizer

__all__ = ["RMSpropWState", "rmspropw"]


class RMSpropWState(NamedTuple):
    count: int
    v: np.ndarray


def rmspropw(*, eta: float, beta: float, eps: float = 1e-8, theta: float = 0.0, v0=0.0) -> Optimizer:
    """RMSpropW with learning rate eta > 0, beta in [0, 1), eps >= 0, decoupled weight decay theta >= 0.

    ``v0`` (>= 0) is the initial second-moment estimate.
    """
    eta = check_positive("eta", eta)
    beta = check_in_range("beta", beta, 0.0, 1.0, high_closed=False)
    eps = check_positive("eps", eps, strict=False)
    theta = check_positive("theta", theta, strict=False)
    v0a = np.asarray(v0, dtype=float)
    if not np.all(np.isfinite(v0a)) or np.any(v0a < 0):
        raise ValueError(f"v0 must be finite and >= 0, got {v0!r}")

    def init(params) -> RMSpropWState:
        p = np.asarray(params, dtype=float)
        return RMSpropWState(count=0, v=np.broadcast_to(v0a, p.shape).astype(float).copy())

    def update(grads, state: RMSpropWState, params):
        g = np.asarray(grads, dtype=float)
        x = np.asarray(params, dtype=float)
        v = beta * state.v + (1.0 - beta) * g * g
        new = x - eta * g / (np.sqrt(v) + eps) - eta * theta * x
        return new, RMSpropWState(count=state.count + 1, v=v)

    return Optimizer("RMSpropW", init, update, {"eta": eta, "beta": beta, "eps": eps, "theta": theta})
