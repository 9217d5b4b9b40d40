"""Package behind the PLRS chapter (Devapriya, Tholeti, Suresh, Kalyani, arXiv 2407.07613).

* :mod:`.schedule`: the PLRS learning-rate schedule; :mod:`.competitors`: the paper's competitor
  settings (the generic deterministic schedules live in :mod:`optdyn.core.schedules`);
* :mod:`.landscapes`: quartic strict saddle, isotropic quadratic, bounded sphere noise;
* :mod:`.theory`: Lemma 1 / Theorem 1 closed forms and their Monte Carlo counterparts;
* :mod:`.simulation`: vectorised SGD over R replicas with per-replica learning rates, escape times,
  f-change curves, sup-distances;
* :mod:`.checks`: Mann-Whitney, Hodges-Lehmann, log-log slopes, loss spikes;
* :mod:`.digits`: the digits MLP (via :mod:`optdyn.core.nets`) trained under several schedules;
* :mod:`.experiments`: the experiment drivers of the notebook; :mod:`.parameters`: the chapter's
  parameter schema.
"""
from optdyn.papers.plrs.checks import epochs_to_threshold, hodges_lehmann, loglog_slope_from_means, mann_whitney, quantile_slope_boot, spike_count
from optdyn.papers.plrs.landscapes import IsotropicQuadratic, QuarticSaddle, sphere_noise
from optdyn.papers.plrs.simulation import escape_times, f_change_curves, first_time_below, first_time_below_boot, replica_lr, run_sgd, sup_distance
from optdyn.papers.plrs.theory import (
    lemma1_samples,
    lemma1_second_moment,
    noise_decomposition,
    one_step_change_mc,
    plrs_moments,
    thm1_bound,
    thm1_expected_change,
    thm1_threshold,
)

__all__ = [
    "IsotropicQuadratic", "QuarticSaddle", "sphere_noise", "escape_times", "f_change_curves", "first_time_below",
    "first_time_below_boot", "replica_lr", "run_sgd", "sup_distance", "lemma1_samples", "lemma1_second_moment",
    "noise_decomposition", "one_step_change_mc", "plrs_moments", "thm1_bound", "thm1_expected_change",
    "thm1_threshold", "epochs_to_threshold", "hodges_lehmann", "loglog_slope_from_means", "mann_whitney",
    "quantile_slope_boot", "spike_count",
]
