"""Numerical helpers shared by the chapters: finite-difference gradients and power iteration.

Both are vectorised: :func:`fd_gradient` evaluates the ``2 size`` perturbed points in one call of a
function that accepts a leading batch axis; :func:`power_iteration` runs over leading run axes.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from optdyn.validation import check_int, check_positive

__all__ = ["fd_gradient", "power_iteration"]


def fd_gradient(f: Callable[[np.ndarray], np.ndarray], w, h: float = 1e-6) -> np.ndarray:
    """Central finite differences ``g_k = (f(w + h e_k) - f(w - h e_k)) / (2h)`` for every coordinate.

    ``w`` is one flat vector of length ``size``; ``f`` maps an array of shape ``(size, size)`` (one
    perturbed vector per row) to the ``size`` function values, so the gradient costs two calls.
    """
    h = check_positive("h", h)
    w = np.asarray(w, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"w must be a single flat vector, got shape {w.shape}")
    step = h * np.eye(w.size)
    return (np.asarray(f(w + step)) - np.asarray(f(w - step))) / (2 * h)


def power_iteration(matvec: Callable[[np.ndarray], np.ndarray], v0, iters: int) -> tuple[np.ndarray, np.ndarray]:
    """``iters`` steps of ``v <- A v / ||A v||`` along the last axis (leading axes are independent runs).

    Returns ``(||A v_{iters-1}||, v_iters)``: the norm estimates the spectral radius of a symmetric ``A``
    (e.g. a Hessian through Hessian-vector products); pass ``v`` back as ``v0`` to warm-start.
    """
    iters = check_int("iters", iters, low=1)
    v = np.asarray(v0, dtype=float)
    lam = None
    for _ in range(iters):
        Av = matvec(v)
        lam = np.linalg.norm(Av, axis=-1)
        v = Av / np.where(lam > 0, lam, 1.0)[..., None]
    return lam, v
