"""Theory of the momentum-on-DAGs chapter: the step-size certificate and the sufficient-decrease constant
(derived for this chapter in the Wu et al. 2008 template; **reconstructed [R]**, brief Sec. 2):

* ``eta*(s) = 2 (1 - s) / (L (1 + s)^2)`` (assumption A3);
* ``c(eta, s) = (1 - s) - (L eta / 2) (1 + s)^2`` with ``E(w^{k+1}) <= E(w^k) - eta c ||g_k||^2`` (Lemma C).
"""
from __future__ import annotations

from optdyn.validation import check_array

__all__ = ["c_const", "eta_star"]


def eta_star(L, s):
    """Certified step size ``eta*(s) = 2 (1 - s) / (L (1 + s)^2)`` ([R], derived in the Wu template)."""
    L = check_array("L", L, 0.0, None, low_closed=False)
    s = check_array("s", s, 0.0, 1.0, high_closed=False)
    out = 2.0 * (1.0 - s) / (L * (1.0 + s) ** 2)
    return float(out) if out.ndim == 0 else out


def c_const(eta, s, L):
    """Sufficient-decrease constant ``c(eta, s) = (1 - s) - (L eta / 2)(1 + s)^2`` of Lemma C ([R])."""
    eta = check_array("eta", eta, 0.0, None, low_closed=False)
    s = check_array("s", s, 0.0, 1.0, high_closed=False)
    L = check_array("L", L, 0.0, None)
    out = (1.0 - s) - 0.5 * L * eta * (1.0 + s) ** 2
    return float(out) if out.ndim == 0 else out

