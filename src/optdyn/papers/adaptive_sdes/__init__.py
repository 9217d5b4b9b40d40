"""optdyn.papers.adaptive_sdes: SignSGD, RMSpropW and AdamW and their SDEs (Compagnoni et al., ICLR 2025).

Modules
-------
noise      injected gradient noise: Gaussian (diagonal, batch size as sigma/sqrt(B)) and Student-t.
problems   the diagonal quadratic test bed f(x) = 1/2 sum_i lam_i (x_i - x*_i)^2.
The discrete optimisers (SGD, SignSGD, RMSpropW, AdamW) are the package-wide ones of
:mod:`optdyn.core.optim` (one protocol, optax style), re-exported here.
simulation the vectorised driver running R independent optimiser runs on a problem with injected noise.
sdes       the SDE models of the paper (and the comparison models: sign-descent ODE, Malladi-style SDEs).
integrate  Euler-Maruyama, vectorised over paths, SDE time t = k * eta.
theory     closed forms (phases, rates, stationary losses, heavy-tail constants, scaling rules).
checks     statistical criteria used by the chapter (band check, stationary levels, log-log slopes).
experiments the experiment drivers of the notebook (each takes a Generator, a named stream).
parameters the declarative schema of the notebook's parameters (SCHEMA).
"""
from optdyn.core.optim import AdamWState, Optimizer, RMSpropWState, adamw, rmspropw, sgd, signsgd
from optdyn.papers.adaptive_sdes.integrate import euler_maruyama
from optdyn.papers.adaptive_sdes.noise import GaussianNoise, StudentTNoise
from optdyn.papers.adaptive_sdes.problems import DiagQuadratic
from optdyn.papers.adaptive_sdes.sdes import SDE, adamw_sde, rmspropw_sde, sgd_sde, signsgd_sde
from optdyn.papers.adaptive_sdes.simulation import Trajectory, run_optimizer

__all__ = [
    "AdamWState",
    "DiagQuadratic",
    "GaussianNoise",
    "Optimizer",
    "RMSpropWState",
    "SDE",
    "StudentTNoise",
    "Trajectory",
    "adamw",
    "adamw_sde",
    "euler_maruyama",
    "rmspropw",
    "rmspropw_sde",
    "run_optimizer",
    "sgd",
    "sgd_sde",
    "signsgd",
    "signsgd_sde",
]
