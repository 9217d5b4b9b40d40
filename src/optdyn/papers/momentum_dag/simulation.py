"""Batch training of a DAG network with any optimiser of the package protocol, with recordings.

``train`` runs ``w^{k+1} = w^k + dw^{k+1}`` with ``(dw^{k+1}, state) = opt.update(g_k, state, w^k)``
(:mod:`optdyn.core.optim`; the momentum rules of the chapter are in :mod:`.optimizers`), vectorised over
runs, and records the loss, gradient and step norms, the path, the sharpness and the secant quotients.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optdyn.core.nets import DAGNet
from optdyn.core.numerics import power_iteration
from optdyn.core.optim import Optimizer, apply_updates
from optdyn.random import as_generator
from optdyn.validation import check_choice, check_int

__all__ = ["History", "train"]


@dataclass
class History:
    """Trajectory record of :func:`train` (leading axis = time, trailing axes = runs).

    ``E[k] = E(w^k)`` and ``grad_norm[k] = ||g_k||`` for ``k = 0..K``; ``step_norm[k] = ||dw^{k+1}||`` for
    ``k = 0..K-1``; ``path[m] = w^{path_steps[m]}``; ``sharpness[m] ~ ||Hess E(w^{sharp_steps[m]})||_2``
    (power iteration); ``secant[k] = ||g_{k+1} - g_k|| / ||dw^{k+1}||`` (a lower bound on the Lipschitz
    constant of grad E on the segment actually travelled at step k). ``L_run`` = max over the run of the
    sharpness estimates and of the secant quotients (NaN if sharpness was not measured).
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
    extra: dict = field(default_factory=dict)

    @property
    def iters(self) -> int:
        return self.step_norm.shape[0]

    @property
    def L_run(self) -> np.ndarray:
        if self.sharpness.shape[0] == 0:
            return np.full(self.E.shape[1:], np.nan)
        L = self.sharpness.max(axis=0)
        if self.secant is not None and self.secant.shape[0]:
            L = np.maximum(L, np.nanmax(np.where(np.isfinite(self.secant), self.secant, np.nan), axis=0, initial=0.0))
        return L


def train(net: DAGNet, w0, X, Y, opt: Optimizer, iters: int, *, loss: str = "squared", reduction: str = "sum",
          sharpness_every: int | None = None, sharpness_iters: int = 10, path_every: int | None = None,
          rng=None, grad_fn=None) -> History:
    """Run ``iters`` steps of ``w^{k+1} = w^k + dw^{k+1}`` with ``(dw^{k+1}, state) = opt.update(g_k, state)``.

    Vectorised over runs (``w0`` of shape ``(..., size)`` or the optimiser's per-run hyper-parameters).
    With ``sharpness_every = n``, the sharpness ``||Hess E||_2`` is estimated at steps 0, n, 2n, ... and K
    by ``sharpness_iters`` warm-started power iterations on finite-difference Hessian-vector products
    (start vector drawn from ``rng``, required then); this is the ``L_run`` of the self-consistent certificate.
    ``path_every = n`` stores ``w^k`` every n steps (and at K).
    ``grad_fn(w, X, Y) -> (E, g)`` replaces backprop (negative controls only); the true gradient norm is
    then recorded in ``extra["true_grad_norm"]`` while ``grad_norm`` holds the norm of the used ``g``.
    """
    if not isinstance(net, DAGNet):
        raise TypeError(f"net must be a DAGNet, got {type(net).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an optdyn.core.optim.Optimizer (adaptive_momentum, heavy_ball, gradient_descent), got {type(opt).__name__}")
    K = check_int("iters", iters, 1)
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
    state = opt.init(w)
    lead = state.dw.shape[:-1]
    w = np.broadcast_to(w, state.dw.shape).copy()
    Es = np.empty((K + 1,) + lead)
    gns = np.empty((K + 1,) + lead)
    sns = np.empty((K,) + lead)
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
        if path_every is not None and (k % path_every == 0 or k == K):
            path.append(w.copy())
            psteps.append(k)
        if sharpness_every is not None and (k % sharpness_every == 0 or k == K):
            lam, v = power_iteration(lambda u: net.hvp(w, u, X, Y, loss, reduction), v, sharpness_iters)
            sharp.append(lam)
            ssteps.append(k)
        if k == K:
            break
        dw, state = opt.update(g, state, w)
        sns[k] = np.linalg.norm(dw, axis=-1)
        w = apply_updates(w, dw)
    hp = opt.hparams
    return History(
        E=Es, grad_norm=gns, step_norm=sns, w_final=w,
        path=np.array(path) if path else np.empty((0,) + w.shape), path_steps=np.array(psteps, dtype=int),
        sharpness=np.array(sharp) if sharp else np.empty((0,) + lead), sharp_steps=np.array(ssteps, dtype=int),
        eta=np.broadcast_to(hp["eta"], lead).copy(),
        s=np.broadcast_to(hp.get("s", hp.get("beta", 0.0)), lead).copy(), rule=opt.name, secant=sec,
        extra={} if tgn is None else {"true_grad_norm": tgn},
    )
