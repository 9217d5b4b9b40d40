"""Frozen identity (unweighted) skip edges: ResNet's ``h_i`` added to the pre-activation of a later layer.

The paper's edges are weighted (every edge carries a trained ``W_ij``). Identity ResNet skips are modelled
as *frozen* edges with ``W_ij = I`` that are not trained (brief Sec. 1.1): the pre-activation becomes

    A_j = sum_{i in Pa(j)} H_i @ W_ij + sum_{i in Id(j)} H_i + b_j,

``E`` is still C^2 in the free weights, so the theorems apply unchanged. The shared network
(:class:`optdyn.core.nets.DAGNet`, argument ``identity``) carries the frozen edges in its forward and
backward passes; this module builds the unweighted ResNet of the chapter.
"""
from __future__ import annotations

from typing import Sequence

from optdyn.core.nets import DAGNet, chain

__all__ = ["identity_resnet"]


def identity_resnet(widths: Sequence[int], act: str = "sigmoid", out_act: str = "sigmoid", skip: int = 2) -> DAGNet:
    """A chain with frozen identity skips ``i -> i + skip`` between every pair of equal-width layers (the
    unweighted ResNet of He et al.): trained weights only on the chain edges."""
    spec = chain(widths, act=act, out_act=out_act)
    w = spec.widths
    ident = [(i, i + skip) for i in range(len(w) - skip) if w[i] == w[i + skip]]
    return DAGNet(spec, identity=ident)
