"""One optimiser protocol for the whole package (optax style): pure ``init``/``update`` with explicit state.

    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = apply_updates(params, updates)            # params + updates

``update`` returns the *step* (updates), never the new parameters, so weight decay, momentum and
scaling compose (:func:`chain`) and every training loop applies steps the same way. All operations
are elementwise or act on the last axis, so ``params`` may carry leading run axes, e.g. ``(R, d)`` for
R independent runs; hyper-parameters given as arrays broadcast against those leading axes (one value
per run). The optimisers here are the generic ones of the papers; paper-specific rules (the adaptive
momentum of the momentum-on-DAGs chapter) live with their paper and follow the same protocol.

PyTorch conventions (the papers' code): eps outside the square root, decoupled weight decay
``- eta theta x_k`` (AdamW, RMSpropW), the RMSprop step using the updated ``v_{k+1}``.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from optdyn.validation import check_array, check_in_range, check_positive

__all__ = [
    "AdamWState",
    "MomentumState",
    "Optimizer",
    "RMSpropWState",
    "StepCount",
    "adamw",
    "apply_updates",
    "chain",
    "gradient_descent",
    "heavy_ball",
    "rmspropw",
    "scale",
    "sgd",
    "signsgd",
]


class Optimizer(NamedTuple):
    """``init(params) -> state``; ``update(grads, state, params) -> (updates, state)``; a name and the
    hyper-parameters (what the figures and the loops read, e.g. ``hparams["eta"]``)."""

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple[Any, Any]]
    name: str
    hparams: Mapping[str, Any]


def apply_updates(params, updates) -> np.ndarray:
    """``params + updates`` (a new array; the inputs are not modified)."""
    return np.asarray(params, dtype=float) + updates


def chain(*opts: Optimizer, name: str | None = None) -> Optimizer:
    """Compose optimisers: the updates of each are the gradients of the next (optax ``chain``).
    The state is the tuple of the parts' states; ``hparams`` merges theirs (later ones win)."""
    if not opts or not all(isinstance(o, Optimizer) for o in opts):
        raise TypeError("chain needs one or more Optimizer")

    def init(params):
        return tuple(o.init(params) for o in opts)

    def update(grads, state, params=None):
        new_states = []
        u = grads
        for o, s in zip(opts, state):
            u, s = o.update(u, s, params)
            new_states.append(s)
        return u, tuple(new_states)

    hp: dict = {}
    for o in opts:
        hp.update(o.hparams)
    return Optimizer(init, update, name or "+".join(o.name for o in opts), hp)


class StepCount(NamedTuple):
    count: int


class RMSpropWState(NamedTuple):
    count: int
    v: np.ndarray


class AdamWState(NamedTuple):
    count: int
    m: np.ndarray
    v: np.ndarray


class MomentumState(NamedTuple):
    """``dw``: the last step (zeros before the first); ``tau``: the last momentum coefficients
    (shape ``(..., n_blocks)``); ``count``: steps taken."""

    dw: np.ndarray
    tau: np.ndarray
    count: int


def scale(factor: float) -> Optimizer:
    """The updates ``factor * g`` (a building block for :func:`chain`; ``scale(-eta)`` is SGD)."""
    from optdyn.validation import check_real

    factor = check_real("factor", factor)

    def init(params) -> StepCount:
        return StepCount(0)

    def update(grads, state: StepCount, params=None):
        return factor * np.asarray(grads, dtype=float), StepCount(state.count + 1)

    return Optimizer(init, update, "scale", {"factor": factor})


def sgd(*, eta: float) -> Optimizer:
    """SGD, ``x_{k+1} = x_k - eta g_k`` (``torch.optim.SGD(lr=eta)``), eta > 0."""
    eta = check_positive("eta", eta)

    def init(params) -> StepCount:
        return StepCount(0)

    def update(grads, state: StepCount, params=None):
        return -eta * np.asarray(grads, dtype=float), StepCount(state.count + 1)

    return Optimizer(init, update, "SGD", {"eta": eta})


def signsgd(*, eta: float) -> Optimizer:
    """SignSGD, ``x_{k+1} = x_k - eta sign(g_k)``, eta > 0. ``numpy.sign(0) = 0``: a zero gradient
    coordinate does not move (as ``x.sub_(lr * g.sign())`` in PyTorch)."""
    eta = check_positive("eta", eta)

    def init(params) -> StepCount:
        return StepCount(0)

    def update(grads, state: StepCount, params=None):
        return -eta * np.sign(np.asarray(grads, dtype=float)), StepCount(state.count + 1)

    return Optimizer(init, update, "SignSGD", {"eta": eta})


