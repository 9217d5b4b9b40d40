"""Experiment drivers of the PLRS chapter (brief Sec. 5.2): each returns plain arrays/dicts that
the notebook judges against its pre-stated criteria. Randomness enters only through the
``Generator`` passed in (one named stream of the chapter); children are spawned from it per stream
(gradient noise, learning rates, weights, data order). Arms that share a noise stream on purpose
(common random numbers) get copies of one child generator, made at the call."""
from __future__ import annotations

import copy
import math

import numpy as np
from scipy import stats as _st

from optdyn.core.schedules import Constant
from optdyn.papers.plrs.competitors import paper_defaults
from optdyn.papers.plrs.schedule import PLRS
from optdyn.random import as_generator
from optdyn.validation import check_in_range, check_int

from optdyn.papers.plrs.checks import spike_count
from optdyn.papers.plrs.digits import lr_range_test, train_schedules
from optdyn.papers.plrs.landscapes import IsotropicQuadratic, QuarticSaddle
from optdyn.papers.plrs.simulation import escape_times, f_change_curves, first_time_below, first_time_below_boot, run_sgd, sup_distance
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
    "bonferroni_z",
    "lemma1_experiment",
    "thm1_grid_experiment",
    "thm1_quartic_experiment",
    "thm1_order_experiment",
    "escape_experiment",
    "no_noise_experiment",
    "rate_experiment",
    "confinement_experiment",
    "digits_experiment",
    "DIGITS_ARMS",
]


def _int_seed(rng: np.random.Generator) -> int:
    """An integer seed for a counter-based schedule (PLRS), drawn from ``rng``."""
    return int(rng.integers(0, 2**32))


def _crn(rng: np.random.Generator) -> np.random.Generator:
    """A copy of ``rng`` at its current state: the same draws again (common random numbers)."""
    return copy.deepcopy(rng)


def bonferroni_z(m: int, family: float = 0.01) -> float:
    """Two-sided critical |z| for ``m`` tests at family-wise level ``family`` (Bonferroni)."""
    return float(_st.norm.isf(family / (2 * check_int("m", m, low=1))))


# ---- Lemma 1 ------------------------------------------------------------------------------
def lemma1_experiment(rng, *, n: int, l_min: float, l_max: float, sigma: float, x1: float = 0.3, x_rest: float = 0.2,
                      d: int = 10, dependent: bool = False) -> dict:
    """z-scores of the d coordinates of mean(w) against 0 and of mean ||w||^2 against the closed form."""
    q = QuarticSaddle(d=d)
    x = np.full(d, x_rest)
    x[0] = x1
    W, grad = lemma1_samples(q, x, l_min, l_max, sigma, n, as_generator(rng), dependent=dependent)
    mean = W.mean(axis=0)
    se = W.std(axis=0, ddof=1) / math.sqrt(n)
    m2 = (W**2).sum(axis=1)
    cf = lemma1_second_moment(float(grad @ grad), sigma**2, l_min, l_max)
    z_m2 = (m2.mean() - cf) / (m2.std(ddof=1) / math.sqrt(n))
    return {"z_mean": mean / se, "z_m2": float(z_m2), "m2": float(m2.mean()), "m2_cf": cf, "mean": mean, "se": se}


# ---- Theorem 1 ----------------------------------------------------------------------------
def thm1_grid_experiment(rng, *, n: int, l_max_grid, ratios, grad_mults, beta: float = 1.0, sigma: float = 0.1,
                         d: int = 10) -> dict:
    """MC one-step change on the isotropic quadratic over a grid of (L_max, L_min/L_max, ||grad||
    as a multiple of the threshold; a multiple < 1 is below the threshold)."""
    q = IsotropicQuadratic(d=d, beta=beta)
    rows = []
    children = iter(as_generator(rng).spawn(len(l_max_grid) * len(ratios) * len(grad_mults)))
    for L in l_max_grid:
        for r in ratios:
            lo = r * L
            eta_c, s2 = plrs_moments(lo, L)
            thr = thm1_threshold(eta_c, beta, sigma**2)
            for gm in grad_mults:
                gn = gm * thr
                x = np.zeros(d)
                x[0] = gn / beta
                m, se = one_step_change_mc(q, x, lo, L, sigma, n, next(children))
                cf = thm1_expected_change(gn**2, beta, lo, L, sigma**2)
                cf0 = -eta_c * gn**2 + 0.5 * beta * eta_c**2 * (gn**2 + sigma**2)  # s^2 term dropped
                rows.append(dict(l_max=L, ratio=r, grad_mult=gm, grad_norm=gn, eta_c=eta_c, mc=m, se=se, closed=cf,
                                 closed_no_s2=cf0, bound=float(thm1_bound(eta_c, gn**2))))
    return {k: np.array([row[k] for row in rows]) for k in rows[0]}


