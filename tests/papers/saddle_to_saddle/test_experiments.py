"""The saddle-to-saddle chapter's experiments at toy sizes: they run, return what the criteria need (with the
controls each claim declares), depend only on their own named streams, and the new solvers and bounds behave as
the theory says (balance reached without being imposed, the Proposition 3.4 bound, the exact Theorem 3.1 bound).
The toy parameters switch on the code paths only the book and full profiles use (digits, random starts at L = 4)."""
import math

import numpy as np
import pytest

from optdyn.papers.saddle_to_saddle import checks as ck, experiments as ex
from optdyn.papers.saddle_to_saddle import (ReLUChain, circle_data, cost_gradient_at_zero, cube_parity_data, defect_budget,
                                            lowrank_ratio_bound, near_rank_one_inputs, optimal_escape_direction, rank_defect,
                                            ridge_teacher, speed_upper_bound, sphere_ascent, unbalanced_starts, with_rank_defect)
from optdyn.papers.saddle_to_saddle.parameters import SCHEMA, s2s_budget
from optdyn.random import Streams

SMALL = dict(
    seed=3, profile="quick", n_jobs=1, ridge_d=6, ridge_N=64, solver_width=6, solver_iters=300, solver_step0=0.1,
    restarts_ridge=2, restarts_circle=6, depths_ridge=[2, 3, 4], depths_circle=[2, 3, 4], envelope_depths=[4],
    balance_depths=[3], balance_restarts=2, balance_iters=200, balance_imbalance=0.5, prop_deltas=[0.1, 0.01],
    prop_depth=3, prop_restarts=2, gd_depth=4, gd_alpha=1e-6, gd_c=0.1, gd_runs=2, gd_max_steps=3000,
    gd_nearmiss_alpha=0.03, gd_control_alpha=1.0, width_depth=3, width_list=[4, 8], width_restarts=8, gd_circle_runs=2,
    gd_circle_alpha=1e-10, gd_circle_kappa=0.25, gd_circle_steps=300, lr_plain=0.02, r_stop=0.5, c_adapt=0.1,
    alphas_L2=[1e-3, 1e-2, 5e-2], alphas_L3=[0.04, 0.08, 0.16], alphas_L4=[0.08, 0.12, 0.16], alphas_adapt=[1e-6, 1e-4, 1e-2],
    n_random_dirs=1, random_L4=True, escape_max_steps=100000, s2s_depth=4, s2s_width=6, s2s_alpha=0.1, s2s_c=0.1,
    s2s_steps=1000, s2s_seeds=1, s2s_sv_every=50, s2s_control_alpha=1.0, run_digits=True, digits_n=60, digits_depth=3,
    digits_width=4, digits_gd_depth=3, digits_restarts=1, digits_gd_runs=1, digits_gd_kappa=0.25, digits_alpha=0.05, digits_kappa=0.4,
    digits_steps=1000, digits_sv_every=250)


@pytest.fixture(scope="module")
def P():
    return SCHEMA.validate(SMALL)


def _controls(name, outcomes):
    assert set(outcomes[1]) == {c.name for c in ck.CLAIMS[name].controls}, name


def test_every_experiment_runs_and_feeds_its_criterion(P):
    s = Streams(P.seed)
    data = ex.datasets(P, s)
    assert ck.implementation_check(ex.implementation(s)["errors"]).passed
    opt = ex.solve_all(P, s, data)
    assert set(opt) == {"D1", "D2", "D4", "D2_rank_one"} and list(opt["D2"]) == P.depths_circle
    bal = ex.balance(P, s, data, opt)
    _controls("kkt_balanced", ck.balance_outcomes(bal))
    cons = ex.circle_construction(data)
    assert ck.construction_check(cons).passed
    _controls("circle_counterexample", ck.counterexample_outcomes(opt))
    ck.monotone_outcome(opt)
    lr = ex.low_rank(P, s, data, opt)
    assert set(lr["reports"]) == {(n, 4) for n in ("D1", "D2", "D4")}
    _controls("low_rank_optimum", ck.low_rank_outcomes(lr))
    prop = ex.propagation(P, s)
    _controls("propagation", ck.propagation_outcomes(prop))
    gd = ex.gd_escape(P, s, data, opt)
    _controls("gd_escape", ck.gd_escape_outcomes(gd))
    dig = ex.digits(P, s, data)
    if dig is not None:  # scikit-learn installed
        _controls("gd_escape_digits", ck.gd_escape_digits_outcomes(dig))
        _controls("digits_fig1", ck.fig1_outcomes(dig))
    ws = ex.width_study(P, s, data)
    assert ws["speeds"]["product"].shape == (2, P.width_restarts) and ws["speeds"]["gd"].shape == (2, P.gd_circle_runs)
    a, b = ck.width_outcomes(ws)
    _controls("width_helps", a)
    _controls("width_helps_gd", b)
    pts = ex.escape_points(data, opt, P, gd, ws, dig)
    assert ck.budget_check(pts).passed
    et = ex.escape_times(P, s, data, opt)
    assert ("random", 4) in et["T"] and et["T"][("random", 4)].shape == (3, 1)
    for name, f in (("escape_time_aligned", ck.aligned_outcomes), ("escape_time_random", ck.random_outcomes),
                    ("escape_time_adaptive", ck.adaptive_outcomes)):
        _controls(name, f(et))
    s2s = ex.saddle_to_saddle(P, s, data)
    _controls("plateaus_rank", ck.plateau_outcomes(s2s, P.s2s_seeds))


