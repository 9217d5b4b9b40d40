"""Confidence intervals from ASGD + the online covariance estimate, coverage and finite-n predictions.

* 1-D interval for ``v'beta_tilde`` (Thm C + Thm D): ``v'beta_bar_n +- z_{1-a/2} sqrt(v' Sigma_hat_n v / n)``
  (``Sigma_hat_n / n`` at time ``n``, never the final ``n``: official-code defect 6 / pitfall P9);
  ``diag_only=True`` reproduces the official diagonal-only shortcut (pitfall P8).
* joint region: ``n (beta_bar_n - beta)' Sigma_hat_n^{-1} (beta_bar_n - beta) <= chi2_{d, 1-a}``.
* predicted finite-n coverage (pitfall P7): the batch-means estimate has expectation ``E_hat``
  (:func:`~optdyn.papers.dropout_sgd.online_cov.nbm_expected_covariance`) and roughly ``nu`` degrees of freedom
  (:func:`~optdyn.papers.dropout_sgd.online_cov.nbm_dof`); modelling ``Sigma_hat ~ Wishart(nu, E_hat/nu)`` independent
  of ``sqrt(n)(beta_bar - beta) ~ N(b, C)`` gives a predicted coverage below nominal that tends to it.
"""
from __future__ import annotations

import numpy as np
from scipy import integrate
from scipy import stats as st

from optdyn.random import as_generator
from optdyn.validation import check_in_range, check_int, check_positive

__all__ = [
    "joint_covered",
    "predicted_joint_coverage",
    "predicted_projection_coverage",
    "projection_ci",
    "projection_covered",
    "wald_statistic",
]


def _level(level) -> float:
    return check_in_range("level", level, 0.0, 1.0, low_closed=False, high_closed=False)


def projection_ci(avg, cov, n, v, level: float = 0.95, diag_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``v'avg -+ z sqrt(v' cov v / n)``; ``avg (..., d)``, ``cov (..., d, d)`` or ``(d, d)``, ``n`` broadcasts with ``avg[..., 0]``."""
    level = _level(level)
    avg = np.asarray(avg, dtype=float)
    cov = np.asarray(cov, dtype=float)
    v = np.asarray(v, dtype=float)
    if v.shape != avg.shape[-1:]:
        raise ValueError(f"v must have shape {avg.shape[-1:]}, got {v.shape}")
    if diag_only:
        var = np.einsum("...ii,i->...", cov, v * v)
    else:
        var = np.einsum("i,...ij,j->...", v, cov, v)
    n = np.asarray(n, dtype=float)
    if np.any(n <= 0):
        raise ValueError("n must be positive")
    z = st.norm.isf((1 - level) / 2)
    half = z * np.sqrt(np.abs(var) / n)
    c = avg @ v
    return c - half, c + half


def projection_covered(avg, cov, n, v, truth, level: float = 0.95, diag_only: bool = False) -> np.ndarray:
    """Boolean array: does the 1-D interval cover ``v'truth``?"""
    lo, hi = projection_ci(avg, cov, n, v, level, diag_only)
    t = float(np.asarray(v, dtype=float) @ np.asarray(truth, dtype=float))
    return (lo <= t) & (t <= hi)


def wald_statistic(avg, target, cov, n) -> np.ndarray:
    """``n (avg - target)' cov^{-1} (avg - target)``; ``cov (d, d)`` or batched like ``avg``."""
    avg = np.asarray(avg, dtype=float)
    diff = avg - np.asarray(target, dtype=float)
    cov = np.asarray(cov, dtype=float)
    if cov.ndim == 2:
        sol = np.linalg.solve(cov, diff[..., None] if diff.ndim == 1 else np.moveaxis(diff, -1, 0).reshape(cov.shape[0], -1))
        sol = sol[..., 0] if diff.ndim == 1 else np.moveaxis(sol.reshape((cov.shape[0],) + diff.shape[:-1]), 0, -1)
    else:
        sol = np.linalg.solve(cov, diff[..., None])[..., 0]
    return np.asarray(n, dtype=float) * np.einsum("...i,...i->...", diff, sol)


def joint_covered(avg, target, cov, n, level: float = 0.95) -> np.ndarray:
    """Boolean array: is ``target`` inside the chi^2_d Wald region?"""
    level = _level(level)
    d = np.asarray(avg).shape[-1]
    return wald_statistic(avg, target, cov, n) <= st.chi2.ppf(level, d)


def predicted_projection_coverage(s2: float, q: float, nu: float, bias: float = 0.0, level: float = 0.95) -> float:
    """``P(|b + s Z| <= z sqrt(q W / nu))``, ``Z ~ N(0,1)``, ``W ~ chi2_nu`` (exact 1-D quadrature).

    ``s2 = n Var(v'beta_bar_n)``, ``q = v' E[Sigma_hat_n] v``, ``b = sqrt(n) v'(E beta_bar_n - truth)``;
    ``nu = inf`` means a non-random estimate.
    """
    s = np.sqrt(check_positive("s2", s2))
    q = check_positive("q", q)
    level = _level(level)
    z = st.norm.isf((1 - level) / 2)

    def cov_at(w):
        c = z * np.sqrt(q * w)
        return st.norm.cdf((c - bias) / s) - st.norm.cdf((-c - bias) / s)

    if not np.isfinite(nu):
        return float(cov_at(1.0))
    nu = check_positive("nu", nu)
    lo, hi = st.chi2.ppf(1e-14, nu), st.chi2.isf(1e-14, nu)
    val, _ = integrate.quad(lambda w: cov_at(w / nu) * st.chi2.pdf(w, nu), lo, hi, points=[nu], limit=200)
    return float(val)


def predicted_joint_coverage(C, E_hat, nu: float, bias=None, level: float = 0.95, *, rng, n_mc: int = 20000) -> float:
    """Monte Carlo ``P(Z' W^{-1} Z <= chi2_{d,level})``, ``Z ~ N(b, C)``, ``W ~ Wishart(nu, E_hat/nu)``."""
    rng = as_generator(rng)
    n_mc = check_int("n_mc", n_mc, low=100)
    level = _level(level)
    C = np.asarray(C, dtype=float)
    E_hat = np.asarray(E_hat, dtype=float)
    d = C.shape[0]
    nu = check_in_range("nu", nu, d - 1, None, low_closed=False)
    b = np.zeros(d) if bias is None else np.asarray(bias, dtype=float)
    Z = b + rng.standard_normal((n_mc, d)) @ np.linalg.cholesky(C).T
    W = st.wishart(df=nu, scale=E_hat / nu).rvs(size=n_mc, random_state=rng).reshape(n_mc, d, d)
    stat = np.einsum("ni,ni->n", Z, np.linalg.solve(W, Z[..., None])[..., 0])
    return float(np.mean(stat <= st.chi2.ppf(level, d)))
