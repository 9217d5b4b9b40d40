"""The experiments of the momentum-on-DAGs chapter: each takes the validated parameters ``P`` and the
chapter's named random streams, trains the networks (vectorised over runs: a method and its controls in
one loop where they share a network) and returns the arrays its criterion (:mod:`.checks`) judges and
its figure (:mod:`.figures`) draws.

What is fixed before any judged run (stated here, used by the criteria):

* the **predictive curvature** ``L_pred`` of every graph: :data:`CERT_SAFETY` times the largest sharpness
  measured along a *pilot*: plain gradient descent at step :data:`PILOT_ETA` from :data:`PILOT_RUNS`
  initialisations drawn from their own stream (never those of the judged runs), for ``pd_iters`` steps;
* the long runs' step ``conv_frac * eta*(conv_s; L_pred)`` and their **budget rule**: ``conv_iters`` steps,
  doubled (continuing the same runs) until every main run has left the plateau (``E < EXIT_E``) by K/4,
  at most :data:`MAX_DOUBLINGS` times;
* the autoencoder and classification step size: the best of a grid by *training* error, per net and seed.

Stream names are fixed per experiment (``streams["conv_init", name]``...), so adding or reordering cells
never changes another experiment's numbers.
"""
from __future__ import annotations

import numpy as np

from optdyn.core.nets import DAGNet, chain, densenet_like, random_dag, resnet_like, widths_of
from optdyn.core.optim import gradient_descent, heavy_ball
from optdyn.papers.momentum_dag.autoencoder import AE_CODE, ae_specs, mean_image_mse, param_matched_widths
from optdyn.papers.momentum_dag.data import digits_classification, digits_images, parity, smooth_regression
from optdyn.papers.momentum_dag.diagnostics import (backprop_no_accumulation, convergence_metrics, count_violations, exit_step, grad_check)
from optdyn.papers.momentum_dag.theory import eta_star
from optdyn.papers.momentum_dag.frozen import identity_resnet
from optdyn.papers.momentum_dag.optimizers import (adaptive_momentum, constant_length_momentum, fixed_length_steps,
                                                   stack_runs)
from optdyn.papers.momentum_dag.simulation import History, train, train_budgeted

__all__ = [
    "CERT_SAFETY", "EXIT_E", "GRAPHS", "IDENTITY", "MAX_DOUBLINGS", "PHASE_FACTOR", "PILOT_ETA", "PILOT_RUNS",
    "autoencoders", "classification", "convergence", "gradient_check", "parity_nets", "phase_diagrams",
    "pilot_curvature", "regression", "take_runs",
]

GRAPHS = {"chain": chain, "ResNet-like": resnet_like, "DenseNet-like": densenet_like}
IDENTITY = "ResNet (identity skips)"
CERT_SAFETY = 2.0      # L_pred = CERT_SAFETY x the largest pilot sharpness
PILOT_ETA = 0.1        # step of the plain-GD curvature pilot (sum reduction, 3-bit parity)
PILOT_RUNS = 4         # initialisations of the pilot
EXIT_E = 1e-2          # a long run has left the plateau once E < EXIT_E
MAX_DOUBLINGS = 3      # budget rule: at most 8 x conv_iters steps
PHASE_FACTOR = 10.0    # phase_boundary: monotone up to PHASE_FACTOR x eta*(s_max; L_pred)
AE_PLATEAU = 0.9       # an autoencoder has left the mean-image plateau once its train MSE < 0.9 x the mean image's
CLS_LOSS = 0.5         # classification speed: steps until the training loss (mean cross-entropy) is below 0.5 nats
CLS_TRAINED = 0.9      # a classifier is trained once its training accuracy is >= 0.9


def parity_nets(P) -> dict[str, DAGNet]:
    """The three graphs of the theorem experiments (widths 3 - width x depth - 1, all sigmoid) and the
    ResNet with frozen identity skips (``i -> i+2`` between equal widths; ``i -> i+1`` when depth < 3)."""
    W = widths_of(3, P.width, P.depth, 1)
    nets = {k: DAGNet(b(W, act="sigmoid", out_act="sigmoid")) for k, b in GRAPHS.items()}
    nets[IDENTITY] = identity_resnet(W, skip=2 if P.depth >= 3 else 1)
    return nets


