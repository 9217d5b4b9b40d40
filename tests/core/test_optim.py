"""The one optimiser protocol (optdyn.core.optim): hand-written references, and one table of common
checks over every optimiser of the package (optax ``alias_test`` style)."""
import math

import numpy as np
import pytest

from optdyn.core.optim import (Optimizer, adamw, apply_updates, chain, gradient_descent, heavy_ball, rmspropw, scale,
                               sgd, signsgd)
from optdyn.papers.adaptive_sdes import DiagQuadratic, GaussianNoise, run_optimizer
from optdyn.papers.momentum_dag.optimizers import adaptive_momentum, constant_length_momentum


def _step(o, g, st, x):
    u, st = o.update(g, st, x)
    return apply_updates(x, u), st


def _ref_adamw(gs, x0, eta, b1, b2, eps, theta):
    """PyTorch AdamW, scalar, written out by hand."""
    x, m, v, xs = x0, 0.0, 0.0, []
    for k, g in enumerate(gs, start=1):
        x = x * (1 - eta * theta)  # torch: decoupled decay first (g was computed at the old x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh = m / (1 - b1**k)
        vh = v / (1 - b2**k)
        x = x - eta * mh / (math.sqrt(vh) + eps)
        xs.append(x)
    return xs


def test_sgd_and_signsgd_single_step():
    x = np.array([[1.0, -2.0, 0.5]])
    g = np.array([[0.3, -0.1, 0.0]])
    o = sgd(eta=0.1)
    x1, st = _step(o, g, o.init(x), x)
    np.testing.assert_array_equal(x1, [[0.97, -1.99, 0.5]])
    assert st.count == 1
    o = signsgd(eta=0.1)
    x1, _ = _step(o, g, o.init(x), x)
    np.testing.assert_allclose(x1, [[0.9, -1.9, 0.5]])  # sign(0) = 0: the coordinate does not move


def test_rmspropw_scalar_reference():
    eta, beta, eps, theta, v0 = 0.05, 0.9, 1e-3, 0.7, 0.2
    gs = [0.4, -1.2, 0.3, 2.0]
    x, v = 1.5, v0
    ref = []
    for g in gs:
        v = beta * v + (1 - beta) * g * g
        x = x - eta * g / (math.sqrt(v) + eps) - eta * theta * x
        ref.append(x)
    o = rmspropw(eta=eta, beta=beta, eps=eps, theta=theta, v0=v0)
    X = np.array([[1.5]])
    st = o.init(X)
    for g, r in zip(gs, ref):
        X, st = _step(o, np.array([[g]]), st, X)
        assert X[0, 0] == pytest.approx(r, rel=1e-14)


def test_adamw_matches_hand_computed_trace():
    # hand-computed by the formulas of the brief (eta=0.1, b1=0.5, b2=0.75, eps=0, theta=0.5, x0=1, g=1, then g=-1)
    # step 1: m=0.5, v=0.25, mh=1, vh=1 -> x = 1 - 0.1*1 - 0.1*0.5*1 = 0.85
    # step 2: m=0.25-0.5=-0.25, v=0.1875+0.25=0.4375, mh=-0.25/0.75=-1/3, vh=0.4375/0.4375=1
    #         -> x = 0.85 + 0.1/3 - 0.05*0.85 = 0.840833...
    o = adamw(eta=0.1, beta1=0.5, beta2=0.75, eps=0.0, theta=0.5)
    X = np.array([[1.0]])
    st = o.init(X)
    X, st = _step(o, np.array([[1.0]]), st, X)
    assert X[0, 0] == pytest.approx(0.85, abs=1e-15)
    X, st = _step(o, np.array([[-1.0]]), st, X)
    assert X[0, 0] == pytest.approx(0.85 + 0.1 / 3 - 0.05 * 0.85, abs=1e-15)
    assert st.count == 2 and st.m[0, 0] == pytest.approx(-0.25) and st.v[0, 0] == pytest.approx(0.4375)


