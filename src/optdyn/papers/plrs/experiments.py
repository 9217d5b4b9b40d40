"""The experiments of the PLRS chapter: each takes the validated parameters ``P`` and the chapter's named
random streams, runs the simulations (vectorised over replicas, arms stacked where they share draws) and
returns the arrays its criterion (:mod:`.checks`) judges and its figure (:mod:`.figures`) draws. Closed
forms (the Theorem 1 identity, the kinematic bound on exit times) are computed from theory alone.

Stream names are fixed per experiment (``streams["escape", "noise"]``...), so adding or reordering cells
never changes another experiment's numbers. Arms that share draws on purpose (common random numbers: a
method and its control on the same gradient noise) are stacked in one run or given ``streams.shared(...)``.
"""
from __future__ import annotations

import math

import numpy as np

from optdyn.core.schedules import Constant
from optdyn.papers.plrs.analysis import spike_count
from optdyn.papers.plrs.competitors import paper_defaults
from optdyn.papers.plrs.digits import lr_range_test, train_schedules
from optdyn.papers.plrs.landscapes import IsotropicQuadratic, QuarticSaddle, sphere_noise
from optdyn.papers.plrs.parameters import BETA_QUADRATIC, BETA_SADDLE
from optdyn.papers.plrs.schedule import PLRS
from optdyn.papers.plrs.simulation import escape_times, f_change_curves, first_time_below, first_time_below_boot, run_sgd, sup_distance
from optdyn.papers.plrs.tensor import orthonormal_components, projected_sgd
from optdyn.papers.plrs.theory import (
    lemma1_samples,
    lemma1_second_moment,
    one_step_change_mc,
    plrs_moments,
    thm1_bound,
    thm1_expected_change,
    thm1_threshold,
)

__all__ = [
    "DIGITS_ARMS", "ESCAPE_ARMS", "RATIO", "TENSOR_ARMS", "confinement", "coupling", "digits", "escape", "lemma1", "no_noise",
    "rate", "rate_grid", "tensor", "thm1_bound_exact", "thm1_grid", "thm1_order", "thm1_quartic",
]

RATIO = 0.7  # L_min / L_max of every L_max sweep (the paper's [0.07, 0.1])
LEMMA1_RANGE = (0.05, 0.2)  # a wide interval, so that the multiplicative part u g of the noise is large
QUARTIC_POINTS = ((0.2, 2.0), (0.5, 3.0), (0.8, 5.0), (0.3, 8.0), (0.6, 12.0))  # (x_1, |grad f| / threshold)
NEAR_SADDLE_MULT = 0.2  # near-miss point of thm1_quartic: |grad f| = 0.2 x threshold next to the saddle
FIXED_GRAD = 0.2  # gradient norm of the fixed-gradient illustration of the order experiment
NEG_TRACE_LAM = 0.05  # lam_pos of the negative-trace saddle (tr H = 9 x 0.05 - 1 = -0.55)
ADDITIVE_RADIUS = 0.085  # fixed-radius additive noise of the confinement control, as a multiple of sigma


def _int_seed(streams, *name) -> int:
    """A seed for a counter-based schedule (PLRS), from a named stream."""
    return int(streams.seed_of(*name) % 2**32)


