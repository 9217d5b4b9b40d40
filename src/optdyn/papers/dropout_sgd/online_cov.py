"""Online non-overlapping batch-means (NBM) estimator of the long-run covariance ``Sigma_alpha`` (Thm D).

Blocks ``B_m = {eta_m, ..., eta_{m+1} - 1}`` with ``eta_m = floor(c m^zeta)`` (the paper: ``c = 1,
zeta = 2``, so ``B_1 = {1,2,3}, B_2 = {4..8}, ...``); the current, incomplete block is included::

    Sigma_hat_n = n^{-1} sum_{m <= M_n} (S_m - l_m beta_bar_n)(S_m - l_m beta_bar_n)'

where ``S_m`` is the sum of the iterates of ``B_m`` within ``[1, n]`` and ``l_m`` its length. Expanding,
``Sigma_hat_n = (V + K bb' - H b' - b H')/n`` with ``K = sum l_m^2``, ``H = sum l_m S_m``,
``V = sum S_m S_m'``, ``b = beta_bar_n``. The class below keeps the completed-block sums and folds a
block in only when the next one starts, so a step costs ``O(R d)`` (two additions) and a block
boundary ``O(R d^2)``; ``Sigma_hat`` is assembled on demand. This fixes the official code's defects
(outer product, not scalar sum, at block starts; symmetric cross term; divide by the current ``n``).
"""
from __future__ import annotations

import math

import numpy as np

from optdyn.validation import check_in_range, check_int, check_positive

__all__ = ["BlockSchedule", "OnlineNBMCovariance", "nbm_covariance_offline", "nbm_dof", "nbm_expected_covariance"]


class BlockSchedule:
    """Block starts ``eta_m = floor(c m^zeta)``, ``m = 1, 2, ...`` (duplicates skipped); must start at 1."""

    def __init__(self, c: float = 1.0, zeta: float = 2.0) -> None:
        self.c = check_positive("c", c)
        self.zeta = check_in_range("zeta", zeta, 1.0, None, low_closed=False)
        if math.floor(self.c) != 1:
            raise ValueError(f"c must be in [1, 2) so that the first block starts at 1, got {c!r}")

    def iter_starts(self):
        """Yield the strictly increasing block starts 1, ... forever."""
        last, m = 0, 1
        while True:
            s = int(math.floor(self.c * m**self.zeta))
            if s > last:
                yield s
                last = s
            m += 1

    def starts(self, n: int) -> np.ndarray:
        """All block starts ``<= n``."""
        n = check_int("n", n, low=1)
        out = []
        for s in self.iter_starts():
            if s > n:
                break
            out.append(s)
        return np.asarray(out, dtype=np.int64)

    def lengths(self, n: int) -> np.ndarray:
        """Lengths ``l_m = |B_m intersect [1, n]|`` (the last block may be incomplete)."""
        st = self.starts(n)
        return np.diff(np.append(st, n + 1))

    def __repr__(self) -> str:
        return f"BlockSchedule(c={self.c}, zeta={self.zeta})"


class OnlineNBMCovariance:
    """Online NBM estimator for ``R`` chains in parallel; feed ``beta_k`` of shape ``(R, d)``, k = 1, 2, ...

    Per step: the running sum and the current block's partial sum are updated (``O(R d)``). At a
    block start the finished block is folded into ``K, H, V`` (``O(R d^2)``).
    """

    def __init__(self, R: int, d: int, schedule: BlockSchedule | None = None) -> None:
        self.R = check_int("R", R, low=1)
        self.d = check_int("d", d, low=1)
        self.schedule = schedule or BlockSchedule()
        self._starts = self.schedule.iter_starts()
        self._next = next(self._starts)  # = 1
        self.k = 0
        self.total = np.zeros((self.R, self.d))
        self.partial = np.zeros((self.R, self.d))
        self.ell = 0
        self.Kc = 0.0
        self.Hc = np.zeros((self.R, self.d))
        self.Vc = np.zeros((self.R, self.d, self.d))
        self.n_blocks = 0

    def update(self, beta: np.ndarray) -> None:
        """Feed the next iterate ``beta_k`` (shape ``(R, d)``)."""
        self.k += 1
        if self.k == self._next:
            if self.ell:
                self._fold()
            self.partial[...] = beta
            self.ell = 1
            self.n_blocks += 1
            self._next = next(self._starts)
        else:
            self.partial += beta
            self.ell += 1
        self.total += beta

    def _fold(self) -> None:
        P = self.partial
        self.Kc += self.ell * self.ell
        self.Hc += self.ell * P
        self.Vc += P[:, :, None] * P[:, None, :]

    @property
    def mean(self) -> np.ndarray:
        """Running average ``beta_bar_k`` (shape ``(R, d)``)."""
        if self.k == 0:
            raise RuntimeError("no iterate fed yet")
        return self.total / self.k

    def covariance(self) -> np.ndarray:
        """``Sigma_hat_k`` (shape ``(R, d, d)``), including the current incomplete block."""
        b = self.mean
        P = self.partial
        K = self.Kc + self.ell**2
        H = self.Hc + self.ell * P
        V = self.Vc + P[:, :, None] * P[:, None, :]
        Hb = H[:, :, None] * b[:, None, :]
        C = (V + K * b[:, :, None] * b[:, None, :] - Hb - np.swapaxes(Hb, 1, 2)) / self.k
        return 0.5 * (C + np.swapaxes(C, 1, 2))


