"""The PLRS chapter's criteria on synthetic inputs: each must pass what the paper's statement predicts and fail a
stated near miss (the unit-level version of the chapter's controls), never raise on non-finite input, and the claims
are declared completely for ledger v2 (kind, conditions, near misses, positive controls of 'not reproduced' claims)."""
import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

from optdyn.claims import Outcome
from optdyn.papers.plrs import checks as ck
from optdyn.papers.plrs.parameters import SCHEMA

RNG = np.random.default_rng
ROOT = Path(__file__).resolve().parents[3]


def test_claim_inventory():
    """The chapter's claim ids and kinds (the declarations themselves: tests/papers/test_claims_declared.py)."""
    assert len(ck.CLAIMS) == 18
    kept = {"lemma1_zero_mean", "thm1_identity", "thm1_bound", "thm1_quartic", "thm1_order", "saddle_escape",
            "randomness_speeds_escape", "thm2_rate_decrease_time", "thm3_confinement", "digits_noninferiority", "loss_spikes",
            "convergence_speed"}
    assert kept <= set(ck.CLAIMS)  # claim ids that survive keep their ids (the status page links them)
    assert not {"escape_without_gradient_noise", "thm2_rate_exit_time"} & set(ck.CLAIMS)  # forced outcomes: no longer claims
    assert {c.id for c in ck.CLAIMS.values() if c.kind == "exact"} == {"plrs.thm1_bound", "plrs.no_noise_invariance"}


def test_zscore_and_descent():
    z = RNG(0).standard_normal(20)
    assert ck.zscore_check(z).passed and not ck.zscore_check(np.r_[z, 5.0]).passed
    assert ck.zscore_check([np.nan, 1.0]).passed is None
    mc, se = np.array([-1e-3, -2e-3]), np.array([1e-5, 1e-5])
    assert ck.descent_check(mc, se, mc + 1e-4).passed
    assert not ck.descent_check(mc, se, mc - 1e-4).passed  # above the bound
    assert not ck.descent_check(np.array([1e-5]), np.array([1e-7]), np.array([1e-4])).passed  # an increase
    assert ck.descent_check(np.array([np.nan]), se[:1], mc[:1]).passed is None


def _power_law(L, p, a=1.0, b=-0.5, rel_se=0.003, seed=0):
    y = L**p * (a + b * L)
    se = rel_se * y
    return y + se * RNG(seed).standard_normal(L.size), se


def test_order_check_models_the_next_order_term():
    L = np.geomspace(0.01, 0.8, 6)
    y, se = _power_law(L, 2.0, b=-0.55)  # a strong next-order term: the plain log-log slope is about 1.9
    assert abs(np.polyfit(np.log(L), np.log(y), 1)[0] - 2) > 0.05
    assert ck.order_check(L, -y, se, 2.0, rng=1, n_boot=1000).passed
    assert ck.order_check(L, -y, se, 1.9, rng=1, n_boot=1000).passed is False
    y1, se1 = _power_law(L, 1.0, b=0.5)
    assert ck.order_check(L, y1, se1, 2.0, rng=1, n_boot=1000).passed is False
    assert ck.order_check(L, y, 30 * se, 2.0, rng=1, n_boot=1000).passed is None  # too imprecise to tell
    assert ck.order_check(L, np.r_[y[:-1], np.nan], se, 2.0, rng=1).passed is None


def test_escape_fraction_and_speedup():
    t = np.arange(1, 101)
    assert ck.escape_fraction_check(t, np.zeros(100, bool), 100).passed
    assert not ck.escape_fraction_check(t, np.zeros(100, bool), 50).passed
    rng = RNG(2)
    b = rng.integers(50, 70, 400).astype(float)
    assert ck.speedup_check(0.75 * b, b).passed                  # 25% faster
    assert not ck.speedup_check(0.95 * b, b).passed              # significant but only 5%
    assert not ck.speedup_check(b + rng.integers(-2, 3, 400), b).passed  # no effect
    assert ck.speedup_check(np.r_[b[:-1], np.nan], b).passed is None


def test_rate_exponent_check_three_way():
    L = np.geomspace(0.0125, 0.2, 5)
    rng = RNG(3)
    for slope, expect in ((-1.0, False), (0.0, True), (-0.4, None)):
        ts = 10 * L**slope
        boots = ts[None, :] * np.exp(0.01 * rng.standard_normal((400, 5)))
        assert ck.rate_exponent_check(L, ts, boots).passed is expect
    assert ck.rate_exponent_check(L, np.r_[np.nan, ts[1:]], boots).passed is None


def test_bound_exponent_check():
    L = np.geomspace(0.0125, 0.2, 5)
    rng = RNG(4)
    gap = L[:, None] ** 1.3 * rng.exponential(1.0, (5, 800))
    free = L[:, None] ** 0.5 * rng.exponential(1.0, (5, 800))
    assert ck.bound_exponent_check(L, gap, 0.75, rng=0, n_boot=300).passed
    assert ck.bound_exponent_check(L, free, 0.75, rng=0, n_boot=300).passed is False
    assert ck.bound_exponent_check(L, free[:, :20] * rng.exponential(1.0, (5, 20)) ** 3, 0.75, rng=0, n_boot=300).passed is None
    assert ck.bound_exponent_check(L, np.zeros((5, 10)), 0.75, rng=0).passed is None


def test_vanishing_probability_check():
    rng = RNG(5)
    flat = rng.random((5, 1000)) < 0.3
    vanishing = rng.random((5, 1000)) < np.array([0.0, 0.01, 0.05, 0.1, 0.3])[:, None]
    assert ck.vanishing_probability_check(flat).passed is False
    assert ck.vanishing_probability_check(vanishing).passed
    assert ck.vanishing_probability_check(np.zeros((5, 1000), bool)).passed is None