def test_streams_are_named_not_positional(P):
    """An experiment's numbers do not depend on which experiments ran before it."""
    a = ex.propagation(P, Streams(P.seed))["nonneg"]["q"]
    s = Streams(P.seed)
    ex.implementation(s)
    np.testing.assert_array_equal(ex.propagation(P, s)["nonneg"]["q"], a)


def test_single_sphere_ascent_reaches_balance_without_imposing_it():
    X, Y = ridge_teacher(d=6, N=64, a=(2.0, 1.0), rng=1)
    G = cost_gradient_at_zero(Y)
    m = ReLUChain((6, 8, 8, 8, 2))
    w0 = unbalanced_starts(m, np.random.default_rng(2), 3, 0.7)
    n0 = np.sqrt(m.layer_sq_norms(w0))
    assert np.allclose(np.sum(n0**2, axis=1), m.L) and np.abs(n0 - 1).max() > 0.2
    r = sphere_ascent(m, X, G, w0, n_iter=500)
    ref = optimal_escape_direction(m, X, G, rng=0, n_restarts=2, n_iter=800)
    assert np.abs(r.norms - 1).max() < 1e-2 and r.kkt.max() < 5e-3
    assert r.speed.max() == pytest.approx(ref.speed, rel=1e-3)
    # the KKT residual on the sphere sees an imbalance that the per-layer-normalised one hides
    w = r.w[0] * m.expand(np.array([1.05, 1 / 1.05, 1.05, 1 / 1.05]))
    assert m.sphere_kkt_residual(w, X, G) > 0.05 and m.kkt_residual(w, X, G) < 5e-3


def test_rank_defect_helper_and_the_bounds():
    W = np.outer(np.arange(1.0, 5.0), np.ones(3))
    V = with_rank_defect(W, 0.2, np.random.default_rng(0))
    assert np.linalg.norm(V) == pytest.approx(1.0) and rank_defect(V) == pytest.approx(0.2)
    sv = np.linalg.svd(V, compute_uv=False)
    assert np.allclose(np.abs(np.linalg.svd(V)[2][0]), np.linalg.svd(W)[2][0] * np.sign(np.linalg.svd(W)[2][0]))
    assert sv[1] / sv[0] == pytest.approx(0.5)
    # Theorem 3.1's exact bound and its large-l form
    assert lowrank_ratio_bound(0.5, 1) == pytest.approx(1.0)
    assert lowrank_ratio_bound(0.5, 100) == pytest.approx(math.sqrt(0.95 / 0.05))
    assert lowrank_ratio_bound(2.0, 1) == 0.0 and np.isinf(lowrank_ratio_bound(0.0, 3))
    # Proposition 3.4's bound holds for random unit-layer directions of any depth
    X, Y, G = circle_data(8)
    U = speed_upper_bound(X, G)
    for L in (3, 6):
        m = ReLUChain((2,) + (5,) * (L - 1) + (1,))
        w = m.normalize(m.init(np.random.default_rng(L), 1.0, runs=50))
        s = m.speed(w, X, G)
        lhs = np.array([sum(-math.log(1 - rank_defect(Wl)) for Wl in m.weights(v)) for v in w])
        b = defect_budget(s, U)
        assert np.all(lhs[s > 0] <= b[s > 0] + 1e-9) and np.all(np.isinf(b[s <= 0]))


def test_data_of_the_new_experiments():
    X, G = cube_parity_data()
    assert X.shape == (8, 3) and np.allclose(np.linalg.norm(X, axis=1), 1) and np.allclose(np.abs(G), 1) and G.sum() == 0
    a = near_rank_one_inputs(40, 5, 0.0, rng=np.random.default_rng(1))
    b = near_rank_one_inputs(40, 5, 0.0, rng=np.random.default_rng(1), signed=True)
    assert rank_defect(a) < 1e-15 and np.all(a >= 0) and np.any(b < 0)
    np.testing.assert_allclose(np.abs(b), a)
    assert s2s_budget(0.1, 0.1) == pytest.approx(30000) and s2s_budget(0.01, 0.2) == pytest.approx(30000)
