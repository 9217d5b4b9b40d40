"""Ctrl-C and SIGTERM: ``optdyn run``, ``build`` and ``sweep`` stop within seconds, leave no kernel or
worker behind and nothing that looks complete, and exit with 130 (SIGINT) or 143 (SIGTERM).

Each command runs as the leader of its own process group and the signal goes to the whole group, as
a Ctrl-C at a terminal does; the chapters sleep in their last cell until interrupted.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_toy import make_slow_project, project_processes, start, wait_for  # noqa: E402

pytestmark = pytest.mark.xdist_group("interrupts")

STOP_WITHIN = 5.0  # seconds from the signal to the exit of the command


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_slow_project(tmp_path_factory.mktemp("interrupts") / "proj", chapters=3)


def _interrupt(proc, root: Path, sig: int, *, kernels: int) -> tuple[float, str, str]:
    """Wait until ``kernels`` kernels of the project sleep in their last cell, signal the group;
    return (seconds until the command exited, stdout, stderr)."""
    wait_for(lambda: len(project_processes(root, kernels_only=True)) >= kernels, what=f"{kernels} kernel(s)", proc=proc)
    time.sleep(1.5)  # the kernels are past the claim, in the sleep
    t0 = time.monotonic()
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=30)
    return time.monotonic() - t0, out, err


def _assert_nothing_left(root: Path) -> None:
    assert project_processes(root) == [], "a worker or kernel survived the interrupt"


def _executed(out: Path) -> list[str]:
    """What looks complete in an executed folder: notebooks and sidecars outside .partial/ and failed/."""
    return sorted(p.name for p in out.glob("*") if p.suffix in (".ipynb", ".json") or p.name.endswith(".run.json"))


@pytest.mark.parametrize("sig, code, options", [(signal.SIGINT, 130, []), (signal.SIGTERM, 143, ["--no-progress"])],
                         ids=["SIGINT", "SIGTERM-no-progress"])
def test_run_stops_its_kernel_and_caches_nothing(root, tmp_path, sig, code, options):
    out = tmp_path / "ex"
    proc = start(root, "run", "toy", "--out", str(out), *options, sleep=120)
    elapsed, stdout, err = _interrupt(proc, root, sig, kernels=1)
    assert proc.returncode == code, err
    assert elapsed < STOP_WITHIN, f"stopped {elapsed:.1f} s after the signal"
    _assert_nothing_left(root)
    assert _executed(out) == []
    assert [p.name for p in (out / ".partial").iterdir()] == ["toy.interrupted.ipynb"]
    assert not (out / "failed").exists()
    assert "toy [quick]: interrupted in cell 5/5, nothing cached" in err
    assert f"interrupted ({signal.Signals(sig).name})" in err and "Traceback" not in err
    print(f"optdyn run, {signal.Signals(sig).name}: exit {proc.returncode} {elapsed:.2f} s after the signal")


def test_build_stops_every_running_chapter_and_starts_no_other(root):
    proc = start(root, "build", "--profile", "quick", "--jobs", "2", "--no-cache", sleep=120)  # 3 chapters
    elapsed, _, err = _interrupt(proc, root, signal.SIGINT, kernels=2)
    assert proc.returncode == 130, err
    assert elapsed < STOP_WITHIN, f"stopped {elapsed:.1f} s after the signal"
    _assert_nothing_left(root)
    out = root / "_build" / "executed" / "quick"
    assert _executed(out) == []
    assert sorted(p.name for p in (out / ".partial").iterdir()) == ["toy.interrupted.ipynb", "toy2.interrupted.ipynb"]
    for slug in ("toy", "toy2"):
        assert f"{slug} [quick]: interrupted in cell 5/5" in err
    assert "toy3 [quick]: not started" in err  # the queued chapter never started
    assert not (root / "_build" / "html").exists()  # the site build never started
    print(f"optdyn build --jobs 2, SIGINT: exit {proc.returncode} {elapsed:.2f} s after the signal")


def test_sweep_stops_its_workers_and_keeps_finished_points(root, tmp_path):
    out = tmp_path / "sweep"
    proc = start(root, "sweep", "toy", "--seeds", "0:3", "--workers", "2", "--out", str(out), sleep=120)
    elapsed, _, err = _interrupt(proc, root, signal.SIGINT, kernels=2)
    assert proc.returncode == 130, err
    assert elapsed < STOP_WITHIN, f"stopped {elapsed:.1f} s after the signal"
    _assert_nothing_left(root)
    assert "run the same command again to resume" in err
    assert not list((out / "runs").glob("*.json"))  # no point finished, none recorded
    assert json.loads((out / "summary.json").read_text())["finished"] == 0
    for point in (out / "points").iterdir():  # nothing complete-looking, no partial notebook
        assert _executed(point) == [] and not list(point.glob(".partial/*.ipynb")), point
    print(f"optdyn sweep --workers 2, SIGINT: exit {proc.returncode} {elapsed:.2f} s after the signal")