def test_adamw_equals_pytorch_style_reference_and_first_step_is_sign():
    rng = np.random.default_rng(3)
    gs = rng.normal(size=12) * 3
    ref = _ref_adamw(gs, 0.7, 1e-2, 0.9, 0.999, 1e-8, 0.1)
    o = adamw(eta=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, theta=0.1)
    X = np.array([[0.7]])
    st = o.init(X)
    for g, r in zip(gs, ref):
        X, st = _step(o, np.array([[g]]), st, X)
        assert X[0, 0] == pytest.approx(r, rel=1e-13)
    # with eps = 0 and theta = 0 the first bias-corrected step is exactly eta * sign(g0)
    o = adamw(eta=0.01, beta1=0.99, beta2=0.999, eps=0.0)
    X1, _ = _step(o, np.array([[-3.7, 0.2]]), o.init(np.zeros((1, 2))), np.zeros((1, 2)))
    np.testing.assert_allclose(X1, [[0.01, -0.01]], rtol=1e-12)


def test_adamw_without_bias_correction():
    o = adamw(eta=0.1, beta1=0.5, beta2=0.75, eps=0.0, bias_correction=False)
    X, _ = _step(o, np.array([[1.0]]), o.init(np.ones((1, 1))), np.ones((1, 1)))
    assert X[0, 0] == pytest.approx(1 - 0.1 * 0.5 / 0.5)  # m=0.5, v=0.25


@pytest.mark.parametrize("make", [lambda: sgd(eta=0.02), lambda: signsgd(eta=0.02),
                                  lambda: rmspropw(eta=0.02, beta=0.9, theta=0.3, v0=1.0),
                                  lambda: adamw(eta=0.02, beta1=0.9, beta2=0.99, theta=0.3)])
def test_R1_run_equals_scalar_loop(make):
    prob = DiagQuadratic([1.0, 4.0])
    noise = GaussianNoise(0.5)
    tr = run_optimizer(make(), prob, noise, [1.0, -1.0], n_steps=25, R=1, rng=11)
    # scalar loop with the same random stream
    rng = np.random.default_rng(11)
    opt = make()
    x = np.array([[1.0, -1.0]])
    st = opt.init(x)
    losses = [prob.loss(x)[0]]
    for _ in range(25):
        g = prob.lam * x + rng.standard_normal(x.shape) * 0.5
        x, st = _step(opt, g, st, x)
        losses.append(0.5 * float(np.sum(prob.lam * x[0] ** 2)))
    np.testing.assert_allclose(tr.loss[:, 0], losses, rtol=1e-13)
    np.testing.assert_allclose(tr.t, np.arange(26) * 0.02)


def test_vectorised_runs_are_independent_and_seeded():
    prob = DiagQuadratic(np.ones(3))
    a = run_optimizer(signsgd(eta=0.01), prob, GaussianNoise(1.0), 1.0, n_steps=50, R=8, rng=5, record_every=10)
    b = run_optimizer(signsgd(eta=0.01), prob, GaussianNoise(1.0), 1.0, n_steps=50, R=8, rng=5, record_every=10)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert len(np.unique(a.x_final[:, 0])) > 1
    assert a.steps.tolist() == [0, 10, 20, 30, 40, 50]


def test_average_from_is_time_average():
    prob = DiagQuadratic([2.0])
    tr = run_optimizer(sgd(eta=0.1), prob, GaussianNoise(1.0), 1.0, n_steps=20, R=3, rng=0, average_from=10)
    full = run_optimizer(sgd(eta=0.1), prob, GaussianNoise(1.0), 1.0, n_steps=20, R=3, rng=0)
    np.testing.assert_allclose(tr.level, full.loss[10:].mean(0), rtol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: sgd(eta=-0.1), "eta"),
    (lambda: signsgd(eta=0.0), "eta"),
    (lambda: rmspropw(eta=0.1, beta=1.0), "beta"),
    (lambda: rmspropw(eta=0.1, beta=-0.1), "beta"),
    (lambda: rmspropw(eta=0.1, beta=0.9, v0=-1.0), "v0"),
    (lambda: rmspropw(eta=0.1, beta=0.9, theta=-1.0), "theta"),
    (lambda: adamw(eta=0.1, beta1=1.0, beta2=0.9), "beta1"),
    (lambda: adamw(eta=0.1, beta1=0.9, beta2=1.5), "beta2"),
    (lambda: adamw(eta=0.1, beta1=0.9, beta2=0.9, eps=-1e-8), "eps"),
])
def test_parameter_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_run_optimizer_validation():
    prob = DiagQuadratic([1.0, 2.0])
    with pytest.raises(ValueError, match="n_steps"):
        run_optimizer(sgd(eta=0.1), prob, GaussianNoise(1.0), 0.0, n_steps=0, R=2, rng=0)
    with pytest.raises(ValueError, match="x0"):
        run_optimizer(sgd(eta=0.1), prob, GaussianNoise(1.0), [1.0, 2.0, 3.0], n_steps=2, R=2, rng=0)
    with pytest.raises(TypeError, match="rng"):
        run_optimizer(sgd(eta=0.1), prob, GaussianNoise(1.0), 0.0, n_steps=2, R=2, rng=None)


