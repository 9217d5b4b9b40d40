"""The saddle-to-saddle chapter's criteria on synthetic inputs: each must pass what the paper's statement predicts
and fail a stated near miss (the unit-level version of the chapter's controls), and its claims are declared
completely (kind, conditions, near-miss and positive controls)."""
import math

import numpy as np

from optdyn.papers.saddle_to_saddle import checks as ck

RNG = np.random.default_rng


def test_claim_inventory():
    """The chapter's claim ids and kinds (the declarations themselves: tests/papers/test_claims_declared.py)."""
    assert len(ck.CLAIMS) == 17
    # claim ids that survive from ledger v1 keep their names
    for old in ("implementation", "kkt_balanced", "circle_counterexample", "depth_monotone", "low_rank_optimum", "gd_escape",
                "width_helps", "escape_time_aligned", "escape_time_random", "escape_time_adaptive", "plateaus_rank", "digits_fig1"):
        assert old in ck.CLAIMS
    assert ck.CLAIMS["width_helps_gd"].expected == "not reproduced"


def test_implementation_and_construction_checks():
    good = {2: dict(fd_local=1e-9, homogeneity=1e-15), 3: dict(fd_local=3e-10, homogeneity=1e-14)}
    assert ck.implementation_check(good).passed
    assert not ck.implementation_check({**good, 4: dict(fd_local=1e-9, homogeneity=0.3)}).passed
    cons = dict(speed=0.5, norm_err=0.0, fn_err=0.0, rank_one_bound=math.sqrt(2) - 1)
    assert ck.construction_check(cons).passed
    assert not ck.construction_check({**cons, "speed": 0.4999}).passed
    assert not ck.construction_check({**cons, "rank_one_bound": 0.415}).passed


def _balance(norm_dev=0.0, kkt=1e-4, s=2.0, s_ref=2.0):
    norms = np.ones((3, 4))
    norms[0, 1] += norm_dev
    return {4: dict(norms=norms, kkt=np.full(3, kkt), speed=np.array([s, s - 0.1, s - 0.2]), s_ref=s_ref)}


def test_balance_check_sees_a_five_percent_imbalance():
    assert ck.balance_check(_balance(3e-4)).passed
    assert not ck.balance_check(_balance(0.05)).passed            # the near miss
    assert not ck.balance_check(_balance(kkt=0.05)).passed        # not a KKT point
    assert not ck.balance_check(_balance(s=1.99)).passed          # a different optimum
    bad = _balance()
    bad[4]["norms"][0, 0] = np.nan
    assert ck.balance_check(bad).passed is None


def test_counterexample_and_monotone_checks():
    assert ck.counterexample_check(0.4995, 0.499).passed
    assert not ck.counterexample_check(math.sqrt(2) - 1, 0.0).passed   # rank-one first layer
    assert not ck.counterexample_check(0.4995, 0.2).passed
    sp = {"D1": {2: 2.0, 3: 2.0, 4: 2.0}, "D2": {2: 0.4142, 3: 0.4995, 4: 0.4996}, "D4": {2: 0.0, 3: 0.494, 4: 0.4939}}
    assert ck.monotone_check(sp).passed
    assert not ck.monotone_check({**sp, "D1": {2: 2.0, 3: 2.0, 4: 1.99}}).passed
    assert not ck.monotone_check({**sp, "D2": {2: 0.4142, 3: 0.45, 4: 0.46}}).passed   # no jump at L = 3


def _report(eps, gap):
    eps, gap = np.asarray(eps, float), np.asarray(gap, float)
    return {"eps": eps, "act_defect": gap * 0.5, "relu_gap": gap}


