"""Thin adapter: the bias-free deep ReLU MLP of the brief (section 1.1) on top of :mod:`optdyn.core.nets`.

The network itself (forward pass, backprop, batched runs) is ``optdyn.core.nets.DAGNet`` built from
``chain(widths, act="relu", out_act="identity", bias=False)``; this module only adds the quantities of
the saddle-escape theory. Parameters are flat vectors ``w`` of shape ``(..., size)`` (leading axes =
independent runs, evaluated in one vectorised pass). Layer ``l`` is the nets block ``W_{l-1,l}`` of
shape ``(w_{l-1}, w_l)`` (the transpose of the paper's ``W_l``; norms and spectra are unchanged).

* localised loss ``L0(theta) = <G, Y_theta>_F`` (brief 1.2), gradient = ``net.vjp`` with ``dY = G``;
* escape speed of a direction: ``s = -L0(theta_bar)`` with every layer rescaled to unit Frobenius norm;
* KKT residual ``||grad L0(rho) + s rho|| / (s sqrt(L))`` at ``rho = theta_bar`` (brief 1.3).
"""
from __future__ import annotations

import numpy as np

from optdyn.core.nets import DAGNet, chain
from optdyn.random import as_generator
from optdyn.validation import check_positive
from optdyn.papers.saddle_to_saddle.metrics import rank_defect, relu_gap

__all__ = ["ReLUChain"]


def _check_widths(widths) -> tuple[int, ...]:
    try:
        w = tuple(widths)
    except TypeError:
        raise TypeError(f"widths must be a sequence of positive integers, got {widths!r}") from None
    if len(w) < 3:
        raise ValueError(f"depth L = len(widths) - 1 must be >= 2 (at least one hidden layer), got widths={w!r}")
    for k, d in enumerate(w):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d <= 0:
            raise ValueError(f"widths[{k}] must be a positive integer, got {d!r}")
    return tuple(int(d) for d in w)


