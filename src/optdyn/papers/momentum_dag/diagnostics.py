"""Diagnostics for the momentum-on-DAGs chapter: gradient checks, sharpness, monotonicity violations, the
sufficient-decrease ratio, convergence measures, and the vectorised (eta, s) phase diagram. The step-size
certificate and the decrease constant are in :mod:`.theory`; the criteria and claims in :mod:`.checks`.
"""
from __future__ import annotations

import numpy as np

from optdyn.core.nets import DAGNet
from optdyn.validation import check_array, check_choice, check_in_range, check_int, check_positive
from optdyn.core import numerics
from optdyn.core.optim import heavy_ball
from optdyn.papers.momentum_dag.optimizers import adaptive_momentum
from optdyn.papers.momentum_dag.simulation import History, train
from optdyn.random import as_generator

__all__ = [
    "grad_check", "fd_gradient", "descent_direction_ratio", "backprop_no_accumulation", "sharpness", 
    "count_violations", "violations_mask", "descent_ratios", "step_bound_ratio", "tail_sq_ratio",
    "tail_path_ratio", "endpoint_ratio", "phase_diagram", "min_descent_ratio",
    "convergence_metrics", "norm_log_growth", "exit_step",
]


def fd_gradient(net: DAGNet, w, X, Y, h: float = 1e-6, loss: str = "squared", reduction: str = "sum") -> np.ndarray:
    """Central finite-difference gradient ``(E(w + h e_k) - E(w - h e_k)) / (2h)`` of the network loss
    (:func:`optdyn.core.numerics.fd_gradient`; the perturbed weight vectors are the runs)."""
    return numerics.fd_gradient(lambda W: net.loss(W, X, Y, loss, reduction), w, h)


def grad_check(net: DAGNet, w, X, Y, h: float = 1e-6, loss: str = "squared", reduction: str = "sum",
               grad=None) -> float:
    """Relative error ``||g - g_fd|| / ||g_fd||`` of backprop (or of ``grad`` if given) against
    central finite differences (Lemma A, claim E0)."""
    g = net.loss_grad(w, X, Y, loss, reduction)[1] if grad is None else np.asarray(grad, dtype=float)
    fd = fd_gradient(net, w, X, Y, h, loss, reduction)
    return float(np.linalg.norm(g - fd) / np.linalg.norm(fd))


def backprop_no_accumulation(net: DAGNet, w, X, Y, reduction: str = "sum"):
    """A deliberately WRONG backward pass (negative control for E0 and E4): a node with several children
    keeps only the back-propagated signal of its *last* child instead of summing over all of them, i.e.
    it treats the DAG like a chain. Identical to backprop on a chain; wrong as soon as a node has 2+
    children. Returns ``(E, g_wrong)`` like ``net.loss_grad`` (squared error), vectorised over runs."""
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    A, H = net.forward(w, X)
    lead = w.shape[:-1]
    n = net.n_nodes
    r = H[-1] - np.asarray(Y, dtype=float)
    E = 0.5 * np.sum(r * r, axis=(-2, -1))
    if reduction == "mean":
        E, r = E / X.shape[-2], r / X.shape[-2]
    dH = [None] * n
    dH[-1] = r
    g = np.zeros(lead + (net.size,))
    for j in range(n - 1, 0, -1):
        df = net._df[j]
        delta = dH[j] if df is None else dH[j] * df(A[j], H[j])
        if net._b[j] is not None:
            b0, b1 = net._b[j]
            g[..., b0:b1] = delta.sum(-2)
        for (i, s, e, shp) in net._in[j]:
            g[..., s:e] = (H[i].mT @ delta).reshape(lead + (-1,))
            if i > 0 and dH[i] is None:  # nodes visited in decreasing order: first seen = LAST child
                dH[i] = delta @ w[..., s:e].reshape(lead + shp).mT
    return (float(E) if np.ndim(E) == 0 else E), g


def sharpness(net: DAGNet, w, X, Y, iters: int = 20, v0=None, rng=None, loss: str = "squared",
              reduction: str = "sum") -> tuple[np.ndarray, np.ndarray]:
    """Spectral norm of the Hessian ``||Hess E(w)||_2`` by power iteration on finite-difference
    Hessian-vector products (vectorised over runs). Returns ``(lambda, v)``; pass ``v`` back as ``v0``
    to warm-start."""
    check_int("iters", iters, 1)
    w = np.asarray(w, dtype=float)
    v = as_generator(rng).standard_normal(w.shape) if v0 is None else np.asarray(v0, dtype=float)
    lam, v = numerics.power_iteration(lambda u: net.hvp(w, u, X, Y, loss, reduction), v, iters)
    return (float(lam) if np.ndim(lam) == 0 else lam), v


