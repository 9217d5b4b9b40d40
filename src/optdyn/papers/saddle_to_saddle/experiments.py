"""The experiments of the saddle-to-saddle chapter: each takes the validated parameters ``P`` and the chapter's
named random streams, runs the computations (vectorised over restarts and runs, the independent pieces over
:func:`parallel_map`) and returns what its criterion (:mod:`.checks`) judges and its figure (:mod:`.figures`)
draws. Closed forms (the ray laws, Example 1's construction, the bounds of Theorem 3.1 and Proposition 3.4)
are computed from theory alone, before any simulated number is looked at.

Stream names are fixed per experiment (``streams["solver", "D1", L]``...), so adding or reordering cells never
changes another experiment's numbers. Common random numbers are asked for at the call
(``streams.shared("prop_inputs")``: the Proposition 3.3 inputs and their signed near miss share their draws).
"""
from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from optdyn.core.numerics import fd_gradient
from optdyn.core.nets import DAGNet, chain
from optdyn.random import as_generator
from optdyn.validation import check_int
from optdyn.papers.saddle_to_saddle import theory as th
from optdyn.papers.saddle_to_saddle.data import (circle_data, cost_gradient_at_zero, cube_parity_data, digits_data,
                                                 near_rank_one_inputs, ridge_teacher)
from optdyn.papers.saddle_to_saddle.escape import EscapeResult, optimal_escape_direction, sphere_ascent, unbalanced_starts
from optdyn.papers.saddle_to_saddle.metrics import plateau_ranks, rank_defect, relu_gap, sv_ratio, with_rank_defect
from optdyn.papers.saddle_to_saddle.model import ReLUChain
from optdyn.papers.saddle_to_saddle.simulation import train_gd

__all__ = [
    "Data", "balance", "circle_construction", "datasets", "digits", "escape_points", "escape_times", "gd_escape",
    "gd_run", "implementation", "layer_report", "low_rank", "parallel_map", "propagation", "saddle_to_saddle",
    "solve_all", "solve_depth", "width_study", "widths_of",
]

NEAR_MISS_IMBALANCE = 0.05  # layer rescaling (1 +- 5 %) of the balancedness near miss
NEAR_MISS_ENVELOPE = 1.25   # the low-rank near miss exceeds the l^(-1/2) envelope at layer 3 by 25 %
DIGITS_ESCAPE_FRAC = 0.995  # the digits escape points are taken when the loss is 0.5 % below C(0)


# ------------------------------------------------------------------------------------------ plumbing
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


