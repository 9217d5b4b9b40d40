"""One figure style for the whole book (seaborn), safe in greyscale and for colour-blind readers.

Call :func:`use_book_style` once at the top of a chapter. Methods get a fixed colour *and* a
marker and line style (:func:`method_style`), so curves stay distinguishable without colour; the
default property cycle pairs the same colours with line styles, so plain ``ax.plot`` calls are
greyscale-safe too. Figures are sized for a laptop screen (7 x 4.2 in at 100 dpi, about 700 px
wide) and written without timestamps or software metadata, so two runs give byte-identical PNGs.
"""
from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["PALETTE", "method_style", "use_book_style", "new_figure"]

# Okabe-Ito palette: distinguishable under the common colour-vision deficiencies. Ordered so the
# first colours also differ in lightness (greyscale); the pale yellow, hard to see on white, is last.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]
_assigned: dict[str, int] = {}
_counter = itertools.count()


def use_book_style() -> None:
    """Set the seaborn theme, the palette and deterministic figure output."""
    import seaborn as sns
    from cycler import cycler

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=PALETTE) + cycler(linestyle=_LINES),
            "axes.edgecolor": "#444444",
            "axes.titleweight": "normal",
            "grid.color": "#dddddd",
            "image.cmap": "viridis",  # perceptually uniform, greyscale-monotone
            "legend.framealpha": 0.9,
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,
            "svg.fonttype": "path",
            "figure.figsize": (7.0, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 9,
            "legend.frameon": True,
            "lines.linewidth": 1.8,
            "svg.hashsalt": "optdyn",
            "path.simplify": True,
        }
    )
    try:  # deterministic PNGs from the inline backend: no software/date metadata
        from matplotlib_inline.backend_inline import set_matplotlib_formats  # noqa: F401
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', 'metadata': {'Software': None}}")
    except Exception:  # pragma: no cover - outside IPython
        pass


def method_style(name: str) -> dict:
    """Colour, marker and line style for a method name, stable within a session."""
    if name not in _assigned:
        _assigned[name] = next(_counter)
    i = _assigned[name] % len(PALETTE)
    return {"color": PALETTE[i], "marker": _MARKERS[i], "linestyle": _LINES[i], "label": name}


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 7.0, height: float = 4.2, **kw):
    """``plt.subplots`` with the book's default size scaled to the panel count."""
    return plt.subplots(nrows, ncols, figsize=(width * (1 if ncols == 1 else min(ncols, 3) / 1.6), height * nrows), **kw)
