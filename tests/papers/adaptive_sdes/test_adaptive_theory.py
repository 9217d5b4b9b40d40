"""Closed forms vs Lyapunov solves and vs simulation; phases; scaling rules."""
import math

import numpy as np
import pytest
from scipy import special
from scipy.linalg import solve_continuous_lyapunov

from optdyn.papers.adaptive_sdes import (DiagQuadratic, GaussianNoise, StudentTNoise, adamw, adamw_sde, euler_maruyama, rmspropw,
                             run_optimizer, sgd, signsgd, signsgd_sde)
from optdyn.papers.adaptive_sdes import checks as cr
from optdyn.papers.adaptive_sdes import theory as th
from optdyn.papers.adaptive_sdes.sdes import rho_from_beta


def test_heavy_tail_constants():
    vals = [th.sign_slope_at_zero(nu) for nu in (1, 2, 3, 5, math.inf)]
    np.testing.assert_allclose(vals, [0.6366, 0.7071, 0.7351, 0.7592, 0.7979], atol=1e-4)
    assert th.LINEAR_RATE == pytest.approx(math.sqrt(2 / math.pi))
    assert th.ERF_CHORD_RATE == pytest.approx(0.5959, abs=1e-4)


def test_phase2_sandwich_and_phase_of():
    c = th.phase2_constants()
    assert c["m"] == pytest.approx(0.24681, abs=1e-5) and c["q_minus"] == pytest.approx(0.59589, abs=1e-5)
    assert c["q_plus"] == pytest.approx(0.61448, abs=1e-5)
    y = np.linspace(1, 1.5, 501)
    e = special.erf(y)
    assert np.all(c["m"] * y + c["q_minus"] <= e + 1e-12) and np.all(e <= c["m"] * y + c["q_plus"] + 1e-12)
    np.testing.assert_array_equal(th.phase_of([0.2, -0.9, 1.2, -1.49, 1.6, -3.0]), [3, 3, 2, 2, 1, 1])
    np.testing.assert_allclose(th.snr([2.0], [1.0]), [math.sqrt(2)])


def test_adamw_closed_form_vs_lyapunov():
    """Stationary Var of the linear (X, M) SDE (V = sigma^2, eps = 0) = (eta/2) rho1/(rho1+theta)/(lam/sigma+theta)."""
    eta = 0.01
    for lam, sig, theta, rho1 in [(1.0, 2.0, 1.0, 1.0), (10.0, 0.5, 0.3, 5.0), (3.0, 1.0, 0.0, 2.0)]:
        A = np.array([[-theta, -1 / sig], [rho1 * lam, -rho1]])
        Bv = np.array([0.0, math.sqrt(eta) * rho1 * sig])
        P = solve_continuous_lyapunov(A, -np.outer(Bv, Bv))
        loss = th.adam_stationary_loss([lam], sig, eta, theta=theta, rho1=rho1)
        assert 0.5 * lam * P[0, 0] == pytest.approx(loss, rel=1e-10)
    # AdamW bound and Adam limit
    lam = np.geomspace(1, 10, 5)
    assert th.adam_stationary_loss(lam, 1e6, 0.01, theta=2.0) <= 0.01 * lam.sum() / 8
    assert th.adam_stationary_loss(lam, 3.0, 0.01) == pytest.approx(0.01 / 4 * 3.0 * 5)


def test_sgd_closed_form_vs_lyapunov_and_discrete():
    lam, sig, eta = np.array([1.0, 5.0]), np.array([0.5, 2.0]), 0.02
    P = solve_continuous_lyapunov(-np.diag(lam), -eta * np.diag(sig**2))
    assert 0.5 * np.sum(lam * np.diag(P)) == pytest.approx(th.sgd_stationary_loss(lam, sig, eta))
    # discrete AR(1): Var = eta^2 s^2 / (1 - (1 - eta lam)^2)
    var = eta**2 * sig**2 / (1 - (1 - eta * lam) ** 2)
    assert 0.5 * np.sum(lam * var) == pytest.approx(th.sgd_stationary_loss(lam, sig, eta, discrete=True), rel=1e-12)


