"""Injected gradient noise g = grad f(x) + Z (brief 1.1): Gaussian diagonal and Student-t.

The experiments of the paper compute full-batch gradients and add synthetic noise, so Sigma is known
exactly. Both models are diagonal and state independent.

* :class:`GaussianNoise`: Z ~ N(0, diag(s^2)) with s = sigma / sqrt(B) (batch size B averages B iid
  per-sample noises, Sigma_B = Sigma_1 / B).
* :class:`StudentTNoise`: Z_i = s_i T_i with T_i iid Student-t(nu). ``s`` is a *scale*, not a standard
  deviation: Var Z_i = s_i^2 nu / (nu - 2) for nu > 2 and infinite for nu <= 2 (brief pitfall 12).
  ``nu = inf`` is the Gaussian limit and ``nu = 1`` is Cauchy.

Both expose ``sign_mean(g) = E[sign(g + Z)]`` (the drift of the SignSGD SDE, Thm 3.2 / Cor 3.3) and
``density_at_zero()`` (SignSGD only "sees" the noise through it, brief T7).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int

__all__ = ["GaussianNoise", "StudentTNoise", "student_t_sign_mean"]


def _scale_array(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array (one entry per coordinate), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (a noise scale), got {value!r}")
    return arr


def _standardise(g, scale) -> np.ndarray:
    g = np.asarray(g, dtype=float)
    if np.all(scale > 0):
        return g / scale
    safe = np.where(scale > 0, scale, 1.0)
    inf = np.where(g > 0, np.inf, np.where(g < 0, -np.inf, 0.0))
    return np.where(scale > 0, g / safe, inf)


def student_t_sign_mean(y, nu: float) -> np.ndarray:
    """``E[sign(y + T)] = 2 F_nu(y) - 1`` for T ~ Student-t(nu) (unit scale).

    ``nu = inf`` gives ``erf(y / sqrt(2))`` and ``nu = 1`` gives ``(2/pi) arctan(y)`` (brief 1.4).
    """
    y = np.asarray(y, dtype=float)
    if math.isinf(nu):
        return special.erf(y / math.sqrt(2.0))
    if nu == 1.0:
        return (2.0 / math.pi) * np.arctan(y)
    return 2.0 * special.stdtr(nu, y) - 1.0


class GaussianNoise:
    """Diagonal Gaussian gradient noise with scale ``s = sigma / sqrt(batch_size)``.

    Parameters
    ----------
    sigma : per-sample noise standard deviation, scalar or one value per coordinate (>= 0).
    batch_size : B >= 1; the effective standard deviation is sigma / sqrt(B) (brief 1.1).
    """

    nu = math.inf

    def __init__(self, sigma, batch_size: int = 1):
        self.sigma = _scale_array("sigma", sigma)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.scale = self.sigma / math.sqrt(self.batch_size)

    def __repr__(self) -> str:
        return f"GaussianNoise(sigma={self.sigma.tolist()}, batch_size={self.batch_size})"

    def sample(self, rng, shape) -> np.ndarray:
        """Draw Z with the given shape (last axis = coordinates, broadcast against the scale)."""
        rng = as_generator(rng)
        return rng.standard_normal(shape) * self.scale

    def standardise(self, g) -> np.ndarray:
        """``Sigma^{-1/2} g`` (+-inf where the scale is 0 and g != 0, 0 where both are 0)."""
        return _standardise(g, self.scale)

    def sign_mean(self, g) -> np.ndarray:
        """``E[sign(g + Z)] = erf(g / (sqrt(2) s))`` (Cor 3.3); ``sign(g)`` where s = 0."""
        y = self.standardise(g)
        return np.where(np.isfinite(y), special.erf(np.where(np.isfinite(y), y, 0.0) / math.sqrt(2.0)), np.sign(y))

    def density_at_zero(self) -> np.ndarray:
        """Density of Z_i at 0: ``1 / (sqrt(2 pi) s)``."""
        with np.errstate(divide="ignore"):
            return 1.0 / (math.sqrt(2.0 * math.pi) * self.scale)

    def cov_diag(self) -> np.ndarray:
        """Diagonal of Cov Z: ``s^2``."""
        return self.scale**2


class StudentTNoise:
    """Heavy-tailed noise ``Z_i = s_i T_i``, T_i iid Student-t(nu), ``s`` a scale (brief 1.1, T7).

    Parameters
    ----------
    scale : scale s (>= 0), scalar or per coordinate.
    nu : degrees of freedom, > 0 (``math.inf`` = Gaussian, 1 = Cauchy).
    """

    batch_size = 1

    def __init__(self, scale, nu: float):
        self.scale = _scale_array("scale", scale)
        if isinstance(nu, bool):
            raise TypeError("nu must be a real number")
        nu = float(nu)
        if not (nu > 0):
            raise ValueError(f"nu must be in (0, inf], got {nu!r}")
        self.nu = nu

    def __repr__(self) -> str:
        return f"StudentTNoise(scale={self.scale.tolist()}, nu={self.nu})"

    def sample(self, rng, shape) -> np.ndarray:
        rng = as_generator(rng)
        if math.isinf(self.nu):
            return rng.standard_normal(shape) * self.scale
        return rng.standard_t(self.nu, size=shape) * self.scale

    def standardise(self, g) -> np.ndarray:
        """``g / s`` elementwise (+-inf where s = 0 and g != 0, 0 where both are 0)."""
        return _standardise(g, self.scale)

    def sign_mean(self, g) -> np.ndarray:
        """``E[sign(g + Z)] = 2 F_nu(g/s) - 1`` (brief 1.4, Student-t version of Cor 3.3)."""
        y = self.standardise(g)
        fin = np.isfinite(y)
        return np.where(fin, student_t_sign_mean(np.where(fin, y, 0.0), self.nu), np.sign(y))

    def density_at_zero(self) -> np.ndarray:
        """``p_nu(0) / s`` with ``p_nu(0) = Gamma((nu+1)/2) / (sqrt(nu pi) Gamma(nu/2))``."""
        with np.errstate(divide="ignore"):
            return t_density_at_zero(self.nu) / self.scale

    def cov_diag(self) -> np.ndarray:
        """``s^2 nu/(nu-2)`` for nu > 2, ``inf`` for nu <= 2."""
        if math.isinf(self.nu):
            return self.scale**2
        if self.nu <= 2:
            return np.full_like(self.scale, np.inf)
        return self.scale**2 * self.nu / (self.nu - 2.0)


def t_density_at_zero(nu: float) -> float:
    """Student-t(nu) density at 0; ``1/sqrt(2 pi)`` for nu = inf (brief T7)."""
    nu = check_in_range("nu", nu, 0.0, None, low_closed=False) if not math.isinf(nu) else nu
    if math.isinf(nu):
        return 1.0 / math.sqrt(2.0 * math.pi)
    return math.exp(special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2)) / math.sqrt(nu * math.pi)
