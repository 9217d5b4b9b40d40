"""The figures of the PLRS chapter, drawn from experiment output (brief Sec. 5.4).

Every function takes the dictionaries of :mod:`.experiments` (and, for the digits panels, the details of the
criterion's :class:`~optdyn.claims.Outcome`) and returns the figure; none computes anything a criterion uses.
They survive non-finite values (diverged runs, undefined T*, infinite confidence bounds): those are left out of the
plot or drawn to its edge, never raised on. The schedules keep one colour each across the chapter
(:func:`optdyn.plotting.method_style`); within a theory figure the styles are numbered (:func:`_sty`). The book style
is set by :func:`optdyn.plotting.use_book_style`.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from matplotlib.ticker import NullFormatter

from optdyn.core.schedules import Constant
from optdyn.papers.plrs.competitors import paper_defaults
from optdyn.papers.plrs.landscapes import QuarticSaddle
from optdyn.papers.plrs.schedule import PLRS
from optdyn.papers.plrs.simulation import run_sgd
from optdyn.plotting import PALETTE, method_style, new_figure

__all__ = ["LABELS", "confinement", "coupling", "digits_accuracy", "digits_training", "escape_ecdf", "rate", "saddle_paths",
           "schedules", "tensor", "thm1"]

LABELS = {"plrs": "PLRS", "cosine_wr": "cosine (warm restarts)", "one_cycle": "one-cycle", "knee": "knee",
          "multi_step": "multi-step", "constant": "constant $\\eta_c$", "plrs_misscaled": "PLRS range x 1/100",
          "plrs_placebo": "PLRS (independent seed)"}


_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]


def _sty(i: int) -> dict:
    """Colour, marker and line style number ``i`` (distinct within one figure, greyscale-safe)."""
    return {"color": PALETTE[i % len(PALETTE)], "marker": _MARKERS[i % 8], "linestyle": _LINES[i % 8]}


def _log(ax, axis: str, *arrays) -> None:
    """Log scale on ``axis`` ("x" or "y") when the plotted ``arrays`` hold a positive finite value (a log axis with no
    positive data cannot be drawn); a linear axis otherwise."""
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if arrays else np.empty(0)
    if np.any(np.isfinite(vals) & (vals > 0)):
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def _finite(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def schedules(l_min_ratio: float, seed: int, *, steps_per_epoch: int = 42, epochs: int = 31):
    """Learning-rate traces of every schedule over one budget (PLRS as a scatter with its band)."""
    fig, ax = new_figure(height=4.0)
    steps = np.arange(steps_per_epoch * epochs)
    for n in ("plrs", "cosine_wr", "one_cycle", "knee", "multi_step", "constant"):
        s = paper_defaults(n, total_epochs=epochs, steps_per_epoch=steps_per_epoch, peak_lr=1.0, l_min_ratio=l_min_ratio, seed=seed)
        tr = s.trace(steps.size)
        sty = method_style(LABELS[n])
        if n == "plrs":
            ax.axhspan(l_min_ratio, 1.0, color=sty["color"], alpha=0.12)
            ax.scatter(steps / steps_per_epoch, tr, s=2, color=sty["color"], label=sty["label"], alpha=0.5)
        else:
            ax.plot(steps / steps_per_epoch, tr, color=sty["color"], linestyle=sty["linestyle"], label=sty["label"])
    ax.set(xlabel=f"epoch ({steps_per_epoch} steps per epoch)", ylabel="learning rate / peak rate $L_{\\max}$",
           title=f"Learning-rate traces over one {epochs}-epoch budget")
    ax.legend(loc="upper right", ncol=2, fontsize=8)
    return fig


def thm1(g1: dict, order: dict, exponent: float):
    """Left: MC one-step decrease against the identity and the bound, over the gradient norm. Right: the order of the
    decrease in L_max at the threshold gradient and at a fixed gradient, with the fitted leading exponent."""
    fig, axs = new_figure(ncols=2, height=4.0)
    ax = axs[0]
    above = g1["grad_mult"] >= 1
    for r, mk in zip(np.unique(g1["ratio"]), ["o", "s", "^", "D", "v", "P"]):
        for k, L in enumerate(np.unique(g1["l_max"])):
            sel = above & (g1["ratio"] == r) & (g1["l_max"] == L)
            sty = _sty(k)
            ax.plot(g1["grad_norm"][sel], -g1["closed"][sel], color=sty["color"], linestyle="-")
            ax.plot(g1["grad_norm"][sel], -g1["mc"][sel], mk, color=sty["color"], label=f"$L_{{\\max}}$ = {L:g}, ratio {r:g}")
            ax.plot(g1["grad_norm"][sel], -g1["bound"][sel], color=sty["color"], linestyle=":")
    _log(ax, "x", g1["grad_norm"])
    _log(ax, "y", -g1["mc"][above], -g1["closed"][above])
    ax.set(xlabel="$\\|\\nabla f\\|$", ylabel="$-\\mathbb{E}\\,\\Delta f$",
           title="MC (markers), identity (solid), bound (dotted)")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
    ax = axs[1]
    L = order["l_max"]
    for k, (key, mk, lab) in enumerate((("threshold", "o-", f"threshold gradient (leading exponent {exponent:.3f})"),
                                        ("fixed", "s--", "fixed gradient 0.2 (illustration)"))):
        ax.errorbar(L, np.abs(order[key]["mc"]), yerr=2 * order[key]["se"], fmt=mk, label=lab, color=_sty(k)["color"])
    ax.plot(L, np.abs(order["closed"]), "k:", lw=1, label="closed form $L^2(a - bL)$")
    _log(ax, "x", L)
    _log(ax, "y", np.abs(order["threshold"]["mc"]), np.abs(order["closed"]))
    ax.set(xlabel="$L_{\\max}$ ($L_{\\min} = 0.7 L_{\\max}$)", ylabel="$-\\mathbb{E}\\,\\Delta f$",
           title="Order of the decrease")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def saddle_paths(l_min: float, l_max: float, *, lr_seed: int, noise_rng_factory):
    """2-D quartic saddle: three SGD paths from a point of the stable manifold, PLRS and constant eta_c, with gradient
    noise (left) and without (right). ``noise_rng_factory()`` returns the same generator each call (common noise)."""
    fig, axs = new_figure(ncols=2, height=4.2)
    q2 = QuarticSaddle(d=2)
    gx, gy = np.meshgrid(np.linspace(-1.4, 1.4, 120), np.linspace(-1.0, 1.0, 90))
    F2 = q2.f(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    x0 = np.array([[0.0, 0.8]] * 3)
    eta_c = 0.5 * (l_min + l_max)
    for ax, sig, title in ((axs[0], 0.1, "gradient noise $\\sigma = 0.1$"), (axs[1], 0.0, "no gradient noise ($\\sigma = 0$)")):
        ax.contour(gx, gy, F2, levels=20, colors="0.75", linewidths=0.7)
        for k, (name, sch) in enumerate((("PLRS", PLRS(l_min, l_max, seed=lr_seed)), ("constant $\\eta_c$", Constant(eta_c)))):
            rr = run_sgd(q2.grad, x0, sch, 300, sigma=sig, rng=noise_rng_factory(),
                         monitors={"x1": lambda Z: Z[:, 0].copy(), "x2": lambda Z: Z[:, 1].copy()})
            sty = _sty(k)
            for r in range(x0.shape[0]):
                ax.plot(rr["x1"][:, r], rr["x2"][:, r], color=sty["color"], linestyle=sty["linestyle"], lw=1.2,
                        label=name if r == 0 else None)
        ax.plot([0], [0], "kx")
        ax.set(xlabel="$x_1$ (unstable direction)", ylabel="$x_2$", title=title)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def escape_ecdf(esc: dict):
    """Escape-time ECDFs of every arm (shared gradient noise)."""
    fig, ax = new_figure(height=4.0)
    names = {"PLRS": "PLRS", "const eta_c": "constant $\\eta_c$", "const L_min": "constant $L_{\\min}$",
             "const L_max": "constant $L_{\\max}$", "const 0.8 eta_c": "constant $0.8\\,\\eta_c$ (positive control)",
             "const 1.05 eta_c": "constant $1.05\\,\\eta_c$ (near miss)"}
    for k, (key, lab) in enumerate(names.items()):
        t = np.sort(esc[key]["times"])
        sty = _sty(k)
        ax.step(t, np.arange(1, t.size + 1) / t.size, where="post", color=sty["color"], linestyle=sty["linestyle"], label=lab)
    ax.set(xlabel="escape step (first $t$ with $|x_1| \\geq 0.5$)", ylabel="empirical CDF",
           title=f"Escape times from the saddle, {esc['PLRS']['times'].size} runs per arm, shared gradient noise")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def rate(rt: dict):
    """Left: exit time (median, the demonstration) with its kinematic lower bound, and T*, against L_max. Right: mean
    f(x_t) - f(x_0) against eta_c t on the positive- and the negative-trace saddle."""
    fig, axs = new_figure(ncols=2, height=4.2)
    ax = axs[0]
    L = rt["l_max"]
    med = np.array([np.median(t) for t in rt["exit"]])
    ax.plot(L, med, "o-", color=_sty(0)["color"], label="PLRS median exit step ($|x_1| \\geq 0.5$)")
    ax.plot(L, rt["kinematic"], color="0.4", lw=1, linestyle="--", label="kinematic lower bound $0.5/(L_{\\max}(0.375+\\sigma))$")
    for k, (a, mk, lab) in enumerate((("PLRS", "^-", "$T^*$, PLRS"), ("const eta_c", "s:", "$T^*$, constant $\\eta_c$"),
                                      ("PLRS, negative trace", "v-.", "$T^*$, PLRS, negative trace"))):
        ax.plot(L, _finite(rt["tstar"][a]), mk, color=_sty(k + 1)["color"], label=lab, ms=7 - 2 * (k == 1))
    for sl, ls, lab in ((-1.0, ":", "slope $-1$"), (-0.25, "-.", "slope $-1/4$ (Theorem 2)")):
        ax.plot(L, med[-1] * (L / L[-1]) ** sl, "k", linestyle=ls, lw=0.8, label=lab)
    above = sum(int(np.sum(t >= k)) for t, k in zip(rt["exit"], rt["kinematic"]))
    total = sum(t.size for t in rt["exit"])
    _log(ax, "x", L)
    _log(ax, "y", med, rt["kinematic"])
    ax.set(xlabel="$L_{\\max}$ ($L_{\\min} = 0.7 L_{\\max}$)", ylabel="steps",
           title=f"Exit and decrease times\n({above} of {total} exit times above the bound)")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
    ax = axs[1]
    lows = []
    for j, (a, ls) in enumerate((("PLRS", "-"), ("PLRS, negative trace", "--"))):
        for k, i in enumerate((0, len(L) - 1)):
            m, se = rt["curves"][a][i]
            t = np.arange(m.size) * rt["eta_c"][i]
            sty = _sty(2 * j + k)
            ax.plot(t, m, color=sty["color"], linestyle=ls, label=f"{a}, $L_{{\\max}}$ = {L[i]:.3g}")
            ax.fill_between(t, m - 2 * se, m + 2 * se, color=sty["color"], alpha=0.2)
            lows.append(m[: int(2.0 / rt["eta_c"][i]) + 1])
    ax.axhline(0, color="0.5", lw=0.8)
    ys = np.concatenate(lows)
    ys = ys[np.isfinite(ys)]
    if ys.size:
        ax.set_ylim(1.3 * min(ys.min(), -1e-6), 1.5 * max(ys.max(), 1e-6))
    ax.set(xlabel="$\\eta_c\\, t$ (time in units of the mean rate)", ylabel="mean $f(x_t) - f(x_0)$ ($\\pm 2$ SE)",
           title="Expected change of $f$ from the saddle", xlim=(0, 2.0))
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def coupling(cp: dict):
    """Left: q95 of the coupling gap (Lemma 3), of the uncoupled distance and of the quadratic model's displacement
    (Lemma 2) against L_max. Right: fraction of runs with f(x_T) >= f(x_0) (Theorem 2's probability part)."""
    fig, axs = new_figure(ncols=2, height=4.2)
    ax = axs[0]
    L = cp["l_max"]
    for k, (key, mk, lab) in enumerate((("gap", "o-", "$\\|x_t - \\tilde x_t\\|$ (coupled, Lemma 3)"),
                                        ("gap_free", "s--", "uncoupled model (near miss)"),
                                        ("disp", "^-.", "$\\|\\tilde x_t - x_0\\|$ (Lemma 2)"))):
        q = np.quantile(cp[key], 0.95, axis=1)
        ax.plot(L, _finite(q), mk, color=_sty(k)["color"], label=lab)
    for sl, ls, lab in ((0.75, ":", "slope 3/4"), (0.375, "-.", "slope 3/8")):
        q = np.quantile(cp["gap" if sl == 0.75 else "disp"], 0.95, axis=1)
        ax.plot(L, q[-1] * (L / L[-1]) ** sl, "k", linestyle=ls, lw=0.8, label=lab)
    _log(ax, "x", L)
    _log(ax, "y", np.quantile(cp["gap"], 0.95, axis=1), np.quantile(cp["disp"], 0.95, axis=1))
    ax.set(xlabel="$L_{\\max}$", ylabel="$q_{95}$ of the sup over $t \\leq T$",
           title=f"Coupling to the quadratic model, $T$ = {cp['T'][-1]}..{cp['T'][0]} steps")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
    ax = axs[1]
    for k, (key, mk, lab) in enumerate((("df", "o-", "PLRS from the saddle"), ("df_const", "s--", "constant $\\eta_c$ (near miss)"),
                                        ("df_start", "^-.", "fixed-gradient start (positive control)"))):
        ax.plot(L, np.mean(cp[key] >= 0, axis=1), mk, color=_sty(k)["color"], label=lab)
    _log(ax, "x", L)
    ax.set(xlabel="$L_{\\max}$", ylabel="fraction with $f(x_T) \\geq f(x_0)$", title="Failure probability of the decrease")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def confinement(conf: dict, xis=(0.2, 0.05, 0.02)):
    """Quantiles q_{1-xi} of sup_t ||x_t - x*|| against L_max, with the sqrt(L log(1/(L xi))) reference, and the
    fixed-radius additive-noise control."""
    fig, ax = new_figure(height=4.0)
    L = conf["l_max"]
    for k, xi in enumerate(xis):
        q = np.quantile(conf["sup"], 1 - xi, axis=1)
        sty = _sty(k)
        ax.plot(L, q, "o-", color=sty["color"], label=f"PLRS, $q_{{{1 - xi:g}}}$")
        ref = np.sqrt(L * np.log(1 / (L * xi)))
        ax.plot(L, ref * q[0] / ref[0], color=sty["color"], linestyle=":", lw=1)
    q = np.quantile(conf["sup_additive"], 0.95, axis=1)
    ax.plot(L, q, "s--", color=_sty(len(xis))["color"], label="additive noise of fixed radius, $q_{0.95}$")
    _log(ax, "x", L)
    _log(ax, "y", np.quantile(conf["sup"], 0.5, axis=1))
    ax.set(xlabel="$L_{\\max}$ ($L_{\\min} = 0.7 L_{\\max}$)", ylabel="$\\sup_{t\\leq T}\\|x_t - x^*\\|$",
           title="Confinement over $T = 2/L_{\\max}^2$ steps (dotted: $\\propto\\sqrt{L\\log(1/(L\\xi))}$)")
    ax.legend(fontsize=8)
    return fig


def digits_training(dg: dict):
    """Left: the LR range tests with L_bar and the peak rate. Right: training loss per epoch (median and IQR over seeds)."""
    fig, axs = new_figure(ncols=2, height=4.2)
    ax = axs[0]
    for i, r in enumerate(dg["range_tests"]):
        ax.plot(r["lrs"], _finite(r["smoothed"]), color=method_style("range test")["color"], alpha=0.6, lw=1,
                label="smoothed loss" if i == 0 else None)
    ax.axvline(dg["l_bar"], color="k", linestyle="--", label=f"$\\bar L$ = {dg['l_bar']:.2f} (median loss minimum)")
    ax.axvline(dg["peak"], color=method_style("PLRS")["color"], linestyle="-", label=f"$L_{{\\max}}$ = {dg['peak']:.2f}")
    _log(ax, "x", [dg["l_bar"], dg["peak"]], *[r["lrs"] for r in dg["range_tests"]])
    ax.set(ylim=(0, 4), xlabel="learning rate", ylabel="smoothed training loss", title="LR range test")
    ax.legend(fontsize=8)
    ax = axs[1]
    arms = list(dg["arms"])
    ep = np.arange(dg["train_loss"].shape[2])
    for a in ("plrs", "cosine_wr", "one_cycle", "knee", "multi_step", "constant"):
        Lo = dg["train_loss"][arms.index(a)]
        sty = method_style(LABELS[a])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q25, q50, q75 = np.nanquantile(Lo, [0.25, 0.5, 0.75], axis=0)
        ax.plot(ep, q50, color=sty["color"], linestyle=sty["linestyle"], label=LABELS[a])
        ax.fill_between(ep, q25, q75, color=sty["color"], alpha=0.15)
    _log(ax, "y", dg["train_loss"])
    ax.set(xlabel="epoch", ylabel="training loss (epoch mean)", title="Training loss: median and IQR over seeds")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def digits_accuracy(dg: dict, details: dict, delta: float):
    """Left: final test accuracy per seed and arm. Right: paired Hodges-Lehmann estimates (PLRS minus competitor) with
    their one-sided signed-rank lower bounds (infinite bounds drawn to the panel edge), against -delta."""
    fig, axs = new_figure(ncols=2, height=4.2)
    ax = axs[0]
    arms = list(dg["arms"])
    show = ["plrs", "cosine_wr", "one_cycle", "knee", "multi_step", "constant"]
    for j, a in enumerate(show):
        acc = _finite(100 * dg["final_test_acc"][arms.index(a)])
        sty = method_style(LABELS[a])
        ax.scatter(np.full(acc.size, j) + np.linspace(-0.15, 0.15, acc.size), acc, color=sty["color"], marker=sty["marker"], s=18)
        if np.isfinite(acc).any():
            ax.plot([j + 0.25, j + 0.35], [np.nanmedian(acc)] * 2, "k-", lw=2)
    ax.set_xticks(range(len(show)), [LABELS[a] for a in show], rotation=30, ha="right")
    ax.set(ylabel="final test accuracy (%)", title="Final-epoch accuracy (dots: seeds; bar: median)")
    ax = axs[1]
    comps = list(details["hl"])
    hl = np.array([details["hl"][c] for c in comps], dtype=float)
    lo = np.array([details["lower"][c] for c in comps], dtype=float)
    finite = np.concatenate([hl[np.isfinite(hl)], lo[np.isfinite(lo)], [-delta, 0.0]])
    left = float(finite.min()) - 0.5
    for j, c in enumerate(comps):
        if not math.isfinite(hl[j]):
            continue
        lo_j = lo[j] if math.isfinite(lo[j]) else left
        ax.errorbar(hl[j], j, xerr=[[max(hl[j] - lo_j, 0.0)], [0.0]], fmt="o", color=method_style(LABELS[c])["color"], capsize=3)
    ax.axvline(-delta, color="k", linestyle="--", label=f"$-\\delta$ = {-delta:g} pp")
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlim(left=left)
    ax.set_yticks(range(len(comps)), [LABELS[c] for c in comps])
    ax.set(xlabel="PLRS minus competitor (pp): HL estimate, one-sided lower bound", title="Paired differences")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def tensor(tr: dict, threshold: float):
    """Reconstruction error of the online tensor decomposition (median and IQR over the paired runs) per arm."""
    fig, ax = new_figure(height=4.0)
    for k, a in enumerate(("PLRS", "noisy SGD eta_c", "noisy SGD 0.7 eta_c")):
        E = tr[a]["error"]
        sty = _sty(k)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q25, q50, q75 = np.nanquantile(E, [0.25, 0.5, 0.75], axis=1)
        ax.plot(tr["steps"], q50, color=sty["color"], linestyle=sty["linestyle"], label=a.replace("eta_c", r"$\eta_c$"))
        ax.fill_between(tr["steps"], q25, q75, color=sty["color"], alpha=0.15)
    ax.axhline(threshold, color="0.4", lw=0.8, linestyle="--", label=f"threshold {threshold:g}")
    _log(ax, "y", *[tr[a]["error"] for a in ("PLRS", "noisy SGD eta_c")])
    ax.set(xlabel="step (one sample each)", ylabel="$\\|T - \\sum_i u_i^{\\otimes 4}\\|_F^2 / \\|T\\|_F^2$",
           title="Online orthogonal tensor decomposition (median and IQR)")
    ax.legend(fontsize=8)
    return fig
