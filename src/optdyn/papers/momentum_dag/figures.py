"""The figures of the momentum-on-DAGs chapter. Each takes an experiment's output (:mod:`.experiments`) and
draws it; non-finite values (diverged runs) are masked, never fatal."""
from __future__ import annotations

import numpy as np

from optdyn.core.nets import draw_dag
from optdyn.papers.momentum_dag.autoencoder import AE_CODE, psnr
from optdyn.papers.momentum_dag.diagnostics import (violations_mask)
from optdyn.papers.momentum_dag.theory import eta_star
from optdyn.papers.momentum_dag.experiments import CONV_PARTS, IDENTITY, PHASE_FACTOR
from optdyn.plotting import PALETTE, method_style

__all__ = ["architectures", "autoencoder", "classification", "convergence", "error_curves", "phase_diagrams", "regression"]


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _pos(x):
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x) & (x > 0), x, np.nan)


def _style(name):
    st = method_style(name)
    return {"color": st["color"], "ls": st["linestyle"]}


def architectures(nets: dict, ae_spec):
    """The parity graphs (frozen identity skips dashed) and the DAG autoencoder (code vertex square)."""
    plt = _plt()
    items = list(nets.items()) + [("DAG autoencoder (code vertex = square)", ae_spec)]
    fig, axes = plt.subplots(int(np.ceil(len(items) / 2)), 2, figsize=(11, 2.6 * np.ceil(len(items) / 2)))
    for ax, (name, obj) in zip(axes.flat, items):
        spec = getattr(obj, "spec", obj)
        ident = getattr(obj, "identity", ())
        draw_dag(spec, ax=ax, highlight=(AE_CODE,) if "autoencoder" in name else (),
                 title=f"{name}: {len(spec.edges)} weighted edges" + (f" + {len(ident)} frozen identity" if ident else "")
                 + f", {spec.n_params} parameters")
        for (i, j) in ident:
            t = np.linspace(0, 1, 40)
            ax.plot(i + (j - i) * t, -0.5 * 4 * t * (1 - t), color="#009E73", ls="--", lw=1.3)
        ax.set_xlabel("vertex (topological order); label below = width")
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    fig.tight_layout()
    plt.show()


def phase_diagrams(PD: dict):
    """Violations over the (eta, s) grid, adaptive (top) and heavy ball (bottom); the predictive bound
    eta*(s; L_pred) (white), PHASE_FACTOR x eta* (dotted), self-certified runs (green dots)."""
    plt = _plt()
    names = list(PD)
    fig, axes = plt.subplots(2, len(names), figsize=(4.6 * len(names), 6.4), sharex=True, sharey=True, squeeze=False)
    for row, rule in enumerate(("adaptive", "heavy ball")):
        for ax, name in zip(axes[row], names):
            pd = PD[name]
            le, ss = np.log10(pd["etas"]), pd["ss"]
            dle = le[1] - le[0] if le.size > 1 else 1.0
            im = ax.imshow(np.log10(1 + pd[rule]["violations"]), origin="lower", aspect="auto", cmap="magma_r", vmin=0, vmax=2,
                           extent=[le[0] - dle / 2, le[-1] + dle / 2, -0.5, len(ss) - 0.5])
            s_f = np.linspace(0, ss.max(), 100)
            yy = np.interp(s_f, ss, np.arange(len(ss)))
            es = eta_star(pd["L_pred"], s_f)
            ax.plot(np.log10(es), yy, color="white", lw=2.5)
            ax.plot(np.log10(es), yy, color="black", lw=1, ls="--", label=f"eta*(s; L_pred = {pd['L_pred']:.1f})")
            ax.plot(np.log10(PHASE_FACTOR * es), yy, color="grey", lw=1, ls=":", label=f"{PHASE_FACTOR:g} eta*")
            S, H = np.meshgrid(ss, pd["etas"], indexing="ij")
            yc, xc = np.where(H < eta_star(pd[rule]["L_run"], S))
            ax.plot(le[xc], yc, ".", color="#009E73", ms=5)
            ax.set_xlim(le[0] - dle / 2, le[-1] + dle / 2)
            ax.set_yticks(range(len(ss)))
            ax.set_yticklabels([f"{s:g}" for s in ss])
            ax.set_title(f"{rule}: {name}")
            ax.grid(False)
            ax.legend(fontsize=7, loc="upper right")
            if row == 1:
                ax.set_xlabel("log10 eta (sum reduction)")
        axes[row][0].set_ylabel("s (adaptive) / beta (heavy ball)")
    fig.colorbar(im, ax=axes, label="log10(1 + #violations)", shrink=0.8)
    plt.show()