def test_confinement_and_quantile_scaling():
    L = np.array([0.2, 0.1, 0.05, 0.025])
    rng = RNG(6)
    r = np.sqrt(L * np.log(1 / (L * 0.05)))
    sups = r[:, None] * np.sqrt(1 + 0.3 * rng.chisquare(2, (4, 2000)))
    assert ck.confinement_check(L, sups, rng=0, n_boot=300).passed
    assert not ck.confinement_check(L, sups * (L[:, None] / 0.2) ** -0.6, rng=0, n_boot=300).passed
    radius = lambda l, xi: math.sqrt(l * math.log(1 / (l * xi)))  # noqa: E731
    gauss = np.sqrt(L[:, None] * (np.log(1 / L[:, None]) + 2 * rng.exponential(1.0, (4, 4000))))
    assert ck.quantile_scaling_check(L, gauss, radius).passed
    assert not ck.quantile_scaling_check(L, gauss, lambda l, xi: math.sqrt(l / xi)).passed
    assert ck.quantile_scaling_check(L, np.full((4, 10), np.nan), radius).passed is None


def test_noninferiority_check_reports_the_hl_estimate_with_its_own_bound():
    rng = RNG(7)
    base = 97 + 0.3 * rng.standard_normal(30)
    comps = {"a": base + 0.1 * rng.standard_normal(30), "b": base - 0.2 + 0.1 * rng.standard_normal(30)}
    o = ck.noninferiority_check(base, comps, 1.0)
    assert o.passed and all(o.details["lower"][c] <= o.details["hl"][c] for c in comps)
    assert not ck.noninferiority_check(base - 1.5, comps, 1.0).passed  # the near miss
    collapsed = base.copy()
    collapsed[0] = np.nan  # a diverged PLRS run counts as accuracy 0 and is reported
    o = ck.noninferiority_check(collapsed, comps, 1.0)
    assert o.details["collapsed"]["PLRS"] == 1 and "PLRS 1" in o.measured


def test_fewer_and_not_slower():
    rng = RNG(8)
    few, many = rng.poisson(0.5, 20), rng.poisson(3.0, 20)
    assert ck.fewer_check(few, many).passed and not ck.fewer_check(many, few).passed
    assert not ck.fewer_check(few, few).passed  # identical counts: p = 1
    b = rng.integers(7, 10, 20).astype(float)
    assert ck.not_slower_check(b + rng.integers(0, 2, 20), b, 1.7).passed
    assert not ck.not_slower_check(b + 3, b, 1.7).passed
    assert ck.not_slower_check(np.r_[b[:-1], np.nan], b, 1.7).passed is None


def test_exact_checks():
    res = {"n": 10, "max_rel_excess": -0.5, "s2_ok": True, "step_ok": True}
    assert ck.exact_bound_check(res, [4.4, 8.6]).passed
    assert not ck.exact_bound_check({**res, "max_rel_excess": 0.01}).passed
    nn = {"PLRS": {"max_abs_x1": 0.0, "median_final_distance": 1e-70}, "const eta_c": {"max_abs_x1": 0.0, "median_final_distance": 0},
          "R": 3, "steps": 5}
    assert ck.invariance_check(nn).passed
    assert not ck.invariance_check({**nn, "PLRS": {"max_abs_x1": 1e-300, "median_final_distance": 0}}).passed


def test_outcome_helpers_feed_judge_with_the_declared_controls():
    """Every <claim>_outcomes helper returns exactly the controls its ClaimSpec declares."""
    L = np.geomspace(0.0125, 0.2, 5)
    rng = RNG(9)
    cp = {"l_max": L, "gap": L[:, None] ** 1.3 * rng.exponential(1, (5, 300)), "gap_free": L[:, None] ** 0.5 * rng.exponential(1, (5, 300)),
          "disp": L[:, None] ** 0.5 * rng.exponential(1, (5, 300)), "df": rng.standard_normal((5, 300)),
          "df_const": rng.standard_normal((5, 300)), "df_start": rng.standard_normal((5, 300)) + 3 * np.arange(5)[:, None] - 6}
    for name, (o, ctrl) in {"lemma2_quadratic_model": ck.lemma2_outcomes(cp, rng=0, n_boot=200),
                            "lemma3_coupling": ck.lemma3_outcomes(cp, rng=0, n_boot=200),
                            "thm2_probability": ck.thm2_probability_outcomes(cp)}.items():
        assert isinstance(o, Outcome) and set(ctrl) == {c.name for c in ck.CLAIMS[name].controls}
        claim = ck.CLAIMS[name].state(SCHEMA.validate(_quick()))
        claim.judge(o, ctrl, display=False)


def _quick():
    nb = json.loads((ROOT / "book" / "plrs.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    defaults = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse("".join(cell["source"])).body}
    return {**defaults, "profile": "quick"}


@pytest.mark.parametrize("name", ["loss_spikes", "randomness_speeds_escape", "thm2_rate_decrease_time", "thm2_probability",
                                  "tensor_decomposition"])
def test_not_reproduced_needs_a_passing_positive_control(name):
    claim = ck.CLAIMS[name].state(SCHEMA.validate(_quick()))
    ctrl = {c.name: Outcome(c.role == "positive", "synthetic") for c in ck.CLAIMS[name].controls}
    assert claim.judge(Outcome(False, "synthetic"), ctrl, display=False).verdict == "not reproduced"
    claim = ck.CLAIMS[name].state(SCHEMA.validate(_quick()))
    ctrl = {c.name: Outcome(False, "synthetic") for c in ck.CLAIMS[name].controls}
    assert claim.judge(Outcome(False, "synthetic"), ctrl, display=False).verdict == "inconclusive"
