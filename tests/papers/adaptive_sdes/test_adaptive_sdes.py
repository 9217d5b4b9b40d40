"""SDE models (drift/diffusion formulas, validation) and the Euler-Maruyama integrator (weak order on OU)."""
import math

import numpy as np
import pytest
from scipy import special, stats

from optdyn.papers.adaptive_sdes import (DiagQuadratic, GaussianNoise, StudentTNoise, adamw, adamw_sde, euler_maruyama,
                             rmspropw_sde, run_optimizer, sgd_sde, signsgd_sde)
from optdyn.papers.adaptive_sdes.sdes import ou_sde, rho_from_beta

PROB = DiagQuadratic([1.0, 4.0])


def test_signsgd_sde_coefficients():
    nz = GaussianNoise(2.0)
    X = np.array([[1.0, -0.5]])
    g = PROB.grad(X)
    eta = 0.01
    m = special.erf(g / (2.0 * math.sqrt(2)))
    s = {"X": X}
    full = signsgd_sde(PROB, nz, eta=eta)
    np.testing.assert_allclose(full.drift(s, 0, ("X",))["X"], -m)
    np.testing.assert_allclose(full.diffusion(s, 0, ("X",))["X"], math.sqrt(eta) * np.sqrt(1 - m**2))
    np.testing.assert_array_equal(signsgd_sde(PROB, nz, eta=eta, kind="sign_ode").drift(s, 0, ("X",))["X"], -np.sign(g))
    assert signsgd_sde(PROB, nz, eta=eta, kind="sign_ode").diffusion(s, 0, ("X",)) == {}
    lin = signsgd_sde(PROB, nz, eta=eta, kind="phase3").drift(s, 0, ("X",))["X"]
    np.testing.assert_allclose(lin, -math.sqrt(2 / math.pi) * g / 2.0)
    tz = signsgd_sde(PROB, StudentTNoise(2.0, 3.0), eta=eta).drift(s, 0, ("X",))["X"]
    np.testing.assert_allclose(tz, -(2 * stats.t.cdf(g / 2.0, 3.0) - 1), atol=1e-12)
    # far in phase 1 the diffusion is clipped at exactly 0, never NaN
    far = signsgd_sde(PROB, GaussianNoise(1e-3), eta=eta).diffusion({"X": np.array([[50.0, 50.0]])}, 0, ("X",))["X"]
    assert np.all(far == 0.0)


def test_rmspropw_and_adamw_sde_coefficients():
    nz = GaussianNoise(0.5)
    X = np.array([[1.0, 2.0]]); V = np.array([[0.3, 1.2]]); M = np.array([[0.1, -0.4]])
    g = PROB.grad(X)
    sde = rmspropw_sde(PROB, nz, eta=0.01, rho=2.0, eps=1e-3, theta=0.5)
    dr = sde.drift({"X": X, "V": V}, 0.0, ("X", "V"))
    np.testing.assert_allclose(dr["X"], -g / (np.sqrt(V) + 1e-3) - 0.5 * X)
    np.testing.assert_allclose(dr["V"], 2.0 * (g**2 + 0.25 - V))
    np.testing.assert_allclose(sde.diffusion({"X": X, "V": V}, 0.0, ("X",))["X"], 0.1 * 0.5 / (np.sqrt(V) + 1e-3))
    mal = rmspropw_sde(PROB, nz, eta=0.01, rho=2.0, v_drift="malladi").drift({"X": X, "V": V}, 0.0, ("V",))
    np.testing.assert_allclose(mal["V"], 2.0 * (0.25 - V))
    a = adamw_sde(PROB, nz, eta=0.01, rho1=3.0, rho2=0.5, eps=1e-3, theta=0.2, time_shift=0.0,
                  update_order="mv_first")
    t = 0.7
    i1, i2 = 1 - math.exp(-3.0 * t), 1 - math.exp(-0.5 * t)
    d = a.drift({"X": X, "M": M, "V": V}, t, ("X", "M", "V"))
    np.testing.assert_allclose(d["X"], -(math.sqrt(i2) / i1) * M / (np.sqrt(V) + 1e-3 * math.sqrt(i2)) - 0.2 * X)
    np.testing.assert_allclose(d["M"], 3.0 * (g - M))
    np.testing.assert_allclose(d["V"], 0.5 * (g**2 + 0.25 - V))
    np.testing.assert_allclose(a.diffusion({"X": X, "M": M, "V": V}, t, ("M",))["M"], 0.1 * 3.0 * 0.5)
    term = adamw_sde(PROB, nz, eta=0.01, rho1=3.0, rho2=0.5, eps=0.0, eta_rho1_term=True, bias_correction=False)
    np.testing.assert_allclose(term.drift({"X": X, "M": M, "V": V}, t, ("X",))["X"],
                               -(M + 0.03 * (g - M)) / np.sqrt(V))


