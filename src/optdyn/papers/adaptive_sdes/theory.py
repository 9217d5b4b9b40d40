"""Closed forms of the chapter (brief section 2): SignSGD phases and rates, stationary losses on
diagonal quadratics, heavy-tail constants and batch-size scaling rules.

Conventions: f(x) = 1/2 sum_i lam_i x_i^2, noise scale s_i (Gaussian: standard deviation sigma_i/sqrt(B);
Student-t: scale), learning rate eta, SDE time t = k eta. Tags as in the brief: [V] verified from public
sources, [R] reconstructed (the paper's full text was not available), [D] derived and checked numerically.
"""
from __future__ import annotations

import math

import numpy as np


from optdyn.validation import check_choice, check_in_range, check_positive
from optdyn.papers.adaptive_sdes.noise import t_density_at_zero

__all__ = [
    "ERF_CHORD_RATE",
    "LINEAR_RATE",
    "adam_stationary_loss",
    "adamw_mean_rate",
    "adamw_momentum_factor",
    "phase2_constants",
    "phase_of",
    "scale_hparams",
    "sgd_phase_bound",
    "sgd_stationary_loss",
    "sign_slope_at_zero",
    "signsgd_mean_rate",
    "signsgd_phase1_bound",
    "signsgd_phase3_bound",
    "signsgd_stationary_loss",
    "snr",
]

LINEAR_RATE = math.sqrt(2.0 / math.pi)  # erf(y/sqrt2) ~ sqrt(2/pi) y near 0 (T3, phase 3)
ERF_CHORD_RATE = math.erf(1.0) / math.sqrt(2.0)  # chord: erf(y) >= erf(1) y on [0, 1] (rigorous, T3/T4)


