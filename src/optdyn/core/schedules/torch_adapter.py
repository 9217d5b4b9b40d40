"""Optional PyTorch adapter (torch is imported lazily; it is not a dependency of optdyn).

``as_torch_scheduler(optimizer, schedule)`` returns a ``torch.optim.lr_scheduler.LambdaLR`` with
every group's base rate set to 1, so the group rate is exactly ``schedule(last_epoch)``. torch's
constructor already performs one ``step()`` (``last_epoch = 0``), so the rate of step 0 is set on
construction; call ``scheduler.step()`` after **every mini-batch** (PLRS samples per step).
"""
from __future__ import annotations

from optdyn.core.schedules.base import Schedule

__all__ = ["as_torch_scheduler"]


def as_torch_scheduler(optimizer, schedule: Schedule):
    """Wrap an optdyn schedule as a per-batch torch LR scheduler (``LambdaLR``, base lr 1)."""
    if not callable(schedule):
        raise TypeError(f"schedule must be callable step -> lr, got {type(schedule).__name__}")
    try:
        from torch.optim.lr_scheduler import LambdaLR
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("as_torch_scheduler needs PyTorch: pip install torch") from exc
    for g in optimizer.param_groups:
        g["lr"] = 1.0
        g["initial_lr"] = 1.0
    return LambdaLR(optimizer, lr_lambda=lambda step: float(schedule(int(step))))