# -- one table over every optimiser of the package ------------------------------------------------

OPTIMIZERS = {
    "sgd": lambda: sgd(eta=0.05),
    "signsgd": lambda: signsgd(eta=0.05),
    "rmspropw": lambda: rmspropw(eta=0.05, beta=0.9, theta=0.2, v0=0.5),
    "adamw": lambda: adamw(eta=0.05, beta1=0.9, beta2=0.99, theta=0.2),
    "heavy_ball": lambda: heavy_ball(0.05, 0.8),
    "gradient_descent": lambda: gradient_descent(0.05),
    "adaptive_momentum": lambda: adaptive_momentum(0.05, 0.5),
    "adaptive_momentum_blocks": lambda: adaptive_momentum(0.05, 0.5, block_starts=(0, 2)),
    "constant_length_momentum": lambda: constant_length_momentum(0.05, 0.01),
    "chain": lambda: chain(scale(2.0), sgd(eta=0.025)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_protocol_pure_and_deterministic(name):
    """init/update are pure: the same inputs give the same updates, the inputs are not modified, and
    the result is an Optimizer with a name and the learning rate in hparams."""
    opt = OPTIMIZERS[name]()
    assert isinstance(opt, Optimizer) and opt.name and "eta" in opt.hparams
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    g = rng.standard_normal((3, 4))
    x0, g0 = x.copy(), g.copy()
    st = opt.init(x)
    u1, st1 = opt.update(g, st, x)
    u2, st2 = opt.update(g, st, x)
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)
    assert u1.shape == x.shape and np.all(np.isfinite(u1))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_vectorised_runs_equal_single_runs(name):
    """Rows of a (R, d) parameter array are independent runs: 8 steps on all rows at once equal 8 steps
    on each row alone."""
    opt = OPTIMIZERS[name]()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 4))
    G = rng.standard_normal((8, 3, 4))
    st = opt.init(X)
    Xv = X.copy()
    for k in range(8):
        Xv, st = _step(opt, G[k] + 0.1 * Xv, st, Xv)
    for r in range(3):
        x = X[r:r + 1].copy()
        s = opt.init(x)
        for k in range(8):
            x, s = _step(opt, G[k, r:r + 1] + 0.1 * x, s, x)
        np.testing.assert_allclose(Xv[r], x[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_descends_on_a_quadratic(name):
    """Every optimiser (deterministic gradients) lowers f(x) = |x|^2 / 2 from x = (1, ..., 1)."""
    opt = OPTIMIZERS[name]()
    x = np.ones((1, 4))
    st = opt.init(x)
    for _ in range(30):
        x, st = _step(opt, x.copy(), st, x)
    assert float(np.sum(x**2)) < 4.0


def test_chain_passes_updates_as_gradients():
    o = chain(scale(-1.0), signsgd(eta=0.1))  # sign of the negated gradient, times -0.1
    x = np.array([[2.0, -3.0]])
    u, st = o.update(np.array([[5.0, -0.1]]), o.init(x), x)
    np.testing.assert_allclose(u, [[0.1, -0.1]])
    assert isinstance(st, tuple) and len(st) == 2 and o.name == "scale+SignSGD"
    with pytest.raises(TypeError, match="Optimizer"):
        chain()
