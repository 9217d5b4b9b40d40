"""Data sets of the saddle-to-saddle chapter (brief section 5.0).

Row convention of :mod:`optdyn.core.nets`: inputs ``X`` have shape ``(N, d_in)`` (one sample per row),
targets ``Y`` have shape ``(N, d_out)``. The cost is the MSE ``C(Y) = ||Y - Y*||_F^2 / (2N)``, whose
gradient at the origin is ``G = -Y*/N`` (brief section 1.1).
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_int, check_type

__all__ = ["ridge_teacher", "circle_data", "cube_parity_data", "digits_data", "cost_gradient_at_zero", "near_rank_one_inputs"]


def cost_gradient_at_zero(Ystar) -> np.ndarray:
    """``G = grad C(0) = -Y*/N`` for the MSE ``C(Y) = ||Y - Y*||^2/(2N)`` (brief 1.1)."""
    Ystar = np.asarray(Ystar, dtype=np.float64)
    if Ystar.ndim != 2 or Ystar.shape[0] < 1:
        raise ValueError(f"Ystar must be a 2-D array (N, d_out) with N >= 1, got shape {Ystar.shape}")
    return -Ystar / Ystar.shape[0]


def ridge_teacher(d: int = 10, N: int = 256, a=(4.0, 2.0, 1.0), *, rng) -> tuple[np.ndarray, np.ndarray]:
    """D1 "ridge teacher": ``x ~ N(0, I_d)``, ``Y* = ReLU(X U) diag(a)`` with ``U`` (d x k) orthonormal.

    Positively homogeneous, so a bias-free ReLU net can fit it; returns ``(X (N, d), Y* (N, k))``.
    """
    d = check_int("d", d, low=1)
    N = check_int("N", N, low=2)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 1 or a.size < 1 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"a must be a non-empty 1-D array of positive amplitudes, got {a!r}")
    if a.size > d:
        raise ValueError(f"len(a) must be <= d (orthonormal directions), got len(a)={a.size}, d={d}")
    rng = as_generator(rng)
    X = rng.standard_normal((N, d))
    U, _ = np.linalg.qr(rng.standard_normal((d, a.size)))
    Ystar = np.maximum(X @ U, 0.0) * a
    return X, Ystar


def circle_data(n: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D2, Example 1: ``x_k = (cos 2 pi k/n, sin 2 pi k/n)`` with alternating targets.

    Returns ``(X (n, 2), Y* (n, 1), G (n, 1))`` with ``Y*_k = (-1)^k`` (for GD; ``G_GD = -Y*/n``)
    and the Example's cost gradient ``G_k = -(-1)^k`` (``-<G, Y> = sum_even y_k - sum_odd y_k``), so
    the solver's speeds are the Example's speeds (``sqrt(2)-1`` rank-one, ``1/2`` rank-two for n=8).
    """
    n = check_int("n", n, low=2)
    if n % 2:
        raise ValueError(f"n must be even (alternating signs), got {n}")
    t = 2 * np.pi * np.arange(n) / n
    X = np.stack([np.cos(t), np.sin(t)], axis=1)
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, None]
    return X, sign.copy(), -sign


def cube_parity_data() -> tuple[np.ndarray, np.ndarray]:
    """D4: the 8 corners of the cube ``{-1, 1}^3 / sqrt(3)`` (unit inputs) with the parity pattern as cost gradient,
    ``G_k = -x1 x2 x3 sqrt(27)`` (``|G_k| = 1``, mean zero). Returns ``(X (8, 3), G (8, 1))``.

    Like Example 1, a pattern no single ReLU direction can follow: the optimal escape direction has a first
    layer of rank three and a second hidden layer where the ReLU acts (a non-zero ReLU gap).
    """
    X = np.array([[a, b, c] for a in (-1.0, 1.0) for b in (-1.0, 1.0) for c in (-1.0, 1.0)]) / np.sqrt(3.0)
    G = -np.prod(X, axis=1, keepdims=True) * np.sqrt(27.0)
    return X, G


def near_rank_one_inputs(N: int, d: int, delta: float, *, rng, signed: bool = False) -> np.ndarray:
    """Inputs ``X = z h' + delta E`` close to a rank-one matrix (Proposition 3.3 experiment): ``h`` a unit vector
    with non-negative entries, ``z_i = |n_i|`` (non-negative; with ``signed=True``: ``z_i = n_i``, the
    near miss), ``n, E`` standard Gaussian. The draws do not depend on ``delta`` or ``signed``."""
    N = check_int("N", N, low=2)
    d = check_int("d", d, low=1)
    delta = float(delta)
    if not delta >= 0:
        raise ValueError(f"delta must be >= 0, got {delta}")
    check_type("signed", signed, bool)
    rng = as_generator(rng)
    n = rng.standard_normal(N)
    h = np.abs(rng.standard_normal(d))
    h /= np.linalg.norm(h)
    E = rng.standard_normal((N, d))
    z = n if signed else np.abs(n)
    return np.outer(z, h) + delta * E


def digits_data(n: int = 500, *, standardize: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """D3: the first ``n`` of scikit-learn's bundled 8x8 digits (no download), one-hot targets.

    Features are standardised per pixel (constant pixels left at 0) when ``standardize``.
    Returns ``None`` when scikit-learn is not installed.
    """
    n = check_int("n", n, low=10, high=1797)
    check_type("standardize", standardize, bool)
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - optional dependency
        return None
    ds = load_digits()
    X = np.asarray(ds.data[:n], dtype=np.float64)
    y = np.asarray(ds.target[:n])
    if standardize:
        mu, sd = X.mean(axis=0), X.std(axis=0)
        X = (X - mu) / np.where(sd > 0, sd, 1.0)
    Y = np.zeros((n, 10))
    Y[np.arange(n), y] = 1.0
    return X, Y