def test_adam_sde_with_dt_eta_mirrors_optimiser_without_noise_in_v():
    # with sigma = 0, dt = eta and 'mv_first', the SDE step is the AdamW step with the bias corrections
    # 1 - exp(-rho_i (k+1) eta) in place of 1 - beta_i^(k+1): the two agree to O(eta rho) (< 1% here)
    eta, b1, b2 = 0.01, 0.99, 0.999
    nz = GaussianNoise(0.0)
    sde = adamw_sde(PROB, nz, eta=eta, rho1=rho_from_beta(b1, eta), rho2=rho_from_beta(b2, eta), eps=0.0)
    tr = euler_maruyama(sde, sde.initial_state(1.0, 1), T=0.5, dt=eta, rng=0)
    opt = run_optimizer(adamw(eta=eta, beta1=b1, beta2=b2, eps=0.0), PROB, nz, 1.0, n_steps=50, R=1, rng=0)
    np.testing.assert_allclose(tr.loss[:, 0], opt.loss[:, 0], rtol=0.01)


def test_sde_validation_messages():
    nz = GaussianNoise(1.0)
    rms = rmspropw_sde(PROB, nz, eta=0.01, rho=1.0)
    with pytest.raises(ValueError, match="v0"):
        rms.initial_state(1.0, 4, v0=0.0)
    with pytest.raises(ValueError, match="v0"):
        rms.initial_state(1.0, 4)
    ad = adamw_sde(PROB, nz, eta=0.01, rho1=1.0, rho2=1.0, update_order="explicit")
    with pytest.raises(ValueError, match="v0"):
        ad.initial_state(1.0, 4, v0=0.0)
    adamw_sde(PROB, nz, eta=0.01, rho1=1.0, rho2=1.0).initial_state(1.0, 4, v0=0.0)  # mv_first accepts V0 = 0
    with pytest.raises(ValueError, match="time_shift"):
        adamw_sde(PROB, nz, eta=0.01, rho1=1.0, rho2=1.0, time_shift=0.0, update_order="explicit")
    with pytest.raises(ValueError, match="finite"):
        sgd_sde(PROB, StudentTNoise(1.0, 2.0), eta=0.01)
    with pytest.raises(ValueError, match="kind"):
        signsgd_sde(PROB, nz, eta=0.01, kind="bogus")
    with pytest.raises(ValueError, match="eta"):
        signsgd_sde(PROB, nz, eta=-1.0)
    with pytest.raises(ValueError, match="rho1"):
        adamw_sde(PROB, nz, eta=0.01, rho1=0.0, rho2=1.0)
    with pytest.raises(ValueError, match="beta"):
        rho_from_beta(1.0, 0.01)
    with pytest.raises(ValueError, match="T must be a positive multiple of dt"):
        sde = signsgd_sde(PROB, nz, eta=0.01)
        euler_maruyama(sde, sde.initial_state(1.0, 2), T=0.015, dt=0.01, rng=0)
    with pytest.raises(TypeError, match="noise"):
        signsgd_sde(PROB, 1.0, eta=0.01)


