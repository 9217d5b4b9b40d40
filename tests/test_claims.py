import json

import numpy as np
import pytest

from optdyn.claims import CLAIM_MIME, Claim, verdict_from

CTRL_REJECTED = {"name": "wrong estimator", "measured": "r = 0.7", "passed": False}


def make(**kw):
    base = dict(id="toy.claim_one", result="Theorem 1", statement="x holds", criterion="|r-1| < 0.1")
    base.update(kw)
    return Claim(**base)


def test_verdicts_follow_the_criterion():
    assert verdict_from(True) == "reproduced"
    assert verdict_from(False) == "not reproduced"
    assert verdict_from(None) == "inconclusive"
    r = make().judge(passed=np.bool_(True), measured="r = 1.01", value=1.01, control=CTRL_REJECTED, display=False)
    assert r.verdict == "reproduced" and r.as_expected and r.chapter == "toy"
    r = make(expected="not reproduced").judge(passed=False, measured="r = 2", control=CTRL_REJECTED, display=False)
    assert r.verdict == "not reproduced" and r.as_expected


def test_a_control_that_passes_makes_the_claim_inconclusive():
    r = make().judge(passed=True, measured="r = 1", control={**CTRL_REJECTED, "passed": True}, display=False)
    assert r.verdict == "inconclusive"
    assert "cannot discriminate" in r.note
    assert not r.as_expected


def test_claim_validation():
    with pytest.raises(ValueError, match="id must look like"):
        make(id="NoDot")
    with pytest.raises(ValueError, match="expected must be one of"):
        make(expected="maybe")
    with pytest.raises(ValueError, match="criterion must be a non-empty string"):
        make(criterion=" ")
    c = make()
    with pytest.raises(ValueError, match="control must be a mapping"):
        c.judge(passed=True, measured="x", control={"name": "x"}, display=False)
    with pytest.raises(TypeError, match="passed must be True, False or None"):
        c.judge(passed=1, measured="x", control=CTRL_REJECTED, display=False)
    c.judge(passed=True, measured="x", control=CTRL_REJECTED, display=False)
    with pytest.raises(RuntimeError, match="already judged"):
        c.judge(passed=True, measured="x", control=CTRL_REJECTED, display=False)


def test_box_and_machine_readable_copy():
    r = make().judge(passed=False, measured="r = <2>", value=float("nan"), margin=-0.3,
                     control=CTRL_REJECTED, details={"arr": np.arange(3)}, display=False)
    h = r.to_html()
    assert repr(r) == '<ClaimResult toy.claim_one: not reproduced>'
    assert "id='claim-toy-claim-one'" in h and "data-verdict='not reproduced'" in h
    assert "r = &lt;2&gt;" in h and "Differs from the documented verdict" in h
    d = json.loads(json.dumps(r.to_dict()))
    assert d["value"] is None and d["margin"] == -0.3 and d["details"]["arr"] == [0, 1, 2]
    assert CLAIM_MIME.startswith("application/vnd.optdyn")


# -- ledger v2 -----------------------------------------------------------------------------------

from optdyn.claims import CLAIM_MIME as _M, ClaimSpec, Control, Deviation, Outcome, show_deviations  # noqa: E402
from optdyn.validation import Condition  # noqa: E402

BIG_N = Condition("large_n", "n >= 1000 (asymptotic regime)", ("n",), lambda P: P["n"] >= 1000)
NEAR = Control("Sigma x 1.25", "near_miss", "Sigma_alpha scaled by 1.25")
STRAW = Control("uncoupled chains", "illustration", "no coupling at all")
POS = Control("negative-trace saddle", "positive", "a saddle whose T* does not depend on L_max")


def spec(**kw):
    base = dict(id="toy.rate", result="Theorem 2", statement="rate at n = {P[n]} (literal braces)",
                criterion=lambda P: f"|r - 1| < 0.1 at n = {P['n']}",
                kind="empirical", conditions=(BIG_N,), controls=(NEAR, STRAW))
    base.update(kw)
    return ClaimSpec(**base)


OK, BAD = Outcome(True, "r = 1.01", 1.01, 0.09), Outcome(False, "r = 1.3", 1.3, -0.2)


def test_v2_reproduced_needs_rejected_controls():
    r = spec().state({"n": 5000}).judge(OK, {"Sigma x 1.25": BAD, "uncoupled chains": BAD}, display=False)
    assert r.verdict == "reproduced" and r.criterion == "|r - 1| < 0.1 at n = 5000"
    d = r.to_dict()
    assert d["kind"] == "empirical" and d["conditions"] == {"satisfied": True, "violated": [], "declared": ["large_n"]}
    assert [c["role"] for c in d["controls"]] == ["near_miss", "illustration"] and "control" not in d
    assert d["controls"][0]["deviation"] == "Sigma_alpha scaled by 1.25" and d["controls"][0]["passed"] is False
    h = r.to_html()
    assert "detects: Sigma_alpha scaled by 1.25" in h and "data-kind='empirical'" in h


