"""The figures of the dropout chapter (F1-F10 of the brief), drawn from experiment output.

Every function takes the dictionaries/dataclasses of :mod:`.experiments` and returns the figure; none
computes anything a criterion uses. Colours come from :data:`optdyn.plotting.PALETTE`; the book style
is set by :func:`optdyn.plotting.use_book_style`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as st

from optdyn.papers.dropout_sgd import checks as ck
from optdyn.plotting import PALETTE, new_figure
from optdyn.stats import binomial_band

__all__ = ["correlated", "coverage", "gmc", "sharp_range", "single_run", "small_step", "stationary", "asgd_clt"]

Z95 = st.norm.isf(0.025)


def _style(i: int, label: str, **kw) -> dict:
    markers = ["o", "s", "^", "D", "v", "P"]
    lines = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    return {"color": PALETTE[i % len(PALETTE)], "marker": markers[i % 6], "linestyle": lines[i % 6], "label": label, **kw}


def sharp_range(res: dict):
    """F1: lambda(alpha) and rho(alpha) vs alpha/alpha_max, with the Monte Carlo estimate (paper's Exp. 1)."""
    fig, axes = new_figure(ncols=len(res["p"]))
    axes = np.atleast_1d(axes)
    for ax, (p, r) in zip(axes, res["p"].items()):
        ax.plot(res["fr"], r["lam"], **_style(0, "lambda = lambda_max E[A'A] (exact)", marker=None))
        ax.plot(res["fr"], r["rho"], **_style(1, "rho = spectral radius E[A (x) A] (exact)", marker=None))
        ax.plot(res["fmc"], r["lam_mc"], ls="none", marker="s", color=PALETTE[2], label="lambda, random masks")
        ax.axhline(1, color="k", lw=0.8)
        ax.axvline(1, color="grey", ls=":", lw=1)
        ax.axvline(r["ac"] / r["amax"], color="grey", ls="--", lw=1)
        ax.set_yscale("log")
        ax.set_xlabel(r"$\alpha/\alpha_{\max}$")
        ax.set_title(f"GD, p={p}")
    axes[0].set_ylabel("contraction constant")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("F1: sharp range of the learning rate (dotted: alpha_max, dashed: alpha_c)")
    fig.tight_layout()
    return fig


def gmc(legs, q4):
    """F2: mean and median of ||Delta_k||^2 (log scale) with the exact curve and the fit window; the L4 panel."""
    fig, axes = new_figure(ncols=len(legs) + 1)
    for ax, g in zip(axes, legs):
        k = np.arange(g.sq.shape[0])
        ax.plot(k, g.sq.mean(1), **_style(0, "coupled: mean", markevery=max(1, len(k) // 10)))
        ax.plot(k, np.median(g.sq, axis=1), **_style(1, "coupled: median", markevery=max(1, len(k) // 10)))
        ax.plot(k, g.exact, color="k", lw=1, label="exact E||Delta_k||^2")
        ax.plot(k, g.sq_free.mean(1), **_style(3, "uncoupled: mean", markevery=max(1, len(k) // 10)))
        ax.axvspan(g.window[0], g.window[-1], color="0.9", label="fit window")
        ax.set_yscale("log")
        ax.set_xlabel("step k")
        ax.set_title(f"{g.name}: log rho = {g.log_rho:.3f}, log lambda = {g.log_lam:.3f}", fontsize=9)
    ax = axes[-1]
    k = np.arange(q4.sq.shape[0])
    ax.plot(k, (q4.sq**2).mean(1), **_style(0, "coupled: mean ||Delta_k||^4"))
    ax.plot(k, q4.exact4, color="k", lw=1, label="exact E||Delta_k||^4")
    ax.plot(k, q4.exact2**2, **_style(3, "(E||Delta_k||^2)^2 (near miss)", marker=None))
    ax.set_yscale("log")
    ax.set_xlabel("step k")
    ax.set_title(f"GD, L4: log rho_4 = {q4.log_rho4:.3f} (2 log rho = {2 * q4.log_rho2:.3f})", fontsize=9)
    axes[0].set_ylabel(r"$\|\beta_k-\beta_k'\|^q$")
    for ax in axes:
        ax.legend(fontsize=6)
    fig.suptitle("F2: geometric-moment contraction of coupled chains")
    fig.tight_layout()
    return fig


def stationary(res, target, small: dict):
    """F3: ECDFs of v'beta_K from three starts; the small-step CLT; F4: the small-step limit of S(alpha)/alpha."""
    d = len(target)
    v = np.ones(d) / math.sqrt(d)
    fig, axes = new_figure(ncols=3)
    ax = axes[0]
    proj = {k: g @ v for k, g in res.mixed.items()}
    for i, (name, x) in enumerate(proj.items()):
        x = np.sort(x)
        ax.plot(x, np.arange(1, x.size + 1) / x.size, color=PALETTE[i], ls=["-", "--", "-."][i % 3], label=f"start {name}")
    lo, hi = np.quantile(np.concatenate(list(proj.values())), [0.001, 0.999])
    grid = np.linspace(lo, hi, 200)
    ax.plot(grid, st.norm.cdf(grid, v @ target, math.sqrt(v @ res.S @ v)), "k:", lw=1, label="N(v'beta_tilde, v'S v)")
    ax.set_xlabel(r"$v^\top\beta_K$")
    ax.set_ylabel("ECDF")
    ax.set_title("F3a: three starts, one law")
    ax.legend(fontsize=7)
    ax = axes[1]
    bins = np.linspace(-4, 5, 50)
    ax.hist(small["z_large"], bins=bins, density=True, histtype="step", lw=1.8, ls="--", color=PALETTE[3],
            label=f"alpha = 0.8 alpha_max (skew {st.skew(small['z_large']):.2f})")
    ax.hist(small["z_small"], bins=bins, density=True, histtype="step", lw=1.8, color=PALETTE[0],
            label=f"small alpha (skew {st.skew(small['z_small']):.2f})")
    ax.plot(bins, st.norm.pdf(bins), "k", lw=1, label="N(0,1)")
    ax.set_xlabel(r"$v^\top(\beta_K-\tilde\beta)/\sqrt{\alpha v^\top S_0 v}$")
    ax.set_title("F3b: small-step CLT of the iterates")
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.loglog(small["fr"], small["err"], **_style(0, "||S(alpha)/alpha - S0|| / ||S0||"))
    ax.loglog(small["fr"], small["err"][0] * small["fr"] / small["fr"][0], "k:", lw=1, label="slope 1")
    ax.set_xlabel(r"$\alpha/\alpha_{\max}$")
    ax.set_title("F4: small-step limit")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def asgd_clt(res: dict):
    """F10: the standardised ASGD projection with Sigma_alpha and with the sandwich."""
    fig, ax = new_figure()
    bins = np.linspace(-4.5, 4.5, 46)
    ax.hist(res["proj"] / math.sqrt(res["var"]), bins=bins, density=True, histtype="step", lw=1.8, color=PALETTE[0],
            label="standardised with Sigma_alpha")
    ax.hist(res["proj"] / math.sqrt(res["var_sandwich"]), bins=bins, density=True, histtype="step", lw=1.8, ls="--",
            color=PALETTE[3], label="standardised with the sandwich (near miss)")
    ax.plot(bins, st.norm.pdf(bins), "k", lw=1, label="N(0,1)")
    ax.set_xlabel(r"$\sqrt{n}\,v^\top(\bar\beta_n-\tilde\beta)/\mathrm{sd}$")
    ax.set_ylabel("density")
    ax.set_title("F10: ASGD CLT")
    ax.legend(fontsize=8)
    return fig


def coverage(res: dict, title: str):
    """F8 and F6b: coverage of the 95% intervals vs n (with the predicted pi_n and 0.95), and the online
    estimate relative to v'Sigma_alpha v."""
    curves = {"online NBM interval": ck.interval_covers(res).mean(1),
              "sandwich interval": ck.interval_covers(res, cov=res["sandwich"]).mean(1)}
    fig, axes = new_figure(ncols=2)
    cps, v = res["cps"], res["v"]
    ax = axes[0]
    ax.plot(cps, res["cover"], "k--", lw=1, label="predicted finite-n coverage pi_n")
    ax.axhline(0.95, color="k", lw=0.8)
    for i, (name, c) in enumerate(curves.items()):
        ax.plot(cps, c, **_style(i, name))
    ax.set_xscale("log")
    ax.set_xlabel("n (steps)")
    ax.set_ylabel("empirical coverage of the 95% CI")
    ax.set_title("F8: coverage of the 95% intervals")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    sig = v @ res["Sigma"] @ v
    q = np.einsum("i,trij,j->tr", v, res["cov_hat"], v) / sig
    ax.plot(cps, q.mean(1), **_style(0, "mean v'Sigma_hat_n v / v'Sigma_alpha v"))
    ax.fill_between(cps, np.quantile(q, 0.1, axis=1), np.quantile(q, 0.9, axis=1), alpha=0.2, color=PALETTE[0], label="10-90% of runs")
    ax.plot(cps, res["q"] / sig, "k--", lw=1, label="exact expectation")
    ax.axhline(1, color="k", lw=0.8)
    ax.axhline(v @ res["sandwich"] @ v / sig, color="grey", ls=":", label="sandwich / Sigma_alpha")
    ax.set_xscale("log")
    ax.set_xlabel("n (steps)")
    ax.set_title("F6b: online estimator vs Sigma_alpha")
    ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def correlated(res: dict, title: str):
    """F9: coverage of each interval in the correlated design (full and diagonal-only Sigma_hat, and centred on beta*),
    with the lower edge of each pass band."""
    covs = {k: c.mean(1) for k, c in ck.correlated_coverages(res).items()}
    R = res["avg"].shape[0]
    labels = [f"beta_{j + 1}" for j in range(len(res["pred"]) - 1)] + ["v'beta"]
    band_lo = [binomial_band(float(p), R, 1 - ck.FAMILY / len(labels))[0] for p in res["pred"]]
    fig, ax = new_figure()
    x = np.arange(len(labels))
    w = 0.8 / len(covs)
    for i, (name, c) in enumerate(covs.items()):
        ax.bar(x + (i - (len(covs) - 1) / 2) * w, c, w, label=name, color=PALETTE[i])
    for i, lo in enumerate(band_lo):
        ax.plot([i - 0.4, i + 0.4], [lo, lo], "k:", lw=1)
    ax.axhline(0.95, color="k", lw=0.8)
    ax.set_xticks(x, labels)
    ax.set_ylabel("empirical coverage of the 95% CI")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    return fig


def single_run(res: dict, d: int, alpha: float, n: int):
    """F5-F7: the official single-run diagnostics (paper's Exp. 2) with exact reference lines."""
    fig, axes = new_figure(ncols=2, nrows=2)
    cps, C, Sig = res["cps"], res["cov_hat"], res["Sigma"]
    v = np.ones(d) / math.sqrt(d)
    ax = axes[0, 0]
    ax.plot(cps, res["avg"], lw=1)
    for b in res["beta_star"]:
        ax.axhline(b, color="grey", ls="--", lw=0.6)
    ax.set_title("F5: convergence of the ASGD dropout iterates")
    ax.set_xlabel("k")
    ax = axes[0, 1]
    ax.plot(cps, np.einsum("tii->ti", C), lw=1)
    for s in np.diag(Sig):
        ax.axhline(s, color="k", ls="--", lw=0.6)
    if res["E_jj"] is not None:
        ax.plot(res["k_e"], res["E_jj"], color="grey", lw=2.5, ls="-.", label="exact E[Sigma_hat_k,jj] (mean over j)")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title("F6: estimated long-run variances")
    ax.set_xlabel("k")
    ax = axes[1, 0]
    ax.plot(cps, C[:, 0, :], lw=1)
    ax.axhline(Sig[0, 0], color="k", ls="--", lw=0.6)
    ax.axhline(0, color="k", ls="--", lw=0.6)
    ax.set_title("F6: estimated long-run covariances (row 1)")
    ax.set_xlabel("k")
    ax = axes[1, 1]
    q = np.einsum("i,tij,j->t", v, C, v)
    ax.plot(cps, 2 * Z95 * np.sqrt(q / cps), color=PALETTE[0], label="CI length, Sigma_hat_k / k")
    ax.plot(cps, 2 * Z95 * np.sqrt(np.einsum("tii,i->t", C, v**2) / n), color=PALETTE[3], ls="--",
            label="official code: diagonal only, / final n")
    ax.plot(cps, 2 * Z95 * np.sqrt(v @ Sig @ v / cps), "k:", lw=1, label="theory 2z sqrt(v'Sigma_alpha v / k)")
    ax.set_yscale("log")
    ax.set_title("F7: CI length")
    ax.set_xlabel("k")
    ax.legend(fontsize=7)
    fig.suptitle(f"One run, SGD, d={d}, p=0.9, alpha={alpha} (alpha_code={alpha / 2}); dashed: exact Sigma_alpha")
    fig.tight_layout()
    return fig