def test_euler_maruyama_weak_order_on_ou():
    """Weak order of Euler-Maruyama on dX = -2 X dt + 0.5 dW, X_0 = 2, T = 1 (exact OU moments).

    Test functions phi(x) = x and x^2 at T for dt in {0.1, 0.05, 0.025}; the fitted log-log slope of the weak
    error must be 1 within 0.15, with Monte Carlo SEs below 10% of the smallest error (2e6 samples).
    """
    a, b, x0, T = 2.0, 0.5, 2.0, 1.0
    sde = ou_sde(a=a, b=b, d=20)
    m_ex = sde.mean(x0, T)
    x2_ex = m_ex**2 + sde.var(T)
    hs = np.array([0.1, 0.05, 0.025])
    e1, e2, s1, s2 = [], [], [], []
    for i, h in enumerate(hs):
        tr = euler_maruyama(sde, {"X": np.full((100_000, 20), x0)}, T=T, dt=h, rng=100 + i,
                            record_every=int(round(T / h)))
        X = tr.x_final.ravel()
        e1.append(abs(X.mean() - m_ex)); s1.append(X.std() / math.sqrt(X.size))
        e2.append(abs((X * X).mean() - x2_ex)); s2.append((X * X).std() / math.sqrt(X.size))
    for e, s in ((e1, s1), (e2, s2)):
        assert max(s) < 0.1 * min(e)
        slope = np.polyfit(np.log(hs), np.log(e), 1)[0]
        assert abs(slope - 1.0) <= 0.15, slope


def test_euler_maruyama_ou_moments_and_seed():
    """EM mean and variance at T vs the exact EM recursion (E X_n = (1-ah)^n x0,
    Var X_n = b^2 h (1 - r^n)/(1 - r), r = (1-ah)^2) within 4 SE / 3%, and reproducibility under a seed."""
    a, b, h, n, x0 = 2.0, 0.5, 0.01, 100, 1.5
    sde = ou_sde(a=a, b=b, d=4)
    tr = euler_maruyama(sde, {"X": np.full((20_000, 4), x0)}, T=n * h, dt=h, rng=7, record_every=n)
    X = tr.x_final.ravel()
    r = (1 - a * h) ** 2
    assert abs(X.mean() - (1 - a * h) ** n * x0) < 4 * X.std() / math.sqrt(X.size)
    assert X.var() == pytest.approx(b * b * h * (1 - r**n) / (1 - r), rel=0.03)
    tr2 = euler_maruyama(sde, {"X": np.full((20_000, 4), x0)}, T=n * h, dt=h, rng=7, record_every=n)
    np.testing.assert_array_equal(tr.x_final, tr2.x_final)
    np.testing.assert_allclose(tr.t, [0.0, 1.0])


def test_adamw_sde_bias_correction_follows_the_integration_step():
    """review L1: the bias corrections are evaluated at the end of the current integration step (t + dt), so the
    noise-free AdamW SDE at dt = eta/4 stays close to dt = eta; the old default (t + eta at every substep) lags."""
    eta, b1, b2 = 0.01, 0.99, 0.999
    nz = GaussianNoise(0.0)
    mk = lambda shift: adamw_sde(PROB, nz, eta=eta, rho1=rho_from_beta(b1, eta), rho2=rho_from_beta(b2, eta), eps=0.0,  # noqa: E731
                                 time_shift=shift)
    ref = euler_maruyama(mk(None), mk(None).initial_state(1.0, 1), T=1.0, dt=eta, rng=0).loss[:, 0]
    fine = euler_maruyama(mk(None), mk(None).initial_state(1.0, 1), T=1.0, dt=eta / 4, rng=0, record_every=4).loss[:, 0]
    old = euler_maruyama(mk(eta), mk(eta).initial_state(1.0, 1), T=1.0, dt=eta / 4, rng=0, record_every=4).loss[:, 0]
    err_new, err_old = np.max(np.abs(fine / ref - 1)), np.max(np.abs(old / ref - 1))
    assert err_new < 0.1 and err_old > 4 * err_new
    assert mk(None).iotas(0.0, eta / 4) == pytest.approx(mk(eta / 4).iotas(0.0))