def thm1_quartic_experiment(rng, *, n: int, points, l_min: float, l_max: float, sigma: float = 0.1, d: int = 10) -> dict:
    """MC one-step change on the quartic saddle at given points, with the beta-smooth bound (beta = 2)."""
    q = QuarticSaddle(d=d)
    eta_c, _ = plrs_moments(l_min, l_max)
    thr = thm1_threshold(eta_c, q.beta, sigma**2)
    out = []
    for x, c in zip(points, as_generator(rng).spawn(len(points))):
        x = np.asarray(x, float)
        g2 = float((q.grad(x)[0] ** 2).sum())
        m, se = one_step_change_mc(q, x, l_min, l_max, sigma, n, c)
        out.append(dict(grad_norm=math.sqrt(g2), threshold=thr, mc=m, se=se,
                        closed_bound=float(thm1_expected_change(g2, q.beta, l_min, l_max, sigma**2))))
    return {k: np.array([o[k] for o in out]) for k in out[0]}


def thm1_order_experiment(rng, *, n: int, l_max_grid, ratio: float = 0.7, beta: float = 1.0, sigma: float = 0.1,
                          d: int = 10, fixed_grad: float | None = None) -> dict:
    """Expected one-step decrease vs L_max at the threshold gradient (or at a fixed gradient norm)."""
    q = IsotropicQuadratic(d=d, beta=beta)
    res = []
    for L, c in zip(l_max_grid, as_generator(rng).spawn(len(l_max_grid))):
        eta_c, _ = plrs_moments(ratio * L, L)
        gn = thm1_threshold(eta_c, beta, sigma**2) if fixed_grad is None else fixed_grad
        x = np.zeros(d)
        x[0] = gn / beta
        res.append(one_step_change_mc(q, x, ratio * L, L, sigma, n, c))
    res = np.array(res)
    return {"l_max": np.asarray(l_max_grid, float), "mc": res[:, 0], "se": res[:, 1]}


# ---- Theorem 2: escape --------------------------------------------------------------------
def escape_experiment(rng, *, R: int, l_min: float, l_max: float, sigma: float, t_max: int, d: int = 10,
                      gamma: float = 1.0, lam_pos: float = 1.0) -> dict:
    """Escape times from the saddle for PLRS, constant eta_c, L_min, L_max (the same gradient
    noise in every arm), plus a placebo: constant eta_c with an independent noise stream."""
    q = QuarticSaddle(d=d, gamma=gamma, lam_pos=lam_pos)
    noise, lr_rng, placebo = as_generator(rng).spawn(3)
    eta_c = 0.5 * (l_min + l_max)
    arms = {
        "PLRS": PLRS(l_min, l_max, seed=_int_seed(lr_rng)),
        "const eta_c": Constant(eta_c),
        "const L_min": Constant(l_min),
        "const L_max": Constant(l_max),
    }
    out = {}
    for name, sch in arms.items():
        t, c = escape_times(q, sch, R=R, sigma=sigma, t_max=t_max, rng=_crn(noise))
        out[name] = {"times": t, "censored": c}
    t, c = escape_times(q, Constant(eta_c), R=R, sigma=sigma, t_max=t_max, rng=placebo)
    out["placebo"] = {"times": t, "censored": c}
    return out