def violations_mask(E, rtol: float = 1e-12) -> np.ndarray:
    """``mask[k] = E_{k+1} > E_k + rtol * max(1, |E_k|)`` along axis 0 (time)."""
    check_positive("rtol", rtol, strict=False)
    E = np.asarray(E, dtype=float)
    return E[1:] > E[:-1] + rtol * np.maximum(1.0, np.abs(E[:-1]))


def count_violations(E, rtol: float = 1e-12):
    """Number of increasing steps (monotonicity violations, Theorem 1) along axis 0, per run.
    Non-finite values (divergence) count as violations."""
    E = np.asarray(E, dtype=float)
    bad = violations_mask(E, rtol) | ~np.isfinite(E[1:])
    n = bad.sum(axis=0)
    return int(n) if np.ndim(n) == 0 else n


def descent_ratios(E, grad_norm, eta) -> np.ndarray:
    """Lemma C ratios ``r_k = (E_k - E_{k+1}) / (eta ||g_k||^2)`` for ``k = 0..K-1`` (NaN where g_k = 0)."""
    E = np.asarray(E, dtype=float)
    g2 = np.asarray(grad_norm, dtype=float)[:-1] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g2 > 0, (E[:-1] - E[1:]) / (np.asarray(eta) * g2), np.nan)


def descent_direction_ratio(gdot, grad_norm, eta, s) -> np.ndarray:
    """Lemma B's second half: ``-g_k . dw^{k+1} / (eta (1 - s) ||g_k||^2)`` (must be >= 1 for the adaptive rule)."""
    g2 = np.asarray(grad_norm, dtype=float)[:-1] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g2 > 0, -np.asarray(gdot) / (np.asarray(eta) * (1 - np.asarray(s)) * g2), np.nan)


def step_bound_ratio(step_norm, grad_norm, eta, s) -> np.ndarray:
    """Lemma B ratios ``||dw^{k+1}|| / (eta (1 + s) ||g_k||)`` (must be <= 1 for the adaptive rule)."""
    g = np.asarray(grad_norm, dtype=float)[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g > 0, np.asarray(step_norm) / (np.asarray(eta) * (1 + np.asarray(s)) * g), np.nan)


