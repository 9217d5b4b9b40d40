"""Backpropagation with adaptive momentum on DAG architectures (Agarwal, Klobusicky & Schonfeld;
update rule and step-size condition reconstructed from Wu et al. 2008, see the chapter)."""
from optdyn.papers.momentum_dag.data import blob_images, digits_images, parity, smooth_regression
from optdyn.papers.momentum_dag.checks import (convergence_metrics, min_descent_ratio, backprop_no_accumulation, best_iterate_bound, c_const, count_violations, descent_ratios,
                          endpoint_ratio, eta_star, fd_gradient, grad_check, phase_diagram, sharpness,
                          step_bound_ratio, tail_path_ratio, tail_sq_ratio, violations_mask)
from optdyn.core.optim import MomentumState, Optimizer, gradient_descent, heavy_ball
from optdyn.papers.momentum_dag.optimizers import adaptive_momentum, constant_length_momentum
from optdyn.papers.momentum_dag.simulation import History, train

__all__ = [
    "convergence_metrics", "min_descent_ratio",
    "blob_images", "digits_images", "parity", "smooth_regression", "backprop_no_accumulation",
    "best_iterate_bound", "c_const", "count_violations", "descent_ratios", "endpoint_ratio", "eta_star",
    "fd_gradient", "grad_check", "phase_diagram", "sharpness", "step_bound_ratio", "tail_path_ratio",
    "tail_sq_ratio", "violations_mask", "History", "MomentumState", "Optimizer", "adaptive_momentum",
    "gradient_descent", "heavy_ball", "train", "constant_length_momentum",
]
