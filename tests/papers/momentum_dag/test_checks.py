"""The momentum-on-DAGs chapter's criteria on synthetic inputs: each must pass what the paper's statement
predicts and fail a stated near miss (the unit-level version of the chapter's controls), and its claims are
declared completely (kind, conditions, near-miss controls). Also: the exact checks hold by construction."""
import numpy as np
import pytest

from optdyn.core.nets import DAGNet, resnet_like
from optdyn.papers.momentum_dag import adaptive_momentum, count_violations, eta_star, parity, train
from optdyn.papers.momentum_dag import checks as ck


def test_claim_inventory():
    """The chapter's claim ids and kinds (the declarations themselves: tests/papers/test_claims_declared.py)."""
    ids = {"backprop_correct", "step_bound", "monotone_certified", "sufficient_decrease", "monotone_predicted",
           "sufficient_decrease_predicted",
           "phase_boundary", "gradient_to_zero", "weights_converge", "architectures", "identity_skips",
           "adaptive_vs_classical", "autoencoder", "crossnet_classification"}
    assert set(ck.CLAIMS) == ids
    exact = {n for n, s in ck.CLAIMS.items() if s.kind == "exact"}
    assert exact == {"backprop_correct", "step_bound", "monotone_certified", "sufficient_decrease"}


def test_grad_and_step_bound_checks():
    assert ck.grad_check_criterion({"a": 1e-9, "b": 2e-8, "c": np.nan}).passed
    assert not ck.grad_check_criterion({"a": 1e-9, "b": 0.1}).passed
    assert ck.step_bound_check(1.0, 1.0).passed
    assert not ck.step_bound_check(1.0 + 1e-6, 1.0).passed
    assert not ck.step_bound_check(1.0, 0.99).passed


def test_certificate_checks():
    assert ck.certified_monotone_check(20, 0).passed
    assert not ck.certified_monotone_check(20, 1).passed
    assert ck.certified_monotone_check(3, 0).passed is None                # too few certified runs to judge
    assert ck.certified_monotone_check(3, 0, exact=True).passed            # the exact version always decides
    assert not ck.certified_monotone_check(0, 0, exact=True).passed
    assert ck.decrease_gap_check(1e-5).passed and ck.decrease_gap_check(-5e-7).passed
    assert not ck.decrease_gap_check(-1e-4).passed and not ck.decrease_gap_check(np.nan).passed


def test_predicted_decrease_check():
    assert ck.predicted_decrease_check(0.004, 40).passed
    assert not ck.predicted_decrease_check(-0.2, 40).passed
    assert ck.predicted_decrease_check(0.004, 5).passed is None


def test_phase_boundary_check():
    assert ck.phase_boundary_check({"a": (2, 0), "b": (1, 0)}).passed
    assert not ck.phase_boundary_check({"a": (2, 0), "b": (1, 3)}).passed
    assert ck.phase_boundary_check({"a": (2, 0), "b": (0, 0)}).passed is None  # nothing beyond the bound: no test


def _metrics(n=3, **kw):
    base = {"violations": np.zeros(n, int), "grad_ratio": np.full(n, 1e-5), "tail_sq": np.full(n, 1e-7),
            "path_ratio": np.full(n, 1e-3), "endpoint": np.full(n, 5e-4), "log_growth": np.full(n, 1e-4)}
    base.update({k: np.full(n, v) for k, v in kw.items()})
    return base


def test_gradient_and_weight_criteria_each_clause():
    good = _metrics()
    assert ck.gradient_limit_check(good).passed and ck.weights_limit_check(good).passed
    assert not ck.gradient_limit_check(_metrics(grad_ratio=1e-2)).passed          # gradient not small at K
    assert not ck.gradient_limit_check(_metrics(tail_sq=0.05)).passed              # gradient mass in the last half
    assert not ck.weights_limit_check(_metrics(path_ratio=0.3)).passed             # still travelling
    assert not ck.weights_limit_check(_metrics(endpoint=0.02)).passed              # not Cauchy
    assert not ck.weights_limit_check(_metrics(log_growth=0.05)).passed            # norm drifting like log k
    assert ck.gradient_limit_check(good, resolved=False).passed is None            # budget rule not met
    assert ck.weights_limit_check(_metrics(endpoint=np.nan)).passed is None
    assert ck.theorems_check({"a": (good, True), "b": (good, True)}).passed
    assert not ck.theorems_check({"a": (good, True), "b": (_metrics(violations=2), True)}).passed
    assert ck.theorems_check({"a": (good, False)}).passed is None


