"""The dropout-l2 target ``beta_tilde`` (fixed and random design) and the marginalised objective.

With plain 0/1 masks ``D = diag(delta)``, ``delta_j ~ Bernoulli(p)`` (no 1/p rescaling):

* fixed design: ``E_D ||y - X D b||^2 = ||y - p X b||^2 + p(1-p) b' Diag(X'X) b``, minimised by
  ``beta_tilde = X_p^{-1} X'y`` with ``X_p = p X'X + (1-p) Diag(X'X)`` (Clara, Langer &
  Schmidt-Hieber 2024; brief Sec. 1.2);
* random design: ``beta_tilde = Sigma_p^{-1} Sigma beta*`` with ``Sigma_p = p Sigma + (1-p) Diag(Sigma)``
  (brief Sec. 1.3); ``beta_tilde = beta*`` iff this holds, e.g. whenever ``Sigma`` is diagonal.

Both are the fixed point of the mean update of the dropout recursion.
"""
from __future__ import annotations

import numpy as np

from optdyn.validation import check_probability

__all__ = [
    "dropout_marginal_gradient",
    "dropout_marginal_objective",
    "gd_dropout_target",
    "gram_p",
    "inverted_dropout_target",
    "l2_gd_iterates",
    "sgd_dropout_target",
]


def _p(p) -> float:
    return check_probability("p", p, open_low=True)


def _Xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (N, d) and y (N,), got {X.shape} and {y.shape}")
    return X, y


def gram_p(G, p: float) -> np.ndarray:
    """``G_p = p G + (1-p) Diag(G)`` for a Gram/covariance matrix ``G``."""
    p = _p(p)
    G = np.asarray(G, dtype=float)
    return p * G + (1 - p) * np.diag(np.diag(G))


def gd_dropout_target(X, y, p: float) -> np.ndarray:
    """Fixed-design target ``beta_tilde = (p X'X + (1-p) Diag(X'X))^{-1} X'y``."""
    p = _p(p)
    X, y = _Xy(X, y)
    G = X.T @ X
    if np.any(np.diag(G) <= 0):
        raise ValueError("every column of X must be non-zero")
    return np.linalg.solve(gram_p(G, p), X.T @ y)


def sgd_dropout_target(cov, beta_star, p: float) -> np.ndarray:
    """Random-design target ``beta_tilde = (p Sigma + (1-p) Diag Sigma)^{-1} Sigma beta*``."""
    p = _p(p)
    cov = np.asarray(cov, dtype=float)
    b = np.asarray(beta_star, dtype=float)
    return np.linalg.solve(gram_p(cov, p), cov @ b)


def inverted_dropout_target(cov, beta_star, p: float) -> np.ndarray:
    """Fixed point of *inverted* dropout (masks ``D/p``): ``(Sigma + (1-p)/p Diag Sigma)^{-1} Sigma beta*``.

    Not the paper's algorithm (pitfall P1): for ``Sigma = I`` it is ``p beta*``.
    """
    p = _p(p)
    cov = np.asarray(cov, dtype=float)
    b = np.asarray(beta_star, dtype=float)
    return np.linalg.solve(cov + (1 - p) / p * np.diag(np.diag(cov)), cov @ b)


def dropout_marginal_objective(beta, X, y, p: float) -> float:
    """``E_D ||y - X D beta||^2 = ||y - p X beta||^2 + p(1-p) beta' Diag(X'X) beta``."""
    p = _p(p)
    X, y = _Xy(X, y)
    beta = np.asarray(beta, dtype=float)
    r = y - p * (X @ beta)
    return float(r @ r + p * (1 - p) * np.sum((X * X).sum(0) * beta**2))


def dropout_marginal_gradient(beta, X, y, p: float) -> np.ndarray:
    """Gradient of :func:`dropout_marginal_objective`: ``2p (X_p beta - X'y)``."""
    p = _p(p)
    X, y = _Xy(X, y)
    beta = np.asarray(beta, dtype=float)
    G = X.T @ X
    return 2 * p * (gram_p(G, p) @ beta - X.T @ y)


def l2_gd_iterates(X, y, p: float, alpha: float, n_steps: int, beta0=0.0) -> np.ndarray:
    """The l2-regularised GD iterates ``b_k = b_{k-1} + alpha p (X'y - X_p b_{k-1})`` (= ``E[beta_k]``), shape (n_steps+1, d)."""
    from optdyn.validation import check_int, check_positive

    p = _p(p)
    alpha = check_positive("alpha", alpha)
    n_steps = check_int("n_steps", n_steps, low=0)
    X, y = _Xy(X, y)
    G = gram_p(X.T @ X, p)
    u = X.T @ y
    b = np.broadcast_to(np.asarray(beta0, dtype=float), (X.shape[1],)).copy()
    out = np.empty((n_steps + 1, b.size))
    out[0] = b
    for k in range(1, n_steps + 1):
        b = b + alpha * p * (u - G @ b)
        out[k] = b
    return out