@dataclass
class Data:
    """The chapter's data sets: D1 ridge teacher, D2 Example 1's circle, D4 the cube parity, D3 digits (optional)."""

    X1: np.ndarray
    Y1: np.ndarray
    G1: np.ndarray
    X2: np.ndarray
    Y2: np.ndarray
    G2: np.ndarray
    X4: np.ndarray
    G4: np.ndarray
    X3: np.ndarray | None = None
    Y3: np.ndarray | None = None
    G3: np.ndarray | None = None

    def XG(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return {"D1": (self.X1, self.G1), "D2": (self.X2, self.G2), "D4": (self.X4, self.G4), "D3": (self.X3, self.G3)}[name]


def datasets(P, streams) -> Data:
    """D1 from stream ``data``; D2 and D4 are fixed; D3 (digits) when ``run_digits`` and scikit-learn is installed."""
    X1, Y1 = ridge_teacher(d=P.ridge_d, N=P.ridge_N, a=(4.0, 2.0, 1.0), rng=streams["data"])
    X2, Y2, G2 = circle_data(8)
    X4, G4 = cube_parity_data()
    d = Data(X1, Y1, cost_gradient_at_zero(Y1), X2, Y2, G2, X4, G4)
    dig = digits_data(P.digits_n) if P.run_digits else None
    if dig is not None:
        d.X3, d.Y3 = dig
        d.G3 = cost_gradient_at_zero(d.Y3)
    return d


def widths_of(X, G, L: int, w: int) -> tuple[int, ...]:
    """``(d_in, w, ..., w, d_out)`` for depth ``L``."""
    return (X.shape[1],) + (int(w),) * (L - 1) + (G.shape[1],)


def solve_depth(widths, X, G, *, rng, n_restarts: int, n_iter: int, step0: float = 0.1, step1: float = 1e-3) -> EscapeResult:
    """Optimal escape direction for one architecture (solver of :mod:`.escape`)."""
    return optimal_escape_direction(ReLUChain(widths), X, G, rng=as_generator(rng), n_restarts=n_restarts,
                                    n_iter=n_iter, step0=step0, step1=step1)


def layer_report(model: ReLUChain, w, X) -> dict:
    """Per-layer low-rank diagnostics of a single direction ``w`` (Thm 3.1 (1)-(3)), on unit layers.

    ``eps``: rank defect ``1 - s1^2/||W_l||_F^2`` of each weight (l = 1..L); ``ratio``: ``s2/s1``;
    ``act_defect`` / ``relu_gap``: rank defect of ``ReLU(Z_l)`` and ``||ReLU(Z_l)-Z_l||^2/||Z_l||^2`` for
    the hidden layers l = 1..L-1; ``spectra``: normalised singular values of each layer.
    """
    wn = model.normalize(w)
    Ws = model.weights(wn)
    Zs = model.hidden_preactivations(wn, X)
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


def gd_run(widths, X, Ystar, *, alpha: float, rng, n_steps: int, runs: int | None = None, **train_kw):
    """GD from the balanced init ``W_l = alpha G_l/||G_l||_F`` drawn from ``rng`` (:func:`.simulation.train_gd`)."""
    model = ReLUChain(widths)
    w0 = model.init(as_generator(rng), alpha, runs=runs)
    return train_gd(model, X, Ystar, w0, n_steps, **train_kw)


# ------------------------------------------------------------------------------------------ implementation
def _implementation_errors(depth: int, rng, bias: bool = False) -> dict:
    Xs, Ys = ridge_teacher(d=4, N=20, a=(2.0, 1.0), rng=rng)
    Gs = cost_gradient_at_zero(Ys)
    widths = (4,) + (5,) * (depth - 1) + (2,)
    if not bias:
        m = ReLUChain(widths)
        net, w = m.net, m.init(rng, 2.5)
    else:  # the same chain WITH biases (not homogeneous)
        net = DAGNet(chain(widths, act="relu", out_act="identity", bias=True))
        w = net.init(rng, scale=2.5, mode="frobenius")
        for key, sl in net.index.items():
            if key[0] == "b":
                w[sl] = 0.3 * rng.standard_normal(sl.stop - sl.start)
    loc = lambda v: np.sum(Gs * net.predict(v, Xs), axis=(-2, -1))  # noqa: E731
    g = net.vjp(w, Xs, Gs)
    e_loc = np.linalg.norm(g - fd_gradient(loc, w, 1e-6)) / np.linalg.norm(g)
    _, gm = net.loss_grad(w, Xs, Ys, loss="squared", reduction="mean")
    e_mse = np.linalg.norm(gm - fd_gradient(lambda v: net.loss(v, Xs, Ys, reduction="mean"), w, 1e-6)) / np.linalg.norm(gm)
    lam = 1.7
    Y0 = net.predict(w, Xs)
    e_hom = np.linalg.norm(net.predict(lam * w, Xs) - lam**depth * Y0) / np.linalg.norm(lam**depth * Y0)
    L0 = float(loc(w))
    e_eul = abs(np.dot(w, g) - depth * L0) / abs(depth * L0)
    Wg = [np.sum(w[sl] * g[sl]) for k, sl in net.index.items() if k[0] == "W"]
    e_lay = max(abs(x - L0) for x in Wg) / abs(L0)
    return dict(fd_local=e_loc, fd_mse=e_mse, homogeneity=e_hom, euler=e_eul, euler_layer=e_lay)


def implementation(streams, depths=(2, 3, 4, 6)) -> dict:
    """Backprop of L0 and of the MSE against central differences, homogeneity and both Euler identities, at each
    depth; the illustration: the same chain with biases (streams ``implementation`` / ``implementation_control``)."""
    return {"errors": {L: _implementation_errors(L, streams["implementation", L]) for L in depths},
            "biases": {L: _implementation_errors(L, streams["implementation_control", L], bias=True) for L in depths}}


# ------------------------------------------------------------------------------------------ solver optima
def solve_all(P, streams, data: Data) -> dict:
    """Optimal escape directions: D1 at ``depths_ridge``, D2 and D4 at ``depths_circle``, and D2 at depth 3 with a
    first hidden layer of width 1 (a rank-one ``W_1``: the Example 1 near miss). Returns ``{name: {L: EscapeResult}}``."""
    tasks, keys = [], []
    plan = [("D1", P.depths_ridge, P.restarts_ridge), ("D2", P.depths_circle, P.restarts_circle),
            ("D4", P.depths_circle, P.restarts_circle)]
    for name, depths, R in plan:
        X, G = data.XG(name)
        for L in depths:
            tasks.append(dict(widths=widths_of(X, G, L, P.solver_width), X=X, G=G, rng=streams["solver", name, L],
                              n_restarts=R, n_iter=P.solver_iters, step0=P.solver_step0))
            keys.append((name, L))
    tasks.append(dict(widths=(2, 1, P.solver_width, 1), X=data.X2, G=data.G2, rng=streams["solver", "D2_rank_one"],
                      n_restarts=P.restarts_circle, n_iter=P.solver_iters, step0=P.solver_step0))
    keys.append(("D2_rank_one", 3))
    order = np.argsort([-t["n_restarts"] * len(t["widths"]) * t["X"].shape[0] for t in tasks], kind="stable")
    res = parallel_map(solve_depth, [tasks[i] for i in order], n_jobs=P.n_jobs)
    out: dict = {}
    for i, r in zip(order, res):
        name, L = keys[i]
        out.setdefault(name, {})[L] = r
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def model_of(data: Data, name: str, L: int, w: int) -> ReLUChain:
    X, G = data.XG(name)
    return ReLUChain(widths_of(X, G, L, w))


# ------------------------------------------------------------------------------------------ balancedness
def balance(P, streams, data: Data, opt: dict) -> dict:
    """Single-sphere ascent (no per-layer rescaling) on D1 from unbalanced starts at each ``balance_depths``;
    ``s_ref``: the product-sphere solver's optimum. The near miss: the best end point with its layers rescaled by
    ``(1 +- 5 %)`` (product 1: same output, same speed, unbalanced), back on the sphere."""
    out = {}
    for L in P.balance_depths:
        m = model_of(data, "D1", L, P.solver_width)
        w0 = unbalanced_starts(m, streams["balance", L], P.balance_restarts, P.balance_imbalance)
        r = sphere_ascent(m, data.X1, data.G1, w0, n_iter=P.balance_iters, step0=P.solver_step0)
        lam = np.where(np.arange(L) % 2 == 0, 1 + NEAR_MISS_IMBALANCE, 1 / (1 + NEAR_MISS_IMBALANCE))
        if L % 2:
            lam[-1] = 1.0
        wn = r.w[int(np.argmax(r.speed))] * m.expand(lam)
        wn *= np.sqrt(L) / np.linalg.norm(wn)
        near = {"norms": np.sqrt(m.layer_sq_norms(wn))[None], "kkt": m.sphere_kkt_residual(wn, data.X1, data.G1)[None],
                "speed": -m.local_loss(wn, data.X1, data.G1)[None]}
        out[L] = {"result": r, "s_ref": opt["D1"][L].speed, "near_miss": near, "U": th.speed_upper_bound(data.X1, data.G1)}
    return out


# ------------------------------------------------------------------------------------------ Example 1
def circle_construction(data: Data) -> dict:
    """Example 1's rank-two construction (speed, unit layer norms, the function it computes) and the rank-one
    bound ``max_u |P(u)|`` by a grid-and-refine search, against the closed forms 1/2 and sqrt(2) - 1."""
    m = ReLUChain((2, 4, 1, 1))
    w = m.from_weights(th.circle_rank2_construction())
    y = m.predict(w, data.X2)[:, 0]
    target = np.maximum(np.abs(data.X2[:, 0]) - np.abs(data.X2[:, 1]), 0) / 4
    return {"speed": float(m.speed(w, data.X2, data.G2)), "norm_err": float(np.max(np.abs(m.layer_sq_norms(w) - 1))),
            "fn_err": float(np.max(np.abs(y - target))), "rank_one_bound": th.circle_rank_one_bound(data.X2, data.G2),
            "eps": np.array([rank_defect(W) for W in th.circle_rank2_construction()]), "model": m, "w": w}


# ------------------------------------------------------------------------------------------ Theorem 3.1
def low_rank(P, streams, data: Data, opt: dict) -> dict:
    """Layer profiles (weight and activation rank defects, ReLU gaps) of the optimum on D1, D2 and D4 at every
    ``envelope_depths``; the near miss: at the largest depth, layer 3 of the optimum given a rank-two component
    whose defect exceeds the l^(-1/2) envelope of the first two layers by 25 %."""
    reports, near = {}, {}
    Lmax = max(P.envelope_depths)
    for name in ("D1", "D2", "D4"):
        X, _ = data.XG(name)
        for L in P.envelope_depths:
            m = model_of(data, name, L, P.solver_width)
            reports[(name, L)] = layer_report(m, opt[name][L].w, X)
        m = model_of(data, name, Lmax, P.solver_width)
        e = reports[(name, Lmax)]["eps"]
        c12 = max(e[0], math.sqrt(2) * e[1])
        eps3 = min(0.5, NEAR_MISS_ENVELOPE * (c12 + 1e-3) / math.sqrt(3))
        Ws = m.weights(m.normalize(opt[name][Lmax].w))
        Ws = [W.copy() for W in Ws]
        Ws[2] = with_rank_defect(Ws[2], eps3, streams["low_rank_near_miss", name])
        near[(name, Lmax)] = layer_report(m, m.from_weights(Ws), X)
    return {"reports": reports, "near_miss": near, "depths": list(P.envelope_depths)}


# ------------------------------------------------------------------------------------------ Proposition 3.3
def propagation(P, streams, N: int = 128, d: int = 8, k: int = 3) -> dict:
    """Optimal escape directions of depth ``prop_depth`` on inputs ``z h' + delta E`` near a non-negative rank-one
    matrix (the activation entering a layer, Prop. 3.3), for every ``prop_deltas``, and, as the near miss, on
    the same draws with a signed ``z`` (rank one but not non-negative). ``G``: Gaussian ``(N, k)/N``.

    Returns per input kind the input rank defects and ``q``: the largest weight defect, activation defect or
    ReLU gap over all layers of the optimum."""
    G = streams["prop_G"].standard_normal((N, k)) / N
    tasks, keys = [], []
    for signed in (False, True):
        for i, delta in enumerate(P.prop_deltas):
            X = near_rank_one_inputs(N, d, delta, rng=streams.shared("prop_inputs"), signed=signed)
            tasks.append(dict(widths=widths_of(X, G, P.prop_depth, P.solver_width), X=X, G=G,
                              rng=streams["prop_solver", int(signed), i], n_restarts=P.prop_restarts, n_iter=P.solver_iters,
                              step0=P.solver_step0))
            keys.append((signed, X))
    res = parallel_map(solve_depth, tasks, n_jobs=P.n_jobs)
    out = {False: {"defect": [], "q": [], "speed": []}, True: {"defect": [], "q": [], "speed": []}}
    for (signed, X), r, t in zip(keys, res, tasks):
        rep = layer_report(ReLUChain(t["widths"]), r.w, X)
        out[signed]["defect"].append(rank_defect(X))
        out[signed]["q"].append(float(max(rep["eps"].max(), rep["act_defect"].max(), rep["relu_gap"].max())))
        out[signed]["speed"].append(r.speed)
    return {"nonneg": {k: np.array(v) for k, v in out[False].items()}, "signed": {k: np.array(v) for k, v in out[True].items()},
            "deltas": np.array(P.prop_deltas)}


# ------------------------------------------------------------------------------------------ GD escape
def _escape_stats(model: ReLUChain, res, X, G, w_opt, s_star) -> np.ndarray:
    """Per run: (s(theta_bar)/s*, cosine of the outputs with the optimum's, max s2/s1 over layers >= 2) at the
    escape step (nan rows for runs that did not escape)."""
    Yopt = model.predict(w_opt, X)
    out = []
    for we in res.w_escape:
        if not np.all(np.isfinite(we)):
            out.append((np.nan, np.nan, np.nan))
            continue
        Ye = model.predict(model.normalize(we), X)
        cos = float(np.sum(Ye * Yopt) / np.linalg.norm(Ye) / np.linalg.norm(Yopt))
        deep = max(sv_ratio(W) for W in model.weights(we)[1:])
        out.append((float(model.speed(we, X, G)) / s_star, cos, deep))
    return np.array(out)


def gd_escape(P, streams, data: Data, opt: dict) -> dict:
    """GD with the norm-adapted step on D1 (depth ``gd_depth``) until the loss is 0.97 C(0): from the small init
    ``gd_alpha`` (the claim), the moderate ``gd_nearmiss_alpha`` (near miss) and the large ``gd_control_alpha``
    (illustration); per run the statistics of :func:`_escape_stats`."""
    L = P.gd_depth
    wid = widths_of(data.X1, data.G1, L, P.solver_width)
    runs = {"claim": P.gd_alpha, "near_miss": P.gd_nearmiss_alpha, "illustration": P.gd_control_alpha}
    tasks = [dict(widths=wid, X=data.X1, Ystar=data.Y1, alpha=a, rng=streams["gd_escape", k], n_steps=P.gd_max_steps,
                  runs=P.gd_runs, lr_mode="adaptive", c=P.gd_c, record_every=5, stop_at_escape=True) for k, a in runs.items()]
    res = dict(zip(runs, parallel_map(gd_run, tasks, n_jobs=P.n_jobs)))
    m = ReLUChain(wid)
    stats = {k: _escape_stats(m, r, data.X1, data.G1, opt["D1"][L].w, opt["D1"][L].speed) for k, r in res.items()}
    return {"runs": res, "stats": stats, "alphas": runs, "s_star": opt["D1"][L].speed, "depth": L, "model": m}


# ------------------------------------------------------------------------------------------ width study
def _sphere_restarts(widths, X, G, *, rng, n_restarts: int, n_iter: int, step0: float) -> np.ndarray:
    """Speeds after single-sphere ascent from Gaussian starts on ``||theta||^2 = L`` (every entry N(0, 1), then
    scaled: the layers start with unequal norms)."""
    m = ReLUChain(widths)
    w0 = as_generator(rng).standard_normal((n_restarts, m.size))
    return sphere_ascent(m, X, G, w0, n_iter=n_iter, step0=step0).speed


def _product_restarts(widths, X, G, *, rng, n_restarts: int, n_iter: int, step0: float) -> np.ndarray:
    return solve_depth(widths, X, G, rng=rng, n_restarts=n_restarts, n_iter=n_iter, step0=step0).restart_speeds


def _call_pair(pair):
    fn, kw = pair
    return fn(**kw)


def width_study(P, streams, data: Data) -> dict:
    """Example 1 width study: at every ``width_list`` width (all hidden layers), the speeds reached by
    ``width_restarts`` random restarts of (i) the chapter's solver (product of unit spheres) and (ii) projected
    ascent on the single sphere, and the escape speeds of ``gd_circle_runs`` GD runs from the small init
    ``gd_circle_alpha`` with the norm-adapted step (not escaped within ``gd_circle_steps``: nan); plus the
    solver at depth 2 (illustration: no rank-two escape exists there)."""
    X, G, Y = data.X2, data.G2, data.Y2
    tasks, keys = [], []
    for w in P.width_list:
        wid = widths_of(X, G, P.width_depth, w)
        common = dict(widths=wid, X=X, G=G, n_restarts=P.width_restarts, n_iter=P.solver_iters, step0=P.solver_step0)
        tasks.append((_product_restarts, dict(common, rng=streams["width", "product", w]))); keys.append(("product", w))
        tasks.append((_sphere_restarts, dict(common, rng=streams["width", "sphere", w]))); keys.append(("sphere", w))
        tasks.append((gd_run, dict(widths=wid, X=X, Ystar=Y, alpha=P.gd_circle_alpha, rng=streams["width", "gd", w],
                                   n_steps=P.gd_circle_steps, runs=P.gd_circle_runs, lr_mode="adaptive",
                                   c=P.gd_circle_kappa * 2 * X.shape[0], record_every=P.gd_circle_steps, record_speed=False,
                                   stop_at_escape=True)))
        keys.append(("gd", w))
    for w in P.width_list:
        tasks.append((_product_restarts, dict(widths=widths_of(X, G, 2, w), X=X, G=G, rng=streams["width", "depth2", w],
                                              n_restarts=P.width_restarts, n_iter=P.solver_iters, step0=P.solver_step0)))
        keys.append(("depth2", w))
    order = np.argsort([-(t[1].get("n_restarts", 1) * max(t[1]["widths"]) ** 2) for t in tasks], kind="stable")
    res = parallel_map(_call_pair, [dict(pair=tasks[i]) for i in order], n_jobs=P.n_jobs)
    raw = {keys[i]: r for i, r in zip(order, res)}
    speeds = {k: np.array([raw[(k, w)] for w in P.width_list]) for k in ("product", "sphere", "depth2")}
    gd_sp, gd_points = [], []
    for w in P.width_list:
        r = raw[("gd", w)]
        m = ReLUChain(widths_of(X, G, P.width_depth, w))
        ok = r.escape_step >= 0
        sp = np.full(ok.size, np.nan)
        if ok.any():
            sp[ok] = m.speed(r.w_escape[ok], X, G)
            gd_points.append((m, r.w_escape[ok]))
        gd_sp.append(sp)
    speeds["gd"] = np.array(gd_sp)
    return {"widths": np.array(P.width_list), "speeds": speeds, "threshold": th.CIRCLE_RANK1_BOUND + 0.01,
            "gd_points": gd_points, "depth": P.width_depth}


# ------------------------------------------------------------------------------------------ Proposition 3.4
def escape_points(data: Data, opt: dict, P, gd: dict | None = None, width: dict | None = None,
                  dig: dict | None = None) -> dict:
    """Every escape point of the chapter with its speed and per-layer rank defects on unit layers: all solver
    restarts (D1, D2, D4, every depth) and every GD escape point (D1, Example 1 width study, digits). Returns
    ``{source: (sum_l -log(1 - eps_l), 2 log(U/s), depth)}`` arrays."""
    out = {}

    def add(src, model, W, X, G):
        W = np.atleast_2d(W)
        U = th.speed_upper_bound(X, G)
        s = model.speed(W, X, G)
        lhs = np.array([sum(-math.log(max(1 - rank_defect(Wl), 1e-300)) for Wl in model.weights(model.normalize(w)))
                        for w in W])
        prev = out.get(src, (np.empty(0), np.empty(0), np.empty(0)))
        out[src] = (np.r_[prev[0], lhs], np.r_[prev[1], th.defect_budget(s, U)], np.r_[prev[2], np.full(len(W), model.L)])

    for name, res in opt.items():
        if name == "D2_rank_one":
            continue
        X, G = data.XG(name)
        for L, r in res.items():
            add(f"solver restarts ({name})", model_of(data, name, L, P.solver_width), r.restart_w, X, G)
    if gd is not None:
        ok = gd["runs"]["claim"].escape_step >= 0
        if ok.any():
            add("GD escape (D1)", gd["model"], gd["runs"]["claim"].w_escape[ok], data.X1, data.G1)
    if width is not None:
        for m, W in width["gd_points"]:
            add("GD escape (Example 1)", m, W, data.X2, data.G2)
    if dig is not None and dig.get("gd") is not None:
        ok = dig["gd"].escape_step >= 0
        if ok.any():
            add("GD escape (digits)", dig["model"], dig["gd"].w_escape[ok], data.X3, data.G3)
    return out


# ------------------------------------------------------------------------------------------ escape times
def _escape_steps(widths, X, Ystar, w0, *, lr_mode: str, lr: float = 0.02, c: float = 0.1, r_stop: float = 0.5,
                  max_steps: int = 10**6) -> np.ndarray:
    """Steps until the per-layer norm ``r = ||theta||/sqrt(L)`` first exceeds ``r_stop`` for each row of ``w0``
    (GD on the MSE, brief C7); ``-1`` if not within ``max_steps``."""
    res = train_gd(ReLUChain(widths), X, Ystar, w0, max_steps, lr=lr, lr_mode=lr_mode, c=c,
                   record_every=max(1000, max_steps), record_speed=False, stop_norm=r_stop)
    return res.stop_step


def escape_times(P, streams, data: Data, opt: dict) -> dict:
    """Escape steps on D1 against the init scale: plain GD from the aligned start alpha rho* (L = 2, 3, 4) and from
    random starts (L = 2, 3, and 4 with ``random_L4``), and the adapted step c r^(2-L) from the same random
    starts (L = 2, 3, 4). ``T[(kind, L)]``: (n_alpha, n_dirs) steps (aligned: (n_alpha, 1)); the closed forms."""
    al = {2: P.alphas_L2, 3: P.alphas_L3, 4: P.alphas_L4}
    rand_L = [2, 3] + ([4] if P.random_L4 else [])
    wid = {L: widths_of(data.X1, data.G1, L, P.solver_width) for L in (2, 3, 4)}
    dirs = {L: ReLUChain(wid[L]).init(streams["escape_dirs", L], 1.0, runs=P.n_random_dirs) for L in (2, 3, 4)}

    def rows(alphas, D):
        return (np.asarray(alphas)[:, None, None] * D[None]).reshape(-1, D.shape[-1])

    tasks, keys = [], []
    base = dict(X=data.X1, Ystar=data.Y1, r_stop=P.r_stop, max_steps=P.escape_max_steps)
    for L in (2, 3, 4):
        tasks.append(dict(base, widths=wid[L], w0=np.asarray(al[L])[:, None] * opt["D1"][L].w[None], lr_mode="constant", lr=P.lr_plain))
        keys.append(("aligned", L))
    for L in rand_L:
        tasks.append(dict(base, widths=wid[L], w0=rows(al[L], dirs[L]), lr_mode="constant", lr=P.lr_plain))
        keys.append(("random", L))
    for L in (2, 3, 4):
        tasks.append(dict(base, widths=wid[L], w0=rows(P.alphas_adapt, dirs[L]), lr_mode="adaptive", c=P.c_adapt))
        keys.append(("adaptive", L))
    order = np.argsort([-len(t["w0"]) * (4 if L == 4 else 1) for t, (_, L) in zip(tasks, keys)], kind="stable")  # longest first
    out = parallel_map(_escape_steps, [tasks[i] for i in order], n_jobs=P.n_jobs)
    T = {}
    for i, o in zip(order, out):
        kind, L = keys[i]
        n_a = len(P.alphas_adapt) if kind == "adaptive" else len(al[L])
        T[(kind, L)] = np.asarray(o).reshape(n_a, -1)
    s = {L: opt["D1"][L].speed for L in (2, 3, 4)}
    return {"T": T, "alphas": al, "alphas_adapt": np.asarray(P.alphas_adapt), "s": s, "rand_L": rand_L,
            "lr": P.lr_plain, "c": P.c_adapt, "r_stop": P.r_stop}


# ------------------------------------------------------------------------------------------ saddle-to-saddle
def saddle_to_saddle(P, streams, data: Data) -> dict:
    """GD with the adapted step on D1 from ``s2s_alpha`` (``s2s_seeds`` runs) and from ``s2s_control_alpha``
    (illustration), stopping at 1e-3 C(0) or after ``s2s_steps``; per run the interior plateaus and the numerical
    rank of the bottleneck layer W_{L-1} (and, for the text, of W_1) at the middle of each plateau."""
    L = P.s2s_depth
    wid = widths_of(data.X1, data.G1, L, P.s2s_width)
    C0 = 0.5 * np.sum(data.Y1**2) / data.Y1.shape[0]
    sv = list(range(0, P.s2s_steps + 1, P.s2s_sv_every))

    def task(a, rng):
        return dict(widths=wid, X=data.X1, Ystar=data.Y1, alpha=a, rng=rng, n_steps=P.s2s_steps, lr_mode="adaptive",
                    c=P.s2s_c, record_every=10, record_speed=False, sv_steps=sv, top_k=5, stop_loss=1e-3 * C0)

    runs = parallel_map(gd_run, [task(P.s2s_alpha, streams["s2s", i]) for i in range(P.s2s_seeds)]
                        + [task(P.s2s_control_alpha, streams["s2s_control", i]) for i in range(P.s2s_seeds)], n_jobs=P.n_jobs)

    def evaluate(res, layer):
        n = np.isfinite(res.loss[:, 0])
        pl, ranks = plateau_ranks(res.steps[n], res.loss[n, 0], res.sv_steps, res.svals[:, 0, layer], C0=res.C0)
        return {"plateaus": pl, "ranks": ranks, "final": float(res.loss[n, 0][-1] / res.C0), "last_step": int(res.steps[n][-1])}

    k = P.s2s_seeds
    return {"runs": runs[:k], "control_runs": runs[k:], "depth": L,
            "claim": [evaluate(r, L - 2) for r in runs[:k]], "first_layer": [evaluate(r, 0) for r in runs[:k]],
            "illustration": [evaluate(r, L - 2) for r in runs[k:]]}


# ------------------------------------------------------------------------------------------ digits
def digits(P, streams, data: Data) -> dict | None:
    """Digits (D3, needs scikit-learn): the solver's optimum s* at depth ``digits_gd_depth``; ``digits_gd_runs`` GD runs
    there from ``gd_alpha`` with c = digits_gd_kappa/s*, stopped at the escape, when the loss is 0.5 % below C(0) (the
    near miss: from ``gd_nearmiss_alpha``), with the speed ratio s(theta_bar)/s* and the KKT residual of each escape point; and the
    Figure 1 analogue at depth ``digits_depth`` from ``digits_alpha`` with c = digits_kappa/s* for ``digits_steps`` steps
    (s* of the depth-``digits_gd_depth`` optimum: by Proposition 3.2 the deeper optimum is at least as fast, and on
    digits, whose optimum is rank one in every layer, the two agree)."""
    if data.X3 is None:
        return None
    X, Y, G = data.X3, data.Y3, data.G3
    wid = widths_of(X, G, P.digits_gd_depth, P.digits_width)
    opt = solve_depth(wid, X, G, rng=streams["digits_solver"], n_restarts=P.digits_restarts, n_iter=P.solver_iters,
                      step0=P.solver_step0)
    sv = list(range(0, P.digits_steps + 1, P.digits_sv_every))
    tasks = [dict(widths=wid, X=X, Ystar=Y, alpha=a, rng=streams["digits_gd", k], n_steps=P.gd_max_steps, runs=P.digits_gd_runs,
                  lr_mode="adaptive", c=P.digits_gd_kappa / opt.speed, record_every=20, record_speed=False, stop_at_escape=True,
                  escape_frac=DIGITS_ESCAPE_FRAC) for k, a in (("claim", P.gd_alpha), ("near_miss", P.gd_nearmiss_alpha))]
    tasks.append(dict(widths=widths_of(X, G, P.digits_depth, P.digits_width), X=X, Ystar=Y, alpha=P.digits_alpha,
                      rng=streams["digits_fig1"], n_steps=P.digits_steps, lr_mode="adaptive", c=P.digits_kappa / opt.speed,
                      record_every=20, record_speed=False, sv_steps=sv, top_k=10))
    order = [2, 0, 1]  # the longest first
    res = parallel_map(gd_run, [tasks[i] for i in order], n_jobs=P.n_jobs)
    fig, gd, near = res
    m = ReLUChain(wid)
    esc = {}
    for k, r in (("claim", gd), ("near_miss", near)):
        ok = r.escape_step >= 0
        ratio, kkt = np.full(ok.size, np.nan), np.full(ok.size, np.nan)
        if ok.any():
            ratio[ok] = m.speed(r.w_escape[ok], X, G) / opt.speed
            kkt[ok] = m.kkt_residual(r.w_escape[ok], X, G)
        esc[k] = {"ratio": ratio, "kkt": kkt, "steps": r.escape_step}
    return {"opt": opt, "model": m, "gd": gd, "near": near, "escape": esc, "fig": fig,
            "ratios_sv": fig.svals[:, 0, :, 1] / fig.svals[:, 0, :, 0], "depth": P.digits_depth}
