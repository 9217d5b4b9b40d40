"""Low-rank and plateau metrics (brief sections 2 and 5.2): the measurements the criteria of :mod:`.checks` read.

Singular values via ``np.linalg.svd(W, compute_uv=False)`` (brief pitfall 11). The ``l^(-1/2)``
statement of Theorem 3.1 is an upper bound with an unknown, data-dependent constant, so it is tested
as an *envelope* (:func:`envelope_check`), never by fitting a log-log slope (brief 5.2).
"""
from __future__ import annotations

import numpy as np

from optdyn.validation import check_in_range, check_int, check_positive

__all__ = [
    "count_large_svals",
    "plateau_ranks",
    "with_rank_defect",
    "detect_plateaus",
    "envelope_check",
    "rank_defect",
    "relu_gap",
    "sv_ratio",
    "upper_envelope",
]


def _svals(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"W must be a non-empty 2-D array, got shape {W.shape}")
    return np.linalg.svd(W, compute_uv=False)


def rank_defect(W) -> float:
    """``eps(W) = sum_{i>=2} s_i^2 / sum_i s_i^2 = 1 - s_1^2/||W||_F^2`` (Thm 3.1 (1)); 0 for W = 0."""
    s = _svals(W)
    tot = float(np.sum(s * s))
    return 0.0 if tot == 0.0 else float(max(0.0, 1.0 - s[0] ** 2 / tot))


def sv_ratio(W) -> float:
    """``s_2/s_1`` (0 for a rank-one or single-column/row matrix, nan for W = 0)."""
    s = _svals(W)
    if s[0] == 0.0:
        return float("nan")
    return 0.0 if s.size < 2 else float(s[1] / s[0])


def relu_gap(Z) -> float:
    """``||ReLU(Z) - Z||_F^2 / ||Z||_F^2`` for a pre-activation matrix ``Z`` (Thm 3.1 (3))."""
    Z = np.asarray(Z, dtype=np.float64)
    tot = float(np.sum(Z * Z))
    if tot == 0.0:
        return 0.0
    neg = np.minimum(Z, 0.0)
    return float(np.sum(neg * neg) / tot)


def count_large_svals(s, tau: float = 0.25) -> int:
    """Number of singular values ``> tau * s_1`` (the numerical rank used for C8)."""
    tau = check_in_range("tau", tau, 0.0, 1.0, low_closed=False, high_closed=False)
    s = np.asarray(s, dtype=np.float64).ravel()
    if s.size == 0 or s.max() <= 0:
        return 0
    return int(np.sum(s > tau * s.max()))


def envelope_check(eps, tol: float = 1e-3) -> tuple[float, bool]:
    """C4 envelope test of Thm 3.1: ``c_hat = max_l sqrt(l) eps_l`` and whether no layer ``l >= 3``
    breaks the envelope fixed by the first two, ``max_l sqrt(l) eps_l <= max(eps_1, sqrt(2) eps_2) + tol``.

    ``eps`` is indexed from layer 1. Returns ``(c_hat, passed)``.
    """
    tol = check_positive("tol", tol, strict=False)
    eps = np.asarray(eps, dtype=np.float64).ravel()
    if eps.size < 2 or np.any(~np.isfinite(eps)) or np.any(eps < 0):
        raise ValueError("eps must hold >= 2 finite non-negative per-layer defects")
    scaled = np.sqrt(np.arange(1, eps.size + 1)) * eps
    c_hat = float(scaled.max())
    return c_hat, bool(c_hat <= max(scaled[0], scaled[1]) + tol)


def upper_envelope(r, floor: float = 1e-8) -> np.ndarray:
    """Running max over deeper layers ``max_{l' >= l} r_{l'}`` of values above ``floor`` (nan below).

    For *display* only: the brief forbids fitting a decay law to raw ratios (5.2).
    """
    r = np.asarray(r, dtype=np.float64).ravel()
    v = np.where(r > floor, r, -np.inf)
    env = np.maximum.accumulate(v[::-1])[::-1]
    return np.where(np.isfinite(env), env, np.nan)