def test_stationary_losses_vs_simulation():
    """Closed forms vs simulated levels (R = 256, d = 4): within 10% (SGD discrete: 5%)."""
    lam = np.array([1.0, 2.0, 4.0, 8.0])
    P = DiagQuadratic(lam)
    eta = 0.01
    ss = np.random.default_rng(2024).spawn(6)

    def level(opt, noise, T, rng):
        K = int(round(T / eta))
        return cr.stationary_summary(run_optimizer(opt, P, noise, 0.0, n_steps=K, R=256, rng=rng,
                                                   record_every=K, average_from=K // 2).level)

    m, se = level(sgd(eta=eta), GaussianNoise(1.0), 6.0, ss[0])
    assert m == pytest.approx(th.sgd_stationary_loss(lam, 1.0, eta, discrete=True), rel=0.05)
    m, se = level(signsgd(eta=eta), GaussianNoise(1.0), 8.0, ss[1])
    assert m == pytest.approx(th.signsgd_stationary_loss(lam, 1.0, eta), rel=0.10)
    m, se = level(signsgd(eta=eta), StudentTNoise(1.0, 1.0), 8.0, ss[2])
    assert m == pytest.approx(th.signsgd_stationary_loss(lam, 1.0, eta, nu=1.0), rel=0.10)
    m, se = level(adamw(eta=eta, beta1=0.99, beta2=0.99, theta=1.0), GaussianNoise(2.0), 20.0, ss[3])
    assert m == pytest.approx(th.adam_stationary_loss(lam, 2.0, eta, theta=1.0, rho1=1.0), rel=0.10)
    m, se = level(rmspropw(eta=eta, beta=0.99, theta=1.0, v0=4.0), GaussianNoise(2.0), 20.0, ss[4])
    assert m == pytest.approx(th.adam_stationary_loss(lam, 2.0, eta, theta=1.0), rel=0.10)
    # the SignSGD SDE itself
    sde = signsgd_sde(P, GaussianNoise(1.0), eta=eta)
    tr = euler_maruyama(sde, sde.initial_state(0.0, 256), T=8.0, dt=eta, rng=ss[5], record_every=800, average_from=4.0)
    assert tr.level.mean() == pytest.approx(th.signsgd_stationary_loss(lam, 1.0, eta), rel=0.10)


def test_adamw_sde_stationary_level_has_momentum_factor():
    lam = np.array([1.0, 3.0])
    P = DiagQuadratic(lam)
    eta = 0.01
    sde = adamw_sde(P, GaussianNoise(2.0), eta=eta, rho1=rho_from_beta(0.99, eta), rho2=rho_from_beta(0.99, eta),
                    theta=1.0)
    tr = euler_maruyama(sde, sde.initial_state(0.0, 512), T=30.0, dt=eta, rng=3, record_every=3000, average_from=10.0)
    with_f = th.adam_stationary_loss(lam, 2.0, eta, theta=1.0, rho1=1.0)
    assert tr.level.mean() == pytest.approx(with_f, rel=0.08)
    assert abs(tr.level.mean() / th.adam_stationary_loss(lam, 2.0, eta, theta=1.0) - 1) > 0.3


def test_phase_bounds():
    t = np.linspace(0, 5, 11)
    b = th.signsgd_phase1_bound(t, 8.0, 1.0)
    assert b[0] == pytest.approx(8.0) and b[-1] == 0.0 and np.all(np.diff(b) <= 0)
    r = th.signsgd_phase3_bound(t, 1.0, mu=1.0, trH=10.0, sigma_max=2.0, eta=0.01, rigorous=True)
    lin = th.signsgd_phase3_bound(t, 1.0, mu=1.0, trH=10.0, sigma_max=2.0, eta=0.01, rigorous=False)
    assert np.all(r[1:] >= lin[1:])  # the chord constant is the weaker (valid) bound
    far = th.signsgd_phase3_bound(100.0, 1.0, mu=1.0, trH=10.0, sigma_max=2.0, eta=0.01, rigorous=False)
    assert far == pytest.approx(0.01 * 10 * 2 / (4 * math.sqrt(2 / math.pi)), rel=1e-12)
    np.testing.assert_allclose(th.signsgd_mean_rate([1.0, 2.0], 2.0), [0.3989, 0.7979], atol=1e-4)
    np.testing.assert_allclose(th.adamw_mean_rate([1.0], 2.0, 1.0), [1.5])


def test_scaling_rules():
    base = dict(eta=0.01, theta=1.0, eps=1e-8, beta1=0.99, beta2=0.999, batch_size=4)
    up = th.scale_hparams(base, 4, beta_rule="delta")
    assert up["batch_size"] == 16 and up["eta"] == pytest.approx(0.02) and up["theta"] == pytest.approx(2.0)
    assert up["eps"] == pytest.approx(5e-9) and up["beta1"] == pytest.approx(0.96) and up["beta2"] == pytest.approx(0.996)
    back = th.scale_hparams(up, 0.25, beta_rule="delta")
    for k in base:
        assert back[k] == pytest.approx(base[k], rel=1e-12)
    sq = th.scale_hparams(base, 4, beta_rule="sqrt_delta")
    assert sq["beta1"] == pytest.approx(0.98)
    # rho = (1 - beta)/eta scales like sqrt(delta) under the 'delta' rule and stays put under 'sqrt_delta'
    assert (1 - up["beta1"]) / up["eta"] == pytest.approx(2 * (1 - base["beta1"]) / base["eta"])
    assert (1 - sq["beta1"]) / sq["eta"] == pytest.approx((1 - base["beta1"]) / base["eta"])
    un = th.scale_hparams(base, 4, beta_rule="none", scale_eta=False)
    assert un["eta"] == base["eta"] and un["beta1"] == base["beta1"] and un["batch_size"] == 16
    s = th.scale_hparams(dict(eta=0.001, batch_size=1), 16, optimizer="signsgd")
    assert s["eta"] == pytest.approx(0.004) and s["batch_size"] == 16
    # invariance of the closed forms under the rule (sigma -> sigma/sqrt(delta))
    lam = np.geomspace(1, 10, 4)
    l1 = th.adam_stationary_loss(lam, 2.0, 0.01, theta=1.0, rho1=(1 - 0.99) / 0.01)
    l4 = th.adam_stationary_loss(lam, 1.0, up["eta"], theta=up["theta"], rho1=(1 - up["beta1"]) / up["eta"])
    assert l4 == pytest.approx(l1, rel=1e-12)
    assert th.signsgd_stationary_loss(lam, 0.5, 0.004) == pytest.approx(th.signsgd_stationary_loss(lam, 2.0, 0.001))


@pytest.mark.parametrize("call,match", [
    (lambda: th.scale_hparams(dict(eta=0.1, beta1=0.9, beta2=0.9), 0.0), "delta"),
    (lambda: th.scale_hparams(dict(eta=0.1, beta1=0.9, beta2=0.9), 16), "beta1"),
    (lambda: th.scale_hparams(dict(eta=0.1, beta1=0.9, beta2=0.9), 4, beta_rule="x"), "beta_rule"),
    (lambda: th.sign_slope_at_zero(0.0), "nu"),
    (lambda: th.signsgd_stationary_loss([1.0], -1.0, 0.01), "scale"),
    (lambda: th.sgd_stationary_loss([1.0], 1.0, -0.01), "eta"),
    (lambda: th.adam_stationary_loss([1.0], 1.0, 0.01, theta=-1.0), "theta"),
    (lambda: th.signsgd_phase3_bound(1.0, 1.0, mu=0.0, trH=1.0, sigma_max=1.0, eta=0.01), "mu"),
])
def test_theory_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