# --------------------------------------------------------------------------------------------- Lemma 1
def lemma1(P, streams) -> dict:
    """``n_lemma`` draws of the PLRS noise w at a fixed point of the quartic saddle with ||grad f|| = 2 sigma (so that
    the gradient and the noise parts of w keep their proportions whatever sigma), ``[L_min, L_max] = [0.05, 0.2]``:
    z-scores of mean(w) (d coordinates) and of mean ||w||^2 against the closed form and against the near miss
    without the ``s^2 E||xi||^2`` term; the illustration (the rate's sign tied to the noise) on the same draws."""
    lo, hi = LEMMA1_RANGE
    q = QuarticSaddle(d=10)
    x = np.full(10, 2.0 * P.sigma / 3.0 / q.lam_pos)  # ||grad f|| = lam_pos * 3 * x_i = 2 sigma
    x[0] = 0.0
    eta_c, s2 = plrs_moments(lo, hi)
    out = {}
    for name, dep in (("main", False), ("dependent", True)):
        W, grad = lemma1_samples(q, x, lo, hi, P.sigma, P.n_lemma, streams.shared("lemma1"), dependent=dep)
        mean, se = W.mean(axis=0), W.std(axis=0, ddof=1) / math.sqrt(P.n_lemma)
        m2 = (W**2).sum(axis=1)
        m2_mean, m2_se = float(m2.mean()), float(m2.std(ddof=1) / math.sqrt(P.n_lemma))
        g2 = float(grad @ grad)
        out[name] = {"z_mean": mean / se, "m2": m2_mean, "m2_se": m2_se}
    out["m2_closed"] = lemma1_second_moment(g2, P.sigma**2, lo, hi)
    out["m2_near_miss"] = eta_c**2 * P.sigma**2 + s2 * g2  # the s^2 sigma^2 part of s^2 E||g||^2 dropped
    return out


# --------------------------------------------------------------------------------------------- Theorem 1
def thm1_grid(P, streams) -> dict:
    """MC one-step change on the isotropic quadratic (beta = 1) over (L_max, L_min/L_max, ||grad|| as a multiple of
    the threshold: 1, 2, 4 and 0.1), with the identity, the identity without s^2 and the bound -eta_c ||grad||^2 / 9."""
    q = IsotropicQuadratic(d=10, beta=BETA_QUADRATIC)
    rows = []
    grid = [(L, r, gm) for L in P.thm1_l_max_grid for r in P.thm1_ratios for gm in (1.0, 2.0, 4.0, 0.1)]
    for (L, r, gm), c in zip(grid, streams["thm1_grid"].spawn(len(grid))):
        lo = r * L
        eta_c, s2 = plrs_moments(lo, L)
        gn = gm * thm1_threshold(eta_c, BETA_QUADRATIC, P.sigma**2)
        x = np.zeros(10)
        x[0] = gn / BETA_QUADRATIC
        m, se = one_step_change_mc(q, x, lo, L, P.sigma, P.n_thm1, c)
        rows.append(dict(l_max=L, ratio=r, grad_mult=gm, grad_norm=gn, eta_c=eta_c, mc=m, se=se,
                         closed=float(thm1_expected_change(gn**2, BETA_QUADRATIC, lo, L, P.sigma**2)),
                         closed_no_s2=-eta_c * gn**2 + 0.5 * BETA_QUADRATIC * eta_c**2 * (gn**2 + P.sigma**2),
                         bound=float(thm1_bound(eta_c, gn**2))))
    return {k: np.array([row[k] for row in rows]) for k in rows[0]}


def thm1_bound_exact(P) -> dict:
    """The derived bound, checked in closed form: on a dense grid of L_max in (0, 1/beta), L_min/L_max in [0, 1)
    and ||grad f|| from 1 to 16 thresholds (and at the chapter's grid), the identity lies below -eta_c ||grad||^2/9;
    and the two ingredients of the derivation, s^2 <= eta_c^2 / 3 and beta eta_c < 1, hold."""
    Ls = np.concatenate([np.geomspace(1e-3, 0.999 / BETA_QUADRATIC, 60), [L for L in P.thm1_l_max_grid if L * BETA_QUADRATIC < 1]])
    rs = np.concatenate([np.linspace(0.0, 0.99, 34), P.thm1_ratios])
    gms = np.array([1.0, 1.5, 2.0, 4.0, 8.0, 16.0])
    L, r, gm = np.meshgrid(Ls, rs, gms, indexing="ij")
    eta_c = 0.5 * (1 + r) * L
    s2 = ((1 - r) * L) ** 2 / 12.0
    g2 = (gm * np.sqrt(3 * eta_c * BETA_QUADRATIC * P.sigma**2)) ** 2
    closed = -eta_c * g2 + 0.5 * BETA_QUADRATIC * (eta_c**2 + s2) * (g2 + P.sigma**2)
    bound = -eta_c * g2 / 9.0
    return {"n": int(closed.size), "max_rel_excess": float(np.max((closed - bound) / np.abs(bound))),
            "s2_ok": bool(np.all(s2 <= eta_c**2 / 3 * (1 + 1e-12))), "step_ok": bool(np.all(BETA_QUADRATIC * eta_c < 1))}