def detect_plateaus(steps, loss, *, window: int = 200, tol: float = 0.02, min_len: int = 300,
                    ) -> list[tuple[int, int, float]]:
    """Plateaus of a loss curve: maximal step ranges where ``|log loss(t + window) - log loss(t)| < tol``.

    ``steps`` increasing (uniform or not), ``loss > 0``. A point ``t`` is flat when the log-loss changes
    by less than ``tol`` over the next ``window`` steps; flat points separated by a gap shorter than
    the sampling interval are merged; a plateau is a flat run ``[t0, t1 + window]`` at least ``min_len``
    steps long. Returns ``(start_step, end_step, median level)`` in order (brief C8).
    """
    window = check_int("window", window, low=1)
    tol = check_positive("tol", tol)
    min_len = check_int("min_len", min_len, low=1)
    steps = np.asarray(steps, dtype=np.float64).ravel()
    loss = np.asarray(loss, dtype=np.float64).ravel()
    if steps.shape != loss.shape or steps.size < 2:
        raise ValueError("steps and loss must be 1-D of equal length >= 2")
    if np.any(np.diff(steps) <= 0):
        raise ValueError("steps must be strictly increasing")
    if np.any(~(loss > 0)):
        raise ValueError("loss must be positive (log scale)")
    lg = np.log(loss)
    j = np.searchsorted(steps, steps + window)          # first index at or beyond t + window
    valid = j < steps.size
    flat = np.zeros(steps.size, dtype=bool)
    idx = np.nonzero(valid)[0]
    flat[idx] = np.abs(lg[j[idx]] - lg[idx]) < tol
    out: list[tuple[int, int, float]] = []
    k = 0
    n = steps.size
    while k < n:
        if not flat[k]:
            k += 1
            continue
        k1 = k
        while k1 + 1 < n and flat[k1 + 1]:
            k1 += 1
        t0, t1 = steps[k], min(steps[k1] + window, steps[-1])
        if t1 - t0 >= min_len:
            sel = (steps >= t0) & (steps <= t1)
            out.append((int(t0), int(t1), float(np.median(loss[sel]))))
        k = k1 + 1
    return out


def with_rank_defect(W, eps: float, rng) -> np.ndarray:
    """A unit-Frobenius matrix with the top singular pair of ``W`` and a second, orthogonal rank-one component
    sized so that its rank defect ``1 - s_1^2/||.||_F^2`` is exactly ``eps`` (a near-miss direction of the
    low-rank claim). Needs ``W`` with at least 2 rows and 2 columns."""
    from optdyn.random import as_generator

    W = np.asarray(W, dtype=np.float64)
    eps = check_in_range("eps", eps, 0.0, 0.5, high_closed=True)
    if W.ndim != 2 or min(W.shape) < 2:
        raise ValueError(f"W must be a matrix with at least 2 rows and columns, got shape {W.shape}")
    rng = as_generator(rng)
    U, s, Vt = np.linalg.svd(W)
    u1, v1 = U[:, 0], Vt[0]
    a = rng.standard_normal(W.shape[0])
    b = rng.standard_normal(W.shape[1])
    a -= (a @ u1) * u1
    b -= (b @ v1) * v1
    a /= np.linalg.norm(a)
    b /= np.linalg.norm(b)
    return np.sqrt(1 - eps) * np.outer(u1, v1) + np.sqrt(eps) * np.outer(a, b)


def plateau_ranks(steps, loss, sv_steps, svals_layer, *, C0: float, window: int = 200, tol: float = 0.02,
                  min_len: int = 300, tau: float = 0.25, escape_frac: float = 0.97, floor_frac: float = 1e-2
                  ) -> tuple[list, list]:
    """Interior plateaus of one loss curve and the numerical rank (singular values ``> tau s1``) of one
    layer at the middle of each (brief C8). Interior = level in ``(floor_frac C0, escape_frac C0)``:
    after the first escape and before convergence. ``svals_layer``: ``(S, k)`` singular values at
    ``sv_steps``."""
    pls = [p for p in detect_plateaus(steps, loss, window=window, tol=tol, min_len=min_len)
           if floor_frac * C0 < p[2] < escape_frac * C0]
    ranks = []
    for (a, b, _) in pls:
        j = int(np.argmin(np.abs(np.asarray(sv_steps) - (a + b) / 2)))
        ranks.append(count_large_svals(svals_layer[j], tau))
    return pls, ranks