class ReLUChain:
    """Bias-free ReLU MLP ``Y = relu(...relu(X W_1)...) W_L`` (brief 1.1), depth ``L >= 2``.

    Parameters
    ----------
    widths : ``(d_in, w_1, ..., w_{L-1}, d_out)``; depth ``L = len(widths) - 1 >= 2``.
    """

    def __init__(self, widths):
        self.widths = _check_widths(widths)
        self.L = len(self.widths) - 1
        self.net = DAGNet(chain(self.widths, act="relu", out_act="identity", bias=False))
        self.size = self.net.size
        self._starts = self.net.block_starts("edge")
        sizes = np.diff(np.append(self._starts, self.size))
        self._seg = np.repeat(np.arange(self.L), sizes)
        self._last = slice(int(self._starts[-1]), self.size)

    def __repr__(self) -> str:
        return f"ReLUChain(widths={self.widths}, L={self.L})"

    # -- parameters ------------------------------------------------------------------------
    def init(self, rng, alpha: float, runs: int | None = None) -> np.ndarray:
        """Balanced small init: every layer ``W_l = alpha G_l/||G_l||_F`` (brief 1.2; nets "frobenius")."""
        alpha = check_positive("alpha", alpha)
        return self.net.init(as_generator(rng), scale=alpha, mode="frobenius", runs=runs)

    def weights(self, w) -> list[np.ndarray]:
        """Per-layer views ``[W_1, ..., W_L]`` (nets orientation ``(w_{l-1}, w_l)``)."""
        return self.net.weight_list(w)

    def from_weights(self, Ws) -> np.ndarray:
        """Flat vector from a list of per-layer matrices (nets orientation)."""
        if len(Ws) != self.L:
            raise ValueError(f"expected {self.L} weight matrices, got {len(Ws)}")
        return self.net.pack({("W", l, l + 1): np.asarray(W, dtype=np.float64) for l, W in enumerate(Ws)})

    def layer_sq_norms(self, w) -> np.ndarray:
        """``||W_l||_F^2`` for each layer: shape ``(..., L)``."""
        w = np.asarray(w, dtype=np.float64)
        return np.add.reduceat(w * w, self._starts, axis=-1)

    def layer_dot(self, a, b) -> np.ndarray:
        """Per-layer inner products ``<a_l, b_l>_F``: shape ``(..., L)``."""
        return np.add.reduceat(np.asarray(a) * np.asarray(b), self._starts, axis=-1)

    def per_layer_norm(self, w) -> np.ndarray:
        """``r = ||theta|| / sqrt(L)`` (the per-layer norm of a balanced point), shape ``(...)``."""
        w = np.asarray(w, dtype=np.float64)
        return np.sqrt(np.sum(w * w, axis=-1) / self.L)

    def expand(self, v) -> np.ndarray:
        """Broadcast a per-layer array ``(..., L)`` to the flat layout ``(..., size)``."""
        return np.asarray(v)[..., self._seg]

    def normalize(self, w) -> np.ndarray:
        """Rescale every layer to unit Frobenius norm (the balanced direction ``theta_bar``)."""
        n = np.sqrt(self.layer_sq_norms(w))
        if np.any(n == 0):
            raise ValueError("cannot normalise a parameter vector with an all-zero layer")
        return np.asarray(w, dtype=np.float64) / self.expand(n)

    def flip_last(self, w, mask=None) -> np.ndarray:
        """Negate the output layer (``L0`` is linear in ``W_L``), for the runs selected by ``mask``."""
        w = np.array(w, dtype=np.float64, copy=True)
        if mask is None:
            w[..., self._last] *= -1.0
        else:
            w[np.asarray(mask), self._last] *= -1.0
        return w

    # -- network quantities ----------------------------------------------------------------
    def predict(self, w, X) -> np.ndarray:
        return self.net.predict(w, X)

    def local_loss_and_grad(self, w, X, G) -> tuple[np.ndarray, np.ndarray]:
        """``(L0, grad L0)`` with ``L0 = <G, Y_theta>`` (brief 1.2): one backprop with ``dY = G``.

        ``L0`` is read off the exact per-layer identity ``<W_L, grad_{W_L} L0> = L0`` (``L0`` is linear
        in the output layer), so no second forward pass is needed.
        """
        g = self.net.vjp(w, X, G)
        L0 = np.sum(np.asarray(w)[..., self._last] * g[..., self._last], axis=-1)
        return L0, g

    def local_loss(self, w, X, G) -> np.ndarray:
        return np.sum(np.asarray(G) * self.predict(w, X), axis=(-2, -1))

    def mse_loss_and_grad(self, w, X, Ystar) -> tuple[np.ndarray, np.ndarray]:
        """``C(Y_theta) = ||Y_theta - Y*||_F^2 / (2N)`` and its gradient (nets squared loss, mean)."""
        return self.net.loss_grad(w, X, Ystar, loss="squared", reduction="mean")

    def speed(self, w, X, G) -> np.ndarray:
        """Balanced-normalised escape speed ``s(theta_bar) = -L0(theta_bar)`` (brief C5)."""
        return -self.local_loss(self.normalize(w), X, G)

    def kkt_residual(self, w, X, G) -> np.ndarray:
        """``||grad L0(rho) + s rho|| / (s sqrt(L))`` at ``rho = normalize(w)``, ``s = -L0(rho)`` (brief 1.3).

        Zero exactly at an escape direction (``grad L0(rho) = -s rho``). ``inf`` when ``s <= 0``.
        """
        rho = self.normalize(w)
        L0, g = self.local_loss_and_grad(rho, X, G)
        s = -L0
        res = np.linalg.norm(g + np.asarray(s)[..., None] * rho, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, res / (np.abs(s) * np.sqrt(self.L)), np.inf)

    def sphere_kkt_residual(self, w, X, G) -> np.ndarray:
        """KKT residual on the single sphere ``||theta||^2 = L``, WITHOUT rescaling the layers:
        ``||grad L0(theta) + s theta|| / (s sqrt(L))`` at ``theta = sqrt(L) w/||w||``, ``s = -L0(theta)``.

        At a KKT point of ``L0`` on that sphere the per-layer Euler identity forces every layer to unit
        norm, so an unbalanced point has a residual of the order of its imbalance (``inf`` when ``s <= 0``).
        """
        w = np.asarray(w, dtype=np.float64)
        th = w * (np.sqrt(self.L) / np.linalg.norm(w, axis=-1, keepdims=True))
        L0, g = self.local_loss_and_grad(th, X, G)
        s = -L0
        res = np.linalg.norm(g + np.asarray(s)[..., None] * th, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, res / (np.abs(s) * np.sqrt(self.L)), np.inf)

    def hidden_preactivations(self, w, X) -> list[np.ndarray]:
        """Pre-activations ``Z_l`` of the hidden layers ``l = 1..L-1`` (each ``(..., N, w_l)``)."""
        A, _ = self.net.forward(w, X)
        return A[1:-1]

    def relu_gaps(self, w, X) -> np.ndarray:
        """``||ReLU(Z_l) - Z_l||^2 / ||Z_l||^2`` per hidden layer (Thm 3.1 (3)); single run ``w``."""
        return np.array([relu_gap(Z) for Z in self.hidden_preactivations(w, X)])

    def activation_defects(self, w, X) -> np.ndarray:
        """Rank defect of each hidden activation matrix ``ReLU(Z_l)`` (Thm 3.1 (2)); single run ``w``."""
        return np.array([rank_defect(np.maximum(Z, 0.0)) for Z in self.hidden_preactivations(w, X)])
