"""optdyn.papers.adaptive_sdes: SignSGD, RMSpropW and AdamW and their SDEs (Compagnoni et al., ICLR 2025).

Modules
-------
noise        injected gradient noise: Gaussian (diagonal, batch size as sigma/sqrt(B)) and Student-t.
problems     the diagonal quadratic test bed, a least-squares data set for real mini-batches, and the full-batch
             loss of a small network (``NetworkProblem``, on ``optdyn.core.nets``).
simulation   the vectorised drivers: R independent optimiser runs with injected noise, and with real mini-batches.
             The discrete optimisers (SGD, SignSGD, RMSpropW, AdamW) are the package-wide ones of
             :mod:`optdyn.core.optim` (one protocol, optax style), re-exported here.
sdes         the SDE models of the paper (and the comparison models: sign-descent and drift ODEs, Malladi-style SDEs).
integrate    Euler-Maruyama, vectorised over paths, SDE time t = k eta.
theory       closed forms (phases, rates, stationary losses, heavy-tail constants, scaling rules).
parameters   the declarative schema of the notebook's parameters (SCHEMA) and the theorem conditions (CONDITIONS).
experiments  the experiments of the notebook (each takes the parameters and the named streams), including the
             weak-order runs at several learning rates and the exact lattice / quadrature computations.
checks       the criteria (pure functions returning an Outcome) and the ledger-v2 claims (CLAIMS).
figures      the figures, drawn from experiment output.
deviations   the chapter's deviation log.
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
