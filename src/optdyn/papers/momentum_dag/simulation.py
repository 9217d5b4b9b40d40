"""Batch backpropagation with momentum: pure update functions with explicit state (optax style).

The adaptive momentum of Wu, Zhang, Li, Li & Liu (2008), which Agarwal, Klobusicky & Schonfeld extend to
DAG architectures (update rule **reconstructed [R]** in the brief, Sec. 1.3): with ``g_k = grad E(w^k)``
and ``dw^k = w^k - w^{k-1}`` (``dw^0 = 0``), for every weight block ``b``

    dw^{k+1}_b = -eta g_{k,b} + tau_{k,b} dw^k_b,
    tau_{k,b}  = s eta ||g_{k,b}|| / ||dw^k_b||   if dw^k_b != 0,   else 0,          s in [0, 1).

So the momentum term keeps the direction of the previous step and has length exactly
``s eta ||g_{k,b}||`` (the "momentum-length lemma"), hence ``||dw^{k+1}|| <= eta (1+s) ||g_k||`` (Lemma B).
Blocks: ``"edge"`` (each ``W_ij`` and each ``b_j``; default, mirrors Wu's per-block coefficients),
``"node"`` or ``"global"`` (one coefficient).

Classical heavy ball (not covered by the theorem): ``dw^{k+1} = -eta g_k + beta dw^k``.

Every function is vectorised over runs: ``g`` of shape ``(..., size)``, and ``eta``, ``s``/``beta``
scalars or arrays broadcastable to ``(...)`` (one value per run, e.g. a whole (eta, s) grid).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from optdyn.core.nets import DAGNet
from optdyn.validation import as_generator, check_choice, check_in_range, check_int

__all__ = [
    "MomentumState", "Optimizer", "adaptive_momentum", "heavy_ball", "constant_length_momentum", "gradient_descent", "History", "train",
    "check_param",
]


def check_param(name: str, value, low=None, high=None, *, low_closed=True, high_closed=True) -> np.ndarray:
    """Validate a scalar or an array of per-run values elementwise (error names the parameter and range)."""
    try:
        arr = None if isinstance(value, (bool, np.bool_, str)) else np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    for v in np.atleast_1d(arr).ravel():
        check_in_range(name, float(v), low, high, low_closed=low_closed, high_closed=high_closed)
    return arr


class MomentumState(NamedTuple):
    """``dw``: the last step ``dw^k`` (zeros before the first step); ``tau``: the last per-block
    momentum coefficients ``tau_{k-1,b}`` (shape ``(..., n_blocks)``); ``count``: steps taken."""

    dw: np.ndarray
    tau: np.ndarray
    count: int


class Optimizer(NamedTuple):
    """``init(w) -> state``; ``update(g, state) -> (dw, new_state)``; the caller sets ``w <- w + dw``."""

    init: Callable
    update: Callable
    name: str
    hyper: dict


def _block_layout(block_starts, size):
    starts = np.asarray(block_starts, dtype=np.intp)
    if starts.ndim != 1 or starts.size == 0 or starts[0] != 0 or np.any(np.diff(starts) <= 0) or starts[-1] >= size:
        raise ValueError(f"block_starts must be strictly increasing offsets starting at 0 and < size={size}, got {starts!r}")
    sizes = np.diff(np.append(starts, size))
    return starts, sizes


def adaptive_momentum(eta, s, *, block_starts=(0,)) -> Optimizer:
    """Adaptive momentum of Wu et al. (2008) / Agarwal et al. (brief Sec. 1.3, [R]).

    ``dw^{k+1}_b = -eta g_{k,b} + tau_{k,b} dw^k_b`` with ``tau_{k,b} = s eta ||g_{k,b}|| / ||dw^k_b||``
    (0 when ``dw^k_b = 0``). ``block_starts``: offsets of the blocks in the flat vector, e.g.
    ``net.block_starts("edge")``; the default ``(0,)`` is the global variant.

    Validation: ``eta > 0`` and ``0 <= s < 1`` (elementwise for arrays of per-run values).
    """
    eta = check_param("eta", eta, 0.0, None, low_closed=False)
    s = check_param("s", s, 0.0, 1.0, high_closed=False)
    starts0 = np.asarray(block_starts, dtype=np.intp)
    eta_b, s_b = eta[..., None], s[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        _block_layout(starts0, w.shape[-1])
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, s.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.zeros(lead + (starts0.size,)), 0)

    def update(g, state):
        starts, sizes = _block_layout(starts0, g.shape[-1])
        dw = state.dw
        gn = np.sqrt(np.add.reduceat(g * g, starts, axis=-1))
        dn = np.sqrt(np.add.reduceat(dw * dw, starts, axis=-1))
        tau = np.where(dn > 0, s_b * eta_b * gn / np.where(dn > 0, dn, 1.0), 0.0)
        coef = tau if starts.size == 1 else np.repeat(tau, sizes, axis=-1)
        new = -eta_b * g + coef * dw
        return new, MomentumState(new, tau, state.count + 1)

    return Optimizer(init, update, "adaptive", {"eta": eta, "s": s, "block_starts": starts0})


def heavy_ball(eta, beta) -> Optimizer:
    """Classical constant-coefficient heavy ball: ``dw^{k+1} = -eta g_k + beta dw^k`` (Polyak 1964).
    Not covered by the adaptive-momentum theorem. Validation: ``eta > 0``, ``0 <= beta < 1``."""
    eta = check_param("eta", eta, 0.0, None, low_closed=False)
    beta = check_param("beta", beta, 0.0, 1.0, high_closed=False)
    eta_b, beta_b = eta[..., None], beta[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, beta.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.broadcast_to(beta, lead)[..., None] + np.zeros(lead + (1,)), 0)

    def update(g, state):
        new = -eta_b * g + beta_b * state.dw
        return new, MomentumState(new, state.tau, state.count + 1)

    return Optimizer(init, update, "classical", {"eta": eta, "beta": beta})


def constant_length_momentum(eta, length) -> Optimizer:
    """Negative control (ablated ``||g_k||`` factor): the momentum term keeps the previous direction but
    has a FIXED length, ``dw^{k+1} = -eta g_k + length * dw^k / ||dw^k||`` (0 at the first step), so it
    does not vanish as the gradient does. Validation: ``eta > 0``, ``length >= 0``."""
    eta = check_param("eta", eta, 0.0, None, low_closed=False)
    length = check_param("length", length, 0.0, None)
    eta_b, len_b = eta[..., None], length[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, length.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.zeros(lead + (1,)), 0)

    def update(g, state):
        dn = np.linalg.norm(state.dw, axis=-1, keepdims=True)
        tau = np.where(dn > 0, len_b / np.where(dn > 0, dn, 1.0), 0.0)
        new = -eta_b * g + tau * state.dw
        return new, MomentumState(new, tau, state.count + 1)

    return Optimizer(init, update, "constant_length", {"eta": eta, "length": length})


def gradient_descent(eta) -> Optimizer:
    """Plain batch gradient descent ``dw^{k+1} = -eta g_k`` (heavy ball with ``beta = 0``)."""
    opt = heavy_ball(eta, 0.0)
    return opt._replace(name="gd")


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


def _power_step(net, w, v, X, Y, loss, reduction, iters):
    """``iters`` power iterations on the finite-difference Hessian (vectorised over runs)."""
    lam = None
    for _ in range(iters):
        Hv = net.hvp(w, v, X, Y, loss, reduction)
        lam = np.linalg.norm(Hv, axis=-1)
        v = Hv / np.where(lam > 0, lam, 1.0)[..., None]
    return lam, v


def train(net: DAGNet, w0, X, Y, opt: Optimizer, iters: int, *, loss: str = "squared", reduction: str = "sum",
          sharpness_every: int | None = None, sharpness_iters: int = 10, path_every: int | None = None,
          rng=0, grad_fn=None) -> History:
    """Run ``iters`` steps of ``w^{k+1} = w^k + dw^{k+1}`` with ``(dw^{k+1}, state) = opt.update(g_k, state)``.

    Vectorised over runs (``w0`` of shape ``(..., size)`` or the optimiser's per-run hyper-parameters).
    With ``sharpness_every = n``, the sharpness ``||Hess E||_2`` is estimated at steps 0, n, 2n, ... and K
    by ``sharpness_iters`` warm-started power iterations on finite-difference Hessian-vector products
    (start vector drawn from ``rng``); this is the ``L_run`` of the self-consistent certificate.
    ``path_every = n`` stores ``w^k`` every n steps (and at K).
    ``grad_fn(w, X, Y) -> (E, g)`` replaces backprop (negative controls only); the true gradient norm is
    then recorded in ``extra["true_grad_norm"]`` while ``grad_norm`` holds the norm of the used ``g``.
    """
    if not isinstance(net, DAGNet):
        raise TypeError(f"net must be a DAGNet, got {type(net).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an Optimizer (adaptive_momentum, heavy_ball, gradient_descent), got {type(opt).__name__}")
    K = check_int("iters", iters, 1)
    check_choice("reduction", reduction, ("sum", "mean"))
    if sharpness_every is not None:
        check_int("sharpness_every", sharpness_every, 1)
        check_int("sharpness_iters", sharpness_iters, 1)
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
            lam, v = _power_step(net, w, v, X, Y, loss, reduction, sharpness_iters)
            sharp.append(lam)
            ssteps.append(k)
        if k == K:
            break
        dw, state = opt.update(g, state)
        sns[k] = np.linalg.norm(dw, axis=-1)
        w += dw
    hp = opt.hyper
    return History(
        E=Es, grad_norm=gns, step_norm=sns, w_final=w,
        path=np.array(path) if path else np.empty((0,) + w.shape), path_steps=np.array(psteps, dtype=int),
        sharpness=np.array(sharp) if sharp else np.empty((0,) + lead), sharp_steps=np.array(ssteps, dtype=int),
        eta=np.broadcast_to(hp["eta"], lead).copy(),
        s=np.broadcast_to(hp.get("s", hp.get("beta", 0.0)), lead).copy(), rule=opt.name, secant=sec,
        extra={} if tgn is None else {"true_grad_norm": tgn},
    )