def thm1_quartic(P, streams) -> dict:
    """MC one-step change at points of the quartic saddle with ||grad f|| = 2..12 thresholds (x_1 in 0.2..0.8, the
    rest along (1, ..., 1)), and at the near-miss point next to the saddle (||grad f|| = 0.2 threshold)."""
    q = QuarticSaddle(d=10)
    eta_c, _ = plrs_moments(P.l_min, P.l_max)
    thr = thm1_threshold(eta_c, q.beta, P.sigma**2)
    pts = []
    for a, m in QUARTIC_POINTS:
        g1 = a - a**3
        b = math.sqrt(max((m * thr) ** 2 - g1**2, 0.0))
        pts.append(np.r_[a, np.full(9, b / 3.0)])
    pts.append(np.r_[0.0, np.full(9, NEAR_SADDLE_MULT * thr / 3.0)])
    out = []
    for x, c in zip(pts, streams["thm1_quartic"].spawn(len(pts))):
        g2 = float((q.grad(x)[0] ** 2).sum())
        m, se = one_step_change_mc(q, x, P.l_min, P.l_max, P.sigma, P.n_thm1, c)
        out.append(dict(grad_norm=math.sqrt(g2), mc=m, se=se, bound=float(thm1_expected_change(g2, q.beta, P.l_min, P.l_max, P.sigma**2))))
    res = {k: np.array([o[k] for o in out]) for k in out[0]}
    res["threshold"] = thr
    return res


def thm1_order(P, streams) -> dict:
    """Expected one-step decrease vs L_max (geometric grid, L_min = 0.7 L_max) at the threshold gradient and, as the
    illustration, at the fixed gradient norm 0.2 (both on the same draws)."""
    q = IsotropicQuadratic(d=10, beta=BETA_QUADRATIC)
    grid = np.geomspace(P.order_l_max_lo, P.order_l_max_hi, P.order_n)
    res = {}
    for name, fixed in (("threshold", None), ("fixed", FIXED_GRAD)):
        rows = []
        for L, c in zip(grid, streams.shared("thm1_order").spawn(grid.size)):
            eta_c, _ = plrs_moments(RATIO * L, L)
            gn = thm1_threshold(eta_c, BETA_QUADRATIC, P.sigma**2) if fixed is None else fixed
            x = np.zeros(10)
            x[0] = gn / BETA_QUADRATIC
            rows.append(one_step_change_mc(q, x, RATIO * L, L, P.sigma, P.n_thm1, c))
        rows = np.array(rows)
        res[name] = {"mc": rows[:, 0], "se": rows[:, 1]}
    res["l_max"] = grid
    res["closed"] = np.array([thm1_expected_change(thm1_threshold(0.5 * (1 + RATIO) * L, BETA_QUADRATIC, P.sigma**2) ** 2,
                                                   BETA_QUADRATIC, RATIO * L, L, P.sigma**2) for L in grid])
    return res


# --------------------------------------------------------------------------------------------- Theorem 2
ESCAPE_ARMS = ("PLRS", "const eta_c", "const L_min", "const L_max", "const 1.05 eta_c", "const 0.8 eta_c")