def nbm_covariance_offline(path, schedule: BlockSchedule | None = None) -> np.ndarray:
    """Reference NBM estimate from a stored path ``(n, d)`` or ``(n, R, d)`` of iterates ``beta_1..beta_n``."""
    path = np.asarray(path, dtype=float)
    if path.ndim not in (2, 3) or path.shape[0] < 1:
        raise ValueError(f"path must have shape (n, d) or (n, R, d), got {path.shape}")
    squeeze = path.ndim == 2
    if squeeze:
        path = path[:, None, :]
    n = path.shape[0]
    sch = schedule or BlockSchedule()
    st = sch.starts(n) - 1
    S = np.add.reduceat(path, st, axis=0)  # (M, R, d)
    ell = np.diff(np.append(st, n)).astype(float)
    dev = S - ell[:, None, None] * path.mean(axis=0)[None]
    C = np.einsum("mri,mrj->rij", dev, dev) / n
    return C[0] if squeeze else C


def nbm_dof(n: int, schedule: BlockSchedule | None = None) -> float:
    """Satterthwaite degrees of freedom of ``Sigma_hat_n``: ``n^2 / sum l_m^2 - 1`` (block sums ~ independent
    ``N(0, l_m Sigma)``, one lost to centring). Used for the predicted finite-n coverage (pitfall P7)."""
    ell = (schedule or BlockSchedule()).lengths(n).astype(float)
    return float(n * n / np.sum(ell * ell) - 1.0)


def _lag_weights(n: int, hmax: int, schedule: BlockSchedule) -> np.ndarray:
    """``w(h) = sum_t W_{t,t+h}`` for ``W = sum_m a_m a_m'``, ``a_m = 1_{B_m} - (l_m/n) 1``, ``h = 0..hmax``."""
    st = schedule.starts(n)
    en = np.append(st[1:] - 1, n)
    ell = (en - st + 1).astype(float)
    h = np.arange(hmax + 1)[None, :]
    a, b, L = st[:, None], en[:, None], ell[:, None]
    in_in = np.maximum(L - h, 0)
    c1 = np.maximum(0, np.minimum(b, n - h) - a + 1)
    c2 = np.maximum(0, b - np.maximum(a, 1 + h) + 1)
    w = in_in - (L / n) * (c1 + c2) + L * L * (n - h) / (n * n)
    return w.sum(axis=0)


def nbm_expected_covariance(moments, alpha: float, n: int, beta0=None, schedule: BlockSchedule | None = None) -> dict:
    """Exact ``E[Sigma_hat_n]`` for the dropout chain (finite-n batch-means bias, pitfall P7).

    Stationary part: ``n^{-1} sum_h w(h) Gamma(h)``, ``Gamma(h) = (I - alpha H)^h S``, ``Gamma(-h) = Gamma(h)'``.
    If ``beta0`` is given, the deterministic transient ``E beta_t - beta_tilde = (I - alpha H)^t (beta0 - beta_tilde)``
    adds ``n^{-1} sum_m c_m c_m'`` (block sums of the centred mean path); the covariance part is taken at
    stationarity (approximation). Returns ``{"E_hat", "mean_bias"}`` where ``mean_bias = E beta_bar_n - beta_tilde``.
    """
    from optdyn.papers.dropout_sgd.theory import stationary_covariance

    n = check_int("n", n, low=1)
    sch = schedule or BlockSchedule()
    S = stationary_covariance(moments, alpha)
    e, U = np.linalg.eigh(np.eye(moments.d) - alpha * moments.H)
    emax = float(np.max(np.abs(e)))
    hmax = n - 1 if emax == 0 else int(min(n - 1, math.ceil(math.log(1e-17) / math.log(emax))))
    w = _lag_weights(n, hmax, sch)
    powers = e[None, :] ** np.arange(1, hmax + 1)[:, None]  # (hmax, d)
    g = w[1:] @ powers
    F = (U * g) @ U.T
    E_hat = (w[0] * S + F @ S + S @ F) / n
    bias = np.zeros(moments.d)
    if beta0 is not None:
        d0 = np.broadcast_to(np.asarray(beta0, dtype=float), (moments.d,)) - moments.target
        t = np.arange(1, n + 1)
        c = U.T @ d0
        # mean path m_t = U diag(e^t) c, computed in chunks to bound memory
        st = sch.starts(n) - 1
        sums = np.zeros((st.size, moments.d))
        tot = np.zeros(moments.d)
        for lo in range(0, n, 65536):
            tt = t[lo:lo + 65536]
            mp = (e[None, :] ** tt[:, None]) * c[None, :]
            idx = np.searchsorted(st, tt - 1, side="right") - 1
            np.add.at(sums, idx, mp)
            tot += mp.sum(0)
            if emax ** tt[-1] < 1e-18:
                break
        ell = np.diff(np.append(st, n)).astype(float)
        mbar = tot / n
        dev = (sums - ell[:, None] * mbar[None]) @ U.T
        E_hat = E_hat + dev.T @ dev / n
        bias = U @ mbar
    return {"E_hat": 0.5 * (E_hat + E_hat.T), "mean_bias": bias}
