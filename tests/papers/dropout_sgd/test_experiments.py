"""The dropout chapter's experiments at toy sizes: they run, return what the criteria need, depend only on
their own named streams, and agree with the exact theory where it applies (the L4 moment recursion)."""
import numpy as np
import pytest

from optdyn.papers.dropout_sgd import checks as ck, experiments as ex, theory as th
from optdyn.papers.dropout_sgd.design import fixed_design, paper_beta_star
from optdyn.papers.dropout_sgd.parameters import SCHEMA
from optdyn.papers.dropout_sgd.simulation import coupled_sq_distance
from optdyn.random import Streams

SMALL = dict(seed=3, profile="quick", target_p=0.9, target_n=2000, target_R=60, range_N=60, range_d=3, range_p=[0.9],
             range_grid=12, range_mc_masks=200, gmc_R=300, gmc_gd_frac=0.95, gmc_K_gd=6, gmc_sgd_alpha=0.1, gmc_K_sgd=30,
             gmc_d_sgd=4, q4_d=3, q4_K=3, q4_R=2000, n_boot=200, stat_R=200, stat_frac=0.5, small_frac=0.01, gd_avg_n=2000,
             gd_avg_R=60, clt_d=3, clt_alpha=0.1, clt_n=2000, clt_R=100, cov_d=3, cov_p=0.9, cov_alpha=0.1, cov_n=4000,
             cov_R=100, cov_checkpoints=4, cov_n_first=500, corr_d=3, corr_p=0.5, corr_r=0.5, corr_alpha_frac=0.4,
             corr_n=3000, corr_R=100, cov2_run=False, cov2_d=4, cov2_p=0.5, cov2_alpha=0.05, cov2_n=4000, cov2_R=100,
             cov2_checkpoints=3, cov2_n_first=500, diag_d=3, diag_alpha=0.02, diag_n=2000)


@pytest.fixture(scope="module")
def P():
    return SCHEMA.validate(SMALL)


def test_every_experiment_runs_and_feeds_its_criterion(P):
    s = Streams(P.seed)
    fd = ex.fixed_design(P, s)
    assert ck.target_identity_check(ex.target_identity(fd)).passed
    assert len(ck.target_outcomes(ex.target(P, s))[1]) == 2
    assert ck.sharp_range_check(ex.sharp_range(P, s, fd)).passed
    legs = ex.gmc(P, s, fd)
    assert [g.name for g in legs] == ["GD", "SGD"] and legs[0].window.size == P.gmc_K_gd + 1
    ck.gmc_outcomes(legs, rng=s["boot", "gmc"], n_boot=P.n_boot)
    ck.gmc_q4_outcomes(ex.gmc_q4(P, s))
    ck.stationary_outcomes(ex.stationary(P, s, fd), fd.moments.target)
    small = ex.small_step(P, s, fd)
    assert ck.small_step_limit_check(small["fr"], small["err"]).passed
    ck.gd_average_outcomes(ex.gd_average(P, s, fd))
    ck.asgd_clt_outcomes(ex.asgd_clt(P, s))
    assert ck.online_exact_check(ex.online_estimator_exact(s)).passed
    outs = ck.coverage_outcomes(ex.coverage(P, s))
    assert set(outs) == {"online_consistency", "coverage_prediction", "coverage_nominal", "joint_coverage_prediction",
                         "joint_coverage_nominal"}
    for name, (o, ctrl) in outs.items():
        assert set(ctrl) == {c.name for c in ck.CLAIMS[name].controls}
    ck.correlated_outcomes(ex.correlated(P, s))
    assert ex.single_run(P, s)["cov_hat"].shape[1:] == (3, 3)


def test_streams_are_named_not_positional(P):
    """An experiment's numbers do not depend on which experiments ran before it."""
    a = ex.asgd_clt(P, Streams(P.seed))["proj"]
    s = Streams(P.seed)
    ex.target(P, s)
    np.testing.assert_array_equal(ex.asgd_clt(P, s)["proj"], a)


def test_fourth_moment_recursion_matches_simulation():
    X, y = fixed_design(80, paper_beta_star(3), np.random.default_rng(0))
    a = 0.9 * th.gd_alpha_max(X)
    exact = th.expected_fourth_distance(X, 0.9, a, np.ones(3), 3)
    sq = coupled_sq_distance("gd", 0.9, a, 3, 100000, np.random.default_rng(1), np.zeros(3), np.ones(3), X=X, y=y)
    m = (sq**2).mean(1)
    se = (sq**2).std(1) / np.sqrt(sq.shape[1])
    assert np.all(np.abs(m - exact) <= 4 * se + 1e-12)
    m2 = th.gd_moments(X, y, 0.9)
    assert 0 < th.fourth_moment_rate(X, 0.9, a) < 1
    assert th.fourth_moment_rate(X, 0.9, a) > th.second_moment_rate(m2, a) ** 2  # L4 contracts more slowly
    with pytest.raises(ValueError, match="d <= 6"):
        th.fourth_moment_operator(np.ones((10, 7)), 0.9, 0.01)


def test_conditions_name_their_regime(P):
    """The regime conditions are predicates of the parameters: quick-sized coverage runs are outside the
    nominal regime; an unstable step is outside the learning-rate condition."""
    assert not SCHEMA.condition("coverage_regime").holds(P)
    assert not SCHEMA.condition("cov_step").holds({**P, "cov_alpha": 0.9})
    assert SCHEMA.condition("gmc_sgd_step").holds(P)