def escape(P, streams) -> dict:
    """Escape times from the saddle of the quartic (x_0 = 0) for the arms of :data:`ESCAPE_ARMS`, stacked so that all
    see the same gradient noise, censored at T_max = escape_t_max_mult / eta_c; plus the placebo (constant eta_c with an
    independent noise stream) and the same PLRS runs without gradient noise (sigma = 0)."""
    q = QuarticSaddle(d=10)
    R = P.R_escape
    eta_c = 0.5 * (P.l_min + P.l_max)
    t_max = int(math.ceil(P.escape_t_max_mult / eta_c))
    plrs = PLRS(P.l_min, P.l_max, seed=_int_seed(streams, "escape", "lr"))
    const = np.repeat([eta_c, P.l_min, P.l_max, 1.05 * eta_c, 0.8 * eta_c], R)
    times, cens = escape_times(q, lambda t: np.concatenate([plrs.sample(t, R), const]), R=len(ESCAPE_ARMS) * R, sigma=P.sigma,
                               t_max=t_max, rng=streams["escape", "noise"], noise_blocks=len(ESCAPE_ARMS))
    out = {a: {"times": times[i * R:(i + 1) * R], "censored": cens[i * R:(i + 1) * R]} for i, a in enumerate(ESCAPE_ARMS)}
    t, c = escape_times(q, Constant(eta_c), R=R, sigma=P.sigma, t_max=t_max, rng=streams["escape", "placebo"])
    out["placebo"] = {"times": t, "censored": c}
    t, c = escape_times(q, plrs, R=R, sigma=0.0, t_max=t_max, rng=streams["escape", "no_noise"])
    out["PLRS, sigma = 0"] = {"times": t, "censored": c}
    out.update(t_max=t_max, eta_c=eta_c)
    return out


def no_noise(P, streams) -> dict:
    """Exact gradients (sigma = 0) from the saddle and from its stable manifold (x_1 = 0, other coordinates N(0, 0.5^2)):
    the largest |x_1| over all runs and steps, for PLRS and for the constant rate eta_c."""
    q = QuarticSaddle(d=10)
    R = min(P.R_escape, 300)
    X0 = streams["no_noise", "starts"].normal(0.0, 0.5, size=(R, 10))
    X0[:, 0] = 0.0
    X0[0] = 0.0  # one replica exactly at the saddle
    out = {}
    for name, sch in (("PLRS", PLRS(P.l_min, P.l_max, seed=_int_seed(streams, "no_noise", "lr"))),
                      ("const eta_c", Constant(0.5 * (P.l_min + P.l_max)))):
        peak = np.zeros(R)

        def track(X, t, peak=peak):
            np.maximum(peak, np.abs(X[:, 0]), out=peak)
            return False

        r = run_sgd(q.grad, X0, sch, P.no_noise_steps, sigma=0.0, rng=0, stop_fn=track)
        out[name] = {"max_abs_x1": float(peak.max()), "median_final_distance": float(np.median(np.linalg.norm(r["x"], axis=1)))}
    out["steps"], out["R"] = P.no_noise_steps, R
    return out


def rate_grid(P) -> np.ndarray:
    """The L_max grid of the escape-rate and coupling experiments (geometric, L_min = 0.7 L_max)."""
    return np.geomspace(P.rate_l_max_lo, P.rate_l_max_hi, P.rate_n)