def test_envelope_check():
    reps = {("D2", 4): _report([0.5, 1e-4, 0, 0], [0.5, 0.5, 0]), ("D2", 6): _report([0.5, 1e-5, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0])}
    assert ck.envelope_check(reps).passed
    # the near miss: layer 3 at 1.25 x the envelope max(e1, sqrt2 e2)/sqrt3
    e3 = 1.25 * 0.5 / math.sqrt(3)
    assert not ck.envelope_check({**reps, ("D2", 6): _report([0.5, 1e-5, e3, 0, 0, 0], [0.5, 0.5, 0, 0, 0])}).passed
    # a deep ReLU gap above the envelope of the first two layers
    assert not ck.envelope_check({**reps, ("D2", 6): _report([0.5, 0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0.4])}).passed
    # a larger first-layer defect at another depth is allowed (the optimum need not be unique): c <= sqrt(2) anyway
    assert ck.envelope_check({**reps, ("D2", 6): _report([0.7, 0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0])}).passed
    assert ck.envelope_check({("D1", 4): _report([0, 0, 0, 0], [0.4, 0, 0])}).passed


def test_propagation_and_budget_checks():
    d = np.array([6e-2, 6e-4, 6e-6])
    assert ck.propagation_check(d, [3e-4, 6e-7, 2e-12]).passed
    assert not ck.propagation_check(d, [0.59, 0.59, 0.59]).passed   # signed input: the ReLU gap does not vanish
    assert ck.propagation_check(d, [np.nan, 0, 0]).passed is None
    pts = {"a": (np.array([0.1, 1.0]), np.array([2.0, 1.5]), np.array([3, 4])),
           "b": (np.array([0.0]), np.array([np.inf]), np.array([2]))}
    assert ck.budget_check(pts).passed
    assert not ck.budget_check({"a": (np.array([2.1]), np.array([2.0]), np.array([3]))}).passed
    assert not ck.budget_check({"b": pts["b"]}).passed  # no point with s > 0: nothing checked


def test_escape_checks():
    good = np.array([[0.99999, 0.99999, 1e-6], [0.9995, 0.9991, 5e-3], [0.98352, 0.967, 1e-6]])  # one run at another escape direction
    assert ck.escape_direction_check(good).passed
    assert not ck.escape_direction_check(np.array([[0.987, 0.997, 2.8e-2]] * 3)).passed   # moderate init
    assert not ck.escape_direction_check(good[[0, 2, 2]]).passed                          # the typical run is not the optimum
    assert not ck.escape_direction_check(np.r_[good, [[0.5, 0.6, 1e-6]]]).passed         # a slow escape direction
    assert ck.escape_direction_check(np.array([[np.nan] * 3])).passed is None
    # speeds are judged, the output cosine is reported: a near-degenerate optimum (random variant, seed 38696) passes,
    # the moderate init with the smallest misalignment seen in 20 random variants (median s/s* 0.9949) does not
    assert ck.escape_direction_check(np.array([[0.99933, 0.99896, 1.9e-6], [0.99950, 0.9990, 1e-6], [0.99925, 0.9987, 1e-6]])).passed
    assert not ck.escape_direction_check(np.array([[0.9949, 0.9996, 4e-3], [0.9943, 0.9995, 4e-3], [0.9955, 0.9997, 3e-3]])).passed
    # censoring: a run that did not escape within the budget is left out; more than half of the runs (>= 2) must escape
    nan = [[np.nan] * 3]
    assert ck.escape_direction_check(np.r_[good, nan]).passed
    assert "1 of 4 runs censored" in ck.escape_direction_check(np.r_[good, nan]).measured
    assert ck.escape_direction_check(np.r_[good[:2], nan]).passed
    assert not ck.escape_direction_check(np.r_[good[:1], [[0.5, 0.6, 1e-6]], nan]).passed  # censoring hides no failure
    assert ck.escape_direction_check(np.r_[good[:1], nan, nan]).passed is None
    assert ck.escape_direction_check(np.r_[good[:2], nan, nan]).passed is None             # half is not enough
    assert [ck.min_escaped(n) for n in (1, 2, 3, 4, 5, 10)] == [2, 2, 2, 3, 3, 6]
    assert ck.escape_point_check([0.98, 0.98, 0.97, 0.95], [0.014, 0.024, 0.018, 0.064]).passed
    assert not ck.escape_point_check([0.96, 0.90, 0.86, 0.82], [0.11, 0.10, 0.095, 0.12]).passed   # moderate init: not settled
    assert not ck.escape_point_check([0.98, 0.97, 0.96], [0.01, 0.02, 0.15]).passed              # one run far from a KKT point
    assert ck.escape_point_check([1.0, 0.99, 0.84, 0.99], [0.001, 0.022, 0.020, 0.023]).passed    # one slower escape direction
    assert not ck.escape_point_check([0.95, 0.70, 0.99], [0.01, 0.01, 0.01]).passed              # a slow escape direction
    assert not ck.escape_point_check([0.80, 0.82, 0.95], [0.01, 0.01, 0.01]).passed              # typically slow
    assert ck.escape_point_check([0.95, np.nan], [0.01, np.nan]).passed is None
    assert ck.escape_point_check([0.98, 0.97, 0.96, np.nan], [0.01, 0.02, 0.03, np.nan]).passed
    assert not ck.escape_point_check([0.98, 0.97, 0.60, np.nan], [0.01, 0.02, 0.03, np.nan]).passed
    assert ck.escape_point_check([0.98, 0.97, np.nan, np.nan], [0.01, 0.02, np.nan, np.nan]).passed is None


