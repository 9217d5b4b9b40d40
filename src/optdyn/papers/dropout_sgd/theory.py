"""Exact second-order theory of the dropout recursion (brief Sec. 1.4-1.5 and 2.B; derived, checked by MC).

Both GD and SGD dropout are random-coefficient AR(1) recursions around the target ``beta_tilde``::

    delta_k = A_k delta_{k-1} + alpha xi_k,   A_k = I - alpha B_k,
    GD : B_k = D_k XX D_k,        xi_k = D_k (X'y - XX D_k beta_tilde)      (XX = X'X)
    SGD: B_k = D_k x_k x_k' D_k,  xi_k = D_k x_k (y_k - x_k' D_k beta_tilde)

with ``(A_k, xi_k)`` i.i.d. and ``E xi_k = 0``. Everything below is a function of three moments:
``H = E[B]``, the operator ``L(S) = E[B S B]`` (a ``d^2 x d^2`` matrix ``Lmat`` acting on row-major
``vec S``) and ``V_xi = E[xi xi']``. Mask moments are ``E[delta_i1 ... delta_ir] = p^{#distinct}``.

Results (brief Sec. 2.B):

* one-step contraction constant ``lambda(alpha) = lambda_max(E[A'A]) = lambda_max(I - 2 alpha H + alpha^2 L(I))``
  (Thm A with q = 2: ``E||Delta_k||^2 <= lambda^k ||Delta_0||^2`` for coupled chains);
* second-moment operator ``T_alpha = E[A (x) A] = I - alpha (H (x) I + I (x) H) + alpha^2 Lmat`` (symmetric)
  and the exact rate ``rho(alpha) = lambda_max(T_alpha)`` (``E||Delta_k||^2 = tr T^k(Delta_0 Delta_0')``);
* thresholds: one-step ``alpha_c = 2 / lambda_max(H^{-1/2} L(I) H^{-1/2})`` and the spectral threshold
  ``rho(alpha) = 1``; the GD sufficient condition ``alpha < 2/lambda_max(X'X)``;
* stationary covariance ``S(alpha)``: ``H S + S H - alpha L(S) = alpha V_xi`` (general linear solve);
* long-run covariance ``Sigma_alpha = H^{-1}(V_xi + L(S) - H S H)H^{-1} = (aH)^{-1}S + S(aH)^{-1} - S``;
* small-step limits: ``S(alpha)/alpha -> S0`` with ``H S0 + S0 H = V_xi``; ``Sigma_alpha -> H^{-1} V_xi H^{-1}``
  (the sandwich);
* SGD with ``Sigma = I`` (every paper simulation): closed forms in :func:`sgd_identity_closed_form`;
* GMC in ``L^4`` (Thm A with q = 4), GD: ``E[Delta_k^{(x)4}] = T4^k Delta_0^{(x)4}`` with
  ``T4 = E[A (x) A (x) A (x) A]`` (exact, by enumerating the ``2^d`` masks, ``d <= 6``); the ``L^4`` rate
  is ``rho_4(alpha)^{1/4}`` with ``rho_4`` the spectral radius of ``T4``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg as sla
from scipy.optimize import brentq

from optdyn.validation import check_int, check_positive, check_probability, check_real
from optdyn.papers.dropout_sgd.design import GaussianDesign
from optdyn.papers.dropout_sgd.targets import gd_dropout_target, sgd_dropout_target

__all__ = [
    "DropoutMoments",
    "apply_L",
    "asgd_exact_covariance",
    "asgd_mean_bias",
    "autocovariance",
    "check_step",
    "contraction_constant",
    "expected_fourth_distance",
    "expected_sq_distance",
    "fourth_moment_operator",
    "fourth_moment_rate",
    "gd_alpha_max",
    "gd_moments",
    "long_run_covariance",
    "lyapunov_limit",
    "mask_moment_tensors",
    "one_step_threshold",
    "sandwich_covariance",
    "second_moment_operator",
    "second_moment_rate",
    "sgd_identity_closed_form",
    "sgd_moments",
    "spectral_threshold",
    "stationary_covariance",
]

_MAX_D = 60  # d^4 tensors: 13 M entries at d = 60 (pitfall P13)


def mask_moment_tensors(d: int, p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``T_r[i1..ir] = E[delta_i1 ... delta_ir] = p^{#distinct(i1..ir)}`` for r = 2, 3, 4."""
    d = check_int("d", d, low=1, high=_MAX_D)
    p = check_probability("p", p, open_low=True)
    out = []
    for r in (2, 3, 4):
        idx = np.sort(np.indices((d,) * r, dtype=np.int16), axis=0)
        distinct = 1 + (np.diff(idx, axis=0) != 0).sum(axis=0)
        out.append(p ** distinct.astype(float))
    return tuple(out)


