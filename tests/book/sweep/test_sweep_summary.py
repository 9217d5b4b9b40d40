"""Per-claim summaries of sweep records (pure): pass rates, Wilson intervals, labels, the report."""
from __future__ import annotations

from pathlib import Path

import pytest

from optdyn_book import sweep as sw
from optdyn_book.sweep.driver import SweepResult
from optdyn.stats import wilson_interval


def _rec(pid, seed, status="ok", verdict="reproduced", margin=None, value=0.1, expected="reproduced"):
    claims = [] if status == "failed" else [
        {"id": "toy.a", "verdict": verdict, "expected": expected, "value": value, "margin": margin, "measured": f"v={value}"},
        {"id": "toy.b", "verdict": "not reproduced", "expected": "not reproduced", "value": None, "margin": None, "measured": "-"},
    ]
    return {"point_id": pid, "overrides": {"seed": seed, "n": 10 * (seed % 2 + 1)}, "status": status, "claims": claims,
            "error": "ChapterFailed: boom" if status == "failed" else None, "runtime_s": 1.0}


def test_summarize_counts_wilson_margins_and_failures():
    recs = [
        _rec("p0", 0, margin=0.5, value=0.0),
        _rec("p1", 1, margin=0.2, value=0.2),
        _rec("p2", 2, verdict="not reproduced", margin=-0.3, value=0.9),
        _rec("p3", 3, status="failed"),
        _rec("p4", 4, status="crashed"),  # not finished: excluded
    ]
    s = sw.summarize(recs, n_points=5)
    a, b = s["claims"]["toy.a"], s["claims"]["toy.b"]
    assert s["finished"] == 4 and s["points"] == 5 and len(s["errors"]) == 1
    assert (a["runs"], a["as_expected"]) == (4, 2) and a["pass_rate"] == 0.5
    lo, hi = wilson_interval(2, 4)
    assert a["wilson"] == {"level": 0.95, "low": lo, "high": hi}
    assert a["worst_margin"] == -0.3 and a["worst_margin_point"]["point_id"] == "p2" and a["margin_max"] == 0.5
    assert a["verdicts"] == {"reproduced": 2, "not reproduced": 1, "error": 1}
    assert [f["point_id"] for f in a["failing_points"]] == ["p2", "p3"]
    assert a["failing_points"][1]["error"] == "ChapterFailed: boom"
    assert a["label"].startswith("reproduced in 2 of 4 runs (fails at seed=2, n=10; seed=3, n=20; 1 run raised an error")
    assert "partial sweep: 4 of 5 points" in a["label"]
    assert a["by_parameter"]["n"] == {"10": "1/2", "20": "1/2"}
    assert a["value"] == {"min": 0.0, "max": 0.9, "median": 0.2}
    # a claim documented as not reproduced holds when it is not reproduced
    assert (b["runs"], b["as_expected"]) == (4, 3) and b["label"].startswith("not reproduced in 3 of 4 runs")
    assert b["worst_margin"] is None
    full = sw.summarize(recs[:2])
    assert full["claims"]["toy.a"]["label"] == "reproduced in 2 of 2 runs"




def test_wilson_interval_edges():
    assert sw.wilson(0, 0) == (0.0, 1.0)  # no run: no information
    lo, hi = sw.wilson(20, 20)
    assert hi == pytest.approx(1.0) and 0.80 < lo < 0.85  # 20 of 20 still allows a true rate of 0.84
    lo, hi = sw.wilson(10, 20)
    assert lo == pytest.approx(1 - hi) and lo < 0.5 < hi  # symmetric around 1/2
    assert sw.wilson(19, 20) == wilson_interval(19, 20, 0.95)
    lo99, hi99 = sw.wilson(19, 20, 0.99)
    assert lo99 < sw.wilson(19, 20)[0] and hi99 >= sw.wilson(19, 20)[1]


def test_random_variant_labels_and_the_target_in_the_report():
    recs = [_rec(f"p{i}", i, verdict="not reproduced" if i == 7 else "reproduced") for i in range(10)]
    for r in recs:
        r["overrides"] = {"seed": 1000 + int(r["point_id"][1:]), "scale": 0.5}
    s = sw.summarize(recs, unit="random variants", by_parameter=False)
    a = s["claims"]["toy.a"]
    assert a["label"] == "reproduced in 9 of 10 random variants (fails at seed=1007, scale=0.5)"
    assert a["by_parameter"] == {} and a["pass_rate"] == 0.9
    assert [f["point_id"] for f in a["failing_points"]] == ["p7"]
    summary = {"slug": "toy", "profile": "quick", "mode": "random", "variants": 10, "random_seed": 4, **s}
    res = SweepResult("toy", Path("/tmp/s"), [], {r["point_id"]: r for r in recs}, summary, ["p0"], [], 1.0, "local", 2)
    text = sw.format_summary(res)
    assert "10 of 10 random variants (draw seed 4) finished" in text
    lines = text.splitlines()
    assert any(line.strip().startswith("toy.a") and "9/10" in line and "below the 95% target" in line for line in lines)
    assert any(line.strip().startswith("toy.b") and "below" not in line for line in lines)
    assert "fails at seed=1007, scale=0.5: not reproduced, v=0.1" in text


def test_runs_outside_a_claims_conditions_are_counted_apart():
    """A variant outside a claim's theorem conditions does not test it: the claim's pass rate is over the
    runs inside its conditions, and the outside ones are reported."""
    def rec(i, verdict, expected):
        return {"status": "ok", "point_id": f"p{i}", "overrides": {"seed": i},
                "claims": [{"id": "toy.c", "verdict": verdict, "expected": expected, "measured": "m"}]}
    recs = [rec(0, "reproduced", "reproduced"), rec(1, "outside conditions", "outside conditions"),
            rec(2, "not reproduced", "reproduced"), rec(3, "reproduced", "reproduced")]
    from optdyn_book.sweep.summary import summarize

    c = summarize(recs)["claims"]["toy.c"]
    assert (c["as_expected"], c["runs"], c["outside_conditions"]) == (2, 3, 1)
    assert c["expected"] == "reproduced" and "inside its conditions (1 outside)" in c["label"]
    assert [f["point_id"] for f in c["failing_points"]] == ["p2"]
