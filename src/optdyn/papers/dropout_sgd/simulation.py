"""GD and SGD dropout recursions vectorised over ``R`` chains (and coupled pairs), with ASGD.

Paper-form updates (plain 0/1 masks ``D_k``, the same mask in the forward pass and the gradient):

* GD (fixed design, brief Sec. 1.2): ``beta_k = beta_{k-1} + alpha D_k X'(y - X D_k beta_{k-1})``;
* SGD (streaming, brief Sec. 1.3): ``beta_k = beta_{k-1} + alpha D_k x_k (y_k - x_k' D_k beta_{k-1})``
  (the official code's step is ``alpha/2``, pitfall P3);
* ASGD: ``beta_bar_n = n^{-1} sum_{k=1}^n beta_k`` with the online batch-means covariance
  (:class:`~optdyn.papers.dropout_sgd.online_cov.OnlineNBMCovariance`) fed along the way.

Randomness: per chunk of ``c`` steps, SGD draws features ``(c, *lead, d)``, then noise ``(c, *lead)``
(via :meth:`GaussianDesign.sample`), then uniforms ``(c, *lead, d)`` for the masks
(``delta = U < p``); GD draws only the mask uniforms. ``lead = (R,)`` normally. With coupled pairs the
state is ``(2, R, d)`` and both members see the same data and masks; the uncoupled control
(``coupled=False``) draws independent data/masks for each member (``lead = (2, R)``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optdyn.core import loop
from optdyn.random import as_generator

from optdyn.validation import check_choice, check_int, check_probability
from optdyn.papers.dropout_sgd.design import GaussianDesign
from optdyn.papers.dropout_sgd.theory import check_step, gd_moments, sgd_identity_closed_form, sgd_moments
from optdyn.papers.dropout_sgd.online_cov import BlockSchedule, OnlineNBMCovariance

__all__ = ["RunResult", "coupled_sq_distance", "gd_dropout_run", "sgd_dropout_run", "validate_checkpoints"]

_MAX_PATH = 50_000_000


@dataclass
class RunResult:
    """Output of a dropout run.

    ``last``: final iterates ``(R, d)`` (``(2, R, d)`` for pairs); ``checkpoints``: ``(T,)`` step
    indices; ``avg``: ``(T, R, d)`` ASGD averages; ``cov_hat``: ``(T, R, d, d)`` online NBM estimates;
    ``naive_var``: ``(T, R)`` sample variance of ``v'beta_1..v'beta_k`` (the naive i.i.d. variance);
    ``sq_dist``: ``(n+1, R)`` ``||beta_k - beta_k'||^2`` for pairs; ``path``: ``(n, R, d)`` if recorded.
    """

    last: np.ndarray
    checkpoints: np.ndarray
    avg: np.ndarray | None = None
    cov_hat: np.ndarray | None = None
    naive_var: np.ndarray | None = None
    sq_dist: np.ndarray | None = None
    path: np.ndarray | None = None


def validate_checkpoints(checkpoints, n_steps: int) -> np.ndarray:
    """Sorted unique integer checkpoints in ``[1, n_steps]`` (``None`` -> ``[n_steps]``)."""
    if checkpoints is None:
        return np.array([n_steps], dtype=np.int64)
    cp = np.asarray(checkpoints)
    if cp.ndim != 1 or cp.size == 0 or not np.issubdtype(cp.dtype, np.integer):
        raise ValueError("checkpoints must be a non-empty 1-D array of integers")
    cp = np.unique(cp.astype(np.int64))
    if cp[0] < 1 or cp[-1] > n_steps:
        raise ValueError(f"checkpoints must lie in [1, n_steps={n_steps}], got range [{cp[0]}, {cp[-1]}]")
    return cp


def _start(beta0, lead: tuple, d: int) -> np.ndarray:
    b = np.asarray(beta0, dtype=float)
    try:
        return np.broadcast_to(b, lead + (d,)).astype(float, copy=True)
    except ValueError:
        raise ValueError(f"beta0 must broadcast to {lead + (d,)}, got shape {b.shape}") from None


class _Every:
    """An observer calling ``fn(state, k)`` after every step."""

    def __init__(self, fn):
        self.fn = fn

    def update(self, state, k):
        self.fn(state, k)


def _engine(step, gen_chunk, beta, n_steps, chunk, cps, *, average, online_cov, naive_v, pairs, record_path, schedule):
    """Run the recursion with :func:`optdyn.core.loop.run`: data and masks are drawn ``chunk`` steps at a time
    (the same draws, in the same order, whatever is recorded); the online estimator, the naive variance, the
    pair distances and the path are observers; the checkpoint values are what :class:`SaveAt` records."""
    R, d = beta.shape[-2], beta.shape[-1]
    out = RunResult(last=beta, checkpoints=cps)
    observers, fn = [], {}
    est = OnlineNBMCovariance(R, d, schedule) if (average or online_cov) else None
    if est is not None:
        observers.append(_Every(lambda b, k: est.update(b)))
    if average:
        fn["avg"] = lambda b: est.mean
    if online_cov:
        fn["cov_hat"] = lambda b: est.covariance()
    if naive_v is not None:
        s = np.zeros((2, R))

        def naive(b, k):
            z = b @ naive_v
            s[0] += z
            s[1] += z * z

        observers.append(_Every(naive))

        def naive_var(b):
            k = kk[0]
            return np.maximum(s[1] / k - (s[0] / k) ** 2, 0.0) * k / max(k - 1, 1)

        fn["naive_var"] = naive_var
    if pairs:
        out.sq_dist = np.empty((n_steps + 1, R))
        diff0 = beta[0] - beta[1]
        out.sq_dist[0] = np.einsum("ri,ri->r", diff0, diff0)

        def pair(b, k):
            diff = b[0] - b[1]
            out.sq_dist[k] = np.einsum("ri,ri->r", diff, diff)

        observers.append(_Every(pair))
    if record_path:
        out.path = np.empty((n_steps, R, d))
        observers.append(_Every(lambda b, k: out.path.__setitem__(k - 1, b)))
    data, kk = [None], [0]

    def advance(b, k):
        t = (k - 1) % chunk
        if t == 0:
            data[0] = gen_chunk(min(chunk, n_steps - k + 1))
        step(b, data[0], t)
        kk[0] = k
        return b

    traj = loop.run(advance, beta, n_steps, save=loop.SaveAt(steps=cps, fn=fn), observers=observers)
    for name, values in traj.records.items():
        setattr(out, name, values)
    out.last = traj.state
    return out


def _common(R, n_steps, chunk, rng, checkpoints, average, online_cov, naive_v, record_path, d, pairs):
    R = check_int("R", R, low=1)
    n_steps = check_int("n_steps", n_steps, low=1)
    chunk = check_int("chunk", chunk, low=1)
    rng = as_generator(rng)
    cps = validate_checkpoints(checkpoints, n_steps)
    if (average or online_cov or naive_v is not None) and pairs:
        raise ValueError("average/online_cov/naive_v are not available for coupled pairs")
    if naive_v is not None:
        naive_v = np.asarray(naive_v, dtype=float)
        if naive_v.shape != (d,):
            raise ValueError(f"naive_v must have shape ({d},), got {naive_v.shape}")
    if record_path and n_steps * R * d > _MAX_PATH:
        raise ValueError(f"record_path needs n_steps*R*d <= {_MAX_PATH}, got {n_steps * R * d}")
    return R, n_steps, chunk, rng, cps, naive_v


def gd_dropout_run(
    X, y, p: float, alpha: float, n_steps: int, R: int, rng, *, beta0=0.0, checkpoints=None,
    average: bool = False, online_cov: bool = False, naive_v=None, record_path: bool = False,
    chunk: int = 512, schedule: BlockSchedule | None = None, check_stability: bool = True,
) -> RunResult:
    """``R`` independent GD dropout chains ``beta_k = beta_{k-1} + alpha D_k (X'y - X'X D_k beta_{k-1})``.

    ``beta0`` broadcasts to ``(R, d)``. ``alpha`` is validated against the spectral threshold
    (``check_stability=False`` skips it). See :class:`RunResult` for the outputs.
    """
    p = check_probability("p", p, open_low=True)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (N, d) and y (N,), got {X.shape} and {y.shape}")
    d = X.shape[1]
    if check_stability:
        alpha = check_step(gd_moments(X, y, p), alpha)
    elif not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha!r}")
    R, n_steps, chunk, rng, cps, naive_v = _common(R, n_steps, chunk, rng, checkpoints, average, online_cov, naive_v, record_path, d, False)
    G = X.T @ X
    u = X.T @ y
    beta = _start(beta0, (R,), d)

    def gen(c):
        return (rng.random((c, R, d)) < p).astype(float)

    def step(b, masks, t):
        m = masks[t]
        b += alpha * m * (u - (m * b) @ G)

    return _engine(step, gen, beta, n_steps, chunk, cps, average=average, online_cov=online_cov,
                   naive_v=naive_v, pairs=False, record_path=record_path, schedule=schedule)


def _sgd_check(design, p, alpha, check_stability):
    if not check_stability:
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0, got {alpha!r}")
        return float(alpha)
    if design.is_identity:
        sgd_identity_closed_form(design.d, p, alpha, design.beta_star, design.sigma)  # raises with the threshold
        return float(alpha)
    return check_step(sgd_moments(design, p), alpha)


def _sgd_parts(design, p, alpha, rng, lead, d, mask_mode):
    scale = 1.0 / p if mask_mode == "inverted" else 1.0

    def gen(c):
        x, yy = design.sample(rng, (c,) + lead)
        m = rng.random((c,) + lead + (d,)) < p
        xm = x * m  # D_k x_k: used in the forward pass and in the gradient (same mask twice)
        if scale != 1.0:
            xm *= scale
        return xm, alpha * xm, yy

    def step(b, data, t):
        xm, axm, yy = data[0][t], data[1][t], data[2][t]
        r = yy - np.einsum("...i,...i->...", xm, b)
        b += axm * r[..., None]

    return gen, step


def sgd_dropout_run(
    design: GaussianDesign, p: float, alpha: float, n_steps: int, R: int, rng, *, beta0=0.0,
    checkpoints=None, average: bool = False, online_cov: bool = False, naive_v=None,
    record_path: bool = False, chunk: int = 256, schedule: BlockSchedule | None = None,
    mask_mode: str = "plain", check_stability: bool = True,
) -> RunResult:
    """``R`` independent SGD dropout chains ``beta_k = beta_{k-1} + alpha D_k x_k (y_k - x_k' D_k beta_{k-1})``.

    One fresh sample per step and chain. ``mask_mode="inverted"`` uses ``D_k/p`` (inverted dropout; a
    negative control, not the paper's algorithm). ``alpha`` is the paper-form step, validated against
    the exact stability threshold (closed form ``2/(3+(d-1)p)`` when ``Sigma = I``).
    """
    if not isinstance(design, GaussianDesign):
        raise TypeError(f"design must be a GaussianDesign, got {type(design).__name__}")
    p = check_probability("p", p, open_low=True)
    mask_mode = check_choice("mask_mode", mask_mode, ("plain", "inverted"))
    alpha = _sgd_check(design, p, alpha, check_stability and mask_mode == "plain")
    d = design.d
    R, n_steps, chunk, rng, cps, naive_v = _common(R, n_steps, chunk, rng, checkpoints, average, online_cov, naive_v, record_path, d, False)
    beta = _start(beta0, (R,), d)
    gen, step = _sgd_parts(design, p, alpha, rng, (R,), d, mask_mode)
    return _engine(step, gen, beta, n_steps, chunk, cps, average=average, online_cov=online_cov,
                   naive_v=naive_v, pairs=False, record_path=record_path, schedule=schedule)


def coupled_sq_distance(
    kind: str, p: float, alpha: float, K: int, R: int, rng, beta0, beta0_prime, *, X=None, y=None,
    design: GaussianDesign | None = None, coupled: bool = True, chunk: int = 256,
) -> np.ndarray:
    """``||beta_k - beta_k'||^2``, ``k = 0..K``, for ``R`` pairs of chains (shape ``(K+1, R)``; Thm A).

    ``coupled=True``: both members share masks (and data for SGD), so ``Delta_k = A_k Delta_{k-1}``.
    ``coupled=False`` is the negative control: independent masks/data, no contraction to 0.
    """
    kind = check_choice("kind", kind, ("gd", "sgd"))
    p = check_probability("p", p, open_low=True)
    K = check_int("K", K, low=1)
    R = check_int("R", R, low=1)
    rng = as_generator(rng)
    lead = (R,) if coupled else (2, R)
    if kind == "gd":
        if X is None or y is None:
            raise ValueError("kind='gd' needs X and y")
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        alpha = check_step(gd_moments(X, y, p), alpha)
        d = X.shape[1]
        G, u = X.T @ X, X.T @ y

        def gen(c):
            return (rng.random((c,) + lead + (d,)) < p).astype(float)

        def step(b, masks, t):
            m = masks[t]
            b += alpha * m * (u - (m * b) @ G)
    else:
        if not isinstance(design, GaussianDesign):
            raise ValueError("kind='sgd' needs design=GaussianDesign(...)")
        alpha = _sgd_check(design, p, alpha, True)
        d = design.d
        gen, step = _sgd_parts(design, p, alpha, rng, lead, d, "plain")
    b0 = np.broadcast_to(np.asarray(beta0, dtype=float), (R, d))
    b1 = np.broadcast_to(np.asarray(beta0_prime, dtype=float), (R, d))
    beta = np.stack([b0, b1]).astype(float)
    res = _engine(step, gen, beta, K, chunk, np.array([K]), average=False, online_cov=False,
                  naive_v=None, pairs=True, record_path=False, schedule=None)
    return res.sq_dist
