"""A DAG network with hand-written numpy backprop (float64), parameters as one flat vector.

Forward (Agarwal-Klobusicky-Schonfeld, Sec. 2 of the brief, Lemma A)::

    A_j = sum_{i in Pa(j)} H_i @ W_ij + sum_{i in Id(j)} H_i + b_j,     H_j = act_j(A_j),     H_0 = X.

Backward, in reverse topological order (each node accumulates over ALL its children)::

    delta_j = dH_j * act_j'(A_j),   dW_ij = H_i^T delta_j,   db_j = sum_rows delta_j,
    dH_i   += delta_j @ W_ij^T   for every child j of i,   dH_i += delta_j   for every frozen edge i -> j.

``Id(j)``: the optional *frozen identity* edges ``i -> j`` (unweighted ResNet skips, ``W_ij = I`` not
trained; ``d_i = d_j``). They add no parameter; ``E`` stays C^2 in the free weights.

Every method accepts weights with leading "run" axes, ``w`` of shape ``(..., size)``: the runs are
evaluated in one vectorised pass (``einsum``-free batched ``matmul``), e.g. to train a whole grid of
step sizes at once. ``X`` is ``(N, d_in)`` (shared by the runs) or ``(..., N, d_in)``.

Flat layout: for ``j = 1..N`` in order, the matrices ``W_ij`` of its parents ``i`` in increasing order
(row-major), then ``b_j``. So the parameters of one node are contiguous.
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_choice, check_int, check_positive
from optdyn.core.nets.activations import get_activation
from optdyn.core.nets.graph import DAGSpec
from optdyn.core.nets.losses import LOSSES, REDUCTIONS, loss_and_dout

__all__ = ["DAGNet"]


class DAGNet:
    """Feed-forward DAG network defined by a :class:`~optdyn.core.nets.graph.DAGSpec`.

    Attributes
    ----------
    spec : the architecture.
    size : number of parameters (length of the flat vector ``w``).
    index : dict ``{("W", i, j): slice, ("b", j): slice}`` into the flat vector.
    shapes : dict with the same keys: ``(d_i, d_j)`` or ``(d_j,)``.
    identity : the frozen identity edges ``((i, j), ...)``, sorted; each needs ``0 <= i < j < n_nodes`` and
        ``d_i = d_j``, and may not repeat (``()``: none).
    """

    def __init__(self, spec: DAGSpec, identity=()):
        if not isinstance(spec, DAGSpec):
            raise TypeError(f"spec must be a DAGSpec, got {type(spec).__name__}")
        spec.validate()
        edges = tuple(sorted(tuple(int(x) for x in e) for e in identity))
        if len(set(edges)) != len(edges):
            raise ValueError(f"duplicate frozen identity edge in {identity!r}")
        for (i, j) in edges:
            if not (0 <= i < j < spec.n_nodes):
                raise ValueError(f"frozen identity edge {(i, j)!r} must satisfy 0 <= i < j < {spec.n_nodes} (topological order)")
            if spec.widths[i] != spec.widths[j]:
                raise ValueError(f"frozen identity edge {(i, j)!r} joins widths {spec.widths[i]} and {spec.widths[j]}: "
                                 "an identity needs equal widths")
        self.identity = edges
        self._id_in = [tuple(i for (i, jj) in edges if jj == j) for j in range(spec.n_nodes)]
        self.spec = spec
        self.widths = spec.widths
        self.n_nodes = spec.n_nodes
        self.index: dict = {}
        self.shapes: dict = {}
        self._in: list = [()]  # per node: tuple of (i, start, stop, (d_i, d_j))
        self._b: list = [None]  # per node: (start, stop) or None
        self._node_start = [0]
        off = 0
        for j in range(1, spec.n_nodes):
            self._node_start.append(off)
            rows = []
            for i in spec.parents(j):
                shp = (spec.widths[i], spec.widths[j])
                n = shp[0] * shp[1]
                rows.append((i, off, off + n, shp))
                self.index[("W", i, j)] = slice(off, off + n)
                self.shapes[("W", i, j)] = shp
                off += n
            self._in.append(tuple(rows))
            if spec.bias:
                self._b.append((off, off + spec.widths[j]))
                self.index[("b", j)] = slice(off, off + spec.widths[j])
                self.shapes[("b", j)] = (spec.widths[j],)
                off += spec.widths[j]
            else:
                self._b.append(None)
        self._node_start.append(off)
        self.size = off
        acts = [None] + [get_activation(a) for a in spec.acts[1:]]
        self._f = [None] + [a.f for a in acts[1:]]
        self._df = [None] + [None if a.name == "identity" else a.df for a in acts[1:]]
        self.smooth = all(a.smooth for a in acts[1:])

    def __repr__(self) -> str:
        ident = f", identity={self.identity}" if self.identity else ""
        return f"DAGNet(widths={self.widths}, edges={len(self.spec.edges)}, size={self.size}, bias={self.spec.bias}{ident})"

    # -- parameters --------------------------------------------------------------------------
    def _check_w(self, w) -> np.ndarray:
        w = np.asarray(w)
        if w.ndim < 1 or w.shape[-1] != self.size:
            raise ValueError(f"w must have shape (..., {self.size}) for this network, got {w.shape}")
        return w

    def _check_X(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim < 2 or X.shape[-1] != self.widths[0]:
            raise ValueError(f"X must have shape (N, {self.widths[0]}) (or (..., N, {self.widths[0]})), got {X.shape}")
        return X

    def init(self, rng, scale: float = 1.0, mode: str = "fan_in", runs: int | None = None) -> np.ndarray:
        """Random initial parameters (biases 0).

        * ``mode="fan_in"``: ``W_ij ~ N(0, scale^2 / fan_in(j))`` with ``fan_in(j) = sum_{i in Pa(j)} d_i``
          (for a chain: ``d_i``).
        * ``mode="frobenius"``: each ``W_ij = scale * G / ||G||_F`` with ``G`` standard Gaussian (the
          balanced small initialisation of saddle-to-saddle dynamics).

        Returns a flat float64 vector of shape ``(size,)``, or ``(runs, size)`` for ``runs`` independent draws.
        """
        rng = as_generator(rng)
        scale = check_positive("scale", scale, strict=False)
        check_choice("mode", mode, ("fan_in", "frobenius"))
        lead = () if runs is None else (check_int("runs", runs, 1),)
        w = np.zeros(lead + (self.size,))
        for j in range(1, self.n_nodes):
            fan_in = sum(shp[0] for (_, _, _, shp) in self._in[j])
            for (i, s, e, shp) in self._in[j]:
                G = rng.standard_normal(lead + shp)
                if mode == "fan_in":
                    W = G * (scale / np.sqrt(fan_in))
                else:
                    W = scale * G / np.linalg.norm(G.reshape(lead + (-1,)), axis=-1)[..., None, None]
                w[..., s:e] = W.reshape(lead + (-1,))
        return w

    def unpack(self, w) -> dict:
        """Zero-copy views ``{("W", i, j): (..., d_i, d_j), ("b", j): (..., d_j)}`` of the flat ``w``."""
        w = self._check_w(w)
        lead = w.shape[:-1]
        return {k: w[..., sl].reshape(lead + self.shapes[k]) for k, sl in self.index.items()}

    def pack(self, params: dict, lead: tuple = ()) -> np.ndarray:
        """Inverse of :meth:`unpack`: a flat vector from a dict of arrays (missing keys raise)."""
        w = np.zeros(tuple(lead) + (self.size,))
        for k, sl in self.index.items():
            if k not in params:
                raise KeyError(f"missing parameter block {k!r}")
            w[..., sl] = np.asarray(params[k], dtype=float).reshape(tuple(lead) + (-1,))
        return w

    def weight_list(self, w) -> list[np.ndarray]:
        """For a chain: the weight matrices ``[W_01, W_12, ...]`` (views) in layer order."""
        if not self.spec.is_chain:
            raise ValueError("weight_list requires a chain (edges i -> i+1 only); use unpack for a general DAG")
        w = self._check_w(w)
        lead = w.shape[:-1]
        return [w[..., s:e].reshape(lead + shp) for j in range(1, self.n_nodes) for (_, s, e, shp) in self._in[j]]

    def blocks(self, granularity: str = "edge") -> list[slice]:
        """Partition of the flat vector into blocks: ``"edge"`` (each ``W_ij`` and each ``b_j``),
        ``"node"`` (all incoming weights and the bias of node ``j``) or ``"global"`` (one block)."""
        check_choice("granularity", granularity, ("edge", "node", "global"))
        if granularity == "global":
            return [slice(0, self.size)]
        if granularity == "node":
            return [slice(self._node_start[j], self._node_start[j + 1]) for j in range(1, self.n_nodes)]
        return [sl for sl in self.index.values()]

    def block_starts(self, granularity: str = "edge") -> np.ndarray:
        """Start offsets of :meth:`blocks` (for ``np.add.reduceat``)."""
        return np.array([b.start for b in self.blocks(granularity)], dtype=np.intp)

    # -- passes ------------------------------------------------------------------------------
    def _forward(self, w, X):
        lead = w.shape[:-1]
        H = [X]
        A = [X]
        for j in range(1, self.n_nodes):
            a = None
            for (i, s, e, shp) in self._in[j]:
                t = H[i] @ w[..., s:e].reshape(lead + shp)
                if a is None:
                    a = t
                else:
                    a += t
            for i in self._id_in[j]:
                a = a + H[i]
            b = self._b[j]
            if b is not None:
                a = a + w[..., b[0]:b[1]][..., None, :]
            A.append(a)
            H.append(self._f[j](a))
        return A, H

    def _backward(self, w, A, H, dout):
        lead = w.shape[:-1] if dout.ndim == 2 else np.broadcast_shapes(w.shape[:-1], dout.shape[:-2])
        g = np.empty(lead + (self.size,))
        wl = w.shape[:-1]
        dH = [None] * self.n_nodes
        dH[-1] = dout
        for j in range(self.n_nodes - 1, 0, -1):
            d = dH[j]
            df = self._df[j]
            delta = d if df is None else d * df(A[j], H[j])
            b = self._b[j]
            if b is not None:
                g[..., b[0]:b[1]] = delta.sum(axis=-2)
            for (i, s, e, shp) in self._in[j]:
                g[..., s:e] = (H[i].mT @ delta).reshape(lead + (-1,))
                if i > 0:
                    c = delta @ w[..., s:e].reshape(wl + shp).mT
                    dH[i] = c if dH[i] is None else dH[i] + c
            for i in self._id_in[j]:
                if i > 0:
                    dH[i] = delta if dH[i] is None else dH[i] + delta
        return g

    def forward(self, w, X):
        """Return ``(A, H)``: lists over nodes of pre-activations and activations (``A[0] = H[0] = X``)."""
        return self._forward(self._check_w(w), self._check_X(X))

    def predict(self, w, X) -> np.ndarray:
        """Network output ``H_N`` of shape ``(..., N, d_out)``."""
        return self._forward(self._check_w(w), self._check_X(X))[1][-1]

    def vjp(self, w, X, dY) -> np.ndarray:
        """Flat gradient of ``<dY, output(w, X)>`` with respect to ``w`` (reverse-mode, one pass)."""
        w = self._check_w(w)
        A, H = self._forward(w, self._check_X(X))
        dY = np.asarray(dY, dtype=float)
        if dY.shape[-2:] != H[-1].shape[-2:]:
            raise ValueError(f"dY must have the output's shape {H[-1].shape}, got {dY.shape}")
        return self._backward(w, A, H, dY)

    def loss(self, w, X, Y, loss: str = "squared", reduction: str | None = None):
        """Loss value (see :mod:`optdyn.core.nets.losses`; default reduction ``sum`` for ``squared``,
        ``mean`` for ``softmax_ce``). A float, or an array of shape ``(...)`` for batched ``w``."""
        self._check_loss(loss, reduction)
        w = self._check_w(w)
        out = self._forward(w, self._check_X(X))[1][-1]
        E = loss_and_dout(out, self._check_Y(Y, loss), loss, reduction)[0]
        return float(E) if np.ndim(E) == 0 else E

    def loss_grad(self, w, X, Y, loss: str = "squared", reduction: str | None = None):
        """Return ``(E, dE/dw)``: loss (float or per-run array) and flat gradient (backprop, Lemma A)."""
        self._check_loss(loss, reduction)
        w = self._check_w(w)
        A, H = self._forward(w, self._check_X(X))
        E, dout = loss_and_dout(H[-1], self._check_Y(Y, loss), loss, reduction)
        g = self._backward(w, A, H, dout)
        return (float(E) if np.ndim(E) == 0 else E), g

    def hvp(self, w, v, X, Y, loss: str = "squared", reduction: str | None = None, eps: float = 1e-5) -> np.ndarray:
        """Hessian-vector product by central differences of the gradient along ``u = v/||v||``:
        ``H v ~ ||v|| (g(w + eps u) - g(w - eps u)) / (2 eps)`` (error O(eps^2))."""
        check_positive("eps", eps)
        w = self._check_w(w)
        v = np.asarray(v, dtype=float)
        nv = np.linalg.norm(v, axis=-1, keepdims=True)
        u = v / np.where(nv > 0, nv, 1.0)
        gp = self.loss_grad(w + eps * u, X, Y, loss, reduction)[1]
        gm = self.loss_grad(w - eps * u, X, Y, loss, reduction)[1]
        return (gp - gm) * (nv / (2.0 * eps))

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _check_loss(loss, reduction):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")
        if reduction is not None and reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {list(REDUCTIONS)}, got {reduction!r}")

    def _check_Y(self, Y, loss):
        if loss == "softmax_ce":
            Y = np.asarray(Y)
            if Y.ndim != 1 or not np.issubdtype(Y.dtype, np.integer):
                raise ValueError(f"Y must be a 1-d integer label array for softmax_ce, got shape {Y.shape} dtype {Y.dtype}")
            if Y.size and (Y.min() < 0 or Y.max() >= self.widths[-1]):
                raise ValueError(f"labels Y must lie in 0..{self.widths[-1] - 1}")
            return Y
        Y = np.asarray(Y, dtype=float)
        if Y.ndim < 2 or Y.shape[-1] != self.widths[-1]:
            raise ValueError(f"Y must have shape (N, {self.widths[-1]}), got {Y.shape}")
        return Y