def _arr(name, v, *, positive=True):
    a = np.asarray(v, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0, got {v!r}")
    if not positive and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0, got {v!r}")
    return a


def _nu(nu):
    if isinstance(nu, bool):
        raise TypeError("nu must be a real number")
    nu = float(nu)
    if not nu > 0:
        raise ValueError(f"nu must be in (0, inf], got {nu!r}")
    return nu


def sign_slope_at_zero(nu: float = math.inf) -> float:
    """2 p_nu(0): slope of E[sign(y + T)] at y = 0 for unit-scale Student-t(nu) noise (T7).

    0.6366 (nu=1), 0.7071 (nu=2), 0.7351 (nu=3), 0.7592 (nu=5), sqrt(2/pi) = 0.7979 (nu=inf). [D]
    """
    return 2.0 * t_density_at_zero(_nu(nu))


def snr(grad, scale) -> np.ndarray:
    """Phase variable Y = Sigma^{-1/2} grad f / sqrt 2 (Lemma 3.4 [V], brief 1.5)."""
    return np.asarray(grad, dtype=float) / (math.sqrt(2.0) * _arr("scale", scale))


def phase_of(Y) -> np.ndarray:
    """Phase of Lemma 3.4 [V thresholds]: 1 if |Y| > 3/2, 2 if 1 < |Y| <= 3/2, 3 if |Y| <= 1."""
    a = np.abs(np.asarray(Y, dtype=float))
    return np.where(a > 1.5, 1, np.where(a > 1.0, 2, 3))


def phase2_constants() -> dict:
    """Affine sandwich of erf on [1, 3/2] (T3, phase 2) [D; the paper's constants may differ].

    m = chord slope (erf(1.5) - erf(1))/0.5; q_minus = chord intercept (a lower bound, erf concave);
    q_plus = intercept of the parallel tangent, touching at y_tan: m y + q_minus <= erf(y) <= m y + q_plus.
    """
    m = (math.erf(1.5) - math.erf(1.0)) / 0.5
    q_minus = math.erf(1.0) - m
    y_tan = math.sqrt(-math.log(m * math.sqrt(math.pi) / 2.0))
    q_plus = math.erf(y_tan) - m * y_tan
    return {"m": m, "q_minus": q_minus, "q_plus": q_plus, "y_tan": y_tan}


def signsgd_phase1_bound(t, S0: float, mu: float) -> np.ndarray:
    """Phase 1 (SignGD ODE, T4): dS/dt = -||grad f||_1 <= -sqrt(2 mu S), so S_t <= (sqrt S0 - sqrt(mu/2) t)_+^2."""
    S0 = check_positive("S0", S0, strict=False)
    mu = check_positive("mu", mu)
    t = np.asarray(t, dtype=float)
    return np.maximum(math.sqrt(S0) - math.sqrt(mu / 2.0) * t, 0.0) ** 2


def signsgd_phase3_bound(t, S0: float, *, mu: float, trH: float, sigma_max: float, eta: float,
                         rigorous: bool = True) -> np.ndarray:
    """Phase 3 bound (T4): E S_t <= S0 e^{-2 mu D t} + eta trH/(4 mu D) (1 - e^{-2 mu D t}), D = c/sigma_max.

    c = erf(1)/sqrt 2 (chord, a valid bound while |Y| <= 1) if ``rigorous`` else sqrt(2/pi) (the
    linearisation of the brief's T4 [R], which overestimates the descent: erf is concave, pitfall 9).
    """
    S0 = check_positive("S0", S0, strict=False)
    mu, trH = check_positive("mu", mu), check_positive("trH", trH)
    sigma_max, eta = check_positive("sigma_max", sigma_max), check_positive("eta", eta)
    D = (ERF_CHORD_RATE if rigorous else LINEAR_RATE) / sigma_max
    e = np.exp(-2.0 * mu * D * np.asarray(t, dtype=float))
    return S0 * e + eta * trH / (4.0 * mu * D) * (1.0 - e)


def sgd_phase_bound(t, S0: float, *, mu: float, trH: float, sigma_max: float, eta: float) -> np.ndarray:
    """SGD counterpart (T4): E S_t <= S0 e^{-2 mu t} + eta trH sigma_max^2/(4 mu) (1 - e^{-2 mu t})."""
    mu, trH = check_positive("mu", mu), check_positive("trH", trH)
    eta = check_positive("eta", eta)
    e = np.exp(-2.0 * mu * np.asarray(t, dtype=float))
    return S0 * e + eta * trH * sigma_max**2 / (4.0 * mu) * (1.0 - e)


def signsgd_mean_rate(lam, scale, nu: float = math.inf) -> np.ndarray:
    """Phase-3 decay rate of E x_i for SignSGD: 2 p_nu(0) lam_i / s_i (Lemma 3.7 [R]); rate ~ 1/sigma."""
    return sign_slope_at_zero(nu) * _arr("lam", lam) / _arr("scale", scale)


def adamw_mean_rate(lam, sigma, theta: float = 0.0) -> np.ndarray:
    """Decay rate of E x_i for RMSpropW/AdamW in the noise-dominated regime: lam_i/sigma_i + theta (T9)."""
    theta = check_positive("theta", theta, strict=False)
    return _arr("lam", lam) / _arr("sigma", sigma) + theta


def signsgd_stationary_loss(lam, scale, eta: float, nu: float = math.inf, discrete_correction: bool = False) -> float:
    """E f(X_inf) for SignSGD on a quadratic (Lemma 3.7 [V/R], T5, T7 [D]).

    (eta/4) sum_i s_i / (2 p_nu(0)); nu = inf gives (eta/4) sqrt(pi/2) sum_i sigma_i, independent of H.
    ``discrete_correction`` multiplies coordinate i by 1/(1 - eta a_i/2), a_i = 2 p_nu(0) lam_i/s_i
    (the AR(1) variance of the linearised discrete recursion, brief pitfall 8).
    """
    eta = check_positive("eta", eta)
    lam = _arr("lam", lam)
    s = np.broadcast_to(_arr("scale", scale), lam.shape)
    c = sign_slope_at_zero(nu)
    per = eta / 4.0 * s / c
    if discrete_correction:
        a = c * lam / s
        if np.any(eta * a >= 2):
            raise ValueError("eta * 2p(0) lam / s must be < 2 for the discrete correction")
        per = per / (1.0 - eta * a / 2.0)
    return float(per.sum())


def sgd_stationary_loss(lam, sigma, eta: float, discrete: bool = False) -> float:
    """E f(X_inf) for SGD (Lemma 3.8 [V]: Cov = (eta/2) H^{-1} Sigma): (eta/4) sum_i sigma_i^2.

    ``discrete=True``: the exact discrete-SGD value, coordinate i times 1/(1 - eta lam_i/2) [D].
    ``sigma`` is the noise standard deviation (for Student-t pass sqrt of its variance).
    """
    eta = check_positive("eta", eta)
    lam = _arr("lam", lam)
    s2 = np.broadcast_to(_arr("sigma", sigma, positive=False) ** 2, lam.shape)
    per = eta / 4.0 * s2
    if discrete:
        if np.any(eta * lam >= 2):
            raise ValueError("eta * lam must be < 2 for discrete SGD to be stable")
        per = per / (1.0 - eta * lam / 2.0)
    return float(per.sum())


def adamw_momentum_factor(rho1: float, theta: float) -> float:
    """rho1/(rho1 + theta): the [D] correction of the AdamW stationary variance for momentum (brief T9, pitfall 7)."""
    if math.isinf(rho1):
        return 1.0
    rho1 = check_positive("rho1", rho1)
    theta = check_positive("theta", theta, strict=False)
    return rho1 / (rho1 + theta)


def adam_stationary_loss(lam, sigma, eta: float, theta: float = 0.0, rho1: float = math.inf) -> float:
    """E f(X_inf) for Adam/RMSprop (theta = 0, Lemma C.52 [V]) and AdamW/RMSpropW (Lemma C.57 [V]).

    Cov = (eta/2)(H Sigma^{-1/2} + theta I)^{-1} gives (eta/4) sum_i lam_i sigma_i/(lam_i + theta sigma_i)
    (= (eta/4) sum sigma_i for theta = 0, and <= eta Tr(H)/(4 theta) for every sigma). With a finite
    rho1 = (1 - beta1)/eta the exact stationary variance of the (X, M) SDE carries the extra factor
    rho1/(rho1 + theta) [D]; rho1 = inf (the default) is the formula as quoted (no momentum, RMSpropW).
    """
    eta = check_positive("eta", eta)
    theta = check_positive("theta", theta, strict=False)
    lam = _arr("lam", lam)
    sig = np.broadcast_to(_arr("sigma", sigma), lam.shape)
    per = eta / 4.0 * lam * sig / (lam + theta * sig)
    return float(per.sum() * adamw_momentum_factor(rho1, theta))


_RULES = ("delta", "sqrt_delta", "none")


def scale_hparams(hp: dict, delta: float, *, optimizer: str = "adamw", beta_rule: str = "delta",
                  scale_eta: bool = True) -> dict:
    """Hyper-parameters after the batch size is multiplied by ``delta`` (T10, Lemma 3.13 [V/R]).

    AdamW/RMSpropW rule [D]: eta -> sqrt(delta) eta, theta -> sqrt(delta) theta, eps -> eps/sqrt(delta),
    and 1 - beta -> delta (1 - beta) (``beta_rule='delta'``, so rho -> sqrt(delta) rho), or
    1 - beta -> sqrt(delta) (1 - beta) (``'sqrt_delta'``, the third-party variant; rho unchanged), or
    beta unchanged (``'none'``). ``scale_eta=False`` keeps eta, theta and eps (the unscaled control
    when combined with ``beta_rule='none'``). SignSGD: eta -> sqrt(delta) eta. ``batch_size`` is
    multiplied by delta in every case.
    """
    optimizer = check_choice("optimizer", optimizer, ("adamw", "rmspropw", "signsgd"))
    beta_rule = check_choice("beta_rule", beta_rule, _RULES)
    delta = check_positive("delta", delta)
    out = dict(hp)
    out["batch_size"] = hp.get("batch_size", 1) * delta
    if out["batch_size"] != int(round(out["batch_size"])):
        raise ValueError("delta * batch_size must be an integer")
    out["batch_size"] = int(round(out["batch_size"]))
    r = math.sqrt(delta)
    if scale_eta:
        out["eta"] = hp["eta"] * r
    if optimizer == "signsgd":
        return out
    if scale_eta:
        out["theta"] = hp.get("theta", 0.0) * r
        out["eps"] = hp.get("eps", 1e-8) / r
    keys = ("beta1", "beta2") if optimizer == "adamw" else ("beta",)
    for k in keys:
        one_minus = 1.0 - check_in_range(k, hp[k], 0.0, 1.0, high_closed=False)
        f = {"delta": delta, "sqrt_delta": r, "none": 1.0}[beta_rule]
        nb = 1.0 - f * one_minus
        if not 0.0 <= nb < 1.0:
            raise ValueError(f"scaled {k} = {nb!r} is outside [0, 1): delta * (1 - {k}) must be <= 1")
        out[k] = nb
    return out
