"""The figures of the saddle-to-saddle chapter, drawn from experiment output.

Every function takes the dictionaries of :mod:`.experiments` and returns the figure; none computes anything a
criterion uses. Colours come from :data:`optdyn.plotting.PALETTE`; the book style is set by
:func:`optdyn.plotting.use_book_style`. Non-finite values (a run that did not escape) are left out of a plot,
never allowed to break it.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from optdyn.papers.saddle_to_saddle import theory as th
from optdyn.papers.saddle_to_saddle.checks import fig1_checkpoint
from optdyn.plotting import PALETTE, new_figure
from optdyn.stats import wilson_interval

__all__ = ["balance", "digits", "escape_times", "gd_escape", "optima", "propositions", "saddle_to_saddle", "width"]

_FLOOR = 1e-18  # defects below this are drawn at this value (log scales)


def _style(i: int, label: str | None = None, **kw) -> dict:
    markers = ["o", "s", "^", "D", "v", "P"]
    lines = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    return {"color": PALETTE[i % len(PALETTE)], "marker": markers[i % 6], "linestyle": lines[i % 6], "label": label, **kw}


def optima(opt: dict, cons: dict, lr: dict):
    """Example 1 and Theorem 3.1: s*(L) on D2 and D4 with the closed forms; the construction's output on the circle;
    the layer profiles at the largest envelope depth with the l^(-1/2) envelope; measured s1/s2 against the exact
    bound of Theorem 3.1 and its large-l form."""
    fig, axs = plt.subplots(2, 2, figsize=(12.5, 8.5))
    ax = axs[0, 0]
    for i, name in enumerate(("D2", "D4")):
        sp = {L: r.speed for L, r in opt[name].items()}
        ax.plot(list(sp), list(sp.values()), **_style(i, f"solver optimum ({name})"))
    ax.axhline(th.CIRCLE_RANK1_BOUND, color="0.4", ls=":", label=r"rank-one bound $\sqrt{2}-1$ (D2)")
    ax.axhline(0.5, color="0.2", ls="--", label="rank-two construction 1/2 (D2)")
    ax.set(xlabel="depth L", ylabel="optimal escape speed s*", title="s*(L): Example 1 (D2), cube parity (D4)")
    ax.legend(fontsize=7)
    ax = axs[0, 1]
    t = np.linspace(0, 2 * np.pi, 400)
    m, w = cons["model"], cons["w"]
    ax.plot(t, m.predict(w, np.stack([np.cos(t), np.sin(t)], 1))[:, 0], color=PALETTE[0], label=r"$\max(|x_1|-|x_2|,0)/4$")
    tk = 2 * np.pi * np.arange(8) / 8
    ax.scatter(tk, m.predict(w, np.stack([np.cos(tk), np.sin(tk)], 1))[:, 0], c=[PALETTE[2] if k % 2 == 0 else PALETTE[3] for k in range(8)], zorder=3)
    ax.set(xlabel="angle of x on the circle (rad)", ylabel="network output", title="Example 1's rank-two construction (green: g = -1, red: g = +1)")
    ax.legend(fontsize=8)
    Lf = max(lr["depths"])
    ax = axs[1, 0]
    for i, name in enumerate(("D1", "D2", "D4")):
        rep = lr["reports"][(name, Lf)]
        l = np.arange(1, Lf + 1)
        ax.plot(l, np.maximum(rep["eps"], _FLOOR), **_style(i, f"{name}: weights $\\epsilon_\\ell$"))
        ax.plot(l[:-1], np.maximum(rep["relu_gap"], _FLOOR), **_style(i, f"{name}: ReLU gap", linestyle="", marker="x"))
        sc = np.sqrt(l) * rep["eps"]
        c = max(sc[:2].max(), 1e-300)
        if c > _FLOOR:
            ax.plot(l, c / np.sqrt(l), color=PALETTE[i], lw=0.8, ls=(0, (1, 2)))
    ax.plot([], [], color="0.3", lw=0.8, ls=(0, (1, 2)), label=r"envelope $\max(\epsilon_1,\sqrt{2}\epsilon_2)/\sqrt{\ell}$")
    ax.set_yscale("log")
    ax.set(xlabel="layer l", ylabel=f"defect (below {_FLOOR:g} drawn at {_FLOOR:g})", title=f"optimum, L={Lf}: layer profiles")
    ax.legend(fontsize=6, ncol=2)
    ax = axs[1, 1]
    for i, name in enumerate(("D2", "D4")):
        rep = lr["reports"][(name, Lf)]
        l = np.arange(1, Lf + 1)
        c = float((np.sqrt(l) * rep["eps"]).max())
        ratio = 1 / np.maximum(rep["ratio"], 1e-300)
        ax.plot(l, np.minimum(ratio, 1e16), **_style(i, f"{name}: measured $s_1/s_2$"))
        ax.plot(l, th.lowrank_ratio_bound(c, l), color=PALETTE[i], lw=1, ls="--", label=f"{name}: exact bound, c = {c:.2f}")
        ax.plot(l, l**0.25 / math.sqrt(c), color=PALETTE[i], lw=0.8, ls=":", label=r"large-$\ell$ form $\ell^{1/4}/\sqrt{c}$")
    ax.set_yscale("log")
    ax.set(xlabel="layer l", ylabel=r"$s_1(W_\ell)/s_2(W_\ell)$ (capped at 1e16)", title="Theorem 3.1: exact bound vs measured")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def balance(bal: dict):
    """Layer norms at the start and at the end of the single-sphere ascent (no per-layer rescaling)."""
    fig, ax = new_figure(height=3.4)
    for i, (L, b) in enumerate(bal.items()):
        r = b["result"]
        x = np.tile(np.arange(1, L + 1), (r.norms.shape[0], 1))
        ax.scatter(x.ravel() - 0.1 + 0.05 * i, r.norms0.ravel(), marker="o", facecolors="none", edgecolors=PALETTE[i], s=18,
                   label=f"L={L}: start")
        ax.scatter(x.ravel() + 0.1 + 0.05 * i, r.norms.ravel(), marker="x", color=PALETTE[i], s=22, label=f"L={L}: end")
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set(xlabel="layer l", ylabel=r"$\|W_\ell\|_F$ on the sphere $\|\theta\|^2=L$", title="single-sphere ascent on D1: balance is reached, not imposed")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def propositions(prop: dict, points: dict):
    """Proposition 3.3: largest later-layer defect against the input defect (non-negative and signed rank-one inputs);
    Proposition 3.4: sum_l -log(1 - eps_l) against the budget 2 log(U/s) for every escape point."""
    fig, axs = new_figure(2, height=3.8)
    ax = axs[0]
    for i, (k, lab) in enumerate((("nonneg", "non-negative z (claim)"), ("signed", "signed z (near miss)"))):
        d, q = prop[k]["defect"], prop[k]["q"]
        ax.plot(d, np.maximum(q, _FLOOR), **_style(i, lab))
    d = np.sort(np.r_[prop["nonneg"]["defect"], prop["signed"]["defect"]])
    ax.plot(d, np.sqrt(d), color="0.3", ls="--", lw=1, label=r"bound $\sqrt{d}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="rank defect d of the input", ylabel=f"largest defect / ReLU gap of the optimum", title="Prop. 3.3: propagation")
    ax.legend(fontsize=8)
    ax = axs[1]
    hi = 0.0
    for i, (src, (lhs, rhs, _)) in enumerate(points.items()):
        fin = np.isfinite(rhs) & (rhs <= 12)  # slower directions (larger budgets) are not shown
        ax.scatter(rhs[fin], lhs[fin], s=12, color=PALETTE[i], marker="osD^v"[i % 5], label=src, alpha=0.7)
        hi = max(hi, float(rhs[fin].max(initial=0)))
    ax.plot([0, hi], [0, hi], color="0.3", ls="--", lw=1, label="bound (equality)")
    ax.set(xlabel="budget 2 log(U/s) (points up to 12 shown)", ylabel=r"$\sum_\ell -\log(1-\epsilon_\ell)$",
           title="Prop. 3.4: every escape point is under the bound")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def gd_escape(gd: dict):
    """Loss and balanced-normalised speed of one GD run on D1 until its escape, against the solver's s*."""
    res = gd["runs"]["claim"]
    fig, ax = new_figure(height=3.6)
    n = np.isfinite(res.loss[:, 0])
    ax.plot(res.steps[n], res.loss[n, 0] / res.C0, color=PALETTE[0], label="GD loss / C(0) (adapted step)")
    if res.escape_step[0] >= 0:
        ax.axvline(res.escape_step[0], color="0.5", ls=":", label=f"escape step {res.escape_step[0]} (loss = 0.97 C(0))")
    ax.set(xlabel="GD step", ylabel="training loss / C(0)", title=f"First escape on D1 (L={gd['depth']}, alpha={gd['alphas']['claim']:g}, run 0)")
    ax2 = ax.twinx()
    ax2.plot(res.steps[n], res.speed[n, 0], color=PALETTE[1], ls="--", label="balanced-normalised speed")
    ax2.axhline(gd["s_star"], color="k", ls=":", lw=1, label="solver optimum s*")
    ax2.set_ylabel(r"speed $s(\bar\theta_t)$")
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center left", fontsize=8)
    fig.tight_layout()
    return fig


