"""The claims ledger as the book tooling reads it (ledger v2 and legacy v1 claims): deviation logs,
counts by kind and verdict, the headline, runs at other profiles (current or stale), random-variant
sweeps, and the staging of a chapter (bookkeeping cells hidden, the deviation log's repr dropped)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from optdyn.claims import CLAIM_MIME, DEVIATIONS_MIME, Claim, ClaimSpec, Control, Deviation, Outcome, show_deviations
from optdyn.validation import Condition
from optdyn_book import collect as co
from toy_project import make_toy_project


def _v2(cid, verdict_inputs, *, kind="empirical", expected=None, holds=True, positive=False):
    ctrls = [Control("near", "near_miss", "Sigma x 1.25"), Control("straw", "illustration", "no noise at all")]
    if positive or expected == "not reproduced":
        ctrls.append(Control("pos", "positive", "a setting where it must pass"))
    spec = ClaimSpec(id=cid, result="Theorem 1", statement="s", criterion="c", kind=kind,
                     expected=expected or ("verified (exact)" if kind == "exact" else "reproduced"),
                     conditions=(Condition("cond_a", "a holds", ("x",), lambda P: holds),),
                     controls=tuple(ctrls) if kind == "empirical" else ())
    stated = spec.state({"x": 1})
    if not stated.applies:
        return stated.judge(None, display=False).to_dict()
    passed, near = verdict_inputs
    controls = {}
    if kind == "empirical":
        controls = {"near": Outcome(near, "m"), "straw": Outcome(False, "m")}
        if "pos" in {c.name for c in ctrls}:
            controls["pos"] = Outcome(True, "m")
    return stated.judge(Outcome(passed, "measured"), controls=controls, display=False).to_dict()


def _v1(cid, passed=True, expected="reproduced"):
    return Claim(id=cid, result="Lemma 0", statement="s", criterion="c", expected=expected).judge(
        passed=passed, measured="m", control={"name": "neg", "measured": "m", "passed": False}, display=False).to_dict()


LEDGER = [
    _v2("a.r1", (True, False)), _v2("a.r2", (True, False)),
    _v2("a.nr", (False, False), expected="not reproduced"),
    _v2("a.inc", (True, True)),  # the near-miss passes too: no power
    _v2("a.out", None, holds=False),
    _v2("a.ex", (True, None), kind="exact"),
    _v1("b.old"), _v1("b.old_nr", passed=False, expected="not reproduced"),
]


def test_v2_records_carry_what_the_ledger_needs():
    r = {c["id"]: c for c in LEDGER}
    assert [r[i]["verdict"] for i in ("a.r1", "a.nr", "a.inc", "a.out", "a.ex")] == [
        "reproduced", "not reproduced", "inconclusive", "outside conditions", "verified (exact)"]
    assert co._detects(r["a.r1"]) == ["Sigma x 1.25"] and co._detects(r["a.inc"]) == []
    assert co.claim_kind(r["b.old"]) == "v1" and "control" in r["b.old"]
    assert "controls" in r["a.r1"] and "control" not in r["a.r1"] and r["a.r1"]["kind"] == "empirical"


def test_counts_by_kind_and_the_headline():
    s = co.summarize([{"slug": "a", "claims": LEDGER[:6]}, {"slug": "b", "claims": LEDGER[6:]}])
    assert s["claims"] == 8 and s["reproduced"] == 3 and s["not reproduced"] == 2  # all kinds (v1 keys kept)
    emp = s["by_kind"]["empirical"]
    assert emp["claims"] == 5 and emp["verdicts"]["reproduced"] == 2 and emp["not_reproduced_documented"] == 1
    assert s["by_kind"]["exact"]["verdicts"]["verified (exact)"] == 1 and s["by_kind"]["v1"]["claims"] == 2
    assert s["unexpected"] == ["a.inc"]  # a.out is recorded as expected 'outside conditions'
    assert s["headline"] == (
        "5 empirical claims: 2 reproduced, 1 not reproduced (documented), 1 inconclusive, 1 outside conditions; "
        "1 exact check verified; 2 claims still on ledger v1 (kind not recorded): 1 reproduced, 1 not reproduced, 0 inconclusive")
    # only v2, one undocumented failure, a failed exact check
    bad_exact = dict(LEDGER[5], verdict="failed (exact)")
    undocumented = dict(LEDGER[0], verdict="not reproduced")
    assert co.headline([LEDGER[0], undocumented, LEDGER[2], LEDGER[5], bad_exact]) == (
        "3 empirical claims: 1 reproduced, 2 not reproduced (1 documented), 0 inconclusive, 0 outside conditions; "
        "2 exact checks: 1 verified, 1 failed")
    assert co.headline([]) == "0 empirical claims: 0 reproduced, 0 not reproduced, 0 inconclusive, 0 outside conditions; no exact checks"
    assert co.headline(LEDGER[6:], compact=True).startswith("2 claims still on ledger v1")


def _executed(path: Path, claims: list[dict], deviations: list[dict] | None, slug: str = "a") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["optdyn"] = {"slug": slug, "profile": "quick"}
    outs = [nbformat.v4.new_output("display_data", data={"text/html": "<div/>", CLAIM_MIME: c}) for c in claims]
    if deviations is not None:
        outs.append(nbformat.v4.new_output("display_data", data={"text/html": "<table/>", DEVIATIONS_MIME: {"chapter": slug, "deviations": deviations}}))
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Chapter {slug}"), nbformat.v4.new_code_cell("x", outputs=outs)]
    nbformat.write(nb, str(path))
    return path


def test_collect_reads_deviation_logs_only_where_emitted(tmp_path):
    dev = {"what": "tolerance 1e-3 -> 1e-2", "commit": "abc", "why": "float32", "before": "not reproduced", "after": "reproduced"}
    data = co.collect([_executed(tmp_path / "a.ipynb", LEDGER[:6], [dev]), _executed(tmp_path / "e.ipynb", [], [], slug="e"),
                       _executed(tmp_path / "b.ipynb", LEDGER[6:], None, slug="b")])
    a, e, b = data["chapters"]
    assert a["deviations"] == [dev] and e["deviations"] == [] and "deviations" not in b
    assert a["title"] == "Chapter a" and data["summary"]["headline"].startswith("5 empirical claims")
    md = co.claims_markdown(data)
    assert "| `a.r1` | Theorem 1 | reproduced | reproduced | measured | empirical | Sigma x 1.25 |" in md
    assert md.rstrip().endswith(data["summary"]["headline"])
    table = co.claims_table(data)
    assert table.splitlines()[-1] == data["summary"]["headline"] and "deviation log: 1 entry" in table


def test_status_page_columns_for_v1_and_v2_claims(tmp_path):
    dev = {"what": "seed 0 -> 3", "commit": "abc1234", "why": "w", "before": "inconclusive", "after": "reproduced"}
    data = {"chapters": [{"slug": "a", "title": "A", "run": {"profile": "quick"}, "claims": LEDGER[:6], "deviations": [dev]},
                         {"slug": "b", "title": "B", "run": {"profile": "quick"}, "claims": LEDGER[6:]}]}
    runs = {"a": {"quick": {"current": True, "verdicts": {"a.r1": "reproduced"}, "commit": "x"},
                  "full": {"current": False, "verdicts": {"a.r1": "not reproduced"}, "commit": "old"}}}
    rnd = {"a.r1": {"k": 19, "n": 20, "variants": 20, "wilson": {"low": 0.75, "high": 0.99}, "link": None}}
    page = co.status_page(data, tmp_path, random=rnd, profiles=runs).read_text()
    assert co.summarize(data["chapters"])["headline"] in page
    assert "detects: Sigma x 1.25" in page and "misses: Sigma x 1.25 (NOT rejected)" in page  # a.inc
    assert "a setting where it must pass: meets the criterion" in page  # positive control of a.nr
    assert "violated: cond_<wbr>a" in page and "satisfied:</span> cond_<wbr>a" in page
    assert "negative control (neg): rejected" in page and "ledger v1" in page
    assert "stays at its documented verdict in 19 of 20 random variants (95% Wilson interval 75\u201399%)" in page
    assert "data-col='profile-quick'" in page and "data-col='profile-full'" in page and "data-col='profile-book'" not in page
    assert "stale" in page and "commit old" in page
    assert "<td>abc1234</td>" not in page and "<code>abc1234</code>" in page  # the deviation log table
    assert "No deviation log recorded" in page  # chapter b
    assert "verified-exact" in page and "verified-(exact)" not in page  # CSS-safe classes


def test_profile_runs_current_stale_and_failed(tmp_path):
    from optdyn_book.chapters import chapter, resolve_parameters
    from optdyn_book.runner import cache_key

    root = make_toy_project(tmp_path / "proj")
    ch = chapter("toy", root)
    for prof, key, ok in (("quick", cache_key(ch, resolve_parameters(ch, "quick"), root), True),
                          ("book", "0" * 64, True), ("full", cache_key(ch, resolve_parameters(ch, "full"), root), False)):
        d = root / "_build" / "executed" / prof
        d.mkdir(parents=True)
        _executed(d / "toy.ipynb", [], None, slug="toy")
        (d / "toy.run.json").write_text(json.dumps({"key": key, "ok": ok, "commit": "c", "claims": [{"id": "toy.x", "verdict": "reproduced"}]}))
    runs = co.profile_runs(root, ["toy", "missing"])
    assert set(runs) == {"toy"} and set(runs["toy"]) == {"quick", "book"}  # the failed full run is not used
    assert runs["toy"]["quick"]["current"] is True and runs["toy"]["book"]["current"] is False
    assert runs["toy"]["quick"]["verdicts"] == {"toy.x": "reproduced"}


def test_random_sweeps_read_k_of_n(tmp_path):
    d = tmp_path / "_build" / "sweeps" / "toy" / "random"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({"variants": 12, "claims": {
        "toy.a": {"label": "x", "pass_rate": 0.75, "wilson": {"low": 0.5, "high": 0.9}, "failing_points": [{"point_id": "p"}]},
        "toy.b": {"label": "y", "runs": 10, "as_expected": 10, "pass_rate": 1.0, "wilson": {"low": 0.7, "high": 1.0}, "failing_points": []}}}))
    (d / "failures.csv").write_text("point_id\np\n")
    r = co.random_sweeps(tmp_path)
    assert (r["toy.a"]["k"], r["toy.a"]["n"]) == (9, 12) and r["toy.a"]["link"] == "../sweeps/toy/random/failures.csv"
    assert (r["toy.b"]["k"], r["toy.b"]["n"], r["toy.b"]["link"]) == (10, 10, None)
    assert co.random_label(r["toy.b"]).startswith("stays at its documented verdict in 10 of 10 random variants (10 of 12 finished)")
    assert co.random_sweeps(tmp_path / "nowhere") == {}


def test_staging_hides_bookkeeping_cells_and_the_log_repr():
    from optdyn_book.build import BOOKKEEPING_TAG, _drop_duplicate_claim_results, hide_bookkeeping

    records = show_deviations("a", [Deviation("w", "c", "y", "b", "a")], display=False)
    log = nbformat.v4.new_output("display_data", data={"text/html": "<table/>", DEVIATIONS_MIME: {"chapter": "a", "deviations": records}})
    rep = nbformat.v4.new_output("execute_result", data={"text/plain": repr(records).replace(", '", ",\n '")}, execution_count=3)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_code_cell("seed = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("# Parameters\nseed = 1", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("import numpy", metadata={"tags": ["hide-input"]}),
        nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", text="1\n")]),
        nbformat.v4.new_code_cell("show_deviations(...)", outputs=[log, rep]),
    ])
    assert hide_bookkeeping(nb) == [1, 2, 3]
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags[1] == ["parameters", "hide-input", BOOKKEEPING_TAG]
    assert tags[2] == ["injected-parameters", "remove-cell", BOOKKEEPING_TAG]
    assert tags[3] == ["remove-cell", BOOKKEEPING_TAG] and tags[4] == []
    _drop_duplicate_claim_results(nb)
    assert [o["output_type"] for o in nb.cells[5].outputs] == ["display_data"]
    # without tags: the first two code cells; a bookkeeping cell that printed keeps its output
    nb2 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1"),
                                          nbformat.v4.new_code_cell("print(a)", outputs=[nbformat.v4.new_output("stream", text="1\n")]),
                                          nbformat.v4.new_code_cell("b = 2")])
    assert hide_bookkeeping(nb2) == [0, 1] and "remove-input" in nb2.cells[1].metadata["tags"]


@pytest.mark.parametrize("kind", ["legacy list", "v2 dict"])
def test_cli_claims_recounts_a_claims_json(tmp_path, kind, capsys):
    from optdyn_book.cli import main

    chapters = [{"slug": "a", "claims": LEDGER[:6], "deviations": []}]
    data = chapters if kind == "legacy list" else {"chapters": chapters, "summary": {"claims": 6}}
    f = tmp_path / "claims.json"
    f.write_text(json.dumps(data))
    assert main(["claims", str(f), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["headline"].startswith("5 empirical claims: 2 reproduced")
    assert main(["claims", str(f)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == out["summary"]["headline"]
