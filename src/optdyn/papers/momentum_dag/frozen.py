"""Frozen identity (unweighted) skip edges: ResNet's ``h_i`` added to the pre-activation of a later layer.

The paper's edges are weighted (every edge carries a trained ``W_ij``). Identity ResNet skips are modelled
as *frozen* edges with ``W_ij = I`` that are not trained (brief Sec. 1.1): the pre-activation becomes

    A_j = sum_{i in Pa(j)} H_i @ W_ij + sum_{i in Id(j)} H_i + b_j,

``E`` is still C^2 in the free weights, so the theorems apply unchanged. Backprop gains the term
``dH_i += delta_j`` for every frozen edge ``i -> j`` (the identity's transpose).

:class:`IdentitySkipNet` extends :class:`optdyn.core.nets.DAGNet` (the shared core is not changed): the
same flat parameter layout, the same methods, plus the frozen edges.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from optdyn.core.nets import DAGNet, DAGSpec, chain

__all__ = ["IdentitySkipNet", "identity_resnet"]


class IdentitySkipNet(DAGNet):
    """A :class:`DAGNet` plus frozen identity edges ``identity = ((i, j), ...)``.

    Each frozen edge needs ``0 <= i < j < n_nodes`` (topological order) and equal widths ``d_i = d_j``; it may
    not duplicate another frozen edge. It adds no parameter. ``identity = ()`` gives exactly the DAGNet.
    """

    def __init__(self, spec: DAGSpec, identity: Sequence[tuple[int, int]] = ()):
        super().__init__(spec)
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

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", identity={self.identity})"

    def _forward(self, w, X):
        if not self.identity:
            return super()._forward(w, X)
        lead = w.shape[:-1]
        H, A = [X], [X]
        for j in range(1, self.n_nodes):
            a = None
            for (i, s, e, shp) in self._in[j]:
                t = H[i] @ w[..., s:e].reshape(lead + shp)
                a = t if a is None else a + t
            for i in self._id_in[j]:
                a = a + H[i]
            b = self._b[j]
            if b is not None:
                a = a + w[..., b[0]:b[1]][..., None, :]
            A.append(a)
            H.append(self._f[j](a))
        return A, H

    def _backward(self, w, A, H, dout):
        if not self.identity:
            return super()._backward(w, A, H, dout)
        lead = w.shape[:-1] if dout.ndim == 2 else np.broadcast_shapes(w.shape[:-1], dout.shape[:-2])
        g = np.empty(lead + (self.size,))
        wl = w.shape[:-1]
        dH = [None] * self.n_nodes
        dH[-1] = dout
        for j in range(self.n_nodes - 1, 0, -1):
            df = self._df[j]
            delta = dH[j] if df is None else dH[j] * df(A[j], H[j])
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


def identity_resnet(widths: Sequence[int], act: str = "sigmoid", out_act: str = "sigmoid", skip: int = 2) -> IdentitySkipNet:
    """A chain with frozen identity skips ``i -> i + skip`` between every pair of equal-width layers (the
    unweighted ResNet of He et al.): trained weights only on the chain edges."""
    spec = chain(widths, act=act, out_act=out_act)
    w = spec.widths
    ident = [(i, i + skip) for i in range(len(w) - skip) if w[i] == w[i + skip]]
    return IdentitySkipNet(spec, ident)
