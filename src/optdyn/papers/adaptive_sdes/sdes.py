"""The SDE models of Compagnoni et al. (ICLR 2025) and the comparison models (brief 1.4).

Every model is diagonal: the state is a dict of arrays of shape (R, d) (components 'X', and 'M', 'V'
for the adaptive methods) driven by one d-dimensional Brownian motion W. ``drift`` returns the drift
of each component and ``diffusion`` the (diagonal) coefficient multiplying dW, *including* the sqrt(eta)
factor of the weak approximation (time t = k eta, brief 1.3 and pitfall 1).

Models
------
* :func:`sgd_sde`: dX = -grad f dt + sqrt(eta) Sigma^{1/2} dW (Li, Tai & E).
* :func:`signsgd_sde`: Thm 3.2 / Cor 3.3, dX = -E[sign g(X)] dt + sqrt(eta) sqrt(1 - E[sign g]^2) dW,
  with E[sign g] = erf(Sigma^{-1/2} grad f / sqrt 2) (Gaussian) or 2 F_nu(Sigma^{-1/2} grad f) - 1
  (Student-t). ``kind='sign_ode'`` is the SignGD ODE dX = -sign(grad f) dt (phase-1 limit, control),
  ``'drift_only'`` drops the diffusion, ``'phase3'`` linearises E[sign g] ~ 2 p(0) Sigma^{-1/2} grad f,
  ``'no_sqrt2'`` evaluates the sign mean at sqrt(2) grad f (the erf argument without its 1/sqrt 2: a near miss).
* :func:`rmspropw_sde`: dX = -P^{-1}(grad f dt + sqrt(eta) Sigma^{1/2} dW) - theta X dt,
  dV = rho((grad f)^2 + diag Sigma - V) dt, P = diag(sqrt V) + eps. ``v_drift='malladi'`` drops the
  (grad f)^2 term (the Malladi et al. 2022 style second-moment equation, control).
* :func:`adamw_sde`: dX = -(sqrt(iota2)/iota1) P^{-1}(M [+ eta rho1 (grad f - M)]) dt - theta X dt,
  dM = rho1(grad f - M) dt + sqrt(eta) rho1 Sigma^{1/2} dW, dV = rho2((grad f)^2 + diag Sigma - V) dt,
  iota_i(t) = 1 - exp(-rho_i (t + shift)) with shift the integration step dt (or ``time_shift``), P = diag(sqrt V)
  + eps sqrt(iota2). The eta*rho1 term is
  marked uncertain in the brief [R] and is a flag; ``v_drift='malladi'`` as above.
* :func:`ou_sde`: Ornstein-Uhlenbeck dX = -a X dt + b dW (closed form, used to test the integrator).

The brief's statements of these SDEs are reconstructions [R] (the paper's full text was not available);
the rho = (1 - beta)/eta coupling is :func:`rho_from_beta`.
"""
from __future__ import annotations

import math

import numpy as np

from optdyn.validation import check_choice, check_in_range, check_positive
from optdyn.papers.adaptive_sdes.noise import GaussianNoise, StudentTNoise

__all__ = ["SDE", "adamw_sde", "ou_sde", "rho_from_beta", "rmspropw_sde", "sgd_sde", "signsgd_sde"]

_ORDERS = ("explicit", "mv_first")


def rho_from_beta(beta: float, eta: float) -> float:
    """``rho = (1 - beta) / eta`` (beta = 1 - eta rho, brief 1.3 and pitfall 2)."""
    beta = check_in_range("beta", beta, 0.0, 1.0, high_closed=False)
    eta = check_positive("eta", eta)
    return (1.0 - beta) / eta


def _check_noise(noise):
    if not isinstance(noise, (GaussianNoise, StudentTNoise)):
        raise TypeError(f"noise must be a GaussianNoise or StudentTNoise, got {type(noise).__name__}")
    return noise


def _state_array(name, value, R, d, *, positive=False, nonneg=False) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = np.full(d, float(a))
    if a.shape not in ((d,), (R, d)):
        raise ValueError(f"{name} must be a scalar, shape ({d},) or ({R}, {d}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0 elementwise (the SDE divides by sqrt({name})), got min {a.min()!r}")
    if nonneg and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 elementwise, got min {a.min()!r}")
    return np.broadcast_to(a, (R, d)).copy()