def rmspropw(*, eta: float, beta: float, eps: float = 1e-8, theta: float = 0.0, v0=0.0) -> Optimizer:
    """RMSprop with decoupled weight decay:

        v_{k+1} = beta v_k + (1 - beta) g_k^2,   x_{k+1} = x_k - eta g_k / (sqrt(v_{k+1}) + eps) - eta theta x_k.

    ``torch.optim.RMSprop(lr=eta, alpha=beta, eps=eps)`` for theta = 0. No bias correction; ``v0`` (>= 0,
    scalar or broadcastable to the parameters) is the initial second moment. eta > 0, beta in [0, 1),
    eps >= 0, theta >= 0.
    """
    eta = check_positive("eta", eta)
    beta = check_in_range("beta", beta, 0.0, 1.0, high_closed=False)
    eps = check_positive("eps", eps, strict=False)
    theta = check_positive("theta", theta, strict=False)
    v0a = check_array("v0", v0, low=0.0)

    def init(params) -> RMSpropWState:
        p = np.asarray(params, dtype=float)
        return RMSpropWState(count=0, v=np.broadcast_to(v0a, p.shape).astype(float).copy())

    def update(grads, state: RMSpropWState, params):
        g = np.asarray(grads, dtype=float)
        x = np.asarray(params, dtype=float)
        v = beta * state.v + (1.0 - beta) * g * g
        return -eta * g / (np.sqrt(v) + eps) - eta * theta * x, RMSpropWState(count=state.count + 1, v=v)

    return Optimizer(init, update, "RMSpropW", {"eta": eta, "beta": beta, "eps": eps, "theta": theta})


def adamw(*, eta: float, beta1: float, beta2: float, eps: float = 1e-8, theta: float = 0.0,
          bias_correction: bool = True) -> Optimizer:
    """AdamW (PyTorch convention):

        m_{k+1} = beta1 m_k + (1 - beta1) g_k,   v_{k+1} = beta2 v_k + (1 - beta2) g_k^2,
        m_hat = m_{k+1} / (1 - beta1^{k+1}),       v_hat = v_{k+1} / (1 - beta2^{k+1}),
        x_{k+1} = x_k - eta m_hat / (sqrt(v_hat) + eps) - eta theta x_k.

    ``torch.optim.AdamW(lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=theta)``; theta = 0 is Adam.
    eps is added to the bias-corrected sqrt(v_hat) (TensorFlow's "epsilon hat" differs). Without bias
    correction m_hat = m_{k+1}, v_hat = v_{k+1}. m_0 = v_0 = 0, so with bias correction and eps = 0 the
    first step is exactly ``-eta sign(g_0)``. eta > 0, beta1, beta2 in [0, 1), eps >= 0, theta >= 0.
    """
    eta = check_positive("eta", eta)
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_closed=False)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_closed=False)
    eps = check_positive("eps", eps, strict=False)
    theta = check_positive("theta", theta, strict=False)
    if not isinstance(bias_correction, bool):
        raise TypeError(f"bias_correction must be a bool, got {bias_correction!r}")

    def init(params) -> AdamWState:
        p = np.asarray(params, dtype=float)
        return AdamWState(count=0, m=np.zeros_like(p), v=np.zeros_like(p))

    def update(grads, state: AdamWState, params):
        g = np.asarray(grads, dtype=float)
        x = np.asarray(params, dtype=float)
        k1 = state.count + 1
        m = beta1 * state.m + (1.0 - beta1) * g
        v = beta2 * state.v + (1.0 - beta2) * g * g
        if bias_correction:
            m_hat, v_hat = m / (1.0 - beta1**k1), v / (1.0 - beta2**k1)
        else:
            m_hat, v_hat = m, v
        return -eta * m_hat / (np.sqrt(v_hat) + eps) - eta * theta * x, AdamWState(count=k1, m=m, v=v)

    hp = {"eta": eta, "beta1": beta1, "beta2": beta2, "eps": eps, "theta": theta, "bias_correction": bias_correction}
    return Optimizer(init, update, "AdamW", hp)


def heavy_ball(eta, beta) -> Optimizer:
    """Classical constant-coefficient heavy ball (Polyak 1964): ``dw^{k+1} = -eta g_k + beta dw^k``.

    ``eta > 0`` and ``0 <= beta < 1``, scalars or arrays of per-run values broadcasting against the
    leading axes of the parameters (e.g. a whole (eta, beta) grid trained at once).
    """
    eta = check_array("eta", eta, low=0.0, low_closed=False)
    beta = check_array("beta", beta, low=0.0, high=1.0, high_closed=False)
    eta_b, beta_b = eta[..., None], beta[..., None]

    def init(w) -> MomentumState:
        w = np.asarray(w, dtype=float)
        lead = np.broadcast_shapes(w.shape[:-1], eta.shape, beta.shape)
        return MomentumState(np.zeros(lead + w.shape[-1:]), np.broadcast_to(beta, lead)[..., None] + np.zeros(lead + (1,)), 0)

    def update(g, state: MomentumState, params=None):
        new = -eta_b * g + beta_b * state.dw
        return new, MomentumState(new, state.tau, state.count + 1)

    return Optimizer(init, update, "classical", {"eta": eta, "beta": beta})


def gradient_descent(eta) -> Optimizer:
    """Plain (batch) gradient descent ``dw^{k+1} = -eta g_k``: heavy ball with ``beta = 0`` (per-run
    ``eta`` arrays allowed)."""
    return heavy_ball(eta, 0.0)._replace(name="gd")