@pytest.mark.parametrize("ctrls", [
    {"Sigma x 1.25": OK, "uncoupled chains": BAD},
    {"Sigma x 1.25": Outcome(None, "too few runs"), "uncoupled chains": BAD},
])
def test_v2_no_near_miss_rejected_means_no_power(ctrls):
    r = spec().state({"n": 5000}).judge(OK, ctrls, display=False)
    assert r.verdict == "inconclusive" and "No near-miss control was rejected" in r.note


def test_v2_illustrations_never_change_the_verdict_and_a_missed_near_miss_is_reported():
    r = spec().state({"n": 5000}).judge(OK, {"Sigma x 1.25": BAD, "uncoupled chains": OK}, display=False)
    assert r.verdict == "reproduced" and r.note == ""
    s = spec(controls=(NEAR, Control("Sigma x 1.05", "near_miss", "Sigma_alpha scaled by 1.05"), STRAW))
    r = s.state({"n": 5000}).judge(OK, {"Sigma x 1.25": BAD, "Sigma x 1.05": OK, "uncoupled chains": BAD}, display=False)
    assert r.verdict == "reproduced" and "does not detect Sigma x 1.05" in r.note


def test_v2_not_reproduced_needs_a_passing_positive_control():
    s = spec(expected="not reproduced", controls=(NEAR, POS))
    r = s.state({"n": 5000}).judge(BAD, {"Sigma x 1.25": BAD, "negative-trace saddle": OK}, display=False)
    assert r.verdict == "not reproduced" and r.as_expected
    r = s.state({"n": 5000}).judge(BAD, {"Sigma x 1.25": BAD, "negative-trace saddle": BAD}, display=False)
    assert r.verdict == "inconclusive" and "positive control" in r.note
    with pytest.raises(ValueError, match="needs a positive control"):
        spec(expected="not reproduced")


def test_v2_outside_conditions_names_the_condition():
    c = spec().state({"n": 50})
    assert not c.applies and c.violated == ["large_n"]
    r = c.judge(None, display=False)
    assert r.verdict == "outside conditions" and "large_n (n >= 1000" in r.note
    assert r.to_dict()["conditions"]["satisfied"] is False


def test_v2_exact_claims():
    s = ClaimSpec(id="toy.identity", result="Lemma 1", statement="E[DXD] = p X_p", criterion="max error < 1e-12",
                  kind="exact", expected="verified (exact)")
    assert s.state({}).judge(Outcome(True, "1e-16"), display=False).verdict == "verified (exact)"
    assert s.state({}).judge(Outcome(False, "0.3"), display=False).verdict == "failed (exact)"
    with pytest.raises(ValueError, match="must pass or fail"):
        s.state({}).judge(Outcome(None, "?"), display=False)


def test_v2_declaration_and_judging_are_checked():
    with pytest.raises(ValueError, match="needs at least one near-miss"):
        spec(controls=(STRAW,))
    with pytest.raises(ValueError, match="kind must be one of"):
        spec(kind="statistical")
    with pytest.raises(ValueError, match="exact claim is expected"):
        spec(kind="exact", controls=())
    with pytest.raises(ValueError, match="role must be one of"):
        Control("x", "negative", "y")
    c = spec().state({"n": 5000})
    with pytest.raises(ValueError, match="differ from those declared"):
        c.judge(OK, {"Sigma x 1.25": BAD}, display=False)
    with pytest.raises(TypeError, match="passed must be"):
        Outcome(1, "x")


def test_deviation_log():
    devs = [Deviation("budget 12000 -> 30000 steps", "ad7d1f0", "censored slow plateaus", "not reproduced (seed 7)", "reproduced")]
    assert show_deviations("toy", devs, display=False)[0]["commit"] == "ad7d1f0"
    with pytest.raises(ValueError, match="non-empty 'why'"):
        Deviation("x", "abc", " ", "a", "b")


def test_all_finite_is_false_for_any_nan_or_inf():
    from optdyn.claims import all_finite
    assert all_finite([1.0, 2.0], np.zeros((2, 3)), 5)
    assert not all_finite([1.0, np.nan]) and not all_finite([1.0], [[0.0, np.inf]])
    assert all_finite()
