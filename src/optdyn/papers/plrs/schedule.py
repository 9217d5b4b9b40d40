"""The probabilistic learning-rate scheduler (PLRS) of Devapriya et al. (arXiv 2407.07613).

At every SGD step the learning rate is drawn i.i.d. from the uniform law,
``eta_{t+1} ~ U[L_min, L_max]`` (paper Sec. 3, "at every time step"), independently of the
stochastic gradient. The centred rate ``u = eta - eta_c``, ``eta_c = (L_min + L_max)/2``, has
``E u = 0`` and ``Var u = (L_max - L_min)^2 / 12`` (Lemma 1 uses both).

Reproducibility: the rate of step ``t`` depends only on ``(seed, t)``. Steps are grouped in
blocks of ``block`` steps; block ``b`` is drawn from its own generator
``default_rng([seed, _TAG_TRACE, b])`` (a counter-based construction), so any step can be read
at random access and ``schedule(t) == schedule.trace(n)[t]``. The stream is tagged, so it never
coincides with data-order or gradient-noise streams built from the same integer seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optdyn.validation import check_int

from optdyn.core.schedules.base import check_lr, check_n_steps, check_step

__all__ = ["PLRS"]

_TAG_TRACE = 0x504C5253  # "PLRS": single-run trace stream
_TAG_REPLICA = 0x504C5254  # per-step draws for R replicas


@dataclass(frozen=True)
class PLRS:
    """Per-step i.i.d. uniform learning rate on ``[l_min, l_max]``.

    Parameters
    ----------
    l_min, l_max : bounds, ``0 <= l_min <= l_max`` (the paper has ``0 < L_min < L_max``;
        ``l_min == l_max`` degenerates to a constant rate).
    seed : non-negative integer, required (no default seed); the rates depend only on
        ``(seed, step)``. In the chapter it comes from a named stream, ``Streams.seed_of(name)``.
    warmup_steps : 0 (the paper). ``> 0`` gives the authors' later fairseq variant: a linear ramp
        ``l_min + (l_max - l_min) t / warmup_steps`` for ``t < warmup_steps``, then sampling.
    block : block length of the counter-based stream (a performance knob; it changes the draws).
    """

    l_min: float
    l_max: float
    seed: int
    warmup_steps: int = 0
    block: int = 4096

    def __post_init__(self) -> None:
        lo = check_lr("l_min", self.l_min)
        hi = check_lr("l_max", self.l_max, strict=True)
        if lo > hi:
            raise ValueError(f"l_min must be <= l_max, got l_min={self.l_min!r} > l_max={self.l_max!r}")
        check_int("seed", self.seed, low=0)
        check_int("warmup_steps", self.warmup_steps, low=0)
        check_int("block", self.block, low=1)

    # ---- moments -------------------------------------------------------------------------
    @property
    def eta_c(self) -> float:
        """Centre ``(L_min + L_max)/2`` = mean rate (the fair constant baseline)."""
        return 0.5 * (self.l_min + self.l_max)

    @property
    def half_width(self) -> float:
        """``h = (L_max - L_min)/2``: ``u = eta - eta_c ~ U[-h, h]``."""
        return 0.5 * (self.l_max - self.l_min)

    @property
    def variance(self) -> float:
        """``s^2 = Var eta = (L_max - L_min)^2 / 12``."""
        return (self.l_max - self.l_min) ** 2 / 12.0

    # ---- single-run stream ---------------------------------------------------------------
    def _block(self, b: int) -> np.ndarray:
        rng = np.random.default_rng([int(self.seed), _TAG_TRACE, int(b)])
        return rng.uniform(self.l_min, self.l_max, size=self.block)

    def _ramp(self, t: np.ndarray) -> np.ndarray:
        return self.l_min + (self.l_max - self.l_min) * t / self.warmup_steps

    def __call__(self, step: int) -> float:
        t = check_step(step)
        if t < self.warmup_steps:
            return float(self._ramp(np.float64(t)))
        return float(self._block(t // self.block)[t % self.block])

    def trace(self, n_steps: int) -> np.ndarray:
        """Rates of steps ``0 .. n_steps-1`` (equal to calling the schedule step by step)."""
        n = check_n_steps(n_steps)
        nb = -(-n // self.block)
        out = np.concatenate([self._block(b) for b in range(nb)])[:n] if n else np.empty(0)
        w = min(self.warmup_steps, n)
        if w:
            out[:w] = self._ramp(np.arange(w, dtype=float))
        return out

    # ---- replicas ------------------------------------------------------------------------
    def sample(self, step: int, size: int) -> np.ndarray:
        """I.i.d. rates of ``size`` independent replicas at ``step``, shape ``(size,)``.

        Drawn from ``default_rng([seed, _TAG_REPLICA, step])``: depends only on ``(seed, step)``
        and replica ``r`` gets the same value for every ``size > r``. The warm-up ramp, when
        set, is deterministic and shared by all replicas.
        """
        t = check_step(step)
        size = check_int("size", size, low=1)
        if t < self.warmup_steps:
            return np.full(size, float(self._ramp(np.float64(t))))
        return np.random.default_rng([int(self.seed), _TAG_REPLICA, t]).uniform(self.l_min, self.l_max, size)
