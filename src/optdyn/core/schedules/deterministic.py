"""Deterministic competitor schedules of the PLRS paper (App. F), as pure functions of the step.

All are frozen dataclasses with ``__call__(step)`` and a vectorised ``trace(n)``; steps are 0-based
mini-batch updates. Epoch-based settings are converted once with
:func:`optdyn.core.schedules.epochs_to_steps` (or given fractionally via ``steps_per_epoch``).
Formulas follow ``torch.optim.lr_scheduler`` where the paper used it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from optdyn.validation import check_choice, check_in_range, check_int, check_real

from optdyn.core.schedules.base import check_lr, check_n_steps, check_step

__all__ = ["Constant", "CosineAnnealing", "CosineWarmRestarts", "OneCycle", "Knee", "MultiStep"]


class _Vectorised:
    """Mixin: ``__call__`` and ``trace`` both go through the array formula ``_lr(t)``."""

    def _lr(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, step: int) -> float:
        t = check_step(step)
        self._check_range(np.array([t]))
        return float(self._lr(np.array([t], dtype=np.int64))[0])

    def trace(self, n_steps: int) -> np.ndarray:
        n = check_n_steps(n_steps)
        t = np.arange(n, dtype=np.int64)
        self._check_range(t)
        return self._lr(t).astype(float)

    def _check_range(self, t: np.ndarray) -> None:
        return None


@dataclass(frozen=True)
class Constant(_Vectorised):
    """``eta_t = lr`` for every step."""

    lr: float

    def __post_init__(self) -> None:
        check_lr("lr", self.lr, strict=True)

    def _lr(self, t):
        return np.full(t.shape, float(self.lr))


@dataclass(frozen=True)
class CosineAnnealing(_Vectorised):
    """Single cosine decay (no restarts), torch's closed form:
    ``eta_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / total_steps)) / 2``; held at
    ``eta_min`` for ``t >= total_steps``."""

    base_lr: float
    total_steps: int
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        b = check_lr("base_lr", self.base_lr, strict=True)
        check_int("total_steps", self.total_steps, low=1)
        m = check_lr("eta_min", self.eta_min)
        if m > b:
            raise ValueError(f"eta_min must be <= base_lr, got eta_min={self.eta_min!r} > base_lr={self.base_lr!r}")

    def _lr(self, t):
        tt = np.minimum(t, self.total_steps).astype(float)
        return self.eta_min + (self.base_lr - self.eta_min) * 0.5 * (1 + np.cos(np.pi * tt / self.total_steps))


@dataclass(frozen=True)
class CosineWarmRestarts(_Vectorised):
    """SGDR (Loshchilov & Hutter), torch ``CosineAnnealingWarmRestarts`` stepped per batch with
    fractional epochs ``e = t / steps_per_epoch``:
    ``eta = eta_min + (base_lr - eta_min)(1 + cos(pi T_cur / T_i))/2``, where for ``T_mult > 1``
    ``n = floor(log_{T_mult}(e (T_mult - 1)/T_0 + 1))``, ``T_cur = e - T_0 (T_mult^n - 1)/(T_mult - 1)``,
    ``T_i = T_0 T_mult^n``; for ``T_mult = 1``, ``T_cur = e mod T_0``. With ``T_0 = 1``,
    ``T_mult = 2`` restarts happen at epochs 1, 3, 7, 15, ... (paper App. F: eta_min = 1e-4)."""

    base_lr: float
    steps_per_epoch: int
    t0_epochs: float = 1.0
    t_mult: float = 2.0
    eta_min: float = 1e-4

    def __post_init__(self) -> None:
        b = check_lr("base_lr", self.base_lr, strict=True)
        check_int("steps_per_epoch", self.steps_per_epoch, low=1)
        check_in_range("t0_epochs", self.t0_epochs, 0.0, None, low_closed=False)
        check_in_range("t_mult", self.t_mult, 1.0, None)
        m = check_lr("eta_min", self.eta_min)
        if m > b:
            raise ValueError(f"eta_min must be <= base_lr, got eta_min={self.eta_min!r} > base_lr={self.base_lr!r}")

    def cycle_position(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T_cur, T_i)`` in epochs for step indices ``t``."""
        e = np.asarray(t, dtype=float) / self.steps_per_epoch
        t0, m = float(self.t0_epochs), float(self.t_mult)
        if m == 1.0:
            return np.mod(e, t0), np.full(e.shape, t0)
        n = np.floor(np.log(e * (m - 1) / t0 + 1) / np.log(m))
        # guard float rounding at exact restart boundaries
        start = t0 * (m**n - 1) / (m - 1)
        n = np.where(start > e + 1e-12, n - 1, n)
        n = np.where(t0 * (m ** (n + 1) - 1) / (m - 1) <= e + 1e-12, n + 1, n)
        start = t0 * (m**n - 1) / (m - 1)
        return e - start, t0 * m**n

    def _lr(self, t):
        tcur, ti = self.cycle_position(t)
        return self.eta_min + (self.base_lr - self.eta_min) * 0.5 * (1 + np.cos(np.pi * tcur / ti))