def width(ws: dict):
    """Success fraction (speed > sqrt(2) - 1 + 0.01) against the width, with 95% Wilson intervals, for the solver, the
    single-sphere ascent, GD from small init and the solver at depth 2; right: every speed reached."""
    fig, axs = new_figure(2, height=3.8)
    thr, w = ws["threshold"], ws["widths"]
    labels = {"product": f"solver restarts (product of spheres), L={ws['depth']}", "sphere": f"single-sphere ascent, L={ws['depth']}",
              "gd": f"GD from small init, L={ws['depth']}", "depth2": "solver restarts, L=2 (illustration)"}
    for i, (k, lab) in enumerate(labels.items()):
        sp = np.nan_to_num(ws["speeds"][k], nan=-np.inf)
        kk = np.sum(sp > thr, axis=1)
        n = sp.shape[1]
        f = kk / n
        ci = np.array([wilson_interval(int(x), n) for x in kk])
        axs[0].errorbar(w * (1 + 0.03 * i), f, yerr=np.clip([f - ci[:, 0], ci[:, 1] - f], 0, None), capsize=3, **_style(i, lab))
        fin = ws["speeds"][k]
        for j in range(len(w)):
            v = fin[j][np.isfinite(fin[j])]
            axs[1].scatter(np.full(v.size, j) + (i - 1.5) * 0.18, v, s=8, color=PALETTE[i], marker="osD^"[i], label=lab if j == 0 else None)
    axs[1].axhline(thr - 0.01, color="0.4", ls=":", lw=1)
    axs[0].set_xscale("log")
    axs[0].xaxis.set_minor_formatter(NullFormatter())
    axs[0].set_xticks(w, [str(x) for x in w])
    axs[0].set(xlabel="hidden width w", ylabel=r"fraction with speed > $\sqrt{2}-1+0.01$", title="Example 1: success rate against width")
    axs[0].legend(fontsize=7)
    axs[1].axhline(0.5, color="0.2", ls="--", lw=1)
    axs[1].set_xticks(range(len(w)), [str(x) for x in w])
    axs[1].set(xlabel="hidden width w", ylabel="speed reached (Example 1 units)", title=r"speeds (dotted: $\sqrt{2}-1$, dashed: 1/2)")
    fig.tight_layout()
    return fig