def no_noise_experiment(rng, *, R: int, l_min: float, l_max: float, n_steps: int, d: int = 10) -> dict:
    """sigma = 0: starts at the saddle and on its stable manifold (x_1 = 0, other coordinates
    N(0, 0.5^2)); returns max |x_1| over the run and the escape fraction for PLRS and constant eta_c,
    and, as a positive check, the escape fraction with sigma = 0.1 from the same starts."""
    q = QuarticSaddle(d=d)
    start_rng, lr_rng, noise_rng = as_generator(rng).spawn(3)
    X0 = start_rng.normal(0.0, 0.5, size=(R, d))
    X0[:, 0] = 0.0
    X0[0] = 0.0  # one replica exactly at the saddle
    out = {}
    for name, sch in {"PLRS": PLRS(l_min, l_max, seed=_int_seed(lr_rng)), "const eta_c": Constant(0.5 * (l_min + l_max))}.items():
        r = run_sgd(q.grad, X0, sch, n_steps, sigma=0.0, rng=_crn(noise_rng), monitors={"x1": lambda X: np.abs(X[:, 0])})
        t_noisy, c_noisy = escape_times(q, sch, R=R, sigma=0.1, t_max=n_steps, rng=_crn(noise_rng), x0=X0)
        out[name] = {"max_abs_x1": float(r["x1"].max()), "escaped": float(np.mean(r["x1"].max(axis=0) >= 0.5)),
                     "final_dist_to_saddle": float(np.median(np.linalg.norm(r["x"], axis=1))),
                     "escaped_with_noise": float(np.mean(~c_noisy))}
    return out


def rate_experiment(rng, *, l_max_grid, ratio: float = 0.7, R_exit: int, R_curve: int, sigma: float = 0.1,
                    exit_mult: float = 20.0, curve_mult: float = 4.0, n_boot: int = 400, d: int = 10,
                    lam_pos: float = 1.0) -> dict:
    """For each L_max: exit times (PLRS and constant eta_c, shared noise, censored at
    exit_mult/eta_c) and the f-change curves over curve_mult/eta_c steps with T* and its
    bootstrap replicates (PLRS and constant eta_c)."""
    q = QuarticSaddle(d=d, lam_pos=lam_pos)
    out = {"l_max": np.asarray(l_max_grid, float), "eta_c": [], "exit": {"PLRS": [], "const eta_c": []},
           "censored": {"PLRS": [], "const eta_c": []}, "tstar": {"PLRS": [], "const eta_c": []},
           "tstar_boot": {"PLRS": [], "const eta_c": []}, "curves": {"PLRS": [], "const eta_c": []}}
    for L, c in zip(l_max_grid, as_generator(rng).spawn(len(l_max_grid))):
        noise, lr_rng, cnoise, boot = c.spawn(4)
        eta_c = 0.5 * (1 + ratio) * L
        out["eta_c"].append(eta_c)
        t_max = int(math.ceil(exit_mult / eta_c))
        n_curve = int(math.ceil(curve_mult / eta_c))
        for name, sch in {"PLRS": PLRS(ratio * L, L, seed=_int_seed(lr_rng)), "const eta_c": Constant(eta_c)}.items():
            t, cens = escape_times(q, sch, R=R_exit, sigma=sigma, t_max=t_max, rng=_crn(noise))
            out["exit"][name].append(t)
            out["censored"][name].append(cens)
            if R_curve:
                F = f_change_curves(q, sch, R=R_curve, sigma=sigma, n_steps=n_curve, rng=_crn(cnoise))
                ts = first_time_below(F)
                out["tstar"][name].append(np.nan if ts is None else ts)
                out["tstar_boot"][name].append(first_time_below_boot(F, rng=_crn(boot), n_boot=n_boot))
                m = F.mean(axis=1)
                se = F.std(axis=1, ddof=1) / math.sqrt(R_curve)
                out["curves"][name].append((m, se))
    out["eta_c"] = np.array(out["eta_c"])
    return out