@dataclass(frozen=True)
class OneCycle(_Vectorised):
    """torch ``OneCycleLR`` (no momentum cycling). Initial rate ``max_lr/div_factor``, final
    ``initial/final_div_factor``. Three phases (paper App. F, ``three_phase=True``): end steps
    ``[pct N - 1, 2 pct N - 2, N - 1]``, rates initial -> max -> initial -> final; two phases:
    ``[pct N - 1, N - 1]``, initial -> max -> final. Within a phase
    ``p = (t - start)/(end - start)``; linear anneal ``a + p (b - a)``, cosine anneal
    ``b + (a - b)(1 + cos(pi p))/2``. Steps ``0 .. total_steps - 1``."""

    max_lr: float
    total_steps: int
    pct_start: float = 0.45
    div_factor: float = 10.0
    final_div_factor: float = 1e4
    three_phase: bool = True
    anneal: Literal["linear", "cos"] = "linear"

    def __post_init__(self) -> None:
        check_lr("max_lr", self.max_lr, strict=True)
        n = check_int("total_steps", self.total_steps, low=2)
        check_in_range("pct_start", self.pct_start, 0.0, 1.0, low_closed=False, high_closed=False)
        check_in_range("div_factor", self.div_factor, 0.0, None, low_closed=False)
        check_in_range("final_div_factor", self.final_div_factor, 0.0, None, low_closed=False)
        check_choice("anneal", self.anneal, ("linear", "cos"))
        if not isinstance(self.three_phase, bool):
            raise TypeError(f"three_phase must be a bool, got {self.three_phase!r}")
        ends = self.phase_ends()
        if any(b <= a for a, b in zip((0.0,) + ends[:-1], ends)):
            raise ValueError(
                f"pct_start={self.pct_start!r} with total_steps={n} gives empty phases {ends}; "
                "increase total_steps or move pct_start away from 0 and 0.5/1"
            )

    @property
    def initial_lr(self) -> float:
        return self.max_lr / self.div_factor

    @property
    def final_lr(self) -> float:
        return self.initial_lr / self.final_div_factor

    def phase_ends(self) -> tuple[float, ...]:
        n, p = self.total_steps, self.pct_start
        if self.three_phase:
            return (float(p * n) - 1, float(2 * p * n) - 2, float(n) - 1)
        return (float(p * n) - 1, float(n) - 1)

    def _phases(self):
        a, m, f = self.initial_lr, self.max_lr, self.final_lr
        vals = [(a, m), (m, a), (a, f)] if self.three_phase else [(a, m), (m, f)]
        return list(zip(self.phase_ends(), vals))

    def _check_range(self, t):
        if t.size and t.max() >= self.total_steps:
            raise ValueError(f"step must be < total_steps={self.total_steps}, got {int(t.max())}")

    def _lr(self, t):
        t = t.astype(float)
        out = np.empty(t.shape)
        start = 0.0
        done = np.zeros(t.shape, bool)
        phases = self._phases()
        for i, (end, (a, b)) in enumerate(phases):
            sel = ~done & ((t <= end) | (i == len(phases) - 1))
            p = (t[sel] - start) / (end - start)
            if self.anneal == "linear":
                out[sel] = a + p * (b - a)
            else:
                out[sel] = b + (a - b) / 2.0 * (np.cos(np.pi * p) + 1)
            done |= sel
            start = end
        return out


@dataclass(frozen=True)
class Knee(_Vectorised):
    """Knee / explore-exploit schedule (Iyer et al.): optional linear warm-up
    ``peak t / warmup_steps`` for ``t < warmup_steps``, the peak rate until ``explore_steps``
    (counted from step 0, warm-up included), then a linear decay reaching 0 at ``total_steps``:
    ``peak (total_steps - t)/(total_steps - explore_steps)``; 0 from ``total_steps`` on.
    Paper App. F: 100 explore epochs of 500, no warm-up."""

    peak_lr: float
    total_steps: int
    explore_steps: int
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        check_lr("peak_lr", self.peak_lr, strict=True)
        n = check_int("total_steps", self.total_steps, low=1)
        e = check_int("explore_steps", self.explore_steps, low=0, high=n - 1)
        check_int("warmup_steps", self.warmup_steps, low=0, high=e)

    def _lr(self, t):
        t = t.astype(float)
        n, e, w, p = self.total_steps, self.explore_steps, self.warmup_steps, float(self.peak_lr)
        out = np.where(t < e, p, p * np.clip((n - t) / (n - e), 0.0, 1.0))
        if w:
            out = np.where(t < w, p * t / w, out)
        return out


@dataclass(frozen=True)
class MultiStep(_Vectorised):
    """torch ``MultiStepLR``: ``eta_t = base_lr * gamma^{#{m in milestones : m <= t}}``.
    Milestones are in **steps** (convert epochs with :func:`epochs_to_steps`)."""

    base_lr: float
    milestones: Sequence[int]
    gamma: float = 0.1

    def __post_init__(self) -> None:
        check_lr("base_lr", self.base_lr, strict=True)
        ms = tuple(check_int("milestones", m, low=0) for m in self.milestones)
        if list(ms) != sorted(ms):
            raise ValueError(f"milestones must be non-decreasing step indices, got {list(self.milestones)!r}")
        object.__setattr__(self, "milestones", ms)
        check_in_range("gamma", self.gamma, 0.0, None, low_closed=False)

    def _lr(self, t):
        k = np.searchsorted(np.asarray(self.milestones, dtype=np.int64), t, side="right")
        return self.base_lr * float(self.gamma) ** k
