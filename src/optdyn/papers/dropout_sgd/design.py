"""Data conventions of the paper's simulations (Li, Schmidt-Hieber & Wu, 2024, Sec. "Numerical experiments").

* Streaming Gaussian linear model ``y = x' beta* + eps`` with ``x ~ N(0, Sigma)``, ``eps ~ N(0, sigma^2)``.
* ``beta* = (1/d, 2/d, ..., 1)`` (the official code's ``seq(0, 1, length.out = d + 1)[-1]``).
* Fixed design for GD dropout: ``X`` with i.i.d. N(0, 1) entries, ``y = X beta* + eps``.
* Step-size convention: the official SGD code uses the gradient ``2 D x (x' D beta - y)``, so the
  paper-form step used everywhere in this package is ``alpha = 2 * alpha_code``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import toeplitz

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int, check_positive

__all__ = [
    "GaussianDesign",
    "alpha_from_official_code",
    "fixed_design",
    "paper_beta_star",
    "toeplitz_cov",
]


def paper_beta_star(d: int) -> np.ndarray:
    """The paper's true parameter ``beta* = (1/d, 2/d, ..., 1)``."""
    d = check_int("d", d, low=1)
    return np.arange(1, d + 1, dtype=float) / d


def toeplitz_cov(d: int, r: float) -> np.ndarray:
    """Toeplitz covariance ``Sigma_ij = r^|i-j|`` (``r = 0`` gives the identity)."""
    d = check_int("d", d, low=1)
    r = check_in_range("r", r, -1.0, 1.0, low_closed=False, high_closed=False)
    return toeplitz(r ** np.arange(d))


def alpha_from_official_code(alpha_code: float) -> float:
    """Paper-form SGD step from the official code's step: ``alpha = 2 * alpha_code`` (factor 2 in the gradient)."""
    return 2.0 * check_positive("alpha_code", alpha_code)


def _as_vector(name: str, x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 1 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty finite 1-D array, got shape {x.shape}")
    return x


def _as_cov(name: str, cov, d: int) -> np.ndarray:
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (d, d) or not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be a finite ({d}, {d}) matrix, got shape {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=0, atol=1e-12):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(cov)[0] <= 0:
        raise ValueError(f"{name} must be positive definite")
    return 0.5 * (cov + cov.T)


@dataclass(frozen=True)
class GaussianDesign:
    """Streaming linear model ``y = x' beta_star + eps``, ``x ~ N(0, cov)``, ``eps ~ N(0, sigma^2)``.

    ``cov=None`` means the identity (every simulation of the paper).
    """

    beta_star: np.ndarray
    cov: np.ndarray | None = None
    sigma: float = 1.0
    _chol: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        b = _as_vector("beta_star", self.beta_star)
        object.__setattr__(self, "beta_star", b)
        check_positive("sigma", self.sigma, strict=False)
        if self.cov is not None:
            c = _as_cov("cov", self.cov, b.size)
            object.__setattr__(self, "cov", c)
            object.__setattr__(self, "_chol", np.linalg.cholesky(c))

    @property
    def d(self) -> int:
        return self.beta_star.size

    @property
    def Sigma(self) -> np.ndarray:
        """``E[x x']`` as a dense matrix."""
        return np.eye(self.d) if self.cov is None else self.cov

    @property
    def is_identity(self) -> bool:
        return self.cov is None or np.array_equal(self.cov, np.eye(self.d))

    def sample(self, rng, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``X`` of shape ``(*shape, d)`` and ``y`` of shape ``shape`` (features first, then noise)."""
        rng = as_generator(rng)
        shape = tuple(int(s) for s in shape)
        x = rng.standard_normal(shape + (self.d,))
        if self._chol is not None:
            x = x @ self._chol.T
        y = x @ self.beta_star + self.sigma * rng.standard_normal(shape)
        return x, y


def fixed_design(N: int, beta_star, rng, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Fixed design of the paper's GD experiment: ``X`` (N, d) with N(0,1) entries, ``y = X beta* + eps``."""
    N = check_int("N", N, low=1)
    b = _as_vector("beta_star", beta_star)
    sigma = check_positive("sigma", sigma, strict=False)
    rng = as_generator(rng)
    X = rng.standard_normal((N, b.size))
    y = X @ b + sigma * rng.standard_normal(N)
    return X, y