def take_runs(h: History, sl) -> History:
    """The runs ``sl`` (a slice of the last run axis) of a one-run-axis history."""
    return History(E=h.E[:, sl], grad_norm=h.grad_norm[:, sl], step_norm=h.step_norm[:, sl], w_final=h.w_final[sl],
                   path=h.path[:, sl] if h.path.shape[0] else h.path, path_steps=h.path_steps,
                   sharpness=h.sharpness[:, sl] if h.sharpness.shape[0] else h.sharpness, sharp_steps=h.sharp_steps,
                   eta=h.eta[sl], s=h.s[sl], rule=h.rule, secant=h.secant[:, sl], gdot=h.gdot[:, sl], state=None,
                   extra=dict(h.extra))


# --------------------------------------------------------------------------------------------- Lemma A
def gradient_check(P, streams) -> dict:
    """Backprop against central differences on chain, ResNet-like, DenseNet-like (mixed tanh/sigmoid, widths
    3-5-5-5-2), a random DAG and a ResNet with frozen identity skips; and the control that drops the
    accumulation over children. Returns ``{graph: (rel. error, rel. error of the control or NaN)}``."""
    rng = streams["grad_check"]
    mixed = (None, "tanh", "sigmoid", "tanh", "sigmoid")
    nets = {}
    for name, b in GRAPHS.items():
        s0 = b((3, 5, 5, 5, 2))
        nets[name] = DAGNet(type(s0)(s0.widths, mixed, s0.edges, True))
    nets["random DAG"] = DAGNet(random_dag(4, (3, 6), 0.5, rng, acts=("tanh", "sigmoid"), out_act="sigmoid"))
    nets[IDENTITY] = identity_resnet((3, 5, 5, 5, 5, 2), act="tanh", out_act="sigmoid")
    X = rng.standard_normal((P.gc_samples, 3))
    Y = rng.uniform(0.1, 0.9, (P.gc_samples, 2))
    out = {}
    for name, net in nets.items():
        w = net.init(rng, scale=1.2) + 0.1 * rng.standard_normal(net.size)
        ctrl = np.nan if name == IDENTITY else grad_check(net, w, X, Y, h=P.gc_h, grad=backprop_no_accumulation(net, w, X, Y)[1])
        out[name] = (grad_check(net, w, X, Y, h=P.gc_h), ctrl)
    return out


# --------------------------------------------------------------------------------------------- curvature pilot
def pilot_curvature(P, streams, net: DAGNet, name: str) -> dict:
    """The predictive curvature of graph ``name``, fixed before any judged run: ``L_pred`` = CERT_SAFETY x the
    largest sharpness along plain GD (step PILOT_ETA) from PILOT_RUNS initialisations of stream
    ``("pilot_init", name)``, over ``pd_iters`` steps."""
    X, Y = parity(3)
    wp = net.init(streams["pilot_init", name], scale=P.init_scale, runs=PILOT_RUNS)
    h = train(net, wp, X, Y, gradient_descent(PILOT_ETA), P.pd_iters, sharpness_every=P.sharp_every,
              sharpness_iters=P.sharp_iters, rng=streams["pilot_sharpness", name])
    L = float(np.max(h.sharpness))
    return {"L_pilot": L, "L_pred": CERT_SAFETY * L, "pilot_violations": int(np.max(count_violations(h.E)))}


