"""The momentum rules of the chapter, on the package-wide optimiser protocol (:mod:`optdyn.core.optim`).

The adaptive momentum of Wu, Zhang, Li, Li & Liu (2008), which Agarwal, Klobusicky & Schonfeld extend to
DAG architectures (update rule **reconstructed [R]** in the brief, Sec. 1.3): with ``g_k = grad E(w^k)``
and ``dw^k = w^k - w^{k-1}`` (``dw^0 = 0``), for every weight block ``b``

    dw^{k+1}_b = -eta g_{k,b} + tau_{k,b} dw^k_b,
    tau_{k,b}  = s eta ||g_{k,b}|| / ||dw^k_b||   if dw^k_b != 0,   else 0,          s in [0, 1).

So the momentum term keeps the direction of the previous step and has length exactly
``s eta ||g_{k,b}||`` (the "momentum-length lemma"), hence ``||dw^{k+1}|| <= eta (1+s) ||g_k||`` (Lemma B).
Blocks: ``"edge"`` (each ``W_ij`` and each ``b_j``; default, mirrors Wu's per-block coefficients),
``"node"`` or ``"global"`` (one coefficient). Classical heavy ball and plain gradient descent (not
covered by the theorem) are the generic ones of :mod:`optdyn.core.optim`.

Every rule is vectorised over runs: ``g`` of shape ``(..., size)``, and ``eta``, ``s`` scalars or arrays
broadcastable to ``(...)`` (one value per run, e.g. a whole (eta, s) grid).
"""
from __future__ import annotations

import numpy as np

from optdyn.core.optim import MomentumState, Optimizer
from optdyn.validation import check_array

__all__ = ["adaptive_momentum", "constant_length_momentum", "fixed_length_steps", "stack_runs"]


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
    eta = check_array("eta", eta, 0.0, None, low_closed=False)
    s = check_array("s", s, 0.0, 1.0, high_closed=False)
    starts0 = np.asarray(block_starts, dtype=np.intp)
    eta_b, s_b = eta[..., None], s[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        _block_layout(starts0, w.shape[-1])
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, s.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.zeros(lead + (starts0.size,)), 0)

    def update(g, state, params=None):
        starts, sizes = _block_layout(starts0, g.shape[-1])
        dw = state.dw
        gn = np.sqrt(np.add.reduceat(g * g, starts, axis=-1))
        dn = np.sqrt(np.add.reduceat(dw * dw, starts, axis=-1))
        tau = np.where(dn > 0, s_b * eta_b * gn / np.where(dn > 0, dn, 1.0), 0.0)
        coef = tau if starts.size == 1 else np.repeat(tau, sizes, axis=-1)
        new = -eta_b * g + coef * dw
        return new, MomentumState(new, tau, state.count + 1)

    return Optimizer(init, update, "adaptive", {"eta": eta, "s": s, "block_starts": starts0})


def constant_length_momentum(eta, length) -> Optimizer:
    """Negative control (ablated ``||g_k||`` factor): the momentum term keeps the previous direction but
    has a FIXED length, ``dw^{k+1} = -eta g_k + length * dw^k / ||dw^k||`` (0 at the first step), so it
    does not vanish as the gradient does. Validation: ``eta > 0``, ``length >= 0``."""
    eta = check_array("eta", eta, 0.0, None, low_closed=False)
    length = check_array("length", length, 0.0, None)
    eta_b, len_b = eta[..., None], length[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, length.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.zeros(lead + (1,)), 0)

    def update(g, state, params=None):
        dn = np.linalg.norm(state.dw, axis=-1, keepdims=True)
        tau = np.where(dn > 0, len_b / np.where(dn > 0, dn, 1.0), 0.0)
        new = -eta_b * g + tau * state.dw
        return new, MomentumState(new, tau, state.count + 1)

    return Optimizer(init, update, "constant_length", {"eta": eta, "length": length})


def fixed_length_steps(length) -> Optimizer:
    """Near-miss control of the gradient claim: normalised gradient descent whose steps keep a FIXED length,
    ``dw^{k+1} = -length * g_k / ||g_k||`` (0 where ``g_k = 0``), so the step does not shrink with the gradient
    (unlike every rule covered by the theorem, whose steps are at most ``eta (1+s) ||g_k||``).
    Validation: ``length >= 0``, scalar or per-run array."""
    length = check_array("length", length, 0.0, None)
    len_b = length[..., None]

    def init(w):
        w = np.asarray(w, dtype=float)
        lead = np.broadcast_shapes(w.shape[:-1], length.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.zeros(lead + (1,)), 0)

    def update(g, state, params=None):
        gn = np.linalg.norm(g, axis=-1, keepdims=True)
        new = np.where(gn > 0, -len_b * g / np.where(gn > 0, gn, 1.0), 0.0)
        return new, MomentumState(new, state.tau, state.count + 1)

    return Optimizer(init, update, "fixed_length", {"eta": length, "length": length})


def stack_runs(*opts: Optimizer, sizes) -> Optimizer:
    """Several optimisers side by side along the leading run axis: the first ``sizes[0]`` runs use
    ``opts[0]``, the next ``sizes[1]`` runs ``opts[1]``, and so on, so a method and its controls train in
    ONE vectorised loop. Parameters have shape ``(sum(sizes), ..., size)``; each part's hyper-parameters
    must broadcast against its slice. ``hparams["eta"]`` and ``["s"]`` are the parts' values stacked
    (NaN where a part has none)."""
    if not opts or not all(isinstance(o, Optimizer) for o in opts):
        raise TypeError("stack_runs needs one or more Optimizer")
    sizes = [int(n) for n in sizes]
    if len(sizes) != len(opts) or any(n < 1 for n in sizes):
        raise ValueError(f"sizes must give a positive run count per optimiser, got {sizes!r}")
    cuts = np.cumsum([0] + sizes)

    def init(w):
        w = np.asarray(w, dtype=float)
        if w.shape[0] != cuts[-1]:
            raise ValueError(f"the leading run axis must have length {cuts[-1]}, got shape {w.shape}")
        parts = [o.init(w[a:b]) for o, a, b in zip(opts, cuts[:-1], cuts[1:])]
        dw = np.concatenate([p.dw for p in parts])
        return MomentumState(dw, tuple(parts), 0)

    def update(g, state, params=None):
        outs = [o.update(g[a:b], st, None if params is None else params[a:b])
                for o, st, a, b in zip(opts, state.tau, cuts[:-1], cuts[1:])]
        new = np.concatenate([u for u, _ in outs])
        return new, MomentumState(new, tuple(s for _, s in outs), state.count + 1)

    def stacked(key):
        vals = []
        for o, n in zip(opts, sizes):
            v = np.asarray(o.hparams.get(key, o.hparams.get("beta", np.nan) if key == "s" else np.nan), dtype=float)
            vals.append(np.broadcast_to(v, (n,) + v.shape[1:] if v.ndim else (n,)))
        try:
            return np.concatenate(vals)
        except ValueError:
            return np.nan

    return Optimizer(init, update, "+".join(o.name for o in opts), {"eta": stacked("eta"), "s": stacked("s")})