@dataclass
class DropoutMoments:
    """Exact moments of one dropout recursion: ``H = E B``, ``Lmat`` (``E[B (x) B]``), ``V_xi``, target.

    ``kind`` is ``"gd"`` or ``"sgd"``; ``gram`` is ``X'X`` (GD) or ``Sigma`` (SGD).
    """

    kind: str
    p: float
    H: np.ndarray
    Lmat: np.ndarray
    Vxi: np.ndarray
    target: np.ndarray
    gram: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def d(self) -> int:
        return self.H.shape[0]

    @property
    def M4(self) -> np.ndarray:
        """``E[B^2] = L(I)``."""
        return apply_L(self, np.eye(self.d))


def apply_L(m: DropoutMoments, S) -> np.ndarray:
    """``L(S) = E[B S B]`` for a ``(d, d)`` matrix ``S``."""
    d = m.d
    S = np.asarray(S, dtype=float)
    return (m.Lmat @ S.reshape(d * d)).reshape(d, d)


def gd_alpha_max(X) -> float:
    """Sufficient GD condition of the official script: ``alpha < 2 / lambda_max(X'X)``."""
    X = np.asarray(X, dtype=float)
    return 2.0 / np.linalg.eigvalsh(X.T @ X)[-1]


def gd_moments(X, y, p: float) -> DropoutMoments:
    """Exact moments of GD dropout with fixed design ``X`` (brief Sec. 2.B.5)."""
    p = check_probability("p", p, open_low=True)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    b = gd_dropout_target(X, y, p)
    d = X.shape[1]
    G = X.T @ X
    u = X.T @ y
    T2, T3, T4 = mask_moment_tensors(d, p)
    H = T2 * G
    # L4[i,j,k,l] = G_ik G_lj T4[i,k,l,j]  (T4 symmetric)
    L4 = G[:, None, :, None] * G.T[None, :, None, :] * T4
    Gb = G * b[None, :]  # Gb[i,k] = G_ik b_k
    V = (
        np.outer(u, u) * T2
        - u[:, None] * np.einsum("jl,ijl->ij", Gb, T3)
        - u[None, :] * np.einsum("ik,ijk->ij", Gb, T3)
        + np.einsum("ik,jl,ijkl->ij", Gb, Gb, T4)
    )
    return DropoutMoments("gd", p, H, L4.reshape(d * d, d * d), 0.5 * (V + V.T), b, G)


def sgd_moments(design: GaussianDesign, p: float) -> DropoutMoments:
    """Exact moments of SGD dropout for a Gaussian design (Isserlis; brief Sec. 2.B.6). ``d <= 60``."""
    if not isinstance(design, GaussianDesign):
        raise TypeError(f"design must be a GaussianDesign, got {type(design).__name__}")
    p = check_probability("p", p, open_low=True)
    d = design.d
    if d > _MAX_D:
        raise ValueError(f"design.d must be <= {_MAX_D} for the d^4 general solver; use sgd_identity_closed_form")
    Sg = design.Sigma
    bs = design.beta_star
    b = sgd_dropout_target(Sg, bs, p)
    T2, T3, T4 = mask_moment_tensors(d, p)
    H = T2 * Sg
    iso = Sg[:, :, None, None] * Sg[None, None] + Sg[:, None, :, None] * Sg[None, :, None, :] + Sg[:, None, None, :] * Sg[None, :, :, None]
    L4 = T4 * iso
    # W[i,j,k,l] = E[delta_i delta_j w_k w_l], w = beta* - D beta_tilde
    W = (
        T2[:, :, None, None] * np.outer(bs, bs)[None, None]
        - T3[:, :, None, :] * np.outer(bs, b)[None, None]
        - T3[:, :, :, None] * np.outer(b, bs)[None, None]
        + T4 * np.outer(b, b)[None, None]
    )
    V = (
        design.sigma**2 * T2 * Sg
        + Sg * np.einsum("kl,ijkl->ij", Sg, W)
        + 2 * np.einsum("ik,jl,ijkl->ij", Sg, Sg, W)
    )
    return DropoutMoments("sgd", p, H, L4.reshape(d * d, d * d), 0.5 * (V + V.T), b, Sg)


def _alpha(alpha) -> float:
    return check_positive("alpha", alpha)


