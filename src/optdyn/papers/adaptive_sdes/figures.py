"""The figures of the adaptive-SDEs chapter, drawn from experiment output.

Every function takes the output of :mod:`.experiments` and returns the figure; none computes anything a
criterion uses. Colours, markers and line styles are numbered within each figure (:data:`optdyn.plotting.PALETTE`,
distinct without colour); the book style is set by :func:`optdyn.plotting.use_book_style`. Non-finite values are masked, so a figure
survives a diverged run.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import NullFormatter

from optdyn.papers.adaptive_sdes import theory as th
from optdyn.plotting import PALETTE, new_figure

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]

__all__ = ["adaptive_levels", "mean_band", "order", "phases", "scaling", "sigma_levels", "stationary_exact"]


def _finite(a):
    a = np.asarray(a, dtype=float)
    return np.where(np.isfinite(a), a, np.nan)


def _mean(a):
    """Run mean of (n, R) runs; a 1-D array holds exact expectations already."""
    a = _finite(a)
    return a if a.ndim == 1 else np.nanmean(a, 1)


def mean_band(ax, x, runs, name, i: int = 0, **kw):
    """Mean across runs with a +-2 SE band (SE across runs), in style ``i``; exact expectations (1-D) as a line."""
    runs = _finite(runs)
    st = _style(i, name)
    if runs.ndim == 1:
        ax.plot(x, runs, color=st["color"], linestyle=st["linestyle"], label=name, **kw)
        return
    m = np.nanmean(runs, 1)
    se = np.nanstd(runs, 1, ddof=1) / np.sqrt(runs.shape[1])
    ax.plot(x, m, color=st["color"], linestyle=st["linestyle"], label=name, **kw)
    ax.fill_between(x, m - 2 * se, m + 2 * se, color=st["color"], alpha=0.25, linewidth=0)


def _style(i: int, label: str, **kw) -> dict:
    """Colour, marker and line style number ``i`` of the palette (distinct within one figure)."""
    return {"color": PALETTE[i % len(PALETTE)], "marker": _MARKERS[i % len(_MARKERS)], "linestyle": _LINES[i % len(_LINES)],
            "label": label, **kw}


def order(runs, title: str, opt_name: str):
    """Weak order: (left) E f of the optimiser, the SDE and the controls at the largest eta of the first setting;
    (right) the largest |relative gap| over the checkpoints against eta/eta_0, every setting and model, with a slope-1 guide."""
    fig, axes = new_figure(2)
    r0 = runs[0]
    m0 = _mean(r0.disc[0][:-1])
    axes[0].plot(r0.t, m0, **_style(0, f"{opt_name} (eta = {r0.etas[0]:.3g})", marker=None))
    for i, (name, arrs) in enumerate(r0.models.items()):
        axes[0].plot(r0.t, _mean(arrs[0][:-1]), **_style(i + 1, name, markevery=3))
    axes[0].set_xscale("log"); axes[0].set_yscale("log")
    lo = np.nanmin(m0)
    if np.isfinite(lo) and lo > 0:
        axes[0].set_ylim(bottom=0.2 * lo)
    axes[0].set_xlabel("time t = k eta"); axes[0].set_ylabel("mean loss E f")
    axes[0].legend(fontsize=7); axes[0].set_title(r0.label, fontsize=10)
    for k, run in enumerate(runs):
        x = run.etas / run.etas[0]
        for i, (name, arrs) in enumerate(run.models.items()):
            gap = [np.nanmax(np.abs(_mean(a) / _mean(d) - 1)) for a, d in zip(arrs, run.disc)]
            axes[1].plot(x, gap, **_style(i + 1, f"{name}, {run.label}" if len(runs) > 1 else name,
                                          fillstyle="full" if k == 0 else "none", linewidth=1.8 if k == 0 else 1.0))
    x = runs[0].etas / runs[0].etas[0]
    g0 = np.nanmax(np.abs(_mean(next(iter(runs[0].models.values()))[0]) / _mean(runs[0].disc[0]) - 1))
    axes[1].plot(x, g0 * x, "k:", lw=1, label="slope 1 (order 1)")
    axes[1].set_xscale("log"); axes[1].set_yscale("log")
    axes[1].set_xticks(x, [f"{v:g}" for v in x])
    axes[1].xaxis.set_minor_formatter(NullFormatter())
    axes[1].set_xlabel("eta / eta_0 (rho fixed)"); axes[1].set_ylabel("max |relative gap in E f|")
    axes[1].legend(fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def phases(run):
    """E x_t of 1-D SignSGD and its SDE with the three phases shaded, linear and log scale."""
    fig, axes = new_figure(2)
    t = run["disc"].t
    m = np.nanmean(_finite(run["disc"].records["x"]), 1)
    rate3 = th.signsgd_mean_rate(1.0, 1.0)
    for ax, logy in zip(axes, (False, True)):
        for lo, hi, lab, col in ((1.5 * math.sqrt(2), 11, "phase 1 (Y > 1.5)", "#E69F00"), (math.sqrt(2), 1.5 * math.sqrt(2), "phase 2", "#56B4E9"),
                                 (1e-6, math.sqrt(2), "phase 3 (Y < 1)", "#009E73")):
            inside = (m > lo) & (m <= hi)
            if inside.any():
                ax.axvspan(t[inside].min(), t[inside].max(), color=col, alpha=0.12, label=lab)
        mean_band(ax, t, run["disc"].records["x"], "SignSGD (discrete)", 0)
        mean_band(ax, run["SDE"].t, run["SDE"].records["x"], "SignSGD SDE (erf)", 1)
        ax.plot(t, np.maximum(10 - t, 1e-6), color="k", lw=1, ls="--", label="SignGD line 10 - t")
        if np.any(m < 0.7):
            i3 = int(np.argmax(m < 0.7))
            ax.plot(t[i3:], m[i3] * np.exp(-rate3 * (t[i3:] - t[i3])), color="k", lw=1, ls=":", label="phase 3: exp(-sqrt(2/pi) t)")
        ax.set_xlabel("time t = k eta"); ax.set_ylabel("E x_t")
        if logy:
            ax.set_yscale("log"); ax.set_ylim(1e-2, 12)
    axes[0].legend(fontsize=7)
    fig.suptitle("The three phases of SignSGD (1-D, lambda = 1, sigma = 1)")
    fig.tight_layout()
    return fig


def sigma_levels(res, sigma_grid, mb, batch_grid, mb_theory):
    """Stationary loss vs sigma (SignSGD, SGD) with Lemmas 3.7/3.8, and vs the batch size with real mini-batches."""
    fig, axes = new_figure(2)
    for j, name in enumerate(("SignSGD", "SGD")):
        st = _style(j, name)
        for ax, x, lv, ref in ((axes[0], sigma_grid, res[name], res["theory"][name]), (axes[1], batch_grid, mb[name], mb_theory[name])):
            L = _finite([np.asarray(v).ravel() for v in lv])
            ax.errorbar(x, np.nanmean(L, 1), yerr=2 * np.nanstd(L, 1, ddof=1) / np.sqrt(L.shape[1]), color=st["color"], marker=st["marker"],
                        ls="none", label=f"{name} (simulated)")
            ax.plot(x, ref, color=st["color"], ls=st["linestyle"], lw=1, label=f"{name}: Lemma {'3.7' if name == 'SignSGD' else '3.8'}")
    axes[0].set_xlabel("noise level sigma"); axes[1].set_xlabel("batch size B (real mini-batches)")
    for ax in axes:
        ax.set_xscale("log"); ax.set_yscale("log"); ax.set_ylabel("stationary (excess) loss"); ax.legend(fontsize=7)
    fig.suptitle("Stationary loss: linear in sigma (SignSGD), quadratic (SGD); B^(-1/2) and B^(-1)")
    fig.tight_layout()
    return fig


def heavy(res):
    """SignSGD's level vs nu with T7's closed form; boxplots of SGD and SignSGD levels at nu = 1 and 3."""
    fig, axes = new_figure(2)
    nus = [n if np.isfinite(n) else 100.0 for n in res["nus"]]
    L = _finite([np.asarray(v).ravel() for v in res["SignSGD"]])
    st = _style(0, "SignSGD")
    axes[0].errorbar(nus, np.nanmean(L, 1), yerr=2 * np.nanstd(L, 1, ddof=1) / np.sqrt(L.shape[1]), color=st["color"], marker=st["marker"],
                     ls="none", label="SignSGD (simulated)")
    axes[0].plot(nus, res["theory"], color=st["color"], lw=1, label="(eta/4) sum s/(2 p_nu(0))")
    axes[0].axhline(res["gaussian"], color="grey", ls=":", label="Gaussian value")
    axes[0].set_xscale("log"); axes[0].set_xlabel("degrees of freedom nu (100 = Gaussian)"); axes[0].set_ylabel("stationary loss (scale 1)")
    axes[0].legend(fontsize=7)
    data = [_finite(res[k, nu]) for nu in (1.0, 3.0) for k in ("SGD", "SignSGD")]
    axes[1].boxplot([d[np.isfinite(d)] for d in data], tick_labels=["SGD\nnu=1", "SignSGD\nnu=1", "SGD\nnu=3", "SignSGD\nnu=3"])
    axes[1].set_yscale("log"); axes[1].set_ylabel("per-run stationary loss")
    fig.suptitle("Heavy-tailed noise: SignSGD stays finite, SGD does not")
    fig.tight_layout()
    return fig


def adaptive_levels(res, grid, theory):
    """Stationary loss vs sigma of Adam, AdamW and RMSpropW with C.52, C.57 (with and without the momentum factor)."""
    fig, ax = new_figure()
    g = np.asarray(grid, dtype=float)
    for j, (key, name, ref, lab) in enumerate((("Adam", "Adam (theta = 0)", theory["adam"], "C.52: (eta/4) sum sigma"),
                                                ("AdamW", "AdamW", theory["adamw"], "C.57 x rho1/(rho1+theta) [D]"),
                                                ("RMSpropW", "RMSpropW", theory["rms"], "C.57 as quoted"))):
        st = _style(j, name)
        L = _finite([np.asarray(v).ravel() for v in res[key]])
        ax.errorbar(g, np.nanmean(L, 1), yerr=2 * np.nanstd(L, 1, ddof=1) / np.sqrt(L.shape[1]), color=st["color"], marker=st["marker"],
                    ls="none", label=f"{name}, simulated")
        ax.plot(g, ref, color=st["color"], ls=st["linestyle"], lw=1, label=lab)
    ax.axhline(theory["bound_adamw"], color="k", ls="--", lw=1, label="AdamW bound eta Tr(H)/(4 theta) rho1/(rho1+theta)")
    ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xlabel("noise level sigma"); ax.set_ylabel("stationary loss E f")
    ax.legend(fontsize=7)
    ax.set_title("Adam grows linearly in sigma; decoupled weight decay bounds AdamW and RMSpropW")
    return fig


def scaling(res, deltas):
    """Loss against samples processed for every delta: the [D] rule and its near miss, for AdamW and SignSGD."""
    fig, axes = new_figure(2, 2, sharey="row")
    for row, (opt, rules) in enumerate((("adamw", ("sqrt", "sqrt, theta fixed")), ("signsgd", ("sqrt", "linear")))):
        for ax, rule in zip(axes[row], rules):
            for j, (dlt, (s, loss)) in enumerate(zip(deltas, res[opt, rule]["traj"])):
                mean_band(ax, s, loss, f"delta = {dlt}", j)
            ax.set_xscale("symlog", linthresh=100); ax.set_yscale("log")
            label = {"sqrt": "the [D] rule" if opt == "adamw" else "eta -> sqrt(delta) eta", "sqrt, theta fixed": "theta unchanged (near miss)",
                     "linear": "linear rule eta -> delta eta (near miss)"}[rule]
            ax.set_title(f"{'AdamW' if opt == 'adamw' else 'SignSGD'}: {label}", fontsize=10)
        axes[row][0].set_ylabel("mean loss (+-2 SE)")
    for ax in axes[1]:
        ax.set_xlabel("samples processed k B")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Batch-size scaling rules: loss vs samples for batch B = delta")
    fig.tight_layout()
    return fig


def stationary_exact(res):
    """Relative gap of the stationary loss (exact): SignSGD vs its SDE, and the drift ODE, against eta."""
    fig, ax = new_figure()
    e = res["etas"]
    ax.plot(e, res["disc"] / res["sde"] - 1, **_style(1, "SignSGD vs its SDE (exact)"))
    ax.plot(e, np.ones_like(e), **_style(2, "SignSGD vs the drift ODE"))
    ax.plot(e, (res["disc"][-1] / res["sde"][-1] - 1) * e / e[-1], "k:", lw=1, label="slope 1")
    ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xlabel("learning rate eta"); ax.set_ylabel("relative gap of the stationary loss")
    ax.legend(fontsize=8)
    ax.set_title(f"Weak error at stationarity (sigma = {res['sigma']:g}, exact)")
    return fig
