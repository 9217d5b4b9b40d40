"""Provenance box injected at staging time: what it shows, where it goes, and that its commands
re-run exactly the variant on the page."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from optdyn_book.build import inject_provenance, provenance_markdown, rerun_commands
from optdyn_book.chapters import chapter, resolve_parameters
from optdyn_book.cli import build_parser
from optdyn_book.runner import claims_of, execute
from toy_project import make_toy_project

BIN = Path(sys.executable).parent

RUN = {
    "slug": "toy", "profile": "quick", "parameters": {"n": 200, "profile": "quick", "scale": 2.0},
    "key": "k" * 64, "runtime_s": 12.34, "peak_rss_mb": 150.0, "cached": False, "ok": True,
    "versions": {"python": "3.11.7", "numpy": "2.4.6", "scipy": "1.17.1", "matplotlib": "3.11.2"},
    "commit": "0123456789abcdef0123456789abcdef01234567", "src_hash": "f" * 64,
}


def _executed_like(path: Path, run: dict = RUN) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["optdyn"] = run
    nb.cells = [
        nbformat.v4.new_markdown_cell("(toy-top)=\n# Toy chapter\n\nIntro text.\n\n```{prf:lemma} L\n:label: toy-l\n\n# not a title\n```"),
        nbformat.v4.new_code_cell('seed = 0\nprofile = "book"\nn = 1000\nscale = 1.0\nfail = False\nlabel = "toy"\n', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def toy(tmp_path) -> Path:
    return make_toy_project(tmp_path / "proj")


def test_box_shows_every_provenance_field(tmp_path, toy):
    md = provenance_markdown(_executed_like(tmp_path / "toy.ipynb"), root=toy, repository="https://github.com/optdyn/optdyn")
    for needle in (RUN["commit"], RUN["src_hash"], "quick", "12.3 s", "numpy `2.4.6`", "scipy `1.17.1`", "python `3.11.7`",
                   "`scale` | `2.0` | profile / override", "`seed` | `0` | notebook default", "`label` | `toy` | notebook default",
                   "{download}`Download the executed notebook <toy.ipynb>`", "Binder", "Colab",
                   "pip install git+https://github.com/optdyn/optdyn", f"git checkout {RUN['commit']}"):
        assert needle in md, needle
    assert re.search(r"seed \*\*`0`\*\*", md)


def test_box_goes_right_under_the_title_and_nothing_else_changes(tmp_path, toy):
    src = _executed_like(tmp_path / "toy.ipynb")
    before = src.read_bytes()
    dst = inject_provenance(src, tmp_path / "stage" / "toy.ipynb", root=toy)
    assert src.read_bytes() == before  # the source notebook is never edited
    nb = nbformat.read(str(dst), as_version=4)
    assert nb.cells[0].source == "(toy-top)=\n# Toy chapter"
    assert nb.cells[1].source.startswith("::::{admonition} Provenance")
    assert "optdyn-provenance" in nb.cells[1].metadata["tags"]
    assert nb.cells[2].source.startswith("Intro text.") and "# not a title" in nb.cells[2].source
    assert [c.source for c in nb.cells[3:]] == [c.source for c in nbformat.read(str(src), as_version=4).cells[1:]]
    nbformat.validate(nb)


def test_dirty_or_unknown_commit_is_said_plainly(tmp_path, toy):
    md = provenance_markdown(_executed_like(tmp_path / "a.ipynb", {**RUN, "commit": "abc-dirty"}), root=toy)
    assert not re.search(r"^git checkout", md, re.M) and "uncommitted changes" in md
    md = provenance_markdown(_executed_like(tmp_path / "b.ipynb", {**RUN, "commit": None}), root=toy)
    assert "unknown (built outside a git commit)" in md and not re.search(r"^git checkout", md, re.M)


def test_commands_resolve_to_exactly_the_run_parameters(toy):
    run = {**RUN, "parameters": {"n": 200, "profile": "quick", "scale": 2.5, "label": "a b|c"}}
    params = {"seed": 0, "fail": False, **run["parameters"]}
    optdyn_cmd, pm_cmd = rerun_commands("toy", run, params, toy)
    argv = shlex.split(optdyn_cmd)
    assert argv[0].endswith("optdyn")
    args = build_parser().parse_args(argv[1:])
    overrides = {k: yaml.safe_load(v) for k, v in args.param}
    resolved = resolve_parameters(chapter("toy", toy), args.profile, overrides)
    assert resolved == {**run["parameters"], "seed": 0}
    pm = shlex.split(pm_cmd)
    assert pm[1] == "book/toy.ipynb" and pm[pm.index("-k") + 1] == "optdyn"
    assert yaml.safe_load(pm[pm.index("-y") + 1]) == {**run["parameters"], "seed": 0}


@pytest.mark.slow
def test_copied_commands_rerun_the_same_variant(tmp_path, toy):
    """Execute a variant, stage it, copy both commands from the box, run them: same claims."""
    rec = execute("toy", profile="quick", overrides={"seed": 3, "scale": 0.5}, out_dir=tmp_path / "orig", root=toy)
    staged = inject_provenance(Path(rec.notebook), tmp_path / "stage" / "toy.ipynb", root=toy)
    box = nbformat.read(str(staged), as_version=4).cells[1].source
    block = box.split("```bash\n", 1)[1].split("```", 1)[0]
    cmds = [line for line in block.splitlines() if line.startswith(".venv/bin/")]
    assert len(cmds) == 2
    env = {**os.environ, "OPTDYN_ROOT": str(toy)}
    want = [(c["id"], c["verdict"], c["value"]) for c in rec.claims]

    optdyn_argv = shlex.split(cmds[0].replace(".venv/bin/", f"{BIN}/", 1)) + ["--out", str(tmp_path / "again"), "--no-cache"]
    subprocess.run(optdyn_argv, cwd=toy, env=env, check=True, capture_output=True, text=True, timeout=300)
    again = claims_of(tmp_path / "again" / "toy.ipynb")
    assert [(c["id"], c["verdict"], c["value"]) for c in again] == want

    pm_argv = shlex.split(cmds[1].replace(".venv/bin/", f"{BIN}/", 1))
    pm_argv[pm_argv.index("book/toy.ipynb") + 1] = str(tmp_path / "pm.ipynb")
    subprocess.run(pm_argv, cwd=toy, env=env, check=True, capture_output=True, text=True, timeout=300)
    assert [(c["id"], c["verdict"], c["value"]) for c in claims_of(tmp_path / "pm.ipynb")] == want
    injected = json.loads(json.dumps(nbformat.read(str(tmp_path / "pm.ipynb"), as_version=4).metadata["papermill"]["parameters"]))
    assert injected == {**rec.parameters, "seed": 3}


def test_returned_claim_result_is_not_shown_twice():
    """A cell ending in ``claim.judge(...)``: the box is kept once, the returned result's repr dropped."""
    import nbformat

    from optdyn_book.build import _drop_duplicate_claim_results
    from optdyn.claims import CLAIM_MIME, Claim

    res = Claim(id="toy.once", result="R", statement="s", criterion="c").judge(
        passed=True, measured="m", control={"name": "c", "measured": "m", "passed": False}, display=False)
    box = nbformat.v4.new_output("display_data", data={"text/html": res.to_html(), CLAIM_MIME: res.to_dict()})
    rep = nbformat.v4.new_output("execute_result", data={"text/plain": repr(res)}, execution_count=1)
    other = nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("claim.judge(...)", outputs=[box, rep]),
                                         nbformat.v4.new_code_cell("41 + 1", outputs=[other])])
    _drop_duplicate_claim_results(nb)
    assert [o["output_type"] for o in nb.cells[0].outputs] == ["display_data"]
    assert nb.cells[1].outputs == [other]