# --------------------------------------------------------------------------------------------- phase diagrams
def phase_diagrams(P, streams, nets: dict, L_pred: dict) -> dict:
    """Per graph, the (eta, s) grid trained from one initialisation with adaptive momentum AND classical heavy
    ball (beta = s) in one vectorised run (sharpness every ``sharp_every`` steps). Returns per graph:
    ``etas``, ``ss``, ``L_pred``, and for ``"adaptive"`` and ``"heavy ball"``: ``hist`` (runs s-major),
    ``violations``, ``L_run`` (sharpness and step curvatures), ``L_sharp`` (sharpness only), ``E_final``
    (all (n_s, n_eta)); plus ``w0``."""
    X, Y = parity(3)
    etas = np.logspace(P.pd_log10_eta_min, P.pd_log10_eta_max, P.pd_n_eta)
    ss = np.array(P.pd_ss, dtype=float)
    S, H = np.meshgrid(ss, etas, indexing="ij")
    n = S.size
    out = {}
    for name, net in nets.items():
        w0 = net.init(streams["phase_init", name], scale=P.init_scale)
        opt = stack_runs(adaptive_momentum(H.ravel(), S.ravel(), block_starts=net.block_starts(P.granularity)),
                         heavy_ball(H.ravel(), S.ravel()), sizes=(n, n))
        h = train(net, np.broadcast_to(w0, (2 * n, net.size)), X, Y, opt, P.pd_iters, sharpness_every=P.sharp_every,
                  sharpness_iters=P.sharp_iters, rng=streams["sharpness", name])
        res = {"etas": etas, "ss": ss, "L_pred": L_pred[name], "w0": w0}
        for rule, sl in (("adaptive", slice(0, n)), ("heavy ball", slice(n, 2 * n))):
            hh = take_runs(h, sl)
            res[rule] = {"hist": hh, "violations": np.asarray(count_violations(hh.E)).reshape(S.shape),
                         "L_run": hh.L_run.reshape(S.shape), "L_sharp": hh.L_sharp.reshape(S.shape),
                         "E_final": hh.E[-1].reshape(S.shape)}
        out[name] = res
    return out


def constant_length_control(P, pd: dict, net: DAGNet) -> History | None:
    """Lemma C illustration: the momentum length frozen at ``s eta ||g_0||`` (the ||g_k|| factor ablated) at the
    self-certified grid points with s > 0, from the same initialisation (None if there are none)."""
    X, Y = parity(3)
    a = pd["adaptive"]
    S, H = np.meshgrid(pd["ss"], pd["etas"], indexing="ij")
    sel = ((H < eta_star(a["L_run"], S)) & (S > 0)).ravel()
    if not sel.any():
        return None
    w0 = np.broadcast_to(pd["w0"], (int(sel.sum()), net.size))
    g0 = np.linalg.norm(net.loss_grad(w0, X, Y)[1], axis=-1)
    eta, s = H.ravel()[sel], S.ravel()[sel]
    h = train(net, w0, X, Y, constant_length_momentum(eta, s * eta * g0), P.pd_iters)
    h.s = s
    return h


# --------------------------------------------------------------------------------------------- long runs
CONV_PARTS = ("main", "targets 0/1", "constant-length momentum", "fixed-length steps")


