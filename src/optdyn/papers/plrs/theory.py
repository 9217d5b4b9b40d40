"""Closed forms of the PLRS analysis (brief Sec. 1.2-2; [R] = rebuilt from the proof prose,
[D] = derived in the brief).

Notation: ``eta_c = (L_min + L_max)/2``, ``u = eta - eta_c ~ U[-h, h]``, ``s^2 = (L_max-L_min)^2/12``,
``xi = g - grad f`` with ``E xi = 0`` and ``E||xi||^2 = sigma^2``.
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_in_range, check_int

from optdyn.papers.plrs.landscapes import sphere_noise

__all__ = [
    "plrs_moments",
    "noise_decomposition",
    "lemma1_second_moment",
    "thm1_threshold",
    "thm1_expected_change",
    "thm1_bound",
    "lemma1_samples",
    "one_step_change_mc",
]


def _bounds(l_min, l_max) -> tuple[float, float]:
    lo = check_in_range("l_min", l_min, 0.0, None)
    hi = check_in_range("l_max", l_max, 0.0, None, low_closed=False)
    if lo > hi:
        raise ValueError(f"l_min must be <= l_max, got l_min={l_min!r} > l_max={l_max!r}")
    return lo, hi


def plrs_moments(l_min: float, l_max: float) -> tuple[float, float]:
    """``(eta_c, s^2) = ((L_min + L_max)/2, (L_max - L_min)^2 / 12)`` (brief Sec. 1.2)."""
    lo, hi = _bounds(l_min, l_max)
    return 0.5 * (lo + hi), (hi - lo) ** 2 / 12.0


def noise_decomposition(g, grad, eta, eta_c: float) -> np.ndarray:
    """``w = eta_c (g - grad f) + (eta - eta_c) g`` so that ``x_{t+1} = x_t - eta_c grad f - w``
    (SGD-PLRS rewritten as GD at ``eta_c`` plus noise; [R], consistent with Thm 3's proof).
    ``g``/``grad``: ``(N, d)``; ``eta``: ``(N,)`` or scalar."""
    g = np.asarray(g, dtype=float)
    grad = np.asarray(grad, dtype=float)
    eta = np.asarray(eta, dtype=float)
    if eta.ndim == 1:
        eta = eta[:, None]
    return eta_c * (g - grad) + (eta - eta_c) * g


def lemma1_second_moment(grad_norm2: float, sigma2: float, l_min: float, l_max: float) -> float:
    """``E||w||^2 = eta_c^2 E||xi||^2 + s^2 E||g||^2 = eta_c^2 sigma^2 + s^2 (||grad f||^2 + sigma^2)``
    (Lemma 1 second moment [R]; exact when ``E||xi||^2 = sigma^2`` and u is independent of g)."""
    eta_c, s2 = plrs_moments(l_min, l_max)
    g2 = check_in_range("grad_norm2", grad_norm2, 0.0, None)
    v = check_in_range("sigma2", sigma2, 0.0, None)
    return eta_c**2 * v + s2 * (g2 + v)


def thm1_threshold(eta_c: float, beta: float, sigma2: float) -> float:
    """Theorem 1's large-gradient threshold ``sqrt(3 eta_c beta sigma^2)``."""
    e = check_in_range("eta_c", eta_c, 0.0, None)
    b = check_in_range("beta", beta, 0.0, None, low_closed=False)
    v = check_in_range("sigma2", sigma2, 0.0, None)
    return float(np.sqrt(3 * e * b * v))


def thm1_expected_change(grad_norm2, beta: float, l_min: float, l_max: float, noise_var: float):
    """One-step identity behind Theorem 1 [R, D]:
    ``E f(x_{t+1}) - f(x_t) = -eta_c ||grad f||^2 + (beta/2)(eta_c^2 + s^2)(||grad f||^2 + E||xi||^2)``.
    An upper bound for any beta-smooth f; an equality for ``f = (beta/2)||x||^2``."""
    eta_c, s2 = plrs_moments(l_min, l_max)
    b = check_in_range("beta", beta, 0.0, None, low_closed=False)
    v = check_in_range("noise_var", noise_var, 0.0, None)
    g2 = np.asarray(grad_norm2, dtype=float)
    if np.any(g2 < 0):
        raise ValueError("grad_norm2 must be >= 0")
    return -eta_c * g2 + 0.5 * b * (eta_c**2 + s2) * (g2 + v)


def thm1_bound(eta_c: float, grad_norm2):
    """Explicit Theorem 1 bound derived in the brief [D]: if ``L_max < 1/beta`` and
    ``||grad f|| >= sqrt(3 eta_c beta sigma^2)``, then ``E Delta f <= -eta_c ||grad f||^2 / 9``
    (``<= -(beta/3) eta_c^2 sigma^2``)."""
    e = check_in_range("eta_c", eta_c, 0.0, None)
    return -e * np.asarray(grad_norm2, dtype=float) / 9.0


def lemma1_samples(landscape, x, l_min: float, l_max: float, sigma: float, n: int, rng, *, dependent: bool = False):
    """``n`` draws of the PLRS noise ``w`` at the point ``x`` with sphere noise of radius ``sigma``.

    ``dependent=True`` is the negative control: the rate keeps its ``U[L_min, L_max]`` marginal
    but ``sign(u) = sign(xi_1)`` couples it to the gradient noise (violating independence).
    Returns ``(W, grad)`` with ``W`` of shape ``(n, d)``.
    """
    rng = as_generator(rng)
    n = check_int("n", n, low=2)
    lo, hi = _bounds(l_min, l_max)
    x = np.asarray(x, dtype=float).reshape(1, -1)
    grad = landscape.grad(x)[0]
    xi = sphere_noise(rng, (n, x.shape[1]), sigma)
    eta_c = 0.5 * (lo + hi)
    u = rng.uniform(lo, hi, n) - eta_c
    if dependent:
        u = np.abs(u) * np.where(xi[:, 0] >= 0, 1.0, -1.0)
    g = grad[None, :] + xi
    return noise_decomposition(g, grad[None, :], eta_c + u, eta_c), grad


def one_step_change_mc(landscape, x, l_min: float, l_max: float, sigma: float, n: int, rng) -> tuple[float, float]:
    """Monte Carlo of ``E f(x - eta g) - f(x)``, ``eta ~ U[L_min, L_max]``, ``g = grad f + xi``,
    ``xi`` on the sphere of radius ``sigma``: returns ``(mean, standard error)``."""
    rng = as_generator(rng)
    n = check_int("n", n, low=2)
    lo, hi = _bounds(l_min, l_max)
    x = np.asarray(x, dtype=float).reshape(1, -1)
    grad = landscape.grad(x)
    xi = sphere_noise(rng, (n, x.shape[1]), sigma)
    eta = rng.uniform(lo, hi, n)
    df = landscape.f(x - eta[:, None] * (grad + xi)) - landscape.f(x)[0]
    return float(df.mean()), float(df.std(ddof=1) / np.sqrt(n))
