"""Closed forms of the brief (sections 1.3 and 2): ray solutions, escape times, Example 1.

Convention (brief 1.3): an escape direction ``rho`` has every layer of unit Frobenius norm
(``||rho||^2 = L``), speed ``s = -L0(rho)``. Along the ray ``theta = lambda rho`` the per-layer norm
obeys ``d lambda/dt = s lambda^(L-1)`` under gradient flow on the localised loss ``L0``.
"""
from __future__ import annotations

import math

import numpy as np

from optdyn.validation import check_int, check_positive

__all__ = [
    "CIRCLE_RANK1_BOUND",
    "CIRCLE_RANK2_SPEED",
    "adaptive_escape_slope",
    "circle_rank2_construction",
    "log_escape_slope",
    "ray_escape_steps",
    "ray_norm",
    "speed_upper_bound",
]

CIRCLE_RANK1_BOUND = math.sqrt(2.0) - 1.0   # Example 1: best speed with rank-one layers
CIRCLE_RANK2_SPEED = 0.5                    # Example 1: speed of the rank-two construction


def _check_L(L) -> int:
    return check_int("L", L, low=2)


def ray_norm(t, lam0: float, s: float, L: int) -> np.ndarray:
    """Per-layer norm along the ray, gradient flow on ``L0`` (brief 1.3).

    ``L = 2``: ``lambda(t) = lambda0 exp(s t)``; ``L >= 3``:
    ``lambda(t) = (lambda0^(2-L) - (L-2) s t)^(-1/(L-2))`` (``inf`` after the blow-up time
    ``T = lambda0^(2-L)/((L-2) s)``).
    """
    lam0 = check_positive("lam0", lam0)
    s = check_positive("s", s)
    L = _check_L(L)
    t = np.asarray(t, dtype=np.float64)
    if L == 2:
        return lam0 * np.exp(s * t)
    base = lam0 ** (2 - L) - (L - 2) * s * t
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, np.abs(base) ** (-1.0 / (L - 2)), np.inf)


def ray_escape_steps(alpha: float, s: float, L: int, lr: float, r_stop: float = 0.5) -> float:
    """GD steps for an aligned start ``theta0 = alpha rho`` to reach per-layer norm ``r_stop``.

    Gradient-flow time divided by the step ``lr`` (brief 1.3, C7a):
    ``L >= 3``: ``(alpha^(2-L) - r^(2-L)) / ((L-2) s lr)`` (polynomial in ``1/alpha``);
    ``L = 2``: the exact discrete count ``log(r/alpha) / log(1 + lr s)`` (GD multiplies the norm by
    ``1 + lr s`` per step; ~``log(r/alpha)/(lr s)`` for small ``lr``).
    """
    alpha = check_positive("alpha", alpha)
    s = check_positive("s", s)
    L = _check_L(L)
    lr = check_positive("lr", lr)
    r_stop = check_positive("r_stop", r_stop)
    if r_stop <= alpha:
        raise ValueError(f"r_stop must be > alpha, got r_stop={r_stop}, alpha={alpha}")
    if L == 2:
        return math.log(r_stop / alpha) / math.log1p(lr * s)
    return (alpha ** (2 - L) - r_stop ** (2 - L)) / ((L - 2) * s * lr)


def log_escape_slope(s: float, lr: float) -> float:
    """Slope of escape steps against ``log(1/alpha)`` for ``L = 2``, plain GD: ``1/log(1 + lr s)``."""
    return 1.0 / math.log1p(check_positive("lr", lr) * check_positive("s", s))


def adaptive_escape_slope(s: float, c: float) -> float:
    """Slope of escape steps against ``log(1/alpha)`` with ``lr_t = c r_t^(2-L)``: ``1/log(1 + c s)``.

    Along the ray the adaptive step multiplies the per-layer norm by ``1 + c s`` per step, for every
    depth (brief 1.2-1.3, C7c).
    """
    return 1.0 / math.log1p(check_positive("c", c) * check_positive("s", s))


def speed_upper_bound(X, G) -> float:
    """Depth-independent bound ``s* <= sum_i ||g_i|| ||x_i||`` (brief 1.3; rows are samples)."""
    X = np.asarray(X, dtype=np.float64)
    G = np.asarray(G, dtype=np.float64)
    if X.ndim != 2 or G.ndim != 2 or X.shape[0] != G.shape[0]:
        raise ValueError(f"X (N, d_in) and G (N, d_out) must share N, got {X.shape} and {G.shape}")
    return float(np.sum(np.linalg.norm(X, axis=1) * np.linalg.norm(G, axis=1)))


def circle_rank2_construction(L: int = 3) -> list[np.ndarray]:
    """Example 1's rank-two escape direction, nets orientation (``W`` of shape (d_in, d_out)).

    ``W1 = 1/2 [[1,0,-1,0],[0,1,0,-1]]`` (2 x 4), ``W2 = 1/2 [1,-1,1,-1]^T``, ``W3 = [1]``; every layer
    has unit Frobenius norm and the net computes ``max(|x1| - |x2|, 0)/4``, speed exactly ``1/2`` on
    the 8-point circle. For ``L > 3`` extra ``[1]`` layers pass the non-negative scalar through.
    """
    L = check_int("L", L, low=3)
    W1 = 0.5 * np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    W2 = 0.5 * np.array([[1.0], [-1.0], [1.0], [-1.0]])
    return [W1, W2] + [np.ones((1, 1)) for _ in range(L - 2)]
