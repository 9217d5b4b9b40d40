"""Backpropagation with adaptive momentum on DAG architectures (Agarwal, Klobusicky & Schonfeld;
update rule and step-size condition reconstructed from Wu et al. 2008, see the chapter).

Modules: :mod:`.optimizers` (adaptive momentum and the controls, on the optimiser protocol),
:mod:`.simulation` (vectorised training with recordings, the budget rule), :mod:`.diagnostics`
(gradient checks, sharpness, certificates, convergence measures, the phase diagram), :mod:`.frozen`
(the unweighted ResNet with frozen identity skips, carried by the core network), :mod:`.data`, :mod:`.autoencoder`, and the chapter: :mod:`.parameters`
(schema and theorem conditions), :mod:`.experiments`, :mod:`.checks` (criteria and claims, ledger v2),
:mod:`.figures`, :mod:`.deviations`.
"""
from optdyn.core.optim import MomentumState, Optimizer, gradient_descent, heavy_ball
from optdyn.papers.momentum_dag.data import blob_images, digits_classification, digits_images, parity, smooth_regression
from optdyn.papers.momentum_dag.diagnostics import (backprop_no_accumulation, convergence_metrics, count_violations, descent_direction_ratio, descent_ratios, endpoint_ratio, exit_step, fd_gradient, grad_check, min_descent_ratio, norm_log_growth, phase_diagram, sharpness, step_bound_ratio, tail_path_ratio, tail_sq_ratio, violations_mask)
from optdyn.papers.momentum_dag.theory import c_const, eta_star
from optdyn.papers.momentum_dag.frozen import identity_resnet
from optdyn.papers.momentum_dag.optimizers import adaptive_momentum, constant_length_momentum, fixed_length_steps, stack_runs
from optdyn.papers.momentum_dag.simulation import History, train, train_budgeted

__all__ = [
    "MomentumState", "Optimizer", "gradient_descent", "heavy_ball", "blob_images", "digits_classification",
    "digits_images", "parity", "smooth_regression", "backprop_no_accumulation", "c_const",
    "convergence_metrics", "count_violations", "descent_direction_ratio", "descent_ratios", "endpoint_ratio",
    "eta_star", "exit_step", "fd_gradient", "grad_check", "min_descent_ratio", "norm_log_growth", "phase_diagram",
    "sharpness", "step_bound_ratio", "tail_path_ratio", "tail_sq_ratio", "violations_mask",
    "identity_resnet", "adaptive_momentum", "constant_length_momentum", "fixed_length_steps", "stack_runs", "History",
    "train", "train_budgeted",
]
