"""Batch training of a DAG network with any optimiser of the package protocol, with recordings.

``train`` runs ``w^{k+1} = w^k + dw^{k+1}`` with ``(dw^{k+1}, state) = opt.update(g_k, state, w^k)``
(:mod:`optdyn.core.optim`; the momentum rules of the chapter are in :mod:`.optimizers`), vectorised over
runs, and records the loss, the gradient and step norms, ``g_k . dw^{k+1}``, the path, the sharpness and
the curvature of E along every step. ``train_budgeted`` extends a run by doubling its budget until a
stated stopping rule holds (the budget rule of the convergence experiments, fixed before the run).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from optdyn.core.nets import DAGNet
from optdyn.core.numerics import power_iteration
from optdyn.core.optim import Optimizer, apply_updates
from optdyn.random import as_generator
from optdyn.validation import check_choice, check_int

__all__ = ["History", "train", "train_budgeted"]


@dataclass
class History:
    """Trajectory record of :func:`train` (leading axis = time, trailing axes = runs).

    ``E[k] = E(w^k)`` and ``grad_norm[k] = ||g_k||`` for ``k = 0..K``; ``step_norm[k] = ||dw^{k+1}||`` and
    ``gdot[k] = g_k . dw^{k+1}`` for ``k = 0..K-1``; ``path[m] = w^{path_steps[m]}``;
    ``sharpness[m] ~ ||Hess E(w^{sharp_steps[m]})||_2`` (power iteration);
    ``curv[k] = 2 (E_{k+1} - E_k - g_k . dw^{k+1}) / ||dw^{k+1}||^2``, the curvature of E along step k
    (exactly ``E_{k+1} = E_k + g_k . dw + curv_k ||dw||^2 / 2``); ``secant[k] = ||g_{k+1} - g_k|| / ||dw^{k+1}||``.
    ``L_run``: the largest curvature seen along the run, max of the sharpness estimates and of ``curv``
    (NaN if the sharpness was not measured). ``state``: the optimiser state after the last step.
    """

    E: np.ndarray
    grad_norm: np.ndarray
    step_norm: np.ndarray
    w_final: np.ndarray
    path: np.ndarray
    path_steps: np.ndarray
    sharpness: np.ndarray
    sharp_steps: np.ndarray
    eta: np.ndarray
    s: np.ndarray
    rule: str
    secant: np.ndarray | None = None
    gdot: np.ndarray | None = None
    state: object = None
    extra: dict = field(default_factory=dict)

    @property
    def iters(self) -> int:
        return self.step_norm.shape[0]

    @property
    def curv(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2.0 * (self.E[1:] - self.E[:-1] - self.gdot) / self.step_norm ** 2

    @property
    def L_sharp(self) -> np.ndarray:
        """Largest sharpness estimate along the run (NaN if not measured)."""
        if self.sharpness.shape[0] == 0:
            return np.full(self.E.shape[1:], np.nan)
        return self.sharpness.max(axis=0)

    @property
    def L_run(self) -> np.ndarray:
        L = self.L_sharp
        if self.gdot is not None and self.gdot.shape[0]:
            c = self.curv
            L = np.maximum(L, np.nanmax(np.where(np.isfinite(c), c, np.nan), axis=0, initial=0.0))
        return L


def train(net: DAGNet, w0, X, Y, opt: Optimizer, iters: int, *, loss: str = "squared", reduction: str = "sum",
          sharpness_every: int | None = None, sharpness_iters: int = 10, path_every: int | None = None,
          rng=None, grad_fn=None, state=None, start: int = 0) -> History:
    """Run ``iters`` steps of ``w^{k+1} = w^k + dw^{k+1}`` with ``(dw^{k+1}, state) = opt.update(g_k, state)``.

    Vectorised over runs (``w0`` of shape ``(..., size)`` or the optimiser's per-run hyper-parameters;
    ``Y`` may carry leading run axes too). With ``sharpness_every = n``, the sharpness ``||Hess E||_2`` is
    estimated at steps 0, n, 2n, ... and K by ``sharpness_iters`` warm-started power iterations on
    finite-difference Hessian-vector products (start vector drawn from ``rng``, required then).
    ``path_every = n`` stores ``w^k`` every n steps (and at K). ``grad_fn(w, X, Y) -> (E, g)`` replaces
    backprop (negative controls only). ``state`` (with ``start``, the step count already taken) continues
    an earlier run from ``w0`` = its final weights; steps are then numbered from ``start``.
    """
    if not isinstance(net, DAGNet):
        raise TypeError(f"net must be a DAGNet, got {type(net).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an optdyn.core.optim.Optimizer (adaptive_momentum, heavy_ball, gradient_descent), got {type(opt).__name__}")
    K = check_int("iters", iters, 1)
    check_int("start", start, 0)
    check_choice("reduction", reduction, ("sum", "mean"))
    if sharpness_every is not None:
        check_int("sharpness_every", sharpness_every, 1)
        check_int("sharpness_iters", sharpness_iters, 1)
        if rng is None:
            raise TypeError("rng is required when the sharpness is measured (sharpness_every set): pass a "
                            "numpy.random.Generator, e.g. a named stream of optdyn.random.Streams")
    if path_every is not None:
        check_int("path_every", path_every, 1)
    w = np.asarray(w0, dtype=float)
    state = opt.init(w) if state is None else state
    lead = state.dw.shape[:-1] if hasattr(state, "dw") else w.shape[:-1]
    w = np.broadcast_to(w, lead + w.shape[-1:]).copy()
    Es = np.empty((K + 1,) + lead)
    gns = np.empty((K + 1,) + lead)
    sns = np.empty((K,) + lead)
    gd = np.empty((K,) + lead)
    sec = np.empty((K,) + lead)
    g_prev = None
    path, psteps, sharp, ssteps = [], [], [], []
    v = None
    tgn = np.empty((K + 1,) + lead) if grad_fn is not None else None
    if sharpness_every is not None:
        v = as_generator(rng).standard_normal(w.shape)
    for k in range(K + 1):
        if grad_fn is None:
            E, g = net.loss_grad(w, X, Y, loss, reduction)
        else:
            E, g = grad_fn(w, X, Y)
            tgn[k] = np.linalg.norm(net.loss_grad(w, X, Y, loss, reduction)[1], axis=-1)
        Es[k] = E
        gns[k] = np.linalg.norm(g, axis=-1)
        if g_prev is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                sec[k - 1] = np.linalg.norm(g - g_prev, axis=-1) / sns[k - 1]
        g_prev = g
        step = start + k
        if path_every is not None and (step % path_every == 0 or k == K):
            path.append(w.copy())
            psteps.append(step)
        if sharpness_every is not None and (step % sharpness_every == 0 or k == K):
            lam, v = power_iteration(lambda u: net.hvp(w, u, X, Y, loss, reduction), v, sharpness_iters)
            sharp.append(lam)
            ssteps.append(step)
        if k == K:
            break
        dw, state = opt.update(g, state, w)
        sns[k] = np.linalg.norm(dw, axis=-1)
        gd[k] = np.einsum("...i,...i->...", g, dw)
        w = apply_updates(w, dw)
    hp = opt.hparams
    return History(
        E=Es, grad_norm=gns, step_norm=sns, w_final=w,
        path=np.array(path) if path else np.empty((0,) + w.shape), path_steps=np.array(psteps, dtype=int),
        sharpness=np.array(sharp) if sharp else np.empty((0,) + lead), sharp_steps=np.array(ssteps, dtype=int),
        eta=_per_run(hp.get("eta", np.nan), lead), s=_per_run(hp.get("s", hp.get("beta", 0.0)), lead),
        rule=opt.name, secant=sec, gdot=gd,
        state=state, extra={} if tgn is None else {"true_grad_norm": tgn},
    )


def _per_run(v, lead) -> np.ndarray:
    """A hyper-parameter as one value per run (NaN when it does not broadcast to the runs)."""
    try:
        return np.broadcast_to(np.asarray(v, dtype=float), lead).copy()
    except ValueError:
        return np.full(lead, np.nan)


def _join(a: History, b: History) -> History:
    """``a`` followed by its continuation ``b`` (``b`` starts where ``a`` ended)."""
    cat = np.concatenate
    path_b = b.path[1:] if a.path.shape[0] and b.path.shape[0] and b.path_steps[0] == a.path_steps[-1] else b.path
    steps_b = b.path_steps[len(b.path_steps) - len(path_b):]
    return History(
        E=cat([a.E, b.E[1:]]), grad_norm=cat([a.grad_norm, b.grad_norm[1:]]), step_norm=cat([a.step_norm, b.step_norm]),
        w_final=b.w_final, path=cat([a.path, path_b]) if a.path.shape[0] else b.path,
        path_steps=cat([a.path_steps, steps_b]), sharpness=a.sharpness, sharp_steps=a.sharp_steps, eta=a.eta, s=a.s,
        rule=a.rule, secant=cat([a.secant, b.secant]), gdot=cat([a.gdot, b.gdot]), state=b.state, extra=a.extra)


def train_budgeted(net: DAGNet, w0, X, Y, opt: Optimizer, iters: int, *, done: Callable[[History], bool],
                   max_doublings: int = 2, path_every: int | None = None, **kw) -> History:
    """Train ``iters`` steps, then double the budget (continuing the same runs) while ``done(history)`` is
    False, at most ``max_doublings`` times: the budget rule of the convergence experiments, stated before
    the run. The number of doublings used is ``history.extra["doublings"]``."""
    check_int("max_doublings", max_doublings, 0)
    h = train(net, w0, X, Y, opt, iters, path_every=path_every, **kw)
    d = 0
    while d < max_doublings and not done(h):
        more = train(net, h.w_final, X, Y, opt, h.iters, path_every=path_every, state=h.state, start=h.iters, **kw)
        h = _join(h, more)
        d += 1
    h.extra["doublings"] = d
    return h