# ---- Theorem 3: confinement ---------------------------------------------------------------
def confinement_experiment(rng, *, l_max_list, ratio: float = 0.7, R: int, sigma: float = 0.1, horizon_mult: float = 2.0,
                           d: int = 10, noise: str = "gradient", additive_radius: float | None = None) -> dict:
    """sup_{t <= T} ||x_t - x*|| from x* = (1, 0, ...), T = ceil(horizon_mult / L_max^2).
    ``noise="additive"`` is the negative control (noise of fixed radius ``additive_radius`` added to
    the iterate, not scaled by the learning rate)."""
    q = QuarticSaddle(d=d)
    sups, Ts = [], []
    for L, c in zip(l_max_list, as_generator(rng).spawn(len(l_max_list))):
        lr_rng, noise_rng = c.spawn(2)
        T = int(math.ceil(horizon_mult / L**2))
        rad = sigma if noise == "gradient" else float(additive_radius)
        sups.append(sup_distance(q, PLRS(ratio * L, L, seed=_int_seed(lr_rng)), x_star=q.minima[0], R=R, sigma=rad,
                                 n_steps=T, rng=noise_rng, noise=noise))
        Ts.append(T)
    return {"l_max": np.asarray(l_max_list, float), "sup": sups, "T": np.array(Ts)}


# ---- digits ---------------------------------------------------------------------------------
DIGITS_ARMS = ("plrs", "cosine_wr", "one_cycle", "knee", "multi_step", "constant", "plrs_misscaled", "plrs_placebo")


def digits_experiment(rng, data, *, n_seeds: int, epochs: int, batch_size: int = 32, hidden=(64, 64),
                      n_range_tests: int = 5, range_steps: int = 300, peak_fraction: float = 1.0,
                      l_min_ratio: float = 0.7, misscale: float = 0.01, progress=None) -> dict:
    """The paired digits comparison (brief C5-C7).

    1. ``n_range_tests`` LR range tests; ``L_bar`` = median over the tests of the rate at the
       minimum of the smoothed loss (beyond it the loss rises; the blow-up detector of a single
       test is unreliable on this network, a dead ReLU net plateaus at log 10 without a 4x rise);
       ``L_max = peak_fraction * L_bar`` shared by every schedule as its peak rate.
    2. For each seed, one batched run of all arms in :data:`DIGITS_ARMS` from the same initial
       weights and mini-batches: PLRS ``[l_min_ratio L_max, L_max]``, the paper's competitors at
       peak ``L_max`` (constant at eta_c), and two controls: PLRS with the range scaled by
       ``misscale`` and PLRS with an independent rate seed (placebo).
    """
    n_seeds = check_int("n_seeds", n_seeds, low=2)
    peak_fraction = check_in_range("peak_fraction", peak_fraction, 0.0, 1.0, low_closed=False)
    range_rng, seeds_rng = as_generator(rng).spawn(2)
    rts = []
    for c in range_rng.spawn(n_range_tests):
        a, b = c.spawn(2)
        rts.append(lr_range_test(data, n_steps=range_steps, batch_size=batch_size, hidden=hidden, rng_init=a, rng_data=b))
    l_bar = float(np.median([r["lr_best"] for r in rts]))
    peak = peak_fraction * l_bar
    spe = data.X_tr.shape[0] // batch_size
    res = {k: [] for k in ("final_test_acc", "train_loss", "final_train_loss", "diverged")}
    lrs = None
    for i, c in enumerate(seeds_rng.spawn(n_seeds)):
        init_rng, data_rng, lr_rng, lr2_rng = c.spawn(4)
        kw = dict(total_epochs=epochs, steps_per_epoch=spe, peak_lr=peak, l_min_ratio=l_min_ratio)
        lr_seed = _int_seed(lr_rng)
        sch = [paper_defaults(n, seed=lr_seed, **kw) for n in DIGITS_ARMS[:6]]
        sch.append(PLRS(misscale * l_min_ratio * peak, misscale * peak, seed=lr_seed))
        sch.append(PLRS(l_min_ratio * peak, peak, seed=_int_seed(lr2_rng)))
        r = train_schedules(data, sch, epochs=epochs, batch_size=batch_size, hidden=hidden,
                            rng_init=init_rng, rng_data=data_rng)
        for k in res:
            res[k].append(r[k])
        if lrs is None:
            lrs = r["lrs"]
        if progress is not None:
            progress(i)
    out = {k: np.stack(v, axis=1) for k, v in res.items()}  # (arms, seeds, ...)
    out["spikes"] = np.array([[spike_count(l[1:]) for l in arm] for arm in out["train_loss"]])
    out.update(arms=DIGITS_ARMS, l_bar=l_bar, peak=peak, range_tests=rts, lrs=lrs, steps_per_epoch=spe)
    return out