class SDE:
    """Base class: a diagonal SDE on named components, integrated by :func:`~.integrate.euler_maruyama`.

    Subclasses define ``components``, ``drift(state, t, comps)``, ``diffusion(state, t, comps)``
    (coefficient of dW, sqrt(eta) included) and ``initial_state(x0, R, ...)``. ``stages`` gives the
    order in which components are updated within one Euler-Maruyama step.
    """

    name = "SDE"
    components: tuple = ("X",)
    nonnegative: tuple = ()

    def __init__(self, problem, eta: float, update_order: str = "explicit"):
        self.problem = problem
        self.eta = check_positive("eta", eta)
        self.update_order = check_choice("update_order", update_order, _ORDERS)

    @property
    def stages(self) -> tuple:
        return (self.components,)

    def drift(self, state, t, comps, dt=None) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def diffusion(self, state, t, comps, dt=None) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def initial_state(self, x0, R: int) -> dict:
        return {"X": _state_array("x0", x0, R, self.problem.d)}

    def _grad(self, X):
        """grad f(X), cached for the same array (the stages of one Euler-Maruyama step share X)."""
        if getattr(self, "_gkey", None) is not X:
            self._gkey, self._gval = X, self.problem.grad(X)
        return self._gval

    def __repr__(self) -> str:
        return f"{self.name}(eta={self.eta:g})"


class _OU(SDE):
    name = "OU"

    def __init__(self, a, b, d):
        class _P:  # a minimal 'problem' with f(x) = |x|^2 / 2
            pass

        self.problem = _P()
        self.problem.d = d
        self.problem.loss = lambda X: 0.5 * (X * X).sum(axis=-1)
        self.eta = 1.0
        self.update_order = "explicit"
        self.a, self.b = a, b

    def drift(self, state, t, comps, dt=None):
        return {"X": -self.a * state["X"]}

    def diffusion(self, state, t, comps, dt=None):
        return {"X": np.full_like(state["X"], self.b)}

    def mean(self, x0, t):
        """E X_t = x0 exp(-a t)."""
        return x0 * np.exp(-self.a * t)

    def var(self, t):
        """Var X_t = b^2 (1 - exp(-2 a t)) / (2 a)."""
        return self.b**2 * (1 - np.exp(-2 * self.a * t)) / (2 * self.a)


def ou_sde(*, a: float, b: float, d: int = 1) -> SDE:
    """Ornstein-Uhlenbeck process dX = -a X dt + b dW (a > 0, b >= 0), with exact ``mean``/``var``."""
    a = check_positive("a", a)
    b = check_positive("b", b, strict=False)
    return _OU(a, b, d)


class _SGDSDE(SDE):
    name = "SGD SDE"

    def __init__(self, problem, noise, eta):
        super().__init__(problem, eta)
        self.noise = _check_noise(noise)
        cov = np.broadcast_to(noise.cov_diag(), (problem.d,))
        if not np.all(np.isfinite(cov)):
            raise ValueError("the SGD SDE needs a finite noise covariance (Student-t nu > 2); got infinite variance")
        self.sd = np.sqrt(cov)

    def drift(self, state, t, comps, dt=None):
        return {"X": -self.problem.grad(state["X"])}

    def diffusion(self, state, t, comps, dt=None):
        return {"X": math.sqrt(self.eta) * np.broadcast_to(self.sd, state["X"].shape)}


def sgd_sde(problem, noise, *, eta: float) -> SDE:
    """SGD SDE dX = -grad f dt + sqrt(eta) Sigma^{1/2} dW (the baseline of brief 1.4)."""
    return _SGDSDE(problem, noise, eta)


_SIGN_KINDS = ("full", "sign_ode", "drift_only", "phase3", "no_sqrt2")


class _SignSGDSDE(SDE):
    name = "SignSGD SDE"

    def __init__(self, problem, noise, eta, kind):
        super().__init__(problem, eta)
        self.noise = _check_noise(noise)
        self.kind = check_choice("kind", kind, _SIGN_KINDS)
        self.name = {"full": "SignSGD SDE", "sign_ode": "SignGD ODE", "drift_only": "SignSGD drift ODE",
                     "phase3": "SignSGD phase-3 SDE",
                     "no_sqrt2": "SignSGD SDE, erf argument without 1/sqrt 2"}[self.kind]

    def _mean_sign(self, X):
        """E sign(g(X)) (or its reduction), cached for the same array (drift and diffusion share it)."""
        if getattr(self, "_mkey", None) is not X:
            self._mkey, self._mval = X, self._mean_sign_of(X)
        return self._mval

    def _mean_sign_of(self, X):
        g = self.problem.grad(X)
        if self.kind == "sign_ode":
            return np.sign(g)
        if self.kind == "phase3":  # erf(y) ~ 2 p(0) y: slope of E sign(g+Z) at g = 0
            return 2.0 * self.noise.density_at_zero() * g
        if self.kind == "no_sqrt2":  # near miss: erf(Sigma^{-1/2} grad f) for Gaussian noise (a sqrt 2 error)
            return self.noise.sign_mean(math.sqrt(2.0) * g)
        return self.noise.sign_mean(g)

    def drift(self, state, t, comps, dt=None):
        return {"X": -self._mean_sign(state["X"])}

    def diffusion(self, state, t, comps, dt=None):
        if self.kind in ("sign_ode", "drift_only"):
            return {}
        m = self._mean_sign(state["X"])
        # clip 1 - m^2 at 0 before the square root (brief pitfall 10)
        return {"X": math.sqrt(self.eta) * np.sqrt(np.clip(1.0 - m * m, 0.0, None))}


