"""The paper's competitor settings (App. F, brief Sec. 3.2) scaled to a training budget.

All durations are stated in epochs, as in the paper, and converted to steps here, once.
"""
from __future__ import annotations

from optdyn.validation import check_choice, check_in_range, check_int

from optdyn.core.schedules.base import Schedule, check_lr, epochs_to_steps
from optdyn.core.schedules.deterministic import Constant, CosineAnnealing, CosineWarmRestarts, Knee, MultiStep, OneCycle
from optdyn.papers.plrs.schedule import PLRS

__all__ = ["SCHEDULE_NAMES", "paper_defaults"]

SCHEDULE_NAMES = ("plrs", "cosine_wr", "cosine", "one_cycle", "knee", "multi_step", "constant")


def paper_defaults(
    name: str,
    *,
    total_epochs: int,
    steps_per_epoch: int,
    peak_lr: float,
    l_min_ratio: float = 0.7,
    constant_lr: float | None = None,
    seed: int | None = None,
) -> Schedule:
    """Schedule ``name`` with the paper's settings for a run of ``total_epochs`` epochs.

    * ``plrs``: ``U[l_min_ratio * peak_lr, peak_lr]`` per step (``L_max = peak_lr``), drawn from
      ``seed`` (required for ``plrs``: there is no default seed; the other schedules are
      deterministic and ignore it).
    * ``cosine_wr``: SGDR, ``T_0 = 1`` epoch, ``T_mult = 2``, ``eta_min = 1e-4`` (capped at peak).
    * ``cosine``: single cosine annealing to 0 over the run.
    * ``one_cycle``: torch OneCycleLR, ``pct_start = 0.45``, ``div_factor = 10``,
      ``final_div_factor = 1e4``, three phases, linear anneal.
    * ``knee``: explore at the peak for 20% of the epochs (100 of 500), then linear decay to 0.
    * ``multi_step``: x0.1 at 20% and 30% of the epochs (epochs 100 and 150 of 500, ResNet setting).
    * ``constant``: ``constant_lr`` (default: the PLRS centre ``(1 + l_min_ratio) peak_lr / 2``,
      the fair baseline of brief pitfall 5).
    """
    check_choice("name", name, SCHEDULE_NAMES)
    ep = check_int("total_epochs", total_epochs, low=1)
    spe = check_int("steps_per_epoch", steps_per_epoch, low=1)
    peak = check_lr("peak_lr", peak_lr, strict=True)
    ratio = check_in_range("l_min_ratio", l_min_ratio, 0.0, 1.0)
    n = ep * spe
    if name == "plrs":
        if seed is None:
            raise TypeError("paper_defaults('plrs', ...) needs an explicit seed (e.g. streams.seed_of(name))")
        return PLRS(l_min=ratio * peak, l_max=peak, seed=seed)
    if name == "cosine_wr":
        return CosineWarmRestarts(base_lr=peak, steps_per_epoch=spe, t0_epochs=1.0, t_mult=2.0, eta_min=min(1e-4, peak))
    if name == "cosine":
        return CosineAnnealing(base_lr=peak, total_steps=n, eta_min=0.0)
    if name == "one_cycle":
        return OneCycle(max_lr=peak, total_steps=n, pct_start=0.45, div_factor=10.0, final_div_factor=1e4, three_phase=True)
    if name == "knee":
        return Knee(peak_lr=peak, total_steps=n, explore_steps=epochs_to_steps(0.2 * ep, spe))
    if name == "multi_step":
        return MultiStep(base_lr=peak, milestones=(epochs_to_steps(0.2 * ep, spe), epochs_to_steps(0.3 * ep, spe)), gamma=0.1)
    lr = 0.5 * (1 + ratio) * peak if constant_lr is None else check_lr("constant_lr", constant_lr, strict=True)
    return Constant(lr)
