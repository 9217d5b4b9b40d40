"""The runner: parameter checks before anything runs, the cache, failure isolation, the CLI."""
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from optdyn_book import runner
from optdyn_book.chapters import ParameterError, chapter, chapters, resolve_parameters
from toy_project import make_toy_project

pytestmark = pytest.mark.xdist_group("toy")


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return make_toy_project(tmp_path_factory.mktemp("toyproj"))


def test_registry_and_parameters(toy):
    (ch,) = chapters(toy)
    assert ch.slug == "toy" and ch.title == "Toy chapter"
    assert ch.parameters == {"seed": 0, "profile": "book", "n": 1000, "scale": 1.0, "fail": False, "label": "toy"}
    assert resolve_parameters(ch, "quick") == {"n": 200, "profile": "quick"}
    assert resolve_parameters(ch, "book", {"scale": 2})["scale"] == 2.0
    with pytest.raises(ParameterError, match="unknown chapter 'nope'; known chapters: toy"):
        chapter("nope", toy)
    with pytest.raises(ParameterError, match="unknown parameter.*'sed'.*known: fail, label, n"):
        resolve_parameters(ch, "quick", {"sed": 1})
    with pytest.raises(ParameterError, match="chapter 'toy': n must be an integer, got float 2.5 \\(n: number of samples\\)"):
        resolve_parameters(ch, "quick", {"n": 2.5})
    with pytest.raises(ParameterError, match=r"n must be an integer in \[10, 10000000\], got 5"):
        resolve_parameters(ch, "quick", {"n": 5})
    with pytest.raises(ParameterError, match="fail must be True or False"):
        resolve_parameters(ch, "quick", {"fail": "yes"})
    with pytest.raises(ParameterError, match="profile must be one of"):
        resolve_parameters(ch, "huge")


def test_cache_reuses_and_reexecutes_on_source_change(toy, tmp_path):
    out = tmp_path / "ex"
    r1 = runner.execute("toy", profile="quick", out_dir=out, root=toy)
    assert r1.ok and not r1.cached and r1.claims[0]["verdict"] == "reproduced"
    nb = nbformat.read(out / "toy.ipynb", as_version=4)
    assert nb.metadata["optdyn"]["parameters"] == {"n": 200, "profile": "quick"}
    r2 = runner.execute("toy", profile="quick", out_dir=out, root=toy)
    assert r2.cached and r2.key == r1.key
    # an edit of a module the chapter does not import (another paper, a module it never uses) re-executes
    # nothing; an edit of a module it imports invalidates the cache
    for other in ("stats.py", "papers/dropout_sgd/theory.py"):
        f = toy / "src" / "optdyn" / other
        f.write_text(f.read_text() + "\n# edit\n")
        assert runner.execute("toy", profile="quick", out_dir=out, root=toy).cached
    f = toy / "src" / "optdyn" / "validation.py"
    f.write_text(f.read_text() + "\n# edit\n")
    r3 = runner.execute("toy", profile="quick", out_dir=out, root=toy)
    assert not r3.cached and r3.key != r1.key
    # so do a parameter, the notebook and the pins
    r4 = runner.execute("toy", profile="quick", overrides={"seed": 5}, out_dir=out, root=toy)
    assert not r4.cached
    assert runner.execute("toy", profile="quick", overrides={"seed": 5}, out_dir=out, root=toy).cached
    pins = toy / "constraints.txt"
    pins.write_text(pins.read_text() + "\n# changed\n")
    assert not runner.execute("toy", profile="quick", overrides={"seed": 5}, out_dir=out, root=toy).cached


def test_failure_is_kept_apart_and_names_the_cell(toy, tmp_path):
    out = tmp_path / "ex"
    runner.execute("toy", profile="quick", out_dir=out, root=toy)
    with pytest.raises(runner.ChapterFailed, match=r"chapter 'toy' \(profile quick\) failed in cell 2.*deliberate failure"):
        runner.execute("toy", profile="quick", overrides={"fail": True}, out_dir=out, root=toy)
    assert (out / "failed" / "toy.ipynb").exists()
    assert not (out / "toy.ipynb").exists() and not (out / "toy.run.json").exists()
    assert not list((out / ".partial").glob("*.ipynb"))
    rec = json.loads((out / "failed" / "toy.run.json").read_text())
    assert rec["ok"] is False and rec["failed_cell"] == 2


def test_cli_list_run_claims(toy, tmp_path):
    env = {"OPTDYN_ROOT": str(toy), "PATH": str(Path(sys.executable).parent)}
    exe = [sys.executable, "-m", "optdyn_book"]
    out = subprocess.run(exe + ["list"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "toy: Toy chapter" in out.stdout
    out = subprocess.run(exe + ["list", "toy"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "  n  (default 1000, quick 200, full 5000)" in out.stdout
    out = subprocess.run(exe + ["run", "toy", "-p", "seed", "3", "--out", str(tmp_path / "r")], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "toy.mean_zero  reproduced" in out.stdout and "executed in" in out.stdout
    bad = subprocess.run(exe + ["run", "toy", "-p", "seed", "x"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "seed must be an integer, got str 'x'" in bad.stderr
    bad = subprocess.run(exe + ["run", "nope"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "unknown chapter 'nope'" in bad.stderr
    md = subprocess.run(exe + ["claims", str(tmp_path / "r"), "--format", "md"], capture_output=True, text=True, env=env)
    assert md.returncode == 0 and "| `toy.mean_zero` | Lemma 0 | reproduced | reproduced |" in md.stdout
    js = subprocess.run(exe + ["claims", str(tmp_path / "r" / "toy.ipynb"), "--format", "json"], capture_output=True, text=True, env=env)
    assert json.loads(js.stdout)["summary"]["reproduced"] == 1


def test_build_fails_on_a_failing_chapter_and_builds_otherwise(toy):
    from optdyn_book.build import BuildFailed, build_book

    data = build_book(profile="quick", root=toy, log=lambda *_: None)
    html = toy / "_build" / "html"
    assert (html / "book" / "toy.html").exists() and (html / "book" / "status.html").exists()
    assert "claim-toy-mean-zero" in (html / "book" / "toy.html").read_text()
    assert json.loads((toy / "_build" / "claims.json").read_text())["summary"] == data["summary"]
    prof = toy / "src" / "optdyn" / "papers" / "toy" / "profile.yaml"
    old = prof.read_text()
    prof.write_text("quick:\n  n: 200\n  fail: true\nbook: {}\n")
    try:
        with pytest.raises(BuildFailed, match="chapter 'toy'.*failed in cell 2"):
            build_book(profile="quick", root=toy, log=lambda *_: None)
    finally:
        prof.write_text(old)


def test_a_killed_worker_runs_its_chapter_again(toy, tmp_path):
    import psutil

    killed: list[int] = []

    def kill_the_worker_once():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for w in psutil.Process().children():
                try:
                    if any("spawn_main" in a for a in w.cmdline()) and w.children():  # a worker with its kernel
                        w.kill()
                        killed.append(w.pid)
                        return
                except psutil.Error:
                    pass
            time.sleep(0.02)

    t = threading.Thread(target=kill_the_worker_once, daemon=True)
    t.start()
    rec = runner.execute("toy", profile="quick", out_dir=tmp_path / "ex", root=toy, use_cache=False)
    t.join()
    assert killed and rec.ok and rec.claims[0]["verdict"] == "reproduced"
    assert not list((tmp_path / "ex" / ".partial").iterdir()) and not (tmp_path / "ex" / "failed").exists()
