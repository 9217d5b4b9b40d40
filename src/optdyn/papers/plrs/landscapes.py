"""Test functions for the PLRS theorems and bounded gradient noise (brief Sec. 5.1).

All functions take a batch of points ``X`` of shape ``(R, d)`` (one row per replica).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int

__all__ = ["QuarticSaddle", "IsotropicQuadratic", "sphere_noise"]


def _as_batch(X, d: int) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X must have shape (R, {d}) or ({d},), got {np.shape(X)}")
    return X


@dataclass(frozen=True)
class QuarticSaddle:
    """``f(x) = -(gamma/2) x_1^2 + (gamma/4) x_1^4 + (lam_pos/2) sum_{i>=2} x_i^2``.

    A strict saddle at 0 with ``lambda_min(H) = -gamma`` (H invertible), minima at
    ``x_1 = +-1`` with ``f* = -gamma/4`` and curvature ``2 gamma``. Near the minima
    ``beta = max(2 gamma, lam_pos)`` and ``alpha = min(2 gamma, lam_pos)``.
    ``trace H(0) = (d-1) lam_pos - gamma`` (positive for the default d=10, gamma=1, lam_pos=1;
    negative for lam_pos = 0.1). f is unbounded above, so A5 holds only on bounded regions.
    """

    d: int = 10
    gamma: float = 1.0
    lam_pos: float = 1.0

    def __post_init__(self) -> None:
        check_int("d", self.d, low=1)
        check_in_range("gamma", self.gamma, 0.0, None, low_closed=False)
        check_in_range("lam_pos", self.lam_pos, 0.0, None, low_closed=False)

    @property
    def beta(self) -> float:
        return max(2 * self.gamma, self.lam_pos)

    @property
    def alpha(self) -> float:
        return min(2 * self.gamma, self.lam_pos)

    @property
    def saddle(self) -> np.ndarray:
        return np.zeros(self.d)

    @property
    def minima(self) -> np.ndarray:
        m = np.zeros((2, self.d))
        m[:, 0] = [1.0, -1.0]
        return m

    @property
    def f_min(self) -> float:
        return -self.gamma / 4

    def trace_hessian_at_saddle(self) -> float:
        return (self.d - 1) * self.lam_pos - self.gamma

    def f(self, X) -> np.ndarray:
        X = _as_batch(X, self.d)
        x1 = X[:, 0]
        return -0.5 * self.gamma * x1**2 + 0.25 * self.gamma * x1**4 + 0.5 * self.lam_pos * np.sum(X[:, 1:] ** 2, axis=1)

    def grad(self, X) -> np.ndarray:
        X = _as_batch(X, self.d)
        G = self.lam_pos * X
        x1 = X[:, 0]
        G[:, 0] = self.gamma * (x1**3 - x1)
        return G

    def hess_diag(self, X) -> np.ndarray:
        """The Hessian is diagonal: ``diag(gamma (3 x_1^2 - 1), lam_pos, ...)``."""
        X = _as_batch(X, self.d)
        H = np.full(X.shape, float(self.lam_pos))
        H[:, 0] = self.gamma * (3 * X[:, 0] ** 2 - 1)
        return H

    def hess(self, x) -> np.ndarray:
        return np.diag(self.hess_diag(x)[0])


@dataclass(frozen=True)
class IsotropicQuadratic:
    """``f(x) = (beta/2) ||x||^2``: beta-smooth, the Theorem 1 identity holds with equality."""

    d: int = 10
    beta: float = 1.0

    def __post_init__(self) -> None:
        check_int("d", self.d, low=1)
        check_in_range("beta", self.beta, 0.0, None, low_closed=False)

    def f(self, X) -> np.ndarray:
        X = _as_batch(X, self.d)
        return 0.5 * self.beta * np.sum(X**2, axis=1)

    def grad(self, X) -> np.ndarray:
        return self.beta * _as_batch(X, self.d)


def sphere_noise(rng, shape, radius: float) -> np.ndarray:
    """Noise uniform on the sphere of radius ``radius`` in the last axis (assumption A3 with
    ``Q = radius``, ``E ||xi||^2 = radius^2``, zero mean). ``radius = 0`` gives zeros."""
    rng = as_generator(rng)
    r = check_in_range("radius", radius, 0.0, None)
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    if len(shape) < 1 or shape[-1] < 1:
        raise ValueError(f"shape must end with a positive dimension, got {shape}")
    Z = rng.standard_normal(shape)
    if r == 0.0:
        return np.zeros(shape)
    return r * Z / np.linalg.norm(Z, axis=-1, keepdims=True)
