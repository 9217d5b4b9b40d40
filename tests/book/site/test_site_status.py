"""The built site of a two-chapter toy book (``v2_site``: a ledger-v2 chapter and a ledger-v1 one, with
runs at other profiles and sweep summaries), read as files: claims.json and its ledger check, the status
page's columns and tables, the chapter page (theorem numbering, cross-references, hidden bookkeeping
cells, the deviation log) and the intro's repository link. The same site in a browser:
test_site_browser.py."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

LEDGER_CHECK = Path(__file__).resolve().parents[4] / "shared" / "tools" / "ledger_check.py"


@pytest.fixture(scope="module")
def html(v2_site) -> Path:
    return v2_site / "_build" / "html"


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment.replace("&shy;", ""))).strip()


def test_claims_json_has_kinds_conditions_controls_and_deviation_logs(v2_site, v2_expected):
    data = json.loads((v2_site / "_build" / "claims.json").read_text())
    toy, legacy = data["chapters"]
    assert [c["id"] for c in toy["claims"]] == ["toy.mean_band", "toy.variance_identity", "toy.heavy_tail"]
    assert toy["deviations"][0]["commit"] == "abc1234" and "deviations" not in legacy
    band = toy["claims"][0]
    assert band["kind"] == "empirical" and band["conditions"] == {"satisfied": True, "violated": [], "declared": ["finite_variance"]}
    assert [(c["role"], c["passed"]) for c in band["controls"]] == [("near_miss", False), ("illustration", False), ("positive", True)]
    assert legacy["claims"][0]["control"]["passed"] is False and legacy["claims"][0].get("kind") is None
    assert data["summary"]["headline"] == v2_expected["headline"]


@pytest.mark.skipif(not LEDGER_CHECK.is_file(), reason="shared/tools/ledger_check.py not beside the repository")
def test_cli_json_passes_the_ledger_check_for_v2_chapters(v2_site, v2_expected, tmp_path):
    env = {"OPTDYN_ROOT": str(v2_site), "PATH": str(Path(sys.executable).parent)}
    out = subprocess.run([sys.executable, "-m", "optdyn_book", "claims", str(v2_site / "_build" / "executed" / "quick"),
                          "--format", "json", "-o", str(tmp_path / "c.json")], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    ok = subprocess.run([sys.executable, str(LEDGER_CHECK), str(tmp_path / "c.json"), "toy"], capture_output=True, text=True)
    assert ok.returncode == 0 and "3/3 claims meet ledger v2 (2 empirical, 1 exact)" in ok.stdout, ok.stdout
    # negative control: the v1 chapter is reported (no kind, no deviation log)
    bad = subprocess.run([sys.executable, str(LEDGER_CHECK), str(tmp_path / "c.json")], capture_output=True, text=True)
    assert bad.returncode == 1 and "legacy: no deviation log" in bad.stdout and "legacy.mean_zero: kind" in bad.stdout
    table = subprocess.run([sys.executable, "-m", "optdyn_book", "claims", str(v2_site / "_build" / "claims.json")],
                           capture_output=True, text=True, env=env)
    assert table.stdout.strip().splitlines()[-1] == v2_expected["headline"]


def _rows(status: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r"<tr[^>]*data-claim='([^']+)'>.*?</tr>", status, re.S)}


def test_status_page_shows_kind_verdict_expected_detects_conditions_robustness_profiles(html, v2_expected):
    status = (html / "book" / "status.html").read_text()
    assert v2_expected["headline"] in _text(status)
    rows = _rows(status)
    assert set(rows) == {"toy.mean_band", "toy.variance_identity", "toy.heavy_tail", "legacy.mean_zero"}
    band = _text(rows["toy.mean_band"])
    for cid, devs in v2_expected["detects"].items():
        assert all(f"detects: {d}" in _text(rows[cid]) for d in devs)
    for needle in ("empirical", "expected: reproduced", "illustration: mean shifted by 5 sd (rejected)",
                   "fresh exact N(0, 1) draws: meets the criterion", "satisfied: finite_variance",
                   "grid sweep: reproduced in 5 of 6 runs", "failing points",
                   "stays at its documented verdict in 19 of 20 random variants (95% Wilson interval 60\u201399%)"):
        assert needle in band, needle
    assert "href='../sweeps/toy/random/failures.csv'" in rows["toy.mean_band"]
    assert (html / "sweeps" / "toy" / "random" / "failures.csv").is_file()  # published next to the site
    heavy = _text(rows["toy.heavy_tail"])
    assert "violated: large_scale" in heavy and "outside conditions" in heavy and "near miss not judged: mean shifted by 0.5 sd" in heavy
    assert "exact" in _text(rows["toy.variance_identity"]) and "verified (exact)" in _text(rows["toy.variance_identity"])
    assert "ledger v1" in _text(rows["legacy.mean_zero"]) and "negative control (shifted samples): rejected" in _text(rows["legacy.mean_zero"])
    # verdicts at quick (this build), book (current) and full (stale) side by side, for the chapter that has them
    toy_table = status.split("id=\"toy-chapter\"", 1)[1].split("</table>", 1)[0]
    assert all(f"data-col='profile-{p}'" in toy_table for p in ("quick", "book", "full"))
    assert "stale" in _text(rows["toy.mean_band"]) and rows["toy.mean_band"].count("data-profile-verdict='reproduced'") == 3
    assert "data-col='profile-" not in status.split("id=\"legacy-chapter\"", 1)[1]  # only its own run: no columns
    # the deviation log, as a table
    log = status.split("optdyn-status-deviations", 1)[1].split("</table>", 1)[0]
    assert "band widened from 3/sqrt(n) to 4/sqrt(n)" in log and "abc1234" in log and "inconclusive" in log
    assert "No deviation log recorded" in status  # the v1 chapter


def test_theorem_blocks_show_the_paper_numbering_and_references_their_title(html):
    page = (html / "book" / "toy.html").read_text()
    captions = re.findall(r'<span class="caption-number">([^<]*)</span>', page)
    assert captions and not any(re.search(r"\d", c) for c in captions), captions  # no book-wide counter
    titles = [_text(t) for t in re.findall(r'<p class="admonition-title"[^>]*>(.*?)</p>', page, re.S)]
    assert "Lemma (Zero mean (Lemma 1))" in titles and "Theorem (Concentration (Theorem 2, case B))" in titles
    refs = {_text(m.group(2)) for m in re.finditer(r'<a class="reference internal" href="#(toy-lemma|toy-theorem)">(.*?)</a>', page, re.S)}
    assert refs == {"Lemma (Zero mean (Lemma 1))", "Theorem (Concentration (Theorem 2, case B))", "the lemma"}


def test_bookkeeping_cells_are_hidden_and_the_log_is_a_table(html, v2_site):
    page = (html / "book" / "toy.html").read_text()
    assert "Validate every parameter" not in page and "# Parameters" not in page  # removed: validation, injected
    params = re.search(r'<div class="cell tag_parameters[^"]*">(.*?)</details>', page, re.S)
    assert params and "tag_optdyn-bookkeeping" in page and "Show code cell source" in params.group(1)
    staged = nbformat.read(str(v2_site / "_build" / "stage" / "book" / "toy.ipynb"), as_version=4)
    tags = [c.metadata.get("tags", []) for c in staged.cells if c.cell_type == "code"]
    assert tags[0][-2:] == ["hide-input", "optdyn-bookkeeping"] and tags[1][-2:] == ["remove-cell", "optdyn-bookkeeping"]
    assert tags[2][-2:] == ["remove-cell", "optdyn-bookkeeping"] and "optdyn-bookkeeping" not in tags[3]
    assert nbformat.read(str(v2_site / "book" / "toy.ipynb"), as_version=4).cells[3].metadata["tags"] == ["hide-input"]  # source untouched
    assert "table class='optdyn-deviations'" in page and "&#39;what&#39;" not in page  # no repr of the records


def test_intro_links_the_repository_of_the_setting(html, v2_site):
    url = yaml.safe_load((v2_site / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    intro = (html / "book" / "intro.html").read_text()
    assert f'href="{url}/tree/main/docs/briefs"' in intro and "{{" not in _text(intro)
