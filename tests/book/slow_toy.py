"""Toy projects whose chapters take as long as a test needs, and helpers to run ``optdyn`` on them as a
real process group (for the Ctrl-C, progress and locking tests).

The chapter is the toy chapter of ``tests/toy_project.py`` plus a last cell that sleeps
``$TOY_SLEEP`` seconds (0 when unset), so one project serves fast and slow runs; its parameters cell
carries a trailing comment with an ``=`` in it, which papermill cannot parse (a warning the runner
silences unless ``--verbose``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from toy_project import make_toy_project  # noqa: E402

SLEEP_CELL = "import os, time\ntime.sleep(float(os.environ.get('TOY_SLEEP', '0')))"


def _slow_notebook(path: Path, title: str, claim_prefix: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("# Toy chapter", f"# {title}").replace("toy-lemma", f"{claim_prefix}-lemma")
    params = nb.cells[1]
    params.source = params.source.replace('label = "toy"', 'label = "toy"  # free text (default = "toy")')
    nb.cells[2].source = nb.cells[2].source.replace('"toy.mean_zero"', f'"{claim_prefix}.mean_zero"')
    nb.cells.append(nbformat.v4.new_code_cell(SLEEP_CELL))
    nbformat.write(nb, str(path))


def make_slow_project(dest: Path, *, chapters: int = 1) -> Path:
    """A toy project with ``chapters`` slow chapters: ``toy``, then ``toy2``, ... (5 cells each with the
    injected parameters cell)."""
    root = make_toy_project(dest)
    _slow_notebook(root / "book" / "toy.ipynb", "Toy chapter", "toy")
    papers = root / "src" / "optdyn" / "papers"
    toc = root / "_toc.yml"
    for i in range(2, chapters + 1):
        slug = f"toy{i}"
        shutil.copy2(root / "book" / "toy.ipynb", root / "book" / f"{slug}.ipynb")
        nb = nbformat.read(str(root / "book" / f"{slug}.ipynb"), as_version=4)
        nb.cells[0].source = nb.cells[0].source.replace("# Toy chapter", f"# Toy chapter {i}").replace("toy-lemma", f"{slug}-lemma")
        nb.cells[2].source = nb.cells[2].source.replace('"toy.mean_zero"', f'"{slug}.mean_zero"')
        nbformat.write(nb, str(root / "book" / f"{slug}.ipynb"))
        shutil.copytree(papers / "toy", papers / slug, ignore=shutil.ignore_patterns("__pycache__"))
        schema = papers / slug / "parameters.py"
        schema.write_text(schema.read_text().replace('Schema("toy"', f'Schema("{slug}"'))
        prev = "toy" if i == 2 else f"toy{i - 1}"
        toc.write_text(toc.read_text().replace(f"      - file: book/{prev}\n", f"      - file: book/{prev}\n      - file: book/{slug}\n"))
    return root


def start(root: Path, *args: str, sleep: float = 0.0, **kw) -> subprocess.Popen:
    """``python -m optdyn_book ARGS`` on project ``root`` as the leader of a new process group (like a
    shell job), with stdout and stderr piped (so not a terminal)."""
    env = {**os.environ, "OPTDYN_ROOT": str(root), "TOY_SLEEP": str(sleep)}
    return subprocess.Popen([sys.executable, "-m", "optdyn_book", *args], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=kw.pop("stderr", subprocess.PIPE), text=True, **kw)


def project_processes(root: Path, *, kernels_only: bool = False) -> list[int]:
    """Live (non-zombie) processes started for project ``root`` (they inherit ``OPTDYN_ROOT``), other
    than the test itself; only Jupyter kernels with ``kernels_only``."""
    import psutil

    me = os.getpid()
    out = []
    for p in psutil.process_iter():
        try:
            if p.pid == me or p.status() == psutil.STATUS_ZOMBIE or p.environ().get("OPTDYN_ROOT") != str(root):
                continue
            if kernels_only and not any("ipykernel" in a for a in p.cmdline()):
                continue
            out.append(p.pid)
        except psutil.Error:
            pass
    return out


def wait_for(predicate, timeout: float = 60.0, what: str = "condition", proc: subprocess.Popen | None = None):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds or when
    ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process ended (exit {proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