def rate(P, streams) -> dict:
    """For each L_max of :func:`rate_grid`: PLRS exit times (the demonstration; censored at escape_t_max_mult / eta_c)
    with the kinematic lower bound 0.5 / (L_max (max |d_1 f| + sigma)) that any step bounded by L_max ||g|| obeys; and
    the f-change curves over 4 / eta_c steps, with T* and its bootstrap replicates, for PLRS and constant eta_c on the
    positive-trace saddle (shared noise) and for PLRS on the negative-trace saddle (lam_pos = 0.05)."""
    grid = rate_grid(P)
    q, qn = QuarticSaddle(d=10), QuarticSaddle(d=10, lam_pos=NEG_TRACE_LAM)
    nb = max(200, P.n_boot // 5)
    arms = ("PLRS", "const eta_c", "PLRS, negative trace")
    out = {"l_max": grid, "eta_c": 0.5 * (1 + RATIO) * grid, "exit": [], "censored": [], "kinematic": [],
           "tstar": {a: [] for a in arms}, "tstar_boot": {a: [] for a in arms}, "curves": {a: [] for a in arms}}
    g1max = 0.5 - 0.5**3  # max |d_1 f| = gamma |x_1 - x_1^3| on |x_1| <= 0.5
    for i, L in enumerate(grid):
        eta_c = 0.5 * (1 + RATIO) * L
        plrs = PLRS(RATIO * L, L, seed=_int_seed(streams, "rate", "lr", i))
        t, c = escape_times(q, plrs, R=P.R_exit, sigma=P.sigma, t_max=int(math.ceil(P.escape_t_max_mult / eta_c)),
                            rng=streams["rate", "exit", i])
        out["exit"].append(t)
        out["censored"].append(c)
        out["kinematic"].append(0.5 / (L * (g1max + P.sigma)))
        n_curve = int(math.ceil(4.0 / eta_c))
        R = P.R_curve
        F = f_change_curves(q, lambda t: np.concatenate([plrs.sample(t, R), np.full(R, eta_c)]), R=2 * R, sigma=P.sigma,
                            n_steps=n_curve, rng=streams["rate", "curve", i], noise_blocks=2)
        Fn = f_change_curves(qn, plrs, R=R, sigma=P.sigma, n_steps=n_curve, rng=streams["rate", "negative", i])
        for a, Fa in zip(arms, (F[:, :R], F[:, R:], Fn)):
            ts = first_time_below(Fa)
            out["tstar"][a].append(np.nan if ts is None else float(ts))
            out["tstar_boot"][a].append(first_time_below_boot(Fa, rng=streams["rate", "boot", a, i], n_boot=nb))
            out["curves"][a].append((Fa.mean(axis=1), Fa.std(axis=1, ddof=1) / math.sqrt(R)))
    out["kinematic"] = np.array(out["kinematic"])
    for a in arms:
        out["tstar"][a] = np.array(out["tstar"][a])
        out["tstar_boot"][a] = np.stack(out["tstar_boot"][a], axis=1)  # (n_boot, len(grid))
    return out


COUPLING_BLOCKS = ("x", "x_quad", "x_quad_free", "const", "start")


def coupling(P, streams) -> dict:
    """Lemmas 2-3 and the probability part of Theorem 2. For each L_max of :func:`rate_grid`, ``R_coupling`` runs of
    T = ceil(coupling_kappa / eta_c) steps from the saddle, five stacked blocks:

    * ``x``: PLRS on f; ``x_quad``: PLRS on the quadratic model of f at x_0 = 0 (same rates, same noise: the coupling
      of Lemma 3); ``x_quad_free``: the quadratic model with independent rates and noise (the uncoupled near miss);
    * ``const``: the constant rate eta_c on f (same noise as ``x``);
    * ``start``: PLRS on f from (0, c, 0, ..., 0), c the Theorem 1 threshold at the smallest L_max of the grid, whose
      gradient stays fixed while the threshold shrinks like sqrt(L_max) (same rates and noise as ``x``).

    Returns, per L_max, ``gap`` = sup_t ||x_t - x_quad_t||, ``gap_free`` = sup_t ||x_t - x_quad_free_t||,
    ``disp`` = sup_t ||x_quad_t - x_0|| and the final changes f(x_T) - f(x_0) of ``x``, ``const`` and ``start``."""
    grid = rate_grid(P)
    q = QuarticSaddle(d=10)
    R, B = P.R_coupling, len(COUPLING_BLOCKS)
    H0 = q.hess_diag(np.zeros((1, 10)))[0]
    on_f = np.repeat([True, False, False, True, True], R)
    c_start = thm1_threshold(0.5 * (1 + RATIO) * grid[0], BETA_SADDLE, P.sigma**2) / q.lam_pos
    keys = ("gap", "gap_free", "disp", "df", "df_const", "df_start")
    out = {k: [] for k in keys}
    out.update(l_max=grid, eta_c=0.5 * (1 + RATIO) * grid, c_start=c_start, T=[])
    for i, L in enumerate(grid):
        eta_c = 0.5 * (1 + RATIO) * L
        T = int(math.ceil(P.coupling_kappa / eta_c))
        noise, free, lr, lr_free = (streams["coupling", k, i] for k in ("noise", "free", "lr", "lr_free"))
        X = np.zeros((B * R, 10))
        X[4 * R:, 1] = c_start
        X0 = X.copy()
        f0 = q.f(X0)
        gap, gap_free, disp = np.zeros(R), np.zeros(R), np.zeros(R)
        for t in range(T):
            u, u_free = lr.uniform(RATIO * L, L, R), lr_free.uniform(RATIO * L, L, R)
            xi, xi_free = sphere_noise(noise, (R, 10), P.sigma), sphere_noise(free, (R, 10), P.sigma)
            eta = np.concatenate([u, u, u_free, np.full(R, eta_c), u])[:, None]
            G = H0 * X
            G[on_f, 0] += q.gamma * X[on_f, 0] ** 3
            X -= eta * (G + np.concatenate([xi, xi, xi_free, xi, xi]))
            x, xq, xf = X[:R], X[R:2 * R], X[2 * R:3 * R]
            np.maximum(gap, np.linalg.norm(x - xq, axis=1), out=gap)
            np.maximum(gap_free, np.linalg.norm(x - xf, axis=1), out=gap_free)
            np.maximum(disp, np.linalg.norm(xq, axis=1), out=disp)
        df = q.f(X) - f0
        for k, v in zip(keys, (gap, gap_free, disp, df[:R], df[3 * R:4 * R], df[4 * R:])):
            out[k].append(v)
        out["T"].append(T)
    for k in keys:
        out[k] = np.stack(out[k])  # (len(grid), R)
    out["T"] = np.array(out["T"])
    return out


# --------------------------------------------------------------------------------------------- Theorem 3
def confinement(P, streams) -> dict:
    """sup_{t <= T} ||x_t - x*|| from x_0 = x* + conf_start sigma sqrt(L_max) v (v uniform on the unit sphere), x* = (1, 0, ...),
    T = ceil(2 / L_max^2), for PLRS (gradient noise) and, on the same draws, the control with noise of fixed radius
    0.085 sigma added to the iterate (not scaled by the rate)."""
    q = QuarticSaddle(d=10)
    sups, sups_add, Ts = [], [], []
    for i, L in enumerate(P.conf_l_max):
        T = int(math.ceil(2.0 / L**2))
        v = streams["confinement", "start", i].standard_normal((P.R_conf, 10))
        x0 = q.minima[0] + P.conf_start * P.sigma * math.sqrt(L) * v / np.linalg.norm(v, axis=1, keepdims=True)
        sch = PLRS(RATIO * L, L, seed=_int_seed(streams, "confinement", "lr", i))
        sups.append(sup_distance(q, sch, x_star=q.minima[0], R=P.R_conf, sigma=P.sigma, n_steps=T,
                                 rng=streams.shared("confinement", "noise", i), x0=x0))
        sups_add.append(sup_distance(q, sch, x_star=q.minima[0], R=P.R_conf, sigma=ADDITIVE_RADIUS * P.sigma, n_steps=T,
                                     rng=streams.shared("confinement", "noise", i), noise="additive", x0=x0))
        Ts.append(T)
    return {"l_max": np.asarray(P.conf_l_max, float), "sup": np.stack(sups), "sup_additive": np.stack(sups_add), "T": np.array(Ts)}


# --------------------------------------------------------------------------------------------- digits
DIGITS_ARMS = ("plrs", "cosine_wr", "one_cycle", "knee", "multi_step", "constant", "plrs_misscaled", "plrs_placebo")
DIGITS_COMPETITORS = ("cosine_wr", "one_cycle", "knee", "multi_step", "constant")


def digits(P, streams, data, *, hidden=(64, 64), range_steps: int = 300, misscale: float = 0.01, progress=None) -> dict:
    """The paired digits comparison (brief C5-C7).

    1. ``n_range_tests`` LR range tests; ``L_bar`` = median over the tests of the rate at the minimum of the smoothed
       loss; ``L_max = peak_fraction * L_bar`` is every schedule's peak rate.
    2. For each of ``digits_seeds`` seeds, one batched run of all arms of :data:`DIGITS_ARMS` from the same initial
       weights and mini-batches: PLRS ``[l_min_ratio L_max, L_max]``, the paper's competitors at peak ``L_max``
       (constant at eta_c), PLRS with its range scaled by ``misscale`` and PLRS with an independent rate seed.

    Returns ``(arms, seeds, ...)`` arrays, the spike counts (relative rise > 10 % and absolute rise > spike_floor)."""
    rts = []
    for k in range(P.n_range_tests):
        rts.append(lr_range_test(data, n_steps=range_steps, batch_size=P.batch_size, hidden=hidden,
                                 rng_init=streams["digits", "range_init", k], rng_data=streams["digits", "range_data", k]))
    l_bar = float(np.median([r["lr_best"] for r in rts]))
    peak = P.peak_fraction * l_bar
    spe = data.X_tr.shape[0] // P.batch_size
    res = {k: [] for k in ("final_test_acc", "train_loss", "final_train_loss", "diverged")}
    lrs = None
    for i in range(P.digits_seeds):
        kw = dict(total_epochs=P.digits_epochs, steps_per_epoch=spe, peak_lr=peak, l_min_ratio=P.l_min_ratio)
        lr_seed = _int_seed(streams, "digits", "lr", i)
        sch = [paper_defaults(n, seed=lr_seed, **kw) for n in DIGITS_ARMS[:6]]
        sch.append(PLRS(misscale * P.l_min_ratio * peak, misscale * peak, seed=lr_seed))
        sch.append(PLRS(P.l_min_ratio * peak, peak, seed=_int_seed(streams, "digits", "lr_placebo", i)))
        r = train_schedules(data, sch, epochs=P.digits_epochs, batch_size=P.batch_size, hidden=hidden,
                            rng_init=streams["digits", "init", i], rng_data=streams["digits", "data", i])
        for k in res:
            res[k].append(r[k])
        if lrs is None:
            lrs = r["lrs"]
        if progress is not None:
            progress(i)
    out = {k: np.stack(v, axis=1) for k, v in res.items()}  # (arms, seeds, ...)
    out["spikes"] = np.array([[spike_count(l[1:], 0.10, P.spike_floor) for l in arm] for arm in out["train_loss"]])
    out.update(arms=DIGITS_ARMS, l_bar=l_bar, peak=peak, range_tests=rts, lrs=lrs, steps_per_epoch=spe)
    return out


# --------------------------------------------------------------------------------------------- tensor decomposition
TENSOR_ARMS = ("PLRS", "noisy SGD eta_c", "noisy SGD 1.05 eta_c", "noisy SGD 0.7 eta_c")


def tensor(P, streams) -> dict:
    """Online orthogonal tensor decomposition (App. G): ``tensor_R`` paired runs of each arm of :data:`TENSOR_ARMS`,
    all from the same random start and on the same samples; PLRS ``[0.7 L, L]`` without added noise, and Ge et al.'s
    noisy SGD (unit-sphere noise added to the gradient, the same directions in every noisy arm) at constant rates.
    Returns the error curves per arm, the steps to reach ``tensor_threshold`` (censored at ``tensor_steps``), the
    final errors and the roughness (total variation of log error over the second half of the run)."""
    d, R, L = P.tensor_d, P.tensor_R, P.tensor_l_max
    eta_c = 0.5 * (1 + RATIO) * L
    A = orthonormal_components(d, streams["tensor", "components"])
    U0 = streams["tensor", "init"].standard_normal((R, d, d))
    lr_rng = streams["tensor", "lr"]
    const = np.repeat([eta_c, 1.05 * eta_c, 0.7 * eta_c], R)
    every = max(1, P.tensor_steps // 400)
    steps, E = projected_sgd(A, U0, lambda t: np.concatenate([lr_rng.uniform(RATIO * L, L, R), const]), P.tensor_steps,
                             rng_samples=streams["tensor", "samples"], arms=len(TENSOR_ARMS),
                             noise=np.repeat([0.0, 1.0, 1.0, 1.0], R), rng_noise=streams["tensor", "noise"], record_every=every)
    with np.errstate(invalid="ignore"):
        hit = E <= P.tensor_threshold
    reached = hit.any(axis=0)
    times = np.where(reached, steps[np.argmax(hit, axis=0)], P.tensor_steps).astype(float)
    half = E[E.shape[0] // 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rough = np.abs(np.diff(np.log(half), axis=0)).sum(axis=0)
    out = {"steps": steps, "eta_c": eta_c}
    for i, a in enumerate(TENSOR_ARMS):
        sl = slice(i * R, (i + 1) * R)
        out[a] = {"error": E[:, sl], "times": times[sl], "censored": ~reached[sl], "final": E[-1, sl], "roughness": rough[sl]}
    return out
