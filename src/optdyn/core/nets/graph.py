"""Feed-forward networks as directed acyclic graphs (DAGs) of layers.

Node 0 is the input layer, the last node the output layer, and the nodes are numbered in a
topological order, so every edge ``(i, j)`` has ``i < j``. Each edge carries its own weight matrix
``W_ij`` of shape ``(d_i, d_j)`` and each non-input node ``j`` an optional bias ``b_j``. The forward
pass (Agarwal, Klobusicky & Schonfeld, Sec. 2; batch rows are samples) is

    A_j = sum_{i in Pa(j)} H_i @ W_ij + b_j,     H_j = act_j(A_j),     H_0 = X.

Skip connections are simply extra edges; merging is by summing separately weighted parent outputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_int, check_probability
from optdyn.core.nets.activations import canonical_name

__all__ = ["DAGSpec", "chain", "resnet_like", "densenet_like", "random_dag", "autoencoder", "widths_of"]


@dataclass(frozen=True)
class DAGSpec:
    """Architecture of a DAG network.

    Parameters
    ----------
    widths : ``(d_0, ..., d_N)``; ``d_0`` the input dimension, ``d_N`` the output dimension.
    acts : ``(None, act_1, ..., act_N)``; the input entry must be ``None`` (or ``"identity"``).
    edges : ``((i, j), ...)`` with ``0 <= i < j <= N`` (topological numbering), no duplicates.
    bias : whether every non-input node has a bias vector.
    """

    widths: tuple
    acts: tuple
    edges: tuple
    bias: bool = True

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "acts", tuple(self.acts))
        object.__setattr__(self, "edges", tuple(sorted(tuple(e) for e in self.edges)))
        self.validate()

    # -- structure ---------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.widths)

    @property
    def output(self) -> int:
        """Index of the output node (the last one)."""
        return len(self.widths) - 1

    def validate(self) -> None:
        """Raise ``ValueError`` naming the problem if the spec is not a valid feed-forward DAG.

        Checks: at least 2 nodes; positive integer widths; ``len(acts) == len(widths)``; known
        activation names; every edge ``(i, j)`` has ``0 <= i < j < n_nodes`` (``i >= j`` is a cycle or
        back-edge under the topological numbering); no duplicate edges; every non-input node has a
        parent; every node reaches the output node (no dangling node).
        """
        w, a, n = self.widths, self.acts, len(self.widths)
        if n < 2:
            raise ValueError(f"widths must have at least 2 entries (input and output), got {w!r}")
        for k, d in enumerate(w):
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d <= 0:
                raise ValueError(f"widths[{k}] must be a positive integer, got {d!r}")
        if len(a) != n:
            raise ValueError(f"acts must have one entry per node (len(widths) = {n}), got {len(a)}")
        if a[0] not in (None, "identity", "linear"):
            raise ValueError(f"acts[0] (the input node) must be None, got {a[0]!r}")
        for k in range(1, n):
            if a[k] is None:
                raise ValueError(f"acts[{k}] must name an activation, got None")
            canonical_name(a[k])
        seen = set()
        for e in self.edges:
            if len(e) != 2:
                raise ValueError(f"edges must be pairs (i, j), got {e!r}")
            i, j = e
            if not (isinstance(i, (int, np.integer)) and isinstance(j, (int, np.integer))):
                raise ValueError(f"edge {e!r} must have integer endpoints")
            if not (0 <= i < n and 0 <= j < n):
                raise ValueError(f"edge {e!r} refers to a node outside 0..{n - 1}")
            if i >= j:
                raise ValueError(
                    f"edge {e!r} is a cycle or back-edge: nodes must be numbered topologically (every edge i < j)"
                )
            if e in seen:
                raise ValueError(f"duplicate edge {e!r}")
            seen.add(e)
        for j in range(1, n):
            if not any(e[1] == j for e in self.edges):
                raise ValueError(f"node {j} is dangling: it has no parent (every non-input node needs one)")
        reach = {n - 1}
        for i in range(n - 2, -1, -1):
            if any(e[0] == i and e[1] in reach for e in self.edges):
                reach.add(i)
        for i in range(n - 1):
            if i not in reach:
                raise ValueError(f"node {i} is dangling: its output never reaches the output node {n - 1}")

    @cached_property
    def _parents(self) -> tuple:
        return tuple(tuple(i for (i, jj) in self.edges if jj == j) for j in range(self.n_nodes))

    @cached_property
    def _children(self) -> tuple:
        return tuple(tuple(j for (ii, j) in self.edges if ii == i) for i in range(self.n_nodes))

    def parents(self, j: int) -> list[int]:
        """Parents ``Pa(j)`` in increasing order."""
        return list(self._parents[j])

    def children(self, i: int) -> list[int]:
        """Children ``Ch(i)`` in increasing order."""
        return list(self._children[i])

    def crosses(self, v: int) -> bool:
        """True if some edge jumps over node ``v`` (``i < v < j``): ``v`` is then not a cut vertex."""
        return any(i < v < j for (i, j) in self.edges)

    @property
    def is_chain(self) -> bool:
        return self.edges == tuple((i, i + 1) for i in range(self.n_nodes - 1))

    @property
    def n_params(self) -> int:
        """Number of trainable parameters."""
        n = sum(self.widths[i] * self.widths[j] for (i, j) in self.edges)
        return n + (sum(self.widths[1:]) if self.bias else 0)

    @property
    def depth(self) -> int:
        """Number of non-input nodes (weight layers of the chain)."""
        return self.n_nodes - 1


def widths_of(d_in: int, width: int, depth: int, d_out: int) -> tuple[int, ...]:
    """``(d_in, width x (depth), d_out)``: ``depth`` hidden layers of equal width."""
    check_int("d_in", d_in, 1)
    check_int("width", width, 1)
    check_int("depth", depth, 0)
    check_int("d_out", d_out, 1)
    return (int(d_in),) + (int(width),) * int(depth) + (int(d_out),)


def _acts(n, act, out_act):
    return (None,) + (act,) * (n - 2) + (out_act,)


def chain(widths: Sequence[int], act: str = "sigmoid", out_act: str = "identity", bias: bool = True) -> DAGSpec:
    """Plain MLP: edges ``i -> i+1`` only. Hidden nodes use ``act``, the output node ``out_act``."""
    w = tuple(widths)
    return DAGSpec(w, _acts(len(w), act, out_act), tuple((i, i + 1) for i in range(len(w) - 1)), bias)


def resnet_like(widths: Sequence[int], act: str = "sigmoid", out_act: str = "identity", bias: bool = True,
                skip: int = 2) -> DAGSpec:
    """Chain plus weighted skips ``i -> i+skip`` (default 2) for every ``i`` with ``i+skip <= N``."""
    w = tuple(widths)
    check_int("skip", skip, 2)
    n = len(w)
    edges = [(i, i + 1) for i in range(n - 1)] + [(i, i + skip) for i in range(n - skip)]
    return DAGSpec(w, _acts(n, act, out_act), tuple(edges), bias)


def densenet_like(widths: Sequence[int], act: str = "sigmoid", out_act: str = "identity", bias: bool = True) -> DAGSpec:
    """Fully cross-connected ("CrossNet"): every edge ``i -> j`` with ``i < j``."""
    w = tuple(widths)
    n = len(w)
    return DAGSpec(w, _acts(n, act, out_act), tuple((i, j) for i in range(n) for j in range(i + 1, n)), bias)


def random_dag(n_hidden: int, width_range: tuple[int, int], p_edge: float, rng, *, d_in: int = 3, d_out: int = 2,
               acts: Sequence[str] = ("sigmoid", "tanh"), out_act: str = "identity", bias: bool = True) -> DAGSpec:
    """A random valid DAG with ``n_hidden`` hidden nodes.

    Hidden widths uniform in ``width_range`` (inclusive), hidden activations drawn from ``acts``. Every
    pair ``i < j`` gets an edge with probability ``p_edge``; then a node without a parent gets one edge
    from a uniformly drawn earlier node, and a node without a child gets one edge to a uniformly drawn
    later node, so the result always passes :meth:`DAGSpec.validate`.
    """
    check_int("n_hidden", n_hidden, 0)
    lo, hi = (check_int("width_range[0]", width_range[0], 1), check_int("width_range[1]", width_range[1], 1))
    if hi < lo:
        raise ValueError(f"width_range must satisfy low <= high, got {width_range!r}")
    check_probability("p_edge", p_edge)
    if len(acts) == 0:
        raise ValueError("acts must name at least one activation")
    rng = as_generator(rng)
    n = n_hidden + 2
    widths = (int(d_in),) + tuple(int(x) for x in rng.integers(lo, hi + 1, size=n_hidden)) + (int(d_out),)
    hid = [acts[k] for k in rng.integers(0, len(acts), size=n_hidden)]
    edges = {(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p_edge}
    for j in range(1, n):
        if not any(e[1] == j for e in edges):
            edges.add((int(rng.integers(0, j)), j))
    for i in range(n - 2, -1, -1):
        if not any(e[0] == i for e in edges):
            edges.add((i, int(rng.integers(i + 1, n))))
    return DAGSpec(widths, (None, *hid, out_act), tuple(sorted(edges)), bias)


def autoencoder(widths: Sequence[int], code: int, enc_skips: Sequence[tuple[int, int]] = (),
                dec_skips: Sequence[tuple[int, int]] = (), act: str = "sigmoid", out_act: str = "sigmoid",
                bias: bool = True) -> DAGSpec:
    """Autoencoder chain ``widths`` with bottleneck node ``code`` plus skip edges inside the encoder
    (both ends ``<= code``) and inside the decoder (both ends ``>= code``). Raises ``ValueError`` if a
    skip would jump over the code node (that would void the compression)."""
    w = tuple(widths)
    n = len(w)
    check_int("code", code, 1, n - 2)
    for (i, j) in enc_skips:
        if not (0 <= i < j <= code):
            raise ValueError(f"encoder skip {(i, j)!r} must satisfy 0 <= i < j <= code = {code}")
    for (i, j) in dec_skips:
        if not (code <= i < j <= n - 1):
            raise ValueError(f"decoder skip {(i, j)!r} must satisfy code = {code} <= i < j <= {n - 1}")
    edges = {(i, i + 1) for i in range(n - 1)} | {tuple(e) for e in enc_skips} | {tuple(e) for e in dec_skips}
    spec = DAGSpec(w, _acts(n, act, out_act), tuple(sorted(edges)), bias)
    assert not spec.crosses(code)
    return spec