def contraction_constant(m: DropoutMoments, alpha: float) -> float:
    """One-step constant ``lambda(alpha) = lambda_max(E[A'A]) = lambda_max(I - 2 alpha H + alpha^2 E[B^2])`` (Thm A, q = 2)."""
    a = _alpha(alpha)
    EAA = np.eye(m.d) - 2 * a * m.H + a * a * m.M4
    return float(np.linalg.eigvalsh(0.5 * (EAA + EAA.T))[-1])


def second_moment_operator(m: DropoutMoments, alpha: float) -> np.ndarray:
    """``T_alpha = E[A (x) A]`` as a symmetric ``(d^2, d^2)`` matrix acting on row-major ``vec S``: ``S -> E[A S A]``."""
    a = _alpha(alpha)
    d = m.d
    I = np.eye(d)
    T = np.eye(d * d) - a * (np.kron(m.H, I) + np.kron(I, m.H)) + a * a * m.Lmat
    return 0.5 * (T + T.T)


def second_moment_rate(m: DropoutMoments, alpha: float) -> float:
    """Exact asymptotic rate ``rho(alpha)``: spectral radius of ``T_alpha`` (its largest eigenvalue, a positive map)."""
    a = _alpha(alpha)
    if m.d <= 20:
        ev = np.linalg.eigvalsh(second_moment_operator(m, a))
        return float(max(ev[-1], -ev[0]))
    from scipy.sparse.linalg import LinearOperator, eigsh

    d = m.d

    def mv(v):
        S = v.reshape(d, d)
        return (S - a * (m.H @ S + S @ m.H)).ravel() + a * a * (m.Lmat @ v)

    op = LinearOperator((d * d, d * d), matvec=mv, dtype=float)
    return float(eigsh(op, k=1, which="LA", return_eigenvectors=False, tol=1e-12)[0])


def one_step_threshold(m: DropoutMoments) -> float:
    """``alpha_c = 2 / lambda_max(H^{-1/2} E[B^2] H^{-1/2})``: ``lambda(alpha) < 1`` iff ``0 < alpha < alpha_c``."""
    if "alpha_c" not in m._cache:
        M4 = m.M4
        m._cache["alpha_c"] = 2.0 / float(sla.eigh(0.5 * (M4 + M4.T), m.H, eigvals_only=True)[-1])
    return m._cache["alpha_c"]


def spectral_threshold(m: DropoutMoments) -> float:
    """``sup{alpha: rho(alpha) < 1}``. ``rho`` is convex in alpha with ``rho(0) = 1``, so the root is unique; >= alpha_c."""
    if "alpha_rho" not in m._cache:
        lo = one_step_threshold(m)
        f = lambda a: second_moment_rate(m, a) - 1.0  # noqa: E731
        if f(lo) >= -1e-12:
            m._cache["alpha_rho"] = lo
        else:
            hi = 2 * lo
            while f(hi) < 0:
                lo, hi = hi, 2 * hi
            m._cache["alpha_rho"] = float(brentq(f, lo, hi, xtol=1e-14, rtol=1e-12))
    return m._cache["alpha_rho"]


def check_step(m: DropoutMoments, alpha, name: str = "alpha") -> float:
    """Validate ``0 < alpha < spectral threshold``; the error message gives the computed threshold."""
    a = check_real(name, alpha)
    if a <= 0:
        raise ValueError(f"{name} must be > 0 (step size), got {a!r}")
    if second_moment_rate(m, a) >= 1.0:
        thr = spectral_threshold(m)
        raise ValueError(
            f"{name} must be in (0, {thr:.6g}) for a stable {m.kind.upper()} dropout recursion "
            f"(second-moment threshold rho(alpha) < 1; one-step threshold alpha_c = {one_step_threshold(m):.6g}), got {a!r}"
        )
    return a


