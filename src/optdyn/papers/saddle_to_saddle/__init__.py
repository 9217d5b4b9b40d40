"""Saddle-to-saddle dynamics in deep ReLU networks (Bantzis, Simon & Jacot, ICLR 2026): chapter ``saddle_to_saddle``.

The network is the bias-free ReLU chain of :mod:`optdyn.core.nets` (adapter :class:`ReLUChain`).

* :mod:`.data` - ridge teacher (D1), the 8-point circle of Example 1 (D2), sklearn digits (D3), the cube
  parity (D4), near-rank-one inputs (Proposition 3.3);
* :mod:`.model` - localised loss ``L0 = <G, Y_theta>``, escape speed, KKT residuals (product of spheres and
  single sphere);
* :mod:`.escape` - optimal escape direction (Riemannian ascent on the product of unit spheres, restarts) and the
  independent single-sphere ascent from unbalanced starts;
* :mod:`.simulation` - GD from small init, plain or norm-adapted step, with recordings;
* :mod:`.metrics` - rank defects, ``s2/s1``, ReLU gaps, plateau detection;
* :mod:`.theory` - ray solutions, escape-time closed forms, Example 1, the bounds of Theorem 3.1 and
  Proposition 3.4;
* ``parameters``, ``experiments``, ``checks``, ``figures``, ``deviations`` - the chapter: its parameter schema
  and theorem conditions, its experiments, its claims with their criteria (ledger v2), its figures and its
  deviation log.
"""
from optdyn.papers.saddle_to_saddle.data import (circle_data, cost_gradient_at_zero, cube_parity_data, digits_data,
                                                 near_rank_one_inputs, ridge_teacher)
from optdyn.papers.saddle_to_saddle.escape import (EscapeResult, SphereResult, optimal_escape_direction, sphere_ascent,
                                                   unbalanced_starts)
from optdyn.papers.saddle_to_saddle.metrics import (count_large_svals, detect_plateaus, envelope_check, plateau_ranks,
                                                    rank_defect, relu_gap, sv_ratio, upper_envelope, with_rank_defect)
from optdyn.papers.saddle_to_saddle.model import ReLUChain
from optdyn.papers.saddle_to_saddle.simulation import TrainResult, train_gd
from optdyn.papers.saddle_to_saddle.theory import (CIRCLE_RANK1_BOUND, CIRCLE_RANK2_SPEED, adaptive_escape_slope,
                                                   circle_rank2_construction, circle_rank_one_bound, defect_budget,
                                                   log_escape_slope, lowrank_ratio_bound, ray_escape_steps, ray_norm,
                                                   speed_upper_bound)

__all__ = [
    "CIRCLE_RANK1_BOUND", "CIRCLE_RANK2_SPEED", "EscapeResult", "ReLUChain", "SphereResult", "TrainResult",
    "adaptive_escape_slope", "circle_data", "circle_rank2_construction", "circle_rank_one_bound", "cost_gradient_at_zero",
    "count_large_svals", "cube_parity_data", "defect_budget", "detect_plateaus", "digits_data", "envelope_check",
    "log_escape_slope", "lowrank_ratio_bound", "near_rank_one_inputs", "optimal_escape_direction",
    "plateau_ranks", "rank_defect", "ray_escape_steps", "ray_norm", "relu_gap", "ridge_teacher", "speed_upper_bound",
    "sphere_ascent", "sv_ratio", "train_gd", "unbalanced_starts", "upper_envelope", "with_rank_defect",
]
