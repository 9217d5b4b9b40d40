"""Gradient descent from small initialisation, vectorised over runs (brief 1.2, 5.2 C5/C7/C8).

Full-batch GD on the MSE ``C(Y) = ||Y - Y*||^2/(2N)``:  ``theta_{k+1} = theta_k - eta_k grad C(theta_k)``

* ``lr_mode="constant"``: ``eta_k = lr`` (plain GD; escape time ~ ``alpha^-(L-2)`` for ``L >= 3``);
* ``lr_mode="adaptive"``: ``eta_k = c r_k^(2-L)``, ``r_k = ||theta_k||/sqrt(L)`` (the norm-adapted rate
  ``eta ~ ||theta||^(2-L)`` of the paper's experiments; escape time linear in ``log(1/alpha)``).

All runs (rows of ``w0``) advance in one batched backprop per step; a run that meets a stop rule is
frozen. Recorded every ``record_every`` steps: loss, per-layer norm ``r`` and the balanced-normalised
speed ``s(theta_bar) = -<G, Y_{theta_bar}>`` (every layer rescaled to unit norm); at ``sv_steps``: the
top singular values of every layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optdyn.validation import check_choice, check_int, check_positive, check_type
from optdyn.papers.saddle_to_saddle.model import ReLUChain

__all__ = ["TrainResult", "train_gd"]


@dataclass
class TrainResult:
    """``steps (T,)``; ``loss``, ``r``, ``speed``: ``(T, R)`` (nan after a run stopped); ``sv_steps (S,)``;
    ``svals (S, R, L, top_k)``; ``w (R, size)`` final parameters; ``stop_step (R,)`` (``-1``: never
    stopped); ``escape_step (R,)``: first step with loss <= ``escape_frac * C(0)`` (``-1``: never);
    ``w_escape (R, size)``: parameters at ``escape_step`` (nan rows if never); ``C0``: ``C(0)``."""

    steps: np.ndarray
    loss: np.ndarray
    r: np.ndarray
    speed: np.ndarray
    sv_steps: np.ndarray
    svals: np.ndarray
    w: np.ndarray
    stop_step: np.ndarray
    escape_step: np.ndarray
    w_escape: np.ndarray
    C0: float


def train_gd(model: ReLUChain, X, Ystar, w0, n_steps: int, *, lr: float = 0.02, lr_mode: str = "constant",
             c: float = 0.1, record_every: int = 10, record_speed: bool = True, sv_steps=(), top_k: int = 10,
             stop_norm: float | None = None, stop_loss: float | None = None, stop_at_escape: bool = False,
             escape_frac: float = 0.97) -> TrainResult:
    """Run GD (module docstring) for at most ``n_steps`` steps from ``w0`` (``(size,)`` or ``(R, size)``).

    Stop rules (per run): per-layer norm ``r > stop_norm``; loss ``<= stop_loss``; or, with
    ``stop_at_escape``, loss ``<= escape_frac * C(0)``.
    """
    if not isinstance(model, ReLUChain):
        raise TypeError(f"model must be a ReLUChain, got {type(model).__name__}")
    n_steps = check_int("n_steps", n_steps, low=1)
    lr = check_positive("lr", lr)
    check_choice("lr_mode", lr_mode, ("constant", "adaptive"))
    c = check_positive("c", c)
    record_every = check_int("record_every", record_every, low=1)
    check_type("record_speed", record_speed, bool)
    check_type("stop_at_escape", stop_at_escape, bool)
    top_k = check_int("top_k", top_k, low=1)
    if stop_norm is not None:
        stop_norm = check_positive("stop_norm", stop_norm)
    if stop_loss is not None:
        stop_loss = check_positive("stop_loss", stop_loss, strict=False)
    escape_frac = check_positive("escape_frac", escape_frac)
    if escape_frac >= 1:
        raise ValueError(f"escape_frac must be in (0, 1), got {escape_frac}")
    sv_set = sorted({check_int("sv_steps[]", s, low=0, high=n_steps) for s in sv_steps})
    X = np.asarray(X, dtype=np.float64)
    Ystar = np.asarray(Ystar, dtype=np.float64)
    if X.ndim != 2 or Ystar.ndim != 2 or X.shape[0] != Ystar.shape[0]:
        raise ValueError(f"X (N, d_in) and Ystar (N, d_out) must share N, got {X.shape}, {Ystar.shape}")
    w = np.array(w0, dtype=np.float64, copy=True)
    if w.ndim not in (1, 2) or w.shape[-1] != model.size:
        raise ValueError(f"w0 must have shape (size,) or (R, size) with size={model.size}, got {w.shape}")
    w = w.reshape(-1, model.size)
    R, L = w.shape[0], model.L
    N = X.shape[0]
    G = -Ystar / N
    C0 = float(0.5 * np.sum(Ystar * Ystar) / N)

    steps, loss_h, r_h, sp_h = [], [], [], []
    svals = np.zeros((len(sv_set), R, L, top_k))
    stop_step = np.full(R, -1, dtype=np.int64)
    esc = np.full(R, -1, dtype=np.int64)
    w_esc = np.full((R, model.size), np.nan)
    active = np.ones(R, dtype=bool)
    i_sv = 0
    for k in range(n_steps + 1):
        E, g = model.mse_loss_and_grad(w, X, Ystar)
        r = model.per_layer_norm(w)
        newly = (E <= escape_frac * C0) & (esc < 0) & active
        if newly.any():
            esc[newly] = k
            w_esc[newly] = w[newly]
        stop = np.zeros(R, dtype=bool)
        if stop_norm is not None:
            stop |= r > stop_norm
        if stop_loss is not None:
            stop |= E <= stop_loss
        if stop_at_escape:
            stop |= esc >= 0
        stop &= active
        last = k == n_steps or not (active & ~stop).any()
        if k % record_every == 0 or last or stop.any():
            steps.append(k)
            loss_h.append(np.where(active, E, np.nan))
            r_h.append(np.where(active, r, np.nan))
            sp = np.full(R, np.nan)
            if record_speed:
                sp[active] = model.speed(w[active], X, G)
            sp_h.append(sp)
        if i_sv < len(sv_set) and sv_set[i_sv] == k:
            for l, W in enumerate(model.weights(w)):
                s = np.linalg.svd(W, compute_uv=False)[:, :top_k]
                svals[i_sv, :, l, : s.shape[1]] = s
            i_sv += 1
        stop_step[stop] = k
        active &= ~stop
        if last:
            break
        eta = np.full(R, lr) if lr_mode == "constant" else c * r ** (2 - L)
        w -= (np.where(active, eta, 0.0))[:, None] * g
    out = TrainResult(steps=np.array(steps, dtype=np.int64), loss=np.array(loss_h), r=np.array(r_h),
                      speed=np.array(sp_h), sv_steps=np.array(sv_set[:i_sv], dtype=np.int64),
                      svals=svals[:i_sv], w=w, stop_step=stop_step, escape_step=esc, w_escape=w_esc, C0=C0)
    return out