def test_monotone_runs_check():
    assert ck.monotone_runs_check(np.zeros((4, 3), int)).passed
    assert not ck.monotone_runs_check(np.array([[0, 0, 1], [0, 0, 0]])).passed


def _ae(exit_, mse, left=True, crosses=False):
    return {"exit": np.array(exit_, float), "test_mse": np.array(mse, float), "left": np.full(len(exit_), left), "crosses": crosses}


def test_autoencoder_check():
    seq = _ae([90, 100, 80], [0.024, 0.025, 0.023])
    mat = _ae([100, 110, 90], [0.019, 0.020, 0.018])
    dag = _ae([20, 22, 19], [0.018, 0.017, 0.019])
    assert ck.autoencoder_check(dag, seq, mat).passed
    assert not ck.autoencoder_check(_ae([85, 95, 100], [0.018] * 3), seq, mat).passed                 # no speed-up
    assert not ck.autoencoder_check(_ae([20, 22, 19], [0.023, 0.024, 0.023]), seq, mat).passed        # < 5% below sequential
    assert not ck.autoencoder_check(_ae([20, 22, 19], [0.0205] * 3), seq, mat).passed                 # > 5% above matched
    assert not ck.autoencoder_check(_ae([20, 22, 19], [0.01] * 3, crosses=True), seq, mat).passed      # fake compression
    assert ck.autoencoder_check(dag, _ae([300] * 3, [0.047] * 3, left=False), mat).passed is None      # untrained comparator


def test_crossnet_check():
    seq = {"steps": np.array([110, 100, 120]), "train_acc": np.ones(3), "test_acc": np.array([0.92, 0.91, 0.93])}
    cross = {"steps": np.array([9, 10, 8]), "train_acc": np.ones(3), "test_acc": np.array([0.95, 0.95, 0.96])}
    assert ck.crossnet_check(cross, seq, 200).passed
    assert not ck.crossnet_check({**seq, "steps": np.array([100, 95, 115])}, seq, 200).passed          # no speed-up
    assert not ck.crossnet_check({**cross, "test_acc": np.array([0.89, 0.90, 0.90])}, seq, 200).passed  # less accurate
    assert ck.crossnet_check(cross, {**seq, "train_acc": np.array([0.5, 1, 1])}, 200).passed is None   # untrained


def test_self_certificate_is_exact_by_construction():
    """Certified by the run's own curvature (sharpness and step curvature) => monotone, and Lemma C's gap >= 0, on a
    grid that includes large steps: the consistency checks hold to rounding."""
    X, Y = parity(3)
    net = DAGNet(resnet_like((3, 5, 5, 5, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(7, scale=1.5)
    etas = np.logspace(-2, 0.5, 6)
    ss = np.array([0.0, 0.5, 0.9])
    S, H = np.meshgrid(ss, etas, indexing="ij")
    h = train(net, np.broadcast_to(w0, (S.size, net.size)), X, Y,
              adaptive_momentum(H.ravel(), S.ravel(), block_starts=net.block_starts("edge")), 150,
              sharpness_every=25, sharpness_iters=5, rng=1)
    L = h.L_run
    cert = H.ravel() < eta_star(L, S.ravel())
    assert cert.sum() >= 3 and (~cert).sum() >= 3
    assert np.all(np.asarray(count_violations(h.E))[cert] == 0)
    assert ck.decrease_gap(h, L, cert) >= -ck.DECREASE_TOL