def test_width_trend_check_and_its_placebo():
    assert ck.width_trend_check([0, 12, 25], 32, [4, 16, 32]).passed
    assert not ck.width_trend_check([0, 0], 8, [4, 32]).passed            # GD: never faster than sqrt(2) - 1
    assert not ck.width_trend_check([12, 13], 16, [0, 1]).passed          # same-width placebo
    assert not ck.width_trend_check([10, 30, 20], 32, [4, 16, 32]).passed  # difference below 0.2... and Fisher
    # the placebo passes the criterion in well under 1 % of runs (binomial arms of 16 at the same rate)
    rng = RNG(0)
    for p in (0.3, 0.6, 0.8):
        k = rng.binomial(16, p, size=(2000, 2))
        rate = np.mean([ck.width_trend_check(list(x), 16, [0, 1]).passed for x in k])
        assert rate < 0.01, (p, rate)


def test_escape_time_checks():
    T = np.array([217, 158, 100, 60])
    pred = np.array([215.3, 157.1, 98.9, 58.2])
    assert ck.aligned_time_check([(2, T, pred)]).passed
    assert not ck.aligned_time_check([(2, T, pred / 0.9)]).passed        # a 10 % slower direction
    assert not ck.aligned_time_check([(3, np.array([-1, 10]), np.array([9.0, 10.0]))]).passed
    x = np.log(1 / np.array([1e-8, 1e-6, 1e-4, 1e-2]))
    y = 30 + 5.44 * x + RNG(1).normal(0, 0.3, 4)
    assert ck.law_slope_check([("L=2", x, y, 5.44, 0.05, True)]).passed
    assert not ck.law_slope_check([("L=2", x, y, 5.99, 0.05, True)]).passed
    assert not ck.law_slope_check([("L=3", x, 1.03 * x, 1.3, 0.15, False)]).passed
    assert ck.law_slope_check([("L=3", x, np.r_[np.nan, y[1:]], 1.0, 0.15, False)]).passed is None


def test_plateau_and_fig1_checks():
    run = {"plateaus": [(70, 3000, 0.88), (3300, 9000, 0.17)], "ranks": [1, 2], "final": 9e-4}
    assert ck.plateau_check([run, run], 2).passed
    assert not ck.plateau_check([run, {**run, "ranks": [2, 3]}], 2).passed
    assert not ck.plateau_check([run, run], 2, expected=(1, 1)).passed       # near miss: rank 1 on both plateaus
    assert not ck.plateau_check([run, {**run, "plateaus": run["plateaus"][:1], "ranks": [1]}], 2).passed
    r = np.array([0.59, 0.02, 0.025, 0.02, 0.019, 0.0])
    assert ck.fig1_check(r, range(2, 7), [1]).passed
    assert not ck.fig1_check(r, range(1, 7), []).passed                    # every layer rank one
    assert not ck.fig1_check(np.array([0.2, 0.02, 0.02]), range(2, 4), [1]).passed
