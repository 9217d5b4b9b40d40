"""Reader-facing files: the intro's example claim box (made by the real renderer), the repository URL
(one setting), LICENSE and CITATION.cff, and the Makefile targets of the site."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optdyn_book.site.repository import check_repository, repository_url, set_repository
from conftest import ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intro_example import BEGIN, END, example_box  # noqa: E402

INTRO = ROOT / "book" / "intro.md"
PAPERS = ("Li2024dropoutsgd", "Compagnoni2025adaptive", "Devapriya2024plrs", "Bantzis2026saddle", "Agarwal2021momentum")


def test_intro_example_box_is_what_the_chapters_show():
    """The box in "How to read a claim box" is exactly ClaimResult.to_html of a v2 claim
    (regenerate with `python tests/book/intro_example.py` when the renderer changes)."""
    text = INTRO.read_text()
    assert BEGIN in text and END in text
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert shown == example_box(), "regenerate the intro's example box: python tests/book/intro_example.py"
    section = text.split("## How to read a claim box", 1)[1].split("\n## ", 1)[0]
    for needle in ("empirical", "exact", "near-miss control", "illustration", "positive control", "Theorem conditions",
                   "outside conditions", "verified (exact)", "failed (exact)", "inconclusive", "not reproduced",
                   "Deviation log", "headline counts"):
        assert needle.lower() in section.lower(), needle


def test_intro_reads_the_repository_url_setting():
    text = INTRO.read_text()
    assert "github.com" not in text, "links to the repository come from repository.url ({{ repository_briefs }})"
    assert "{{ repository_briefs }}" in text


def test_license_is_mit_like_pyproject():
    lic = (ROOT / "LICENSE").read_text()
    assert lic.startswith("MIT License") and "Copyright (c) 2026 The optdyn authors" in lic
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()


def _bib_titles() -> dict[str, str]:
    bib = (ROOT / "book" / "references.bib").read_text()
    out = {}
    for m in re.finditer(r"@\w+\{(\w+),(.*?)\n\}", bib, re.S):
        t = re.search(r"title\s*=\s*\{(.*)\},?\s*$", m.group(2), re.M)
        out[m.group(1)] = re.sub(r"[{}]", "", t.group(1)) if t else ""
    return out


def test_citation_cff_parses_and_names_the_repository_and_the_papers():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors", "version", "license", "repository-code", "type"):
        assert key in cff, key
    assert str(cff["cff-version"]) == "1.2.0" and str(cff["version"]) == "0.1.0" and cff["license"] == "MIT"
    assert cff["authors"] == [{"name": "The optdyn authors"}]
    assert cff["title"] == yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    assert cff["repository-code"] == repository_url(ROOT)
    titles = _bib_titles()
    refs = [r["title"] for r in cff["references"]]
    assert refs == [titles[k] for k in PAPERS]  # the five papers, as in the .bib, in book order
    for r in cff["references"]:
        assert r["type"] in ("article", "conference-paper") and r["authors"] and isinstance(r["year"], int)
        assert all("family-names" in a and "given-names" in a for a in r["authors"])
    intro = INTRO.read_text()
    assert all(f"{{cite:t}}`{k}`" in intro for k in PAPERS)  # each chapter cites its paper from the .bib


def test_repository_url_is_one_setting(tmp_path):
    assert check_repository(ROOT) == []
    for name in ("_config.yml", "CITATION.cff"):
        shutil.copy2(ROOT / name, tmp_path / name)
    before = (tmp_path / "_config.yml").read_text()
    changed = set_repository(tmp_path, "https://github.com/someone/fork.git/")
    assert {p.name for p in changed} == {"_config.yml", "CITATION.cff"}
    assert repository_url(tmp_path) == "https://github.com/someone/fork" and check_repository(tmp_path) == []
    after = (tmp_path / "_config.yml").read_text()
    assert [a for a, b in zip(after.splitlines(), before.splitlines()) if a != b] == ["  url: https://github.com/someone/fork"]
    (tmp_path / "CITATION.cff").write_text((tmp_path / "CITATION.cff").read_text().replace("someone/fork", "other/repo"))
    assert "differs" in check_repository(tmp_path)[0]
    with pytest.raises(ValueError):
        set_repository(tmp_path, "not a url")
    # the provenance box and the theme read the same value
    from optdyn_book.build import _repository_url

    assert _repository_url(tmp_path) == "https://github.com/someone/fork"


def test_makefile_has_full_and_repository_targets():
    out = subprocess.run(["make", "-n", "full", "repository", "URL=https://github.com/a/b"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "optdyn build --profile full" in out.stdout
    assert "-m optdyn_book.site.repository https://github.com/a/b" in out.stdout
    assert re.search(r"^book: .*\n\t\$\(BIN\)/optdyn build --profile \$\(PROFILE\)", (ROOT / "Makefile").read_text(), re.M)
