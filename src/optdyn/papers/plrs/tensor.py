"""Online orthogonal tensor decomposition (the paper's App. G, after Ge et al. 2015), synthetic and in numpy.

The tensor is ``T = sum_i a_i^{(x)4}`` with orthonormal components ``a_1..a_d`` in R^d. Samples arrive one per
step as ``x = A' z`` (``z`` Rademacher, ``A`` the matrix with rows ``a_i``), and

    T^(u, u, v, v) = 1/2 [ ||u||^2 ||v||^2 + 2 (u.v)^2 - (x.u)^2 (x.v)^2 ]

is an unbiased estimator of ``T(u, u, v, v) = sum_k (a_k.u)^2 (a_k.v)^2`` [D: E (z.alpha)^2 (z.beta)^2 =
|alpha|^2|beta|^2 + 2 (alpha.beta)^2 - 2 sum alpha_k^2 beta_k^2 for Rademacher z]. The objective
``sum_{i != j} T(u_i, u_i, u_j, u_j)`` over unit vectors ``u_1..u_d`` is zero exactly at the components (up to
sign and order); projected SGD steps ``u_i <- normalise(u_i - eta (grad_i + noise_i))``. Ge et al.'s noisy SGD
adds ``noise_i`` uniform on the unit sphere; PLRS adds none and draws ``eta`` from ``U[L_min, L_max]``.

The error is the normalised reconstruction error ``||T - sum_i u_i^{(x)4}||_F^2 / ||T||_F^2`` in closed form,
``[d - 2 sum_ij (a_i.u_j)^4 + sum_ij (u_i.u_j)^4] / d``.

All arms run at once, array ``(S, d, d)`` (run, component, coordinate); arms that share a sample stream get the
same ``x`` at every step (common random numbers).
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator
from optdyn.validation import check_int

__all__ = ["orthonormal_components", "reconstruction_error", "stochastic_gradient", "projected_sgd"]


def _unit(V: np.ndarray) -> np.ndarray:
    return V / np.linalg.norm(V, axis=-1, keepdims=True)


def orthonormal_components(d: int, rng) -> np.ndarray:
    """``d`` orthonormal components (rows), Haar-distributed (QR of a Gaussian matrix, signs fixed)."""
    d = check_int("d", d, low=1)
    Q, Rm = np.linalg.qr(as_generator(rng).standard_normal((d, d)))
    return (Q * np.sign(np.diag(Rm))).T


def reconstruction_error(U: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Normalised ``||T - sum_i u_i^{(x)4}||_F^2 / ||T||_F^2`` for each run ``U[s]`` (rows u_i), shape ``(S,)``."""
    U = np.asarray(U, float)
    d = A.shape[0]
    AU = np.einsum("ik,sjk->sij", A, U)
    UU = np.einsum("sik,sjk->sij", U, U)
    return (d - 2.0 * (AU**4).sum(axis=(1, 2)) + (UU**4).sum(axis=(1, 2))) / d


def stochastic_gradient(U: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient in ``u_i`` of ``sum_{i != j} T^(u_i, u_i, u_j, u_j)`` for one sample ``x[s]`` per run:
    ``2 sum_{j != i} [ u_i ||u_j||^2 + 2 (u_i.u_j) u_j - (x.u_i)(x.u_j)^2 x ]``. ``U``: ``(S, d, d)``, ``x``: ``(S, d)``."""
    d = U.shape[1]
    xu = np.einsum("sk,sik->si", x, U)
    G = np.einsum("sik,sjk->sij", U, U)
    nrm2 = np.einsum("sii->si", G).copy()
    G[:, np.arange(d), np.arange(d)] = 0.0
    others = nrm2.sum(axis=1, keepdims=True) - nrm2
    xu2 = xu**2
    c = xu2.sum(axis=1, keepdims=True) - xu2
    return 2.0 * (U * others[..., None] + 2.0 * np.einsum("sij,sjk->sik", G, U) - (xu * c)[..., None] * x[:, None, :])


def projected_sgd(A: np.ndarray, U0: np.ndarray, lr, n_steps: int, *, rng_samples, arms: int, noise=None, rng_noise=None,
                  record_every: int = 20) -> np.ndarray:
    """Projected online SGD of ``arms`` stacked arms of ``R`` runs each (``U0``: ``(R, d, d)``, the same start for
    every arm). ``lr(t) -> (arms * R,)`` rates; ``noise``: ``(arms * R,)`` scale of the unit-sphere noise added to the
    gradient (0 = none; all noisy arms see the same noise directions); the samples ``x`` are shared by the arms.
    Returns ``(steps, E)``: the step counts at which the error was recorded (0, every ``record_every`` steps and
    the last) and the errors, shape ``(len(steps), arms * R)``; a run whose iterate is not finite gets ``nan``
    from then on."""
    n_steps = check_int("n_steps", n_steps, low=1)
    arms = check_int("arms", arms, low=1)
    record_every = check_int("record_every", record_every, low=1)
    rng_samples = as_generator(rng_samples, "rng_samples")
    R, d, _ = U0.shape
    U = np.tile(_unit(np.asarray(U0, float)), (arms, 1, 1))
    noise = np.zeros(arms * R) if noise is None else np.asarray(noise, float)
    if noise.shape != (arms * R,):
        raise ValueError(f"noise must have shape ({arms * R},), got {noise.shape}")
    noisy = bool(np.any(noise > 0))
    if noisy:
        rng_noise = as_generator(rng_noise, "rng_noise")
    out, steps = [reconstruction_error(U, A)], [0]
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            x = np.tile(rng_samples.choice(np.array([-1.0, 1.0]), size=(R, d)) @ A, (arms, 1))
            g = stochastic_gradient(U, x)
            if noisy:
                g = g + noise[:, None, None] * np.tile(_unit(rng_noise.standard_normal((R, d, d))), (arms, 1, 1))
            U = _unit(U - np.asarray(lr(t), float)[:, None, None] * g)
            if (t + 1) % record_every == 0 or t + 1 == n_steps:
                out.append(reconstruction_error(U, A))
                steps.append(t + 1)
    E = np.array(out)
    bad = ~np.isfinite(E)
    if bad.any():  # once non-finite, always nan
        E[np.maximum.accumulate(bad, axis=0)] = np.nan
    return np.array(steps), E
