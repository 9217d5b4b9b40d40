"""The vectorised SGD runner and the measurements built on it."""
import numpy as np
import pytest

from optdyn.papers.plrs import (
    QuarticSaddle,
    escape_times,
    f_change_curves,
    first_time_below,
    first_time_below_boot,
    run_sgd,
    sphere_noise,
    sup_distance,
)
from optdyn.core.schedules import Constant
from optdyn.papers.plrs.schedule import PLRS


def test_r1_equals_scalar_loop():
    q = QuarticSaddle(d=3)
    sch = PLRS(0.05, 0.2, seed=4)
    x0 = np.array([0.1, -0.3, 0.2])
    out = run_sgd(q.grad, x0, sch, 50, sigma=0.2, rng=np.random.default_rng(9))
    # scalar reference: same noise stream, same per-replica rates
    rng = np.random.default_rng(9)
    x = x0.copy()
    for t in range(50):
        eta = sch.sample(t, 1)[0]
        xi = sphere_noise(rng, (1, 3), 0.2)[0]
        g = np.array([x[0] ** 3 - x[0], x[1], x[2]])
        x = x - eta * (g + xi)
    np.testing.assert_allclose(out["x"][0], x, rtol=1e-13, atol=1e-15)


def test_replicas_are_independent_copies():
    q = QuarticSaddle(d=3)
    X0 = np.tile([0.2, 0.1, -0.1], (4, 1))
    out = run_sgd(q.grad, X0, 0.1, 30, sigma=0.0, rng=0)
    np.testing.assert_allclose(out["x"], np.tile(out["x"][0], (4, 1)))
    lr = np.tile(np.linspace(0.01, 0.2, 30)[:, None], (1, 4))
    a = run_sgd(q.grad, X0, lr, 30, rng=0)["x"]
    b = run_sgd(q.grad, X0[:1], np.linspace(0.01, 0.2, 30), 30, rng=0)["x"]
    np.testing.assert_allclose(a[2], b[0])


def test_monitors_stop_and_additive_noise():
    q = QuarticSaddle(d=2)
    out = run_sgd(q.grad, np.zeros((5, 2)), Constant(0.1), 20, sigma=0.1, rng=1, monitors={"f": q.f},
                  stop_fn=lambda X, t: t >= 7)
    assert out["steps"] == 7 and out["f"].shape == (8, 5)
    a = run_sgd(q.grad, np.zeros((1, 2)), 0.0, 1, sigma=0.1, rng=1, noise="additive")["x"]
    assert np.linalg.norm(a) == pytest.approx(0.1)  # noise not scaled by the (zero) rate
    with pytest.raises(ValueError, match="noise"):
        run_sgd(q.grad, np.zeros((1, 2)), 0.1, 1, rng=1, noise="mult")
    with pytest.raises(ValueError, match="sigma"):
        run_sgd(q.grad, np.zeros((1, 2)), 0.1, 1, rng=1, sigma=-1)
    with pytest.raises(ValueError, match="lr"):
        run_sgd(q.grad, np.zeros((1, 2)), -0.1, 1, rng=1)
    with pytest.raises(ValueError, match="lr array"):
        run_sgd(q.grad, np.zeros((2, 2)), np.ones((3, 3)), 3, rng=1)


def test_paired_noise_across_arms():
    q = QuarticSaddle(d=4)
    a = run_sgd(q.grad, np.zeros((3, 4)), 0.0, 1, sigma=0.5, rng=7, noise="additive")["x"]
    b = run_sgd(q.grad, np.zeros((3, 4)), 0.3, 1, sigma=0.5, rng=7, noise="additive")["x"]
    np.testing.assert_allclose(a, b)  # at the saddle only the (shared) noise moves x


def test_escape_without_noise_never_happens_and_with_noise_does():
    q = QuarticSaddle()
    x0 = np.zeros(10)
    x0[1:] = 0.5  # on the stable manifold x_1 = 0
    t, cens = escape_times(q, PLRS(0.07, 0.1, seed=0), R=20, sigma=0.0, t_max=300, rng=0, x0=x0)
    assert cens.all() and np.all(t == 300)
    t, cens = escape_times(q, PLRS(0.07, 0.1, seed=0), R=50, sigma=0.1, t_max=400, rng=0)
    assert not cens.any() and t.min() >= 1


def test_f_curves_and_first_time_below():
    q = QuarticSaddle(lam_pos=0.1)
    F = f_change_curves(q, Constant(0.1), R=400, sigma=0.1, n_steps=200, rng=3)
    assert F.shape == (201, 400) and np.all(F[0] == 0)
    t = first_time_below(F)
    assert t is not None and 1 <= t <= 200
    boots = first_time_below_boot(F, rng=0, n_boot=50)
    assert boots.shape == (50,) and np.nanmedian(boots) == pytest.approx(t, rel=0.5)
    assert first_time_below(np.ones((5, 4)) + np.arange(4)) is None


def test_sup_distance_starts_at_minimum():
    q = QuarticSaddle()
    s = sup_distance(q, PLRS(0.05, 0.1, seed=1), x_star=q.minima[0], R=30, sigma=0.1, n_steps=200, rng=2)
    assert s.shape == (30,) and np.all(s > 0) and np.all(s < 0.3)
    z = sup_distance(q, Constant(0.1), x_star=q.minima[0], R=3, sigma=0.0, n_steps=50, rng=2)
    np.testing.assert_array_equal(z, 0.0)
