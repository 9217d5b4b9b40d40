"""Experiment drivers of the chapter (brief 5.2): thin wrappers the notebook calls, picklable for
:func:`parallel_map` (two worker processes over seeds/configurations in the book profile, BLAS
single-threaded per worker since the matrices are tiny)."""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp

import numpy as np
from scipy import stats as _st

from optdyn.random import as_generator

from optdyn.validation import check_int
from optdyn.papers.saddle_to_saddle.escape import EscapeResult, optimal_escape_direction
from optdyn.papers.saddle_to_saddle.checks import count_large_svals, detect_plateaus, rank_defect, relu_gap, sv_ratio
from optdyn.papers.saddle_to_saddle.model import ReLUChain

__all__ = ["parallel_map", "solve_depth", "layer_report", "width_study", "escape_times",
           "plateau_ranks", "fisher_one_sided", "spearman", "gd_run"]


def _init_worker():
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def _call(args):
    fn, kw = args
    return fn(**kw)


def parallel_map(fn, kwargs_list, n_jobs: int = 1) -> list:
    """``[fn(**kw) for kw in kwargs_list]``, over ``n_jobs`` forked worker processes when ``n_jobs > 1``.

    Results are in input order and identical to the serial loop (each task carries its own generator).
    """
    n_jobs = check_int("n_jobs", n_jobs, low=1)
    tasks = [(fn, dict(kw)) for kw in kwargs_list]
    if n_jobs == 1 or len(tasks) <= 1:
        return [_call(t) for t in tasks]
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), mp_context=ctx, initializer=_init_worker) as ex:
        return list(ex.map(_call, tasks))


def solve_depth(widths, X, G, *, rng, n_restarts: int, n_iter: int, step0: float = 0.1, step1: float = 1e-3
                ) -> EscapeResult:
    """Optimal escape direction for one architecture (solver of :mod:`.escape`)."""
    model = ReLUChain(widths)
    return optimal_escape_direction(model, X, G, rng=as_generator(rng), n_restarts=n_restarts,
                                    n_iter=n_iter, step0=step0, step1=step1)


def layer_report(model: ReLUChain, w, X) -> dict:
    """Per-layer low-rank diagnostics of a single direction ``w`` (Thm 3.1 (1)-(3)).

    ``eps``: rank defect ``1 - s1^2/||W_l||_F^2`` of each weight (l = 1..L); ``ratio``: ``s2/s1``;
    ``act_defect`` / ``relu_gap``: rank defect of ``ReLU(Z_l)`` and ``||ReLU(Z_l)-Z_l||^2/||Z_l||^2`` for
    the hidden layers l = 1..L-1; ``spectra``: normalised singular values of each layer.
    """
    Ws = model.weights(model.normalize(w))
    Zs = model.hidden_preactivations(model.normalize(w), X)
    spectra = []
    for W in Ws:
        s = np.linalg.svd(W, compute_uv=False)
        spectra.append(s / s[0])
    return {
        "eps": np.array([rank_defect(W) for W in Ws]),
        "ratio": np.array([sv_ratio(W) for W in Ws]),
        "act_defect": np.array([rank_defect(np.maximum(Z, 0.0)) for Z in Zs]),
        "relu_gap": np.array([relu_gap(Z) for Z in Zs]),
        "spectra": spectra,
    }


def width_study(X, G, *, depth: int, widths, n_restarts: int, n_iter: int, threshold: float, rng,
                step0: float = 0.1) -> dict:
    """Solver restarts for each hidden width ``w`` (all hidden layers of width ``w``): the speeds and
    the fraction of restarts with speed ``> threshold`` (Example 1 width study, brief C6)."""
    kids = as_generator(rng).spawn(len(widths))
    d_in, d_out = X.shape[1], G.shape[1]
    speeds, frac = [], []
    for wd, kid in zip(widths, kids):
        res = solve_depth((d_in,) + (int(wd),) * (depth - 1) + (d_out,), X, G, rng=kid,
                          n_restarts=n_restarts, n_iter=n_iter, step0=step0)
        speeds.append(res.restart_speeds)
        frac.append(float(np.mean(res.restart_speeds > threshold)))
    return {"widths": np.asarray(widths), "speeds": np.array(speeds), "frac": np.array(frac),
            "success": np.array([int(np.sum(s > threshold)) for s in speeds])}


def fisher_one_sided(k_hi: int, k_lo: int, n: int) -> float:
    """One-sided Fisher exact p-value for ``H1: rate_hi > rate_lo`` (k successes out of n each)."""
    table = [[k_hi, n - k_hi], [k_lo, n - k_lo]]
    return float(_st.fisher_exact(table, alternative="greater").pvalue)


def spearman(x, y) -> float:
    """Spearman rank correlation (0 when either input is constant)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(_st.spearmanr(x, y).statistic)


def escape_times(widths, X, Ystar, w0, *, lr_mode: str, lr: float = 0.02, c: float = 0.1, r_stop: float = 0.5,
                 max_steps: int = 10**6) -> np.ndarray:
    """Steps until the per-layer norm ``r = ||theta||/sqrt(L)`` first exceeds ``r_stop`` for each row of
    ``w0`` (GD on the MSE, brief C7); ``-1`` if not within ``max_steps``."""
    from optdyn.papers.saddle_to_saddle.simulation import train_gd

    res = train_gd(ReLUChain(widths), X, Ystar, w0, max_steps, lr=lr, lr_mode=lr_mode, c=c,
                   record_every=max(1000, max_steps), record_speed=False, stop_norm=r_stop)
    return res.stop_step


def plateau_ranks(steps, loss, sv_steps, svals_layer, *, C0: float, window: int = 200, tol: float = 0.02,
                  min_len: int = 300, tau: float = 0.25, escape_frac: float = 0.97, floor_frac: float = 1e-2
                  ) -> tuple[list, list]:
    """Interior plateaus of one loss curve and the numerical rank (singular values ``> tau s1``) of one
    layer at the middle of each (brief C8). Interior = level in ``(floor_frac C0, escape_frac C0)``:
    after the first escape and before convergence. ``svals_layer``: ``(S, k)`` singular values at
    ``sv_steps``."""
    pls = [p for p in detect_plateaus(steps, loss, window=window, tol=tol, min_len=min_len)
           if floor_frac * C0 < p[2] < escape_frac * C0]
    ranks = []
    for (a, b, _) in pls:
        j = int(np.argmin(np.abs(np.asarray(sv_steps) - (a + b) / 2)))
        ranks.append(count_large_svals(svals_layer[j], tau))
    return pls, ranks


def gd_run(widths, X, Ystar, *, alpha: float, rng, n_steps: int, runs: int | None = None, **train_kw):
    """GD from the balanced init ``W_l = alpha G_l/||G_l||_F`` drawn from ``rng`` (:func:`.simulation.train_gd`)."""
    from optdyn.papers.saddle_to_saddle.simulation import train_gd

    model = ReLUChain(widths)
    w0 = model.init(as_generator(rng), alpha, runs=runs)
    return train_gd(model, X, Ystar, w0, n_steps, **train_kw)
