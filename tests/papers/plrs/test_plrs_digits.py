"""Digits wiring: data split, softmax cross-entropy through optdyn.core.nets, batched paired training."""
import numpy as np
import pytest

from optdyn.papers.plrs.digits import evaluate, load_digits_split, lr_range_test, make_mlp, train_schedules
from optdyn.core.schedules import Constant
from optdyn.papers.plrs.schedule import PLRS


@pytest.fixture(scope="module")
def data():
    return load_digits_split(test_size=0.25, split_seed=0)


def test_split(data):
    assert data.X_tr.shape == (1347, 64) and data.X_te.shape == (450, 64)
    assert data.X_tr.max() <= 1.0 and data.X_tr.min() >= 0.0
    # stratified: class proportions within one sample of each other
    c_tr = np.bincount(data.y_tr) / data.y_tr.size
    c_te = np.bincount(data.y_te) / data.y_te.size
    assert np.max(np.abs(c_tr - c_te)) < 0.01
    with pytest.raises(ValueError, match="test_size"):
        load_digits_split(test_size=1.5, split_seed=0)
    with pytest.raises(TypeError, match="split_seed"):
        load_digits_split(test_size=0.25)  # no default split seed


def test_loss_wiring_matches_hand_cross_entropy_and_finite_differences(data):
    net = make_mlp((8, 6))
    w = net.init(np.random.default_rng(0), runs=2)
    X, y = data.X_tr[:20], data.y_tr[:20]
    E, g = net.loss_grad(w, X, y, loss="softmax_ce")
    out = net.predict(w, X)
    logp = out - np.log(np.exp(out).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(E, -logp[:, np.arange(20), y].mean(axis=1), rtol=1e-12)
    E2, acc = evaluate(net, w, X, y)
    np.testing.assert_allclose(E2, E, rtol=1e-12)
    np.testing.assert_allclose(acc, (out.argmax(-1) == y).mean(axis=1))
    rng = np.random.default_rng(1)
    for k in rng.choice(net.size, 12, replace=False):
        e = np.zeros(net.size)
        e[k] = 1e-6
        fd = (net.loss(w[0] + e, X, y, loss="softmax_ce") - net.loss(w[0] - e, X, y, loss="softmax_ce")) / 2e-6
        assert fd == pytest.approx(g[0, k], rel=1e-5, abs=1e-8)


def test_paired_batched_training(data):
    sch = [Constant(0.2), PLRS(0.1, 0.3, seed=1), Constant(0.2)]
    r = train_schedules(data, sch, epochs=2, batch_size=64, hidden=(16,), rng_init=0, rng_data=1)
    assert r["train_loss"].shape == (3, 3) and r["steps_per_epoch"] == 1347 // 64
    np.testing.assert_array_equal(r["train_loss"][0], r["train_loss"][2])  # same init, same batches
    assert np.all(r["train_loss"][:, 0] == r["train_loss"][0, 0])  # common initial weights
    assert r["train_loss"][0, -1] < r["train_loss"][0, 0]
    np.testing.assert_array_equal(r["lrs"][1], PLRS(0.1, 0.3, seed=1).trace(2 * 21))
    # a single run reproduces the corresponding row of the batched run
    r1 = train_schedules(data, [PLRS(0.1, 0.3, seed=1)], epochs=2, batch_size=64, hidden=(16,), rng_init=0, rng_data=1)
    np.testing.assert_allclose(r1["train_loss"][0], r["train_loss"][1], rtol=1e-10)
    assert r1["final_test_acc"][0] == r["final_test_acc"][1] and 0.5 < r1["final_test_acc"][0] <= 1.0
    assert not r["diverged"].any()


def test_divergence_is_flagged(data):
    r = train_schedules(data, [Constant(1e4)], epochs=1, batch_size=64, hidden=(16,), rng_init=0, rng_data=1)
    assert r["diverged"][0] or r["final_test_acc"][0] < 0.5


def test_range_test(data):
    r = lr_range_test(data, n_steps=150, hidden=(16,), rng_init=0, rng_data=0)
    assert r["lrs"][0] == pytest.approx(1e-3) and r["lr_best"] < r["lr_blowup"] <= 10.0
    with pytest.raises(ValueError, match="blowup"):
        lr_range_test(data, blowup=0.5, rng_init=0, rng_data=0)


def test_training_validation(data):
    with pytest.raises(ValueError, match="epochs"):
        train_schedules(data, [Constant(0.1)], epochs=0, rng_init=0, rng_data=0)
    with pytest.raises(ValueError, match="schedules"):
        train_schedules(data, [], epochs=1, rng_init=0, rng_data=0)
    with pytest.raises(TypeError, match="rng_init"):
        train_schedules(data, [Constant(0.1)], epochs=1, rng_init=None, rng_data=0)
