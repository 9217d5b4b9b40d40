"""Saddle-to-saddle dynamics in deep ReLU networks (Bantzis, Simon & Jacot, ICLR 2026).

The network is the bias-free ReLU chain of :mod:`optdyn.core.nets` (adapter :class:`ReLUChain`).

* :mod:`.data` - ridge teacher (D1), the 8-point circle of Example 1 (D2), sklearn digits (D3);
* :mod:`.model` - localised loss ``L0 = <G, Y_theta>``, escape speed, KKT residual;
* :mod:`.escape` - optimal escape direction (Riemannian gradient ascent on unit spheres, restarts);
* :mod:`.train` - GD from small init, plain or norm-adapted step, with recordings;
* :mod:`.metrics` - rank defects, ``s2/s1``, ReLU gaps, envelope test, plateau detection;
* :mod:`.theory` - ray solutions, escape-time closed forms, Example 1 construction;
* :mod:`.experiments` - experiment drivers and a 2-process ``parallel_map``.
"""
from optdyn.papers.saddle_to_saddle.data import circle_data, cost_gradient_at_zero, digits_data, ridge_teacher
from optdyn.papers.saddle_to_saddle.escape import EscapeResult, optimal_escape_direction
from optdyn.papers.saddle_to_saddle.checks import (count_large_svals, detect_plateaus, envelope_check, layer_spectra, rank_defect,
                      relu_gap, sv_ratio, upper_envelope)
from optdyn.papers.saddle_to_saddle.model import ReLUChain
from optdyn.papers.saddle_to_saddle.theory import (CIRCLE_RANK1_BOUND, CIRCLE_RANK2_SPEED, adaptive_escape_slope, circle_rank2_construction,
                     log_escape_slope, ray_escape_steps, ray_norm, speed_upper_bound)
from optdyn.papers.saddle_to_saddle.simulation import TrainResult, train_gd

__all__ = [
    "CIRCLE_RANK1_BOUND", "CIRCLE_RANK2_SPEED", "EscapeResult", "ReLUChain", "TrainResult",
    "adaptive_escape_slope", "circle_data", "circle_rank2_construction", "cost_gradient_at_zero",
    "count_large_svals", "detect_plateaus", "digits_data", "envelope_check", "layer_spectra",
    "log_escape_slope", "optimal_escape_direction", "rank_defect", "ray_escape_steps", "ray_norm",
    "relu_gap", "ridge_teacher", "speed_upper_bound", "sv_ratio", "train_gd", "upper_envelope",
]