def error_curves(PD: dict):
    """Per graph, E at the largest eta certified by L_pred at s = 0.5 (or the nearest s), and at the largest eta
    and s of the grid; red ticks mark violations."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for name, pd in PD.items():
        ss, etas = pd["ss"], pd["etas"]
        i = int(np.argmin(np.abs(ss - 0.5)))
        cert = np.where(etas < eta_star(pd["L_pred"], ss[i]))[0]
        j = int(cert.max()) if cert.size else 0
        h = pd["adaptive"]["hist"]
        for ax, idx, lab in ((axes[0], i * len(etas) + j, f"{name}, eta = {etas[j]:.3g}"), (axes[1], h.E.shape[1] - 1, name)):
            E = _pos(h.E[:, idx])
            ax.semilogy(E, label=lab, **_style(name))
            v = np.where(violations_mask(h.E[:, idx]))[0]
            ax.plot(v + 1, E[v + 1], "|", color="red", ms=12)
    axes[0].set_title(f"certified in advance (s = {PD[name]['ss'][i]:g}): no violation expected")
    axes[1].set_title(f"eta = {etas[-1]:.3g}, s = {ss[-1]:g}, far outside (red = violation)")
    for ax in axes:
        ax.set_xlabel("iteration k")
        ax.set_ylabel("E(w^k) (sum over samples)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def convergence(CONV: dict):
    """Long runs, first initialisation of each graph: ||g_k|| (left), ||w_k - w_K|| (middle); right: the
    ResNet-like graph with its controls (norm of the weights)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.7))
    for name, c in CONV.items():
        h = c["hist"]
        st = _style(name) if name != IDENTITY else {"color": "#CC79A7", "ls": ":"}
        axes[0].semilogy(_pos(h.grad_norm[:, 0]), label=f"{name} (K = {c['K']})", **st)
        P = h.path[:, 0]
        axes[1].semilogy(h.path_steps[:-1], _pos(np.linalg.norm(P[:-1] - P[-1], axis=-1)), label=name, **st)
    c = CONV["ResNet-like"]
    h, n = c["hist"], c["n"]
    for k, part in enumerate(CONV_PARTS):
        axes[2].plot(h.path_steps, np.linalg.norm(h.path[:, k * n], axis=-1), color=PALETTE[k % len(PALETTE)], label=part)
    axes[0].set_ylabel("||grad E(w^k)||")
    axes[1].set_ylabel("||w^k - w^K||")
    axes[2].set_ylabel("||w^k|| (ResNet-like)")
    axes[2].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("iteration k")
        ax.legend(fontsize=7)
    fig.tight_layout()
    plt.show()


def regression(reg: dict):
    """E(w^k) of every rule at each eta (the initialisation where heavy ball oscillates most); red ticks = violations."""
    plt = _plt()
    E, etas, rules = reg["E"], reg["etas"], reg["rules"]
    r0 = int(np.argmax(reg["violations"][1].sum(axis=1)))
    fig, axes = plt.subplots(1, len(etas), figsize=(3.9 * len(etas), 3.6), squeeze=False)
    for a, ax in enumerate(axes[0]):
        for k, rule in enumerate(rules):
            e = E[:, k, r0, a]
            ax.semilogy(_pos(e), color=PALETTE[k % len(PALETTE)], ls="-" if k < 4 else "--", lw=1.2, label=rule)
            v = np.where(violations_mask(e))[0]
            ax.plot(v + 1, _pos(e)[v + 1], "|", color="red", ms=9)
        ax.set_title(f"eta = {etas[a]:g}, s = beta = {reg['s']:g}")
        ax.set_xlabel("iteration k")
    axes[0][0].set_ylabel("E(w^k) (sum)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    plt.show()


def autoencoder(ae: dict, names):
    """Training curves against the mean image's error, held-out MSE and PSNR per net, reconstructions."""
    plt = _plt()
    m_tr, m_te = ae["mean_image"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    for k, n in enumerate(names):
        axes[0].semilogy(_pos(ae[n]["curve"][:, 0]), color=PALETTE[k], label=n)
    axes[0].axhline(m_tr, color="grey", ls=":", label="mean image")
    axes[0].axhline(0.9 * m_tr, color="grey", ls="--", lw=0.8, label="plateau left (0.9 x)")
    axes[0].set_xlabel("iteration k")
    axes[0].set_ylabel("train MSE per pixel (first seed)")
    axes[0].legend(fontsize=7)
    for ax, vals, lab, ref in ((axes[1], [ae[n]["test_mse"] for n in names], "test MSE per pixel", m_te),
                               (axes[2], [psnr(ae[n]["test_mse"]) for n in names], "test PSNR (dB, peak 0.8)", psnr(m_te))):
        ax.bar(range(len(names)), [np.nanmean(v) for v in vals], color=PALETTE[:len(names)])
        for i, v in enumerate(vals):
            ax.plot(np.full(v.size, i), v, ".", color="black", ms=5)
        ax.axhline(ref, color="grey", ls=":", label="mean image")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=15, fontsize=7)
        ax.set_ylabel(lab)
        ax.legend(fontsize=7)
    fig.tight_layout()
    plt.show()
    fig, axes = plt.subplots(1 + len(names), 8, figsize=(9.6, 1.25 * (1 + len(names))))
    for c in range(8):
        for r, (lab, img) in enumerate([("test image", ae["X_test"][c])] + [(n, ae[n]["reconstructions"][c]) for n in names]):
            ax = axes[r, c]
            ax.imshow(img.reshape(8, 8), cmap="gray_r", vmin=0.1, vmax=0.9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if c == 0:
                ax.set_ylabel(lab, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("reconstructions (first seed)", fontsize=10)
    plt.show()


def classification(cls: dict, names):
    """Training loss (first seed) and held-out accuracy per net."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    for k, n in enumerate(names):
        axes[0].semilogy(_pos(cls[n]["curve"][:, 0]), color=PALETTE[k % len(PALETTE)], label=f"{n} ({cls[n]['params']} params)")
        v = cls[n]["test_acc"]
        axes[1].bar(k, np.nanmean(v), color=PALETTE[k % len(PALETTE)])
        axes[1].plot(np.full(v.size, k), v, ".", color="black", ms=5)
    axes[0].set_xlabel("iteration k")
    axes[0].set_ylabel("training loss (mean cross-entropy)")
    axes[0].legend(fontsize=7)
    axes[1].set_xticks(range(len(names)))
    axes[1].set_xticklabels(names, rotation=15, fontsize=7)
    axes[1].set_ylabel(f"held-out accuracy ({cls['n_test']} images)")
    lo = min(np.nanmin(cls[n]["test_acc"]) for n in names)
    axes[1].set_ylim(max(0.0, lo - 0.05), 1.0)
    fig.tight_layout()
    plt.show()
