"""The test beds of the chapter: a diagonal quadratic (brief 5.0), a least-squares data set for real
mini-batches, and the full-batch loss of a small network (the paper's network experiments, T11).

f(x) = 1/2 sum_i lam_i (x_i - x*_i)^2 with H = diag(lam) > 0, so mu = min lam, L = max lam and
Tr(H) = sum lam (the constants of the paper's bounds, brief section 2).
"""
from __future__ import annotations

import numpy as np

__all__ = ["DiagQuadratic", "LeastSquares", "NetworkProblem"]


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



class NetworkProblem:
    """Full-batch training loss of a small network (``optdyn.core.nets.DAGNet``) as a "problem":
    ``loss(W)`` and ``grad(W)`` for parameter arrays ``W`` of shape (R, size) (one network per run), with
    the mean squared error ``(1/2N) sum_n ||net(x_n) - y_n||^2`` (reduction ``mean``).

    The last (W, loss, grad) is cached by the identity of ``W``: the drivers ask for the loss and the
    gradient of the same array (recording, then the next step), which then costs one backward pass.
    """

    def __init__(self, net, X, Y):
        self.net = net
        self.X = np.asarray(X, dtype=float)
        self.Y = np.asarray(Y, dtype=float)
        if self.X.ndim != 2 or self.Y.ndim != 2 or self.X.shape[0] != self.Y.shape[0]:
            raise ValueError(f"X and Y must be (N, d_in) and (N, d_out), got {self.X.shape} and {self.Y.shape}")
        self.d = net.size
        self._key = None
        self._val = None

    def _lg(self, W):
        if self._key is not W:
            E, g = self.net.loss_grad(W, self.X, self.Y, reduction="mean")
            self._key, self._val = W, (np.asarray(E, dtype=float), g)
        return self._val

    def loss(self, W) -> np.ndarray:
        return self._lg(W)[0]

    def grad(self, W) -> np.ndarray:
        return self._lg(W)[1]

    def __repr__(self) -> str:
        return f"NetworkProblem({self.net!r}, N={self.X.shape[0]})"


class LeastSquares:
    """``f(x) = (1/2N) sum_n (a_n' x - y_n)^2`` on a fixed data set (rows ``A`` (N, d), targets ``y``):
    the mini-batch test bed, where the gradient noise of a batch of rows is state dependent, correlated
    across coordinates and not Gaussian (brief pitfall 18).

    ``x_hat`` is the least-squares solution, ``H = A'A/N`` the Hessian, ``excess(X) = f(X) - f(x_hat)``.
    ``per_sample_sd()``: the standard deviation of a single row's gradient coordinate at ``x_hat``.
    """

    def __init__(self, A, y):
        self.A = np.asarray(A, dtype=float)
        self.y = np.asarray(y, dtype=float)
        if self.A.ndim != 2 or self.y.shape != (self.A.shape[0],):
            raise ValueError(f"A must be (N, d) and y (N,), got {self.A.shape} and {self.y.shape}")
        self.N, self.d = self.A.shape
        self.H = self.A.T @ self.A / self.N
        self.x_hat = np.linalg.solve(self.H, self.A.T @ self.y / self.N)

    def excess(self, X) -> np.ndarray:
        """f(X) - f(x_hat) = 1/2 (X - x_hat)' H (X - x_hat), row-wise."""
        D = np.asarray(X, dtype=float) - self.x_hat
        return 0.5 * np.einsum("...i,ij,...j->...", D, self.H, D)

    def batch_grad(self, X, rows) -> np.ndarray:
        """Mini-batch gradient of each run: X (R, d), rows (R, B) integer indices -> (R, d)."""
        Ab = self.A[rows]
        resid = np.einsum("rbd,rd->rb", Ab, X) - self.y[rows]
        return np.einsum("rbd,rb->rd", Ab, resid) / rows.shape[1]

    def per_sample_sd(self) -> np.ndarray:
        """Standard deviation over the rows of ``a_n (a_n' x_hat - y_n)`` (the per-sample gradient noise at x_hat)."""
        g = self.A * (self.A @ self.x_hat - self.y)[:, None]
        return g.std(axis=0)
