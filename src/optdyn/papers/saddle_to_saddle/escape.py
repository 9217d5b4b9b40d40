"""Optimal escape direction: Riemannian gradient ascent on the product of unit spheres (brief 5.1).

Maximise ``s(theta) = -<G, Y_theta>`` over ``{||W_l||_F = 1 for all l}`` (equivalent to minimising
``L0`` on the sphere ``||theta||^2 = L`` by AM-GM, brief 1.3). Per iteration, for all restarts at once
(rows of ``w``, one vectorised backprop):

    d = -grad L0(w);  d_l <- d_l - <d_l, W_l> W_l          (tangent projection, every layer)
    w <- w + eta_k d / ||d||;  W_l <- W_l / ||W_l||_F        (normalised step, retraction)

with ``eta_k`` decaying geometrically from ``step0`` to ``step1``. Starts with ``s < 0`` have their
output layer negated (``L0`` is linear in ``W_L``). The best restart is returned with its KKT residual
(not meaningful at ReLU kinks, e.g. Example 1: judge by the speed there, brief pitfall 8).

:func:`sphere_ascent` is an independent solver that does NOT rescale the layers: projected ascent on
the single sphere ``||theta||^2 = L`` (only the global norm is fixed), from starts whose layer norms
differ by up to a stated factor. Balance of its end points is then a result, not a constraint.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_int, check_positive
from optdyn.papers.saddle_to_saddle.model import ReLUChain

__all__ = ["EscapeResult", "SphereResult", "optimal_escape_direction", "sphere_ascent", "unbalanced_starts"]


@dataclass
class EscapeResult:
    """Solver output. ``w``: best unit-layer direction (flat); ``speed``: its ``s``; ``kkt``: its KKT
    residual; ``restart_w``/``restart_speeds``/``restart_kkt``: all restarts; ``history``: best speed
    per iteration ``(n_iter,)``; ``widths``: the architecture."""

    w: np.ndarray
    speed: float
    kkt: float
    restart_w: np.ndarray
    restart_speeds: np.ndarray
    restart_kkt: np.ndarray
    history: np.ndarray
    widths: tuple = ()


def _ascent_setup(model, X, G, n_iter, step0, step1):
    """Checked inputs of both ascents: ``X`` (N, d_in), ``G`` (N, d_out) as float64 and the step sizes
    ``eta_k``, decaying geometrically from ``step0`` to ``step1`` over ``n_iter`` iterations."""
    if not isinstance(model, ReLUChain):
        raise TypeError(f"model must be a ReLUChain, got {type(model).__name__}")
    n_iter = check_int("n_iter", n_iter, low=1)
    step0 = check_positive("step0", step0)
    step1 = check_positive("step1", step1)
    if step1 > step0:
        raise ValueError(f"step1 must be <= step0, got step1={step1}, step0={step0}")
    X = np.asarray(X, dtype=np.float64)
    G = np.asarray(G, dtype=np.float64)
    if X.ndim != 2 or G.ndim != 2 or X.shape[0] != G.shape[0]:
        raise ValueError(f"X (N, d_in) and G (N, d_out) must share N, got {X.shape}, {G.shape}")
    return X, G, step0 * (step1 / step0) ** (np.arange(n_iter) / max(n_iter - 1, 1))


def optimal_escape_direction(model: ReLUChain, X, G, *, rng, n_restarts: int = 8, n_iter: int = 2000,
                             step0: float = 0.3, step1: float = 1e-3, init=None) -> EscapeResult:
    """Best of ``n_restarts`` runs of normalised Riemannian gradient ascent (module docstring).

    ``init``: optional starting points ``(n_restarts, size)`` (e.g. a GD direction to polish); by
    default Gaussian layers normalised to unit Frobenius norm, drawn from ``rng``.
    """
    n_restarts = check_int("n_restarts", n_restarts, low=1)
    X, G, etas = _ascent_setup(model, X, G, n_iter, step0, step1)
    if init is None:
        w = model.init(as_generator(rng), 1.0, runs=n_restarts)
    else:
        w = np.array(init, dtype=np.float64, copy=True).reshape(-1, model.size)
        if w.shape[0] != n_restarts:
            raise ValueError(f"init must have n_restarts={n_restarts} rows, got {w.shape[0]}")
    w = model.normalize(w)
    L0, _ = model.local_loss_and_grad(w, X, G)
    w = model.flip_last(w, L0 > 0)
    hist = np.empty(etas.size)
    seg = model.expand
    for k in range(etas.size):
        L0, g = model.local_loss_and_grad(w, X, G)
        hist[k] = -L0.min()
        d = -g
        d -= seg(model.layer_dot(d, w)) * w
        nd = np.linalg.norm(d, axis=-1, keepdims=True)
        w = w + etas[k] * d / np.where(nd > 0, nd, 1.0)
        w = model.normalize(w)
    L0, _ = model.local_loss_and_grad(w, X, G)
    speeds = -L0
    kkt = model.kkt_residual(w, X, G)
    b = int(np.argmax(speeds))
    return EscapeResult(w=w[b].copy(), speed=float(speeds[b]), kkt=float(kkt[b]), restart_w=w,
                        restart_speeds=speeds, restart_kkt=kkt, history=hist, widths=model.widths)


@dataclass
class SphereResult:
    """Single-sphere ascent output: ``w`` (R, size) end points on ``||theta||^2 = L``; ``speed`` (R,)
    ``-L0(w)``; ``norms0`` / ``norms`` (R, L) layer norms ``||W_l||_F`` at the start and the end;
    ``kkt`` (R,) KKT residual on the sphere (no per-layer rescaling, :meth:`ReLUChain.sphere_kkt_residual`)."""

    w: np.ndarray
    speed: np.ndarray
    norms0: np.ndarray
    norms: np.ndarray
    kkt: np.ndarray


def unbalanced_starts(model: ReLUChain, rng, runs: int, imbalance: float) -> np.ndarray:
    """Random starts on ``||theta||^2 = L`` whose layer norms are ``lambda_l / rms(lambda)`` with
    ``lambda_l`` uniform in ``[1 - imbalance, 1 + imbalance]`` (every layer a Gaussian direction)."""
    runs = check_int("runs", runs, low=1)
    imbalance = float(imbalance)
    if not 0 <= imbalance < 1:
        raise ValueError(f"imbalance must be in [0, 1), got {imbalance}")
    rng = as_generator(rng)
    w = model.normalize(model.init(rng, 1.0, runs=runs))
    lam = rng.uniform(1 - imbalance, 1 + imbalance, size=(runs, model.L))
    w = w * model.expand(lam)
    return w * (np.sqrt(model.L) / np.linalg.norm(w, axis=-1, keepdims=True))


def sphere_ascent(model: ReLUChain, X, G, w0, *, n_iter: int = 500, step0: float = 0.1, step1: float = 1e-3) -> SphereResult:
    """Projected gradient ascent of ``s = -L0`` on the single sphere ``||theta||^2 = L`` from ``w0`` (R, size).

    Per iteration (all rows at once): ``d = -grad L0 - <-grad L0, theta> theta / L`` (tangent to the
    sphere), ``theta <- theta + eta_k d/||d||``, ``theta <- sqrt(L) theta/||theta||``; ``eta_k`` decays
    geometrically from ``step0`` to ``step1``. Starts with ``s < 0`` have their output layer negated.
    The layers are never rescaled one by one.
    """
    X, G, etas = _ascent_setup(model, X, G, n_iter, step0, step1)
    L = model.L
    w = np.array(w0, dtype=np.float64, copy=True).reshape(-1, model.size)
    w *= np.sqrt(L) / np.linalg.norm(w, axis=-1, keepdims=True)
    L0, _ = model.local_loss_and_grad(w, X, G)
    w = model.flip_last(w, L0 > 0)
    norms0 = np.sqrt(model.layer_sq_norms(w))
    for k in range(etas.size):
        _, g = model.local_loss_and_grad(w, X, G)
        d = -g
        d -= (np.sum(d * w, axis=-1, keepdims=True) / L) * w
        nd = np.linalg.norm(d, axis=-1, keepdims=True)
        w = w + etas[k] * d / np.where(nd > 0, nd, 1.0)
        w *= np.sqrt(L) / np.linalg.norm(w, axis=-1, keepdims=True)
    L0, _ = model.local_loss_and_grad(w, X, G)
    return SphereResult(w=w, speed=-L0, norms0=norms0, norms=np.sqrt(model.layer_sq_norms(w)),
                        kkt=model.sphere_kkt_residual(w, X, G))