def escape_times(et: dict):
    """Escape steps against alpha: log-log for plain GD at L = 3, 4 with the ray formula; against log(1/alpha) for
    L = 2 and for the adapted step, with the predicted slopes."""
    fig, axs = new_figure(2, height=4.0)
    al, T, s = et["alphas"], et["T"], et["s"]

    def mean_T(key):
        v = T[key].astype(float)
        return np.where(v < 0, np.nan, v).mean(1)

    ax = axs[0]
    for i, L in enumerate((3, 4)):
        a = np.asarray(al[L])
        ax.plot(a, mean_T(("aligned", L)), **_style(2 * i, f"aligned start, L={L}"))
        if ("random", L) in T:
            ax.plot(a, mean_T(("random", L)), **_style(2 * i + 1, f"random start, L={L}"))
        ag = np.geomspace(a.min(), a.max(), 50)
        ax.plot(ag, [th.ray_escape_steps(x, s[L], L, et["lr"], et["r_stop"]) for x in ag], color="0.3", lw=1, ls="--")
    ax.plot([], [], color="0.3", lw=1, ls="--", label="ray formula (slope L-2)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ticks = sorted(set(al[3]) | set(al[4]))
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set(xlabel=r"init scale $\alpha$", ylabel="GD steps to r > r_stop", title="plain GD: polynomial escape for L >= 3")
    ax.legend(fontsize=7)
    ax = axs[1]
    a2 = np.asarray(al[2])
    ax.plot(np.log(1 / a2), mean_T(("aligned", 2)), **_style(0, "plain GD, aligned, L=2"))
    ax.plot(np.log(1 / a2), mean_T(("random", 2)), **_style(1, "plain GD, random, L=2"))
    xa = np.log(1 / et["alphas_adapt"])
    for i, L in enumerate((2, 3, 4)):
        ax.plot(xa, mean_T(("adaptive", L)), **_style(2 + i, f"adapted step, random, L={L}"))
    Ta = mean_T(("adaptive", 2))
    if np.all(np.isfinite(Ta)):
        ax.plot(xa, Ta[0] + (xa - xa[0]) * th.adaptive_escape_slope(s[2], et["c"]), color="0.3", ls="--", lw=1, label="slope 1/log(1+c s*)")
    ax.set(xlabel=r"$\log(1/\alpha)$", ylabel="GD steps to r > r_stop", title="logarithmic escape: L = 2 or adapted step")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def saddle_to_saddle(s2s: dict, title: str):
    """Loss of the first run with its plateaus shaded (and the large-init illustration), and the top-5 normalised
    singular values of every layer against the step."""
    r0, ev = s2s["runs"][0], s2s["claim"][0]
    rc = s2s["control_runs"][0]
    L = s2s["depth"]
    fig = plt.figure(figsize=(10, 2.6 + 1.3 * L))
    gs = fig.add_gridspec(L + 1, 1, height_ratios=[2.2] + [1] * L, hspace=0.5)
    ax = fig.add_subplot(gs[0])
    n0 = np.isfinite(r0.loss[:, 0])
    nc = np.isfinite(rc.loss[:, 0])
    ax.plot(r0.steps[n0], r0.loss[n0, 0], color=PALETTE[0], label="GD, small init (run 0)")
    ax.plot(rc.steps[nc], rc.loss[nc, 0], color=PALETTE[1], ls="--", label="GD, large init (illustration)")
    for j, (a, b, _) in enumerate(ev["plateaus"]):
        ax.axvspan(a, b, color=PALETTE[(2 + j) % len(PALETTE)], alpha=0.15,
                   label=f"plateau {j + 1}: rank {ev['ranks'][j] if j < len(ev['ranks']) else '?'}")
    ax.set_yscale("log")
    ax.set(ylabel="training loss", title=title)
    ax.legend(fontsize=8, loc="upper right")
    xmax = r0.steps[n0][-1]
    ax.set_xlim(0, xmax)
    sv = r0.svals[:, 0]
    im = None
    for l in range(L):
        axl = fig.add_subplot(gs[l + 1], sharex=ax)
        S = sv[:, l, :] / np.maximum(sv[:, l, :1], 1e-300)
        im = axl.imshow(S.T, aspect="auto", origin="lower", extent=(r0.sv_steps[0], r0.sv_steps[-1], 0.5, 5.5), vmin=0, vmax=1,
                        cmap="viridis", interpolation="nearest")
        axl.set_ylabel(f"W{l + 1}\nindex i", fontsize=8)
        axl.set_yticks([1, 3, 5])
        axl.grid(False)
        axl.set_xlim(0, xmax)
    axl.set_xlabel("GD step")
    fig.colorbar(im, ax=fig.axes[1:], label=r"$s_i(W_\ell)/s_1(W_\ell)$", shrink=0.8)
    return fig


def digits(dig: dict):
    """Digits analogue of the paper's Figure 1: loss with checkpoint lines; top-10 singular values of every layer at
    initialisation, after the first escape and at the end."""
    fig_run = dig["fig"]
    fig, axs = plt.subplots(1, 4, figsize=(14, 3.6))
    n = np.isfinite(fig_run.loss[:, 0])
    axs[0].plot(fig_run.steps[n], fig_run.loss[n, 0], color=PALETTE[0], label="training loss")
    j = max(fig1_checkpoint(dig), 0)
    cps = [0, j, len(fig_run.sv_steps) - 1]
    for cp, col in zip(cps, PALETTE[1:4]):
        axs[0].axvline(fig_run.sv_steps[cp], color=col, ls=":")
    axs[0].set_yscale("log")
    axs[0].set(xlabel="GD step", ylabel="training loss", title="digits analogue")
    for ax, cp in zip(axs[1:], cps):
        for l in range(dig["depth"]):
            ax.semilogy(np.arange(1, 11), np.maximum(fig_run.svals[cp, 0, l], 1e-12), marker="o", ms=3, label=f"layer {l + 1}")
        ax.set(xlabel="index i", ylabel=r"$s_i(W_\ell)$", title=f"step {fig_run.sv_steps[cp]}")
    axs[1].legend(fontsize=7)
    fig.tight_layout()
    return fig
