"""AdamW: Adam with decoupled weight decay (brief 1.2, the PyTorch convention).

    m_{k+1} = beta1 m_k + (1 - beta1) g_k
    v_{k+1} = beta2 v_k + (1 - beta2) g_k^2
    m_hat = m_{k+1} / (1 - beta1^{k+1}),  v_hat = v_{k+1} / (1 - beta2^{k+1})
    x_{k+1} = x_k - eta m_hat / (sqrt(v_hat) + eps) - eta theta x_k

This is ``torch.optim.AdamW(lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=theta)``: PyTorch
first multiplies x by (1 - eta theta) and then takes the Adam step, which is the same because g_k is
evaluated at x_k; eps is outside the square root and added to the *bias-corrected* sqrt(v_hat)
(TensorFlow's "epsilon hat" differs, brief pitfall 5). theta = 0 gives Adam. With
``bias_correction=False`` m_hat = m_{k+1}, v_hat = v_{k+1}. m_0 = v_0 = 0. With bias correction the
first step is exactly ``eta * sign(g_0)`` when eps = 0 (brief pitfall 4).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optdyn.validation import check_in_range, check_positive
from optdyn.papers.adaptive_sdes.simulation import Optimizer

__all__ = ["AdamWState", "adamw"]


class AdamWState(NamedTuple):
    count: int
    m: np.ndarray
    v: np.ndarray


def adamw(
    *, eta: float, beta1: float, beta2: float, eps: float = 1e-8, theta: float = 0.0, bias_correction: bool = True
) -> Optimizer:
    """AdamW with eta > 0, beta1, beta2 in [0, 1), eps >= 0 and decoupled weight decay theta >= 0."""
    eta = check_positive("eta", eta)
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_closed=False)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_closed=False)
    eps = check_positive("eps", eps, strict=False)
    theta = check_positive("theta", theta, strict=False)
    if not isinstance(bias_correction, bool):
        raise TypeError("bias_correction must be a bool")

    def init(params) -> AdamWState:
        p = np.asarray(params, dtype=float)
        return AdamWState(count=0, m=np.zeros_like(p), v=np.zeros_like(p))

    def update(grads, state: AdamWState, params):
        g = np.asarray(grads, dtype=float)
        x = np.asarray(params, dtype=float)
        k1 = state.count + 1
        m = beta1 * state.m + (1.0 - beta1) * g
        v = beta2 * state.v + (1.0 - beta2) * g * g
        if bias_correction:
            m_hat = m / (1.0 - beta1**k1)
            v_hat = v / (1.0 - beta2**k1)
        else:
            m_hat, v_hat = m, v
        new = x - eta * m_hat / (np.sqrt(v_hat) + eps) - eta * theta * x
        return new, AdamWState(count=k1, m=m, v=v)

    hp = {"eta": eta, "beta1": beta1, "beta2": beta2, "eps": eps, "theta": theta, "bias_correction": bias_correction}
    return Optimizer("AdamW", init, update, hp)