def tail_sq_ratio(grad_norm) -> np.ndarray:
    """``sum_{k > K/2} ||g_k||^2 / sum_k ||g_k||^2`` (partial sums of ||g||^2 levelling off, Theorem 2)."""
    g2 = np.asarray(grad_norm, dtype=float) ** 2
    K = g2.shape[0] - 1
    return g2[K // 2 + 1:].sum(axis=0) / g2.sum(axis=0)


def tail_path_ratio(step_norm) -> np.ndarray:
    """Path length of the last half over that of the first half: ``sum_{k > K/2} ||dw_k|| / sum_{k <= K/2} ||dw_k||``
    (Theorem 3 diagnostic; ``step_norm[k-1] = ||dw_k||``)."""
    sn = np.asarray(step_norm, dtype=float)
    K = sn.shape[0]
    return sn[K // 2:].sum(axis=0) / sn[: K // 2].sum(axis=0)


def endpoint_ratio(hist: History) -> np.ndarray:
    """``||w_K - w_{3K/4}|| / ||w_{K/2} - w_0||`` from the stored path (needs w at 0, K/2, 3K/4 and K)."""
    K = hist.iters
    steps = list(hist.path_steps)
    need = [0, K // 2, (3 * K) // 4, K]
    missing = [k for k in need if k not in steps]
    if missing:
        raise ValueError(f"the history's path must contain steps {need}; missing {missing} (choose path_every dividing K/4)")
    P = {k: hist.path[steps.index(k)] for k in need}
    return np.linalg.norm(P[K] - P[need[2]], axis=-1) / np.linalg.norm(P[need[1]] - P[0], axis=-1)


def phase_diagram(net: DAGNet, w0, X, Y, etas, ss, iters: int, *, rule: str = "adaptive", granularity: str = "edge",
                  reduction: str = "sum", sharpness_every: int | None = 25, sharpness_iters: int = 10, rng=None) -> dict:
    """Train every ``(s, eta)`` pair of the grid from the same ``w0`` in ONE vectorised run (weights get a
    leading run axis) and return ``violations`` (n_s, n_eta), ``L_run`` (n_s, n_eta; the largest curvature
    seen along each run, :attr:`History.L_run`), ``L_sharp`` (the sharpness samples only), ``eta_star`` (n_s, n_eta) = 2(1-s)/(L_run (1+s)^2), ``certified``
    (eta < eta_star), ``E_final`` and the :class:`History` ``hist`` (runs flattened s-major).
    ``rule="classical"`` uses heavy ball with ``beta = s``."""
    check_choice("rule", rule, ("adaptive", "classical"))
    etas = check_array("etas", etas, 0.0, None, low_closed=False).ravel()
    ss = check_array("ss", ss, 0.0, 1.0, high_closed=False).ravel()
    S, H = np.meshgrid(ss, etas, indexing="ij")
    if rule == "adaptive":
        opt = adaptive_momentum(H.ravel(), S.ravel(), block_starts=net.block_starts(granularity))
    else:
        opt = heavy_ball(H.ravel(), S.ravel())
    w0 = np.asarray(w0, dtype=float)
    if w0.ndim == 1:
        w0 = np.broadcast_to(w0, (S.size, net.size))
    hist = train(net, w0, X, Y, opt, iters, reduction=reduction, sharpness_every=sharpness_every,
                 sharpness_iters=sharpness_iters, rng=rng)
    shape = S.shape
    viol = np.asarray(count_violations(hist.E)).reshape(shape)
    L = hist.L_run.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        es = 2 * (1 - S) / (L * (1 + S) ** 2)
    return {"etas": etas, "ss": ss, "violations": viol, "L_run": L, "L_sharp": hist.L_sharp.reshape(shape), "eta_star": es,
            "certified": H < es, "E_final": hist.E[-1].reshape(shape), "hist": hist, "w0": w0}


def min_descent_ratio(hist: History, floor: float = 1e-9) -> np.ndarray:
    """Per run, ``min_k r_k`` of Lemma C over the steps whose predicted decrease is resolvable in
    float64, i.e. ``eta ||g_k||^2 > floor * max(1, E_k)`` (+inf if no step qualifies)."""
    check_positive("floor", floor)
    r = descent_ratios(hist.E, hist.grad_norm, hist.eta)
    ok = hist.eta * hist.grad_norm[:-1] ** 2 > floor * np.maximum(1.0, np.abs(hist.E[:-1]))
    return np.where(ok, r, np.inf).min(axis=0)


def norm_log_growth(hist: History) -> np.ndarray:
    """Log-growth of the weight norm over the last half: ``(||w_K|| - ||w_{K/2}||) / (||w_K|| log 2)``.
    About ``1 / log K`` for weights drifting like ``c log k`` (unbounded, A2 violated); about 0 for converging
    weights (needs the path at K/2 and K)."""
    K = hist.iters
    steps = list(hist.path_steps)
    if K // 2 not in steps or K not in steps:
        raise ValueError(f"the history's path must contain steps {K // 2} and {K}")
    a = np.linalg.norm(hist.path[steps.index(K // 2)], axis=-1)
    b = np.linalg.norm(hist.path[steps.index(K)], axis=-1)
    return (b - a) / (b * np.log(2.0))


def exit_step(E, level: float = 1e-2) -> np.ndarray:
    """Per run, the first step k with ``E_k < level`` (the plateau has been left), or ``len(E)`` if never."""
    E = np.asarray(E, dtype=float)
    below = E < level
    return np.where(below.any(axis=0), np.argmax(below, axis=0), E.shape[0])


def convergence_metrics(hist: History, grad_norm=None) -> dict:
    """The convergence measures per run: ``violations``; ``grad_ratio = ||g_K|| / max_k ||g_k||``;
    ``tail_sq`` (:func:`tail_sq_ratio`); ``path_ratio`` (:func:`tail_path_ratio`); ``endpoint``
    (:func:`endpoint_ratio`, needs the path at 0, K/2, 3K/4, K); ``log_growth`` (:func:`norm_log_growth`);
    ``exit`` (:func:`exit_step`). ``grad_norm`` overrides the recorded norms."""
    gn = hist.grad_norm if grad_norm is None else np.asarray(grad_norm)
    return {
        "violations": np.asarray(count_violations(hist.E)),
        "grad_ratio": gn[-1] / gn.max(axis=0),
        "tail_sq": tail_sq_ratio(gn),
        "path_ratio": tail_path_ratio(hist.step_norm),
        "endpoint": endpoint_ratio(hist),
        "log_growth": norm_log_growth(hist),
        "exit": exit_step(hist.E),
        "E_final": hist.E[-1],
        "w_norm_final": np.linalg.norm(hist.w_final, axis=-1),
    }
