"""Drawing a DAG network: nodes left to right in topological order, skip edges as arcs."""
from __future__ import annotations

import numpy as np

from optdyn.core.nets.graph import DAGSpec

__all__ = ["draw_dag"]


def draw_dag(spec: DAGSpec, ax=None, *, title: str | None = None, highlight: tuple = (), show_widths: bool = True,
             node_color: str = "#0072B2", edge_color: str = "#444444", skip_color: str = "#D55E00"):
    """Draw ``spec`` on ``ax`` (created if None): node ``v`` at ``(v, 0)``, chain edges ``i -> i+1`` as
    straight arrows, skips as parabolic arcs (data coordinates) whose height grows with ``j - i``,
    alternating above and below.
    Nodes in ``highlight`` (e.g. an autoencoder's code vertex) are drawn as squares. Returns ``ax``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    if not isinstance(spec, DAGSpec):
        raise TypeError(f"spec must be a DAGSpec, got {type(spec).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * spec.n_nodes + 1, 2.6))
    n = spec.n_nodes
    maxw = max(spec.widths)
    k = 0
    hmax = 0.3
    t = np.linspace(0.0, 1.0, 60)
    for (i, j) in spec.edges:
        if j == i + 1:
            ax.add_patch(FancyArrowPatch((i, 0), (j, 0), arrowstyle="-|>", mutation_scale=10, color=edge_color,
                                         shrinkA=9, shrinkB=9, lw=1.2, zorder=1))
            continue
        sign = 1 if k % 2 == 0 else -1  # alternate skips above and below the chain
        k += 1
        hgt = sign * (0.25 + 0.18 * (j - i))
        hmax = max(hmax, abs(hgt))
        x = i + (j - i) * t
        y = hgt * 4 * t * (1 - t)
        ax.plot(x[4:-4], y[4:-4], color=skip_color, lw=1.0, alpha=0.85, zorder=1)
        ax.annotate("", xy=(x[-4], y[-4]), xytext=(x[-6], y[-6]),
                    arrowprops=dict(arrowstyle="-|>", color=skip_color, lw=1.0, mutation_scale=9), zorder=1)
    for v in range(n):
        size = 120 + 380 * spec.widths[v] / maxw
        ax.scatter([v], [0], s=size, marker="s" if v in highlight else "o", color="white" if v == 0 else node_color,
                   edgecolors="black", zorder=3)
        if show_widths:
            ax.annotate(f"{spec.widths[v]}", (v, 0), xytext=(0, -17), textcoords="offset points", ha="center",
                        va="top", fontsize=8)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-hmax - 0.35, hmax + 0.15)
    ax.set_aspect("auto")
    ax.set_xticks(np.arange(n))
    ax.set_xticklabels(["in"] + [str(v) for v in range(1, n - 1)] + ["out"])
    ax.set_yticks([])
    ax.grid(False)
    for s in ("left", "right", "top"):
        ax.spines[s].set_visible(False)
    if title:
        ax.set_title(title)
    return ax
