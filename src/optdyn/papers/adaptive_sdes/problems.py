"""The test bed of the chapter: a diagonal quadratic (brief 5.0).

f(x) = 1/2 sum_i lam_i (x_i - x*_i)^2 with H = diag(lam) > 0, so mu = min lam, L = max lam and
Tr(H) = sum lam (the constants of the paper's bounds, brief section 2).
"""
from __future__ import annotations

import numpy as np

__all__ = ["DiagQuadratic"]


class DiagQuadratic:
    """``f(x) = 1/2 sum_i lam_i (x_i - x*_i)^2``, evaluated row-wise on arrays of shape (R, d)."""

    def __init__(self, lam, x_star=0.0):
        lam = np.atleast_1d(np.asarray(lam, dtype=float))
        if lam.ndim != 1 or lam.size == 0:
            raise ValueError(f"lam must be a non-empty 1-D array, got shape {lam.shape}")
        if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
            raise ValueError(f"lam must be finite and > 0 (H positive definite), got {lam!r}")
        self.lam = lam
        self.d = lam.size
        xs = np.broadcast_to(np.asarray(x_star, dtype=float), lam.shape).copy()
        if not np.all(np.isfinite(xs)):
            raise ValueError("x_star must be finite")
        self.x_star = xs

    @property
    def mu(self) -> float:
        return float(self.lam.min())

    @property
    def L(self) -> float:
        return float(self.lam.max())

    @property
    def trace_hessian(self) -> float:
        return float(self.lam.sum())

    def loss(self, X) -> np.ndarray:
        """f at each row of X (shape (..., d) -> (...))."""
        D = np.asarray(X, dtype=float) - self.x_star
        return 0.5 * (D * D) @ self.lam

    def grad(self, X) -> np.ndarray:
        """grad f = lam * (x - x*), same shape as X."""
        return self.lam * (np.asarray(X, dtype=float) - self.x_star)

    def __repr__(self) -> str:
        return f"DiagQuadratic(d={self.d}, lam in [{self.mu:g}, {self.L:g}])"