def convergence(P, streams, net: DAGNet, name: str, L_pred: float) -> dict:
    """The long runs of one graph at step ``eta = conv_frac * eta*(conv_s; L_pred)``, with their controls in the
    same vectorised loop (``conv_seeds`` initialisations each, the same ones for every part):

    * ``main``: adaptive momentum on 3-bit parity (targets 0.1/0.9);
    * ``targets 0/1``: the same with unreachable 0/1 targets for a sigmoid output (A2 violated: weights drift);
    * ``constant-length momentum``: the momentum length frozen at ``s eta ||g_0||`` (the ||g_k|| factor ablated);
    * ``fixed-length steps``: normalised gradient descent, every step of the first step's length ``eta ||g_0||``.

    Budget rule (fixed before the run): ``conv_iters`` steps, doubled while a main run has not left the
    plateau (E < EXIT_E) by K/4, at most MAX_DOUBLINGS times. Returns ``eta``, ``K``, ``resolved`` (the rule
    was met), ``hist`` and ``metrics`` (per part: :func:`.diagnostics.convergence_metrics`)."""
    X, Y = parity(3)
    n, s = P.conv_seeds, P.conv_s
    eta = P.conv_frac * eta_star(L_pred, s)
    w0 = net.init(streams["conv_init", name], scale=P.init_scale, runs=n)
    g0 = np.linalg.norm(net.loss_grad(w0, X, Y)[1], axis=-1)
    Yv = np.concatenate([np.broadcast_to(Y, (n,) + Y.shape), np.broadcast_to(np.where(Y > 0.5, 1.0, 0.0), (n,) + Y.shape),
                         np.broadcast_to(Y, (2 * n,) + Y.shape)])
    blocks = net.block_starts(P.granularity)
    opt = stack_runs(adaptive_momentum(eta, s, block_starts=blocks), constant_length_momentum(eta, s * eta * g0),
                     fixed_length_steps(eta * g0), sizes=(2 * n, n, n))

    def done(h: History) -> bool:
        return bool(np.all(exit_step(h.E[:, :n], EXIT_E) <= h.iters // 4))

    h = train_budgeted(net, np.tile(w0, (4, 1)), X, Yv, opt, P.conv_iters, done=done, max_doublings=MAX_DOUBLINGS,
                       path_every=P.conv_iters // 8)
    m = convergence_metrics(h)
    parts = {p: {k: v[i * n:(i + 1) * n] for k, v in m.items()} for i, p in enumerate(CONV_PARTS)}
    return {"eta": float(eta), "K": h.iters, "resolved": done(h), "hist": h, "metrics": parts, "n": n}


# --------------------------------------------------------------------------------------------- adaptive vs heavy ball
REG_RULES = ("adaptive", "heavy ball, beta = s", "heavy ball, matched step", "heavy ball, beta = s/(1+s)", "GD, step (1+s) eta",
             "GD, step eta")


def regression(P, streams) -> dict:
    """Smooth regression (ResNet-like graph, 4 inputs, 2 outputs, sum reduction): from ``hb_inits``
    initialisations and every eta in ``hb_etas``, adaptive momentum (s = hb_s) and the comparators of
    :data:`REG_RULES` (heavy ball with beta = s at the same eta and at the matched effective step
    eta (1+s)(1-beta); heavy ball with the same maximal amplification 1+s; GD at (1+s) eta and at eta), all in
    one vectorised loop. Returns ``E`` (K+1, rule, init, eta), ``violations`` (rule, init, eta), ``rules``, ``etas``."""
    X, Y = smooth_regression(P.treg_J, streams["regression_data"])
    net = DAGNet(resnet_like(widths_of(4, P.width, P.depth, 2), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(streams["regression_init"], scale=P.init_scale, runs=P.hb_inits)
    etas = np.array(P.hb_etas, dtype=float)
    s = P.hb_s
    I, J = w0.shape[0], etas.size
    e = np.tile(etas, I)
    parts = [adaptive_momentum(e, s, block_starts=net.block_starts(P.granularity)), heavy_ball(e, s),
             heavy_ball(e * (1 + s) * (1 - s), s), heavy_ball(e, s / (1 + s)), gradient_descent(e * (1 + s)), gradient_descent(e)]
    W0 = np.tile(np.repeat(w0, J, axis=0), (len(parts), 1))
    h = train(net, W0, X, Y, stack_runs(*parts, sizes=[I * J] * len(parts)), P.hb_iters)
    E = h.E.reshape(h.E.shape[0], len(parts), I, J)
    return {"E": E, "violations": np.asarray(count_violations(E)), "rules": REG_RULES, "etas": etas, "s": s}


# --------------------------------------------------------------------------------------------- autoencoders
AE_NETS = ("sequential", "sequential (2nd init)", "sequential (matched)", "DAG")


def autoencoders(P, streams) -> dict:
    """The autoencoder comparison on the bundled digits (mean reduction, adaptive momentum s = ae_s): the
    sequential AE, a second sequential AE from independent initialisations (the no-effect near miss), the
    parameter-matched sequential AE and the DAG AE, ``ae_seeds`` initialisations each, every eta of ``ae_etas``;
    per net and seed the eta with the smallest final TRAINING error is kept. Returns per net: ``train_mse``,
    ``test_mse`` (seeds,), ``exit`` (first step with train MSE < AE_PLATEAU x the mean image's), ``left``
    (plateau left), ``eta``, ``curve`` (train MSE path of the kept runs), ``crosses`` (an edge jumps over
    the code), ``params``, ``violations``; and ``mean_image`` (train, test) MSE and a few reconstructions."""
    Xtr, Xte = digits_images(P.ae_train, P.ae_test, streams["digits_split"])
    specs = ae_specs()
    specs = {"sequential": specs["sequential"], "sequential (2nd init)": specs["sequential"],
             "sequential (matched)": specs["sequential (matched)"], "DAG": specs["DAG"]}
    m_tr, m_te = mean_image_mse(Xtr, Xtr), mean_image_mse(Xtr, Xte)
    etas = np.array(P.ae_etas, dtype=float)
    out = {"mean_image": (m_tr, m_te), "X_test": Xte[:8]}
    for name, spec in specs.items():
        net = DAGNet(spec)
        w0 = net.init(streams["ae_init", name], scale=P.ae_init_scale, runs=P.ae_seeds)[:, None, :]
        h = train(net, w0, Xtr, Xtr, adaptive_momentum(etas, P.ae_s, block_starts=net.block_starts(P.granularity)), P.ae_iters,
                  reduction="mean")
        tr = 2.0 * h.E / Xtr.shape[1]                       # per-pixel MSE path (K+1, seeds, etas)
        best = np.argmin(np.where(np.isfinite(tr[-1]), tr[-1], np.inf), axis=1)
        r = np.arange(P.ae_seeds)
        w = h.w_final[r, best]
        R = net.predict(w, Xte) - Xte
        ex = exit_step(tr[:, r, best] / m_tr, AE_PLATEAU)
        out[name] = {"train_mse": tr[-1, r, best], "test_mse": np.mean(R * R, axis=(-2, -1)), "exit": ex,
                     "left": ex < tr.shape[0], "eta": etas[best], "curve": tr[:, r, best], "crosses": spec.crosses(AE_CODE),
                     "params": spec.n_params, "violations": np.asarray(count_violations(h.E))[r, best],
                     "reconstructions": net.predict(w[0], Xte[:8])}
    return out


# --------------------------------------------------------------------------------------------- CrossNet classification
CLS_NETS = ("sequential", "sequential (2nd init)", "ResNet-like", "CrossNet", "sequential (matched)")


def classification(P, streams) -> dict:
    """The CrossNet classification experiment on the bundled digits (softmax cross-entropy, mean reduction,
    adaptive momentum s = cls_s): widths 64 - cls_width x cls_depth - 10, sigmoid hidden layers. Nets: the
    sequential net, a second one from independent initialisations (the no-effect near miss), ResNet-like,
    the CrossNet (every forward edge i -> j, DenseNet-like) and a wider, parameter-matched sequential net;
    ``cls_seeds`` initialisations each, every eta of ``cls_etas``, the eta with the smallest final training loss
    kept per net and seed. Returns per net: ``steps`` (to training loss < CLS_LOSS), ``train_acc``, ``test_acc``
    (seeds,), ``correct`` (seeds, n_test), ``curve`` (training loss of the kept runs), ``params``, ``eta``."""
    Xtr, ytr, Xte, yte = digits_classification(P.cls_train, streams["digits_classification_split"])
    W = (64,) + (P.cls_width,) * P.cls_depth + (10,)
    cross = densenet_like(W, act="sigmoid", out_act="identity")
    mw = param_matched_widths(W, -1, cross.n_params, act="sigmoid", out_act="identity")
    specs = {"sequential": chain(W, act="sigmoid", out_act="identity"), "sequential (2nd init)": chain(W, act="sigmoid", out_act="identity"),
             "ResNet-like": resnet_like(W, act="sigmoid", out_act="identity"), "CrossNet": cross,
             "sequential (matched)": chain(mw, act="sigmoid", out_act="identity")}
    etas = np.array(P.cls_etas, dtype=float)
    r = np.arange(P.cls_seeds)
    out = {"n_test": yte.size}
    for name, spec in specs.items():
        net = DAGNet(spec)
        w0 = net.init(streams["cls_init", name], scale=P.cls_init_scale, runs=P.cls_seeds)[:, None, :]
        h = train(net, w0, Xtr, ytr, adaptive_momentum(etas, P.cls_s, block_starts=net.block_starts(P.granularity)), P.cls_iters,
                  loss="softmax_ce", reduction="mean")
        best = np.argmin(np.where(np.isfinite(h.E[-1]), h.E[-1], np.inf), axis=1)
        w = h.w_final[r, best]
        correct = net.predict(w, Xte).argmax(-1) == yte
        out[name] = {"steps": exit_step(h.E[:, r, best], CLS_LOSS), "train_acc": (net.predict(w, Xtr).argmax(-1) == ytr).mean(-1),
                     "test_acc": correct.mean(-1), "correct": correct, "curve": h.E[:, r, best], "params": spec.n_params,
                     "eta": etas[best], "widths": spec.widths}
    return out