def _vec_solve(M: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    d = rhs.shape[0]
    S = np.linalg.solve(M, rhs.reshape(d * d)).reshape(d, d)
    return 0.5 * (S + S.T)


def stationary_covariance(m: DropoutMoments, alpha: float) -> np.ndarray:
    """``S(alpha) = Cov_pi(beta)``: solves ``H S + S H - alpha L(S) = alpha V_xi`` (vec form, general solve)."""
    a = check_step(m, alpha)
    if ("S", a) not in m._cache:
        d = m.d
        I = np.eye(d)
        M = np.kron(m.H, I) + np.kron(I, m.H) - a * m.Lmat
        m._cache[("S", a)] = _vec_solve(M, a * m.Vxi)
    return m._cache[("S", a)].copy()


def lyapunov_limit(m: DropoutMoments) -> np.ndarray:
    """``S0 = lim S(alpha)/alpha``: solves ``H S0 + S0 H = V_xi`` (Thm B, small-step CLT of the iterates)."""
    S0 = sla.solve_continuous_lyapunov(m.H, m.Vxi)
    return 0.5 * (S0 + S0.T)


def long_run_covariance(m: DropoutMoments, alpha: float) -> np.ndarray:
    """``Sigma_alpha = H^{-1}(V_xi + L(S) - H S H) H^{-1}`` (Thm C; sum of all autocovariances)."""
    S = stationary_covariance(m, alpha)
    Hi = np.linalg.inv(m.H)
    Sig = Hi @ (m.Vxi + apply_L(m, S) - m.H @ S @ m.H) @ Hi
    return 0.5 * (Sig + Sig.T)


def sandwich_covariance(m: DropoutMoments) -> np.ndarray:
    """Small-step limit ``Sigma_0 = H^{-1} V_xi H^{-1}`` (the plug-in/sandwich covariance; wrong at fixed alpha, P5)."""
    Hi = np.linalg.inv(m.H)
    return Hi @ m.Vxi @ Hi


def autocovariance(m: DropoutMoments, alpha: float, h: int) -> np.ndarray:
    """``Gamma(h) = Cov_pi(beta_h, beta_0) = (I - alpha H)^h S(alpha)`` for ``h >= 0``."""
    h = check_int("h", h, low=0)
    S = stationary_covariance(m, alpha)
    return np.linalg.matrix_power(np.eye(m.d) - alpha * m.H, h) @ S


def asgd_exact_covariance(m: DropoutMoments, alpha: float, n: int) -> np.ndarray:
    """Exact ``Cov(beta_bar_n)`` for a chain started from ``pi_alpha``: ``n^{-2} sum_{s,t} Gamma(t-s)``.

    ``= n^{-1}[S + F S + S F]`` with ``F = sum_{h=1}^{n-1} (1 - h/n) E^h``, ``E = I - alpha H``;
    ``n Cov -> Sigma_alpha``.
    """
    n = check_int("n", n, low=1)
    S = stationary_covariance(m, alpha)
    e, U = np.linalg.eigh(np.eye(m.d) - alpha * m.H)
    f = e / (1 - e) - e * (1 - e**n) / (n * (1 - e) ** 2)
    F = (U * f) @ U.T
    C = (S + F @ S + S @ F) / n
    return 0.5 * (C + C.T)


def asgd_mean_bias(m: DropoutMoments, alpha: float, n: int, beta0) -> np.ndarray:
    """Exact transient ``E beta_bar_n - beta_tilde = n^{-1} sum_{k=1}^n (I - alpha H)^k (beta0 - beta_tilde)``.

    Exact because the mean recursion is linear: ``E beta_k - beta_tilde = (I - alpha H)(E beta_{k-1} - beta_tilde)``.
    """
    a = _alpha(alpha)
    n = check_int("n", n, low=1)
    d0 = np.broadcast_to(np.asarray(beta0, dtype=float), (m.d,)) - m.target
    e, U = np.linalg.eigh(np.eye(m.d) - a * m.H)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(np.abs(1 - e) > 1e-15, e * (1 - e**n) / (n * (1 - e)), 1.0)
    return U @ (g * (U.T @ d0))


def expected_sq_distance(m: DropoutMoments, alpha: float, delta0, K: int) -> np.ndarray:
    """``E||Delta_k||^2 = tr T^k(Delta_0 Delta_0')`` for coupled chains, ``k = 0..K`` (exact, Thm A)."""
    a = _alpha(alpha)
    K = check_int("K", K, low=0)
    d0 = np.broadcast_to(np.asarray(delta0, dtype=float), (m.d,))
    S = np.outer(d0, d0)
    out = np.empty(K + 1)
    out[0] = np.trace(S)
    for k in range(1, K + 1):
        S = S - a * (m.H @ S + S @ m.H) + a * a * apply_L(m, S)
        out[k] = np.trace(S)
    return out


def sgd_identity_closed_form(d: int, p: float, alpha: float, beta_star, sigma: float = 1.0) -> dict:
    """SGD dropout with ``x ~ N(0, I_d)`` (brief Sec. 2.B.7), any ``d``.

    ``v_i = p(sigma^2 + (1-p)(||beta*||^2 - beta*_i^2))``, ``V_xi = diag(v)``;
    ``T = alpha sum v / (2p - alpha(3p - p^2) - alpha p^2 d)``, ``s_i = alpha(p^2 T + v_i)/(2p - alpha(3p - p^2))``;
    ``Sigma_alpha = diag((v_i + p^2 T + (3p - 2p^2) s_i)/p^2)``; sandwich ``diag(v_i/p^2)``;
    ``lambda = rho = 1 - 2 alpha p + alpha^2 (3p + (d-1)p^2)``, threshold ``2/(3 + (d-1)p)``.
    """
    d = check_int("d", d, low=1)
    p = check_probability("p", p, open_low=True)
    bs = np.asarray(beta_star, dtype=float)
    if bs.shape != (d,):
        raise ValueError(f"beta_star must have shape ({d},), got {bs.shape}")
    sigma = check_positive("sigma", sigma, strict=False)
    thr = 2.0 / (3 + (d - 1) * p)
    a = check_real("alpha", alpha)
    if not 0 < a < thr:
        raise ValueError(f"alpha must be in (0, {thr:.6g}) for a stable SGD dropout recursion with Sigma = I, got {a!r}")
    v = p * (sigma**2 + (1 - p) * (bs @ bs - bs**2))
    den = 2 * p - a * (3 * p - p * p)
    T = a * v.sum() / (den - a * p * p * d)
    s = a * (p * p * T + v) / den
    lam = 1 - 2 * a * p + a * a * (3 * p + (d - 1) * p * p)
    return {
        "Vxi": np.diag(v),
        "H": p * np.eye(d),
        "S": np.diag(s),
        "Sigma_alpha": np.diag((v + p * p * T + (3 * p - 2 * p * p) * s) / (p * p)),
        "sandwich": np.diag(v / (p * p)),
        "lam": lam,
        "rho": lam,
        "threshold": thr,
        "target": bs.copy(),
    }


_MAX_D4 = 6  # T4 is (d^4, d^4): 1296 x 1296 at d = 6


def _gd_masks(d: int, p: float):
    """Every 0/1 mask of length d with its probability ``p^{#1} (1-p)^{#0}``."""
    bits = ((np.arange(2**d)[:, None] >> np.arange(d)[::-1]) & 1).astype(float)
    k = bits.sum(1)
    return bits, p**k * (1 - p) ** (d - k)


def fourth_moment_operator(X, p: float, alpha: float) -> np.ndarray:
    """``T4 = E[A (x) A (x) A (x) A]`` for GD dropout, ``A = I - alpha D X'X D`` (exact over the ``2^d`` masks).

    Acts on row-major ``vec`` of a 4-tensor: ``E[Delta_k^{(x)4}] = T4 E[Delta_{k-1}^{(x)4}]``. ``d <= 6``.
    """
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    if d > _MAX_D4:
        raise ValueError(f"the fourth-moment operator needs d <= {_MAX_D4} (size d^4 x d^4), got d = {d}")
    p = check_probability("p", p, open_low=True)
    a = _alpha(alpha)
    G = X.T @ X
    T = np.zeros((d**4, d**4))
    for D, w in zip(*_gd_masks(d, p)):
        A = np.eye(d) - a * (D[:, None] * G * D[None, :])
        AA = np.kron(A, A)
        T += w * np.kron(AA, AA)
    return T


def fourth_moment_rate(X, p: float, alpha: float) -> float:
    """``rho_4(alpha)``: spectral radius of :func:`fourth_moment_operator` (``E||Delta_k||^4 ~ rho_4^k``);
    GD dropout contracts in ``L^4`` iff ``rho_4 < 1``, with rate ``r_{alpha,4} = rho_4^{1/4}``."""
    return float(np.max(np.abs(np.linalg.eigvals(fourth_moment_operator(X, p, alpha)))))


def expected_fourth_distance(X, p: float, alpha: float, delta0, K: int) -> np.ndarray:
    """``E||Delta_k||^4`` for coupled GD dropout chains, ``k = 0..K`` (exact: ``T4^k`` applied to
    ``Delta_0^{(x)4}``, then ``sum_{i,j} E[Delta_i^2 Delta_j^2]``)."""
    K = check_int("K", K, low=0)
    T = fourth_moment_operator(X, p, alpha)
    d = np.asarray(X).shape[1]
    d0 = np.broadcast_to(np.asarray(delta0, dtype=float), (d,))
    v = np.einsum("i,j,k,l->ijkl", d0, d0, d0, d0).ravel()
    I = np.eye(d)
    contract = np.einsum("ij,kl->ijkl", I, I).ravel()  # sum_{i,k} D_i D_i D_k D_k
    out = np.empty(K + 1)
    out[0] = contract @ v
    for k in range(1, K + 1):
        v = T @ v
        out[k] = contract @ v
    return out