def signsgd_sde(problem, noise, *, eta: float, kind: str = "full") -> SDE:
    """SignSGD SDE (Thm 3.2 / Cor 3.3, brief 1.4) or one of its reductions (``kind``, see module doc)."""
    return _SignSGDSDE(problem, noise, eta, kind)


class _RMSpropWSDE(SDE):
    name = "RMSpropW SDE"
    components = ("X", "V")
    nonnegative = ("V",)

    def __init__(self, problem, noise, eta, rho, eps, theta, v_drift, update_order):
        super().__init__(problem, eta, update_order)
        self.noise = _check_noise(noise)
        self.rho = check_positive("rho", rho)
        self.eps = check_positive("eps", eps, strict=False)
        self.theta = check_positive("theta", theta, strict=False)
        self.v_drift = check_choice("v_drift", v_drift, ("full", "malladi"))
        cov = np.broadcast_to(noise.cov_diag(), (problem.d,))
        if not np.all(np.isfinite(cov)):
            raise ValueError("the RMSpropW SDE needs a finite noise covariance")
        self.cov = cov
        self.sd = np.sqrt(cov)
        if v_drift == "malladi":
            self.name = "RMSpropW SDE (Malladi-style V)"

    @property
    def stages(self):
        return (("V",), ("X",)) if self.update_order == "mv_first" else (("X", "V"),)

    def drift(self, state, t, comps, dt=None):
        X, V = state["X"], state["V"]
        g = self._grad(X)
        out = {}
        if "X" in comps:
            out["X"] = -g / (np.sqrt(np.maximum(V, 0.0)) + self.eps) - self.theta * X
        if "V" in comps:
            target = self.cov + (g * g if self.v_drift == "full" else 0.0)
            out["V"] = self.rho * (target - V)
        return out

    def diffusion(self, state, t, comps, dt=None):
        if "X" not in comps:
            return {}
        P = np.sqrt(np.maximum(state["V"], 0.0)) + self.eps
        return {"X": math.sqrt(self.eta) * self.sd / P}

    def initial_state(self, x0, R, v0=None):
        """State at t = 0; ``v0`` must be > 0 (the X equation divides by sqrt(V) + eps, brief pitfall 4)."""
        if v0 is None:
            raise ValueError("v0 must be given (> 0) for the RMSpropW SDE, e.g. grad f(x0)^2 + diag Sigma")
        X = _state_array("x0", x0, R, self.problem.d)
        return {"X": X, "V": _state_array("v0", v0, R, self.problem.d, positive=True)}


def rmspropw_sde(problem, noise, *, eta: float, rho: float, eps: float = 1e-8, theta: float = 0.0,
                 v_drift: str = "full", update_order: str = "explicit") -> SDE:
    """RMSpropW SDE (main-text theorem near 3.10 [R], brief 1.4); rho = (1 - beta)/eta."""
    return _RMSpropWSDE(problem, noise, eta, rho, eps, theta, v_drift, update_order)


