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
    "circle_rank_one_bound",
    "defect_budget",
    "lowrank_ratio_bound",
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


def defect_budget(s, U) -> np.ndarray:
    """Proposition 3.4 in a derived form [D]: for ANY direction with unit-Frobenius layers and speed
    ``s > 0``, ``sum_l -log(1 - eps_l) <= 2 log(U / s)`` with ``U = sum_i ||g_i|| ||x_i||``.

    Proof: ``||W_l||_op^2 = 1 - eps_l``; ReLU is 1-Lipschitz with ``ReLU(0) = 0``, so
    ``||y_i|| <= ||x_i|| prod_l ||W_l||_op`` and ``s <= sum_i ||g_i|| ||y_i|| <= U prod_l sqrt(1 - eps_l)``.
    Hence at most ``2 log(U/s) / (-log(1 - tau))`` layers have ``eps_l > tau``, whatever the depth: a fast
    escape direction has at least ``(1 - p) L`` nearly rank-one layers. Returns ``2 log(U/s)`` (``inf`` for ``s <= 0``).
    """
    s = np.asarray(s, dtype=np.float64)
    U = check_positive("U", U)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, 2.0 * np.log(U / np.where(s > 0, s, 1.0)), np.inf)


def lowrank_ratio_bound(c: float, l) -> np.ndarray:
    """The exact lower bound of Theorem 3.1 on ``s_1/s_i`` (``i >= 2``) implied by ``eps_l <= c l^(-1/2)``:
    ``sqrt((1 - c l^(-1/2)) / (c l^(-1/2)))`` (its large-l form is ``l^(1/4)/sqrt(c)``). ``0`` where the bound is
    vacuous (``c l^(-1/2) >= 1``), ``inf`` for ``c = 0``."""
    c = float(c)
    if not c >= 0:
        raise ValueError(f"c must be >= 0, got {c}")
    l = np.asarray(l, dtype=np.float64)
    if np.any(l < 1):
        raise ValueError("layer indices start at 1")
    e = c / np.sqrt(l)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e >= 1, 0.0, np.where(e == 0, np.inf, np.sqrt((1 - e) / e)))


def circle_rank_one_bound(X, G, n_grid: int = 3600) -> float:
    """Best speed of Example 1 with a rank-one first layer: ``max_u |P(u)|`` over unit ``u``,
    ``P(u) = sum_k -g_k (u.x_k)_+``. A rank-one ``W_1 = u c'`` makes the first hidden layer
    ``(u.x)_+ c_+ + (u.x)_- c_-``; the two channels share the unit Frobenius norm of every later layer, so the
    speed is at most ``max(|P(u)|, |P(-u)|)`` (brief section 2, Example 1). Grid over the angle of ``u`` (2-D
    inputs), refined by a bounded scalar search around the best grid point."""
    from scipy.optimize import minimize_scalar

    X = np.asarray(X, dtype=np.float64)
    g = np.asarray(G, dtype=np.float64).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != g.size:
        raise ValueError("circle_rank_one_bound needs 2-D inputs X (N, 2) and a scalar cost gradient G (N, 1)")
    n_grid = check_int("n_grid", n_grid, low=8)

    def val(t):
        t = np.atleast_1d(t)
        z = np.stack([np.cos(t), np.sin(t)], 1) @ X.T
        return np.abs(np.maximum(z, 0) @ g)

    t = 2 * np.pi * np.arange(n_grid) / n_grid
    v = val(t)
    k = int(np.argmax(v))
    h = 2 * np.pi / n_grid
    r = minimize_scalar(lambda x: -float(val(x)[0]), bounds=(t[k] - h, t[k] + h), method="bounded", options={"xatol": 1e-12})
    return float(max(v[k], -r.fun))
