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
