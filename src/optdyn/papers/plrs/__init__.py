"""Package behind the PLRS chapter (Devapriya, Tholeti, Suresh, Kalyani, arXiv 2407.07613).

* :mod:`.schedule`: the PLRS learning-rate schedule; :mod:`.competitors`: the paper's competitor
  settings (the generic deterministic schedules live in :mod:`optdyn.core.schedules`);
* :mod:`.landscapes`: quartic strict saddle, isotropic quadratic, bounded sphere noise;
* :mod:`.theory`: Lemma 1 / Theorem 1 closed forms and their Monte Carlo counterparts;
* :mod:`.simulation`: vectorised SGD over R replicas with per-replica learning rates, escape times,
  f-change curves, sup-distances, the quadratic model of Lemmas 2-3;
* :mod:`.tensor`: online orthogonal tensor decomposition (App. G);
* :mod:`.digits`: the digits MLP (via :mod:`optdyn.core.nets`) trained under several schedules;
* :mod:`.analysis`: paired and two-sample shifts, the leading exponent of a power law, loss spikes;
* :mod:`.parameters`: the chapter's parameter schema and theorem conditions; :mod:`.experiments`: the
  experiments (parameters and named streams in, arrays out); :mod:`.checks`: the criteria and the claims
  (ledger v2); :mod:`.figures`: the figures; :mod:`.deviations`: the deviation log.
"""
from optdyn.papers.plrs.analysis import (
    epochs_to_threshold,
    leading_exponent_fit,
    paired_shift,
    signed_rank_p,
    spike_count,
)
from optdyn.papers.plrs.landscapes import IsotropicQuadratic, QuarticSaddle, sphere_noise
from optdyn.papers.plrs.simulation import (
    escape_times,
    f_change_curves,
    first_time_below,
    first_time_below_boot,
    replica_lr,
    run_sgd,
    sup_distance,
)
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
    "first_time_below_boot", "replica_lr", "run_sgd", "sup_distance", "lemma1_samples",
    "lemma1_second_moment", "noise_decomposition", "one_step_change_mc", "plrs_moments", "thm1_bound", "thm1_expected_change",
    "thm1_threshold", "epochs_to_threshold", "leading_exponent_fit",
    "paired_shift", "signed_rank_p", "spike_count",
]