class _AdamWSDE(SDE):
    name = "AdamW SDE"
    components = ("X", "M", "V")
    nonnegative = ("V",)

    def __init__(self, problem, noise, eta, rho1, rho2, eps, theta, eta_rho1_term, bias_correction,
                 time_shift, v_drift, update_order):
        super().__init__(problem, eta, update_order)
        self.noise = _check_noise(noise)
        self.rho1 = check_positive("rho1", rho1)
        self.rho2 = check_positive("rho2", rho2)
        self.eps = check_positive("eps", eps, strict=False)
        self.theta = check_positive("theta", theta, strict=False)
        if not isinstance(eta_rho1_term, bool) or not isinstance(bias_correction, bool):
            raise TypeError("eta_rho1_term and bias_correction must be bools")
        self.eta_rho1_term = eta_rho1_term
        self.bias_correction = bias_correction
        self.time_shift = None if time_shift is None else check_positive("time_shift", time_shift, strict=False)
        if bias_correction and self.time_shift == 0 and update_order == "explicit":
            raise ValueError("time_shift must be > 0 with bias correction and update_order='explicit' "
                             "(iota_1(0) = 0 would divide by zero); use time_shift=None (the integration step)")
        self.v_drift = check_choice("v_drift", v_drift, ("full", "malladi"))
        cov = np.broadcast_to(noise.cov_diag(), (problem.d,))
        if not np.all(np.isfinite(cov)):
            raise ValueError("the AdamW SDE needs a finite noise covariance")
        self.cov = cov
        self.sd = np.sqrt(cov)
        if v_drift == "malladi":
            self.name = "AdamW SDE (Malladi-style V)"

    @property
    def stages(self):
        return (("M", "V"), ("X",)) if self.update_order == "mv_first" else (("X", "M", "V"),)

    def iotas(self, t, dt=None):
        """Bias corrections iota_i(t) = 1 - exp(-rho_i (t + shift)) (1 without bias correction).

        ``shift`` is ``time_shift`` when given, else the integration step ``dt`` (the end of the current
        step, as the optimiser's k-th step uses 1 - beta_i^(k+1)), else eta (a call outside the integrator).
        """
        if not self.bias_correction:
            return 1.0, 1.0
        shift = self.time_shift if self.time_shift is not None else (self.eta if dt is None else dt)
        s = t + shift
        return -math.expm1(-self.rho1 * s), -math.expm1(-self.rho2 * s)

    def drift(self, state, t, comps, dt=None):
        X, M, V = state["X"], state["M"], state["V"]
        g = self._grad(X)
        out = {}
        if "X" in comps:
            i1, i2 = self.iotas(t, dt)
            num = M + self.eta * self.rho1 * (g - M) if self.eta_rho1_term else M
            P = np.sqrt(np.maximum(V, 0.0)) + self.eps * math.sqrt(i2)
            out["X"] = -(math.sqrt(i2) / i1) * num / P - self.theta * X
        if "M" in comps:
            out["M"] = self.rho1 * (g - M)
        if "V" in comps:
            target = self.cov + (g * g if self.v_drift == "full" else 0.0)
            out["V"] = self.rho2 * (target - V)
        return out

    def diffusion(self, state, t, comps, dt=None):
        if "M" not in comps:
            return {}
        return {"M": math.sqrt(self.eta) * self.rho1 * np.broadcast_to(self.sd, state["M"].shape)}

    def initial_state(self, x0, R, m0=0.0, v0=0.0):
        """State at t = 0 (default M0 = V0 = 0 as in the optimiser).

        With ``update_order='explicit'`` the first X step divides by sqrt(V0) + eps, so V0 must be > 0
        there (brief pitfall 4); ``'mv_first'`` updates V before it is used and accepts V0 = 0.
        """
        d = self.problem.d
        X = _state_array("x0", x0, R, d)
        M = _state_array("m0", m0, R, d)
        V = _state_array("v0", v0, R, d, positive=self.update_order == "explicit", nonneg=True)
        return {"X": X, "M": M, "V": V}


def adamw_sde(problem, noise, *, eta: float, rho1: float, rho2: float, eps: float = 1e-8, theta: float = 0.0,
              eta_rho1_term: bool = False, bias_correction: bool = True, time_shift: float | None = None,
              v_drift: str = "full", update_order: str = "mv_first") -> SDE:
    """AdamW SDE (main-text theorem near 3.12 [R], brief 1.4); rho_i = (1 - beta_i)/eta.

    ``time_shift`` (default None: the integrator's step dt) evaluates the bias corrections at the end of
    the current integration step, t + dt, as the optimiser's k-th step uses 1 - beta_i^{k+1} (brief pitfall
    4); with dt = eta this is t + eta. (Up to the review of b5fd53a the default was eta whatever dt, which
    slowed the first substeps when dt < eta.) ``update_order='mv_first'`` updates M and V
    before X within a step, mirroring the optimiser (brief pitfall 3).
    """
    return _AdamWSDE(problem, noise, eta, rho1, rho2, eps, theta, eta_rho1_term, bias_correction, time_shift,
                     v_drift, update_order)
