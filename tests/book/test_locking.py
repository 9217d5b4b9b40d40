"""Two commands in the same tree take turns on an output folder (fcntl.flock): the second says whom it
waits for, the cache stays consistent, a dead holder releases its lock, Ctrl-C ends a wait."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_toy import make_slow_project, project_processes, start, wait_for  # noqa: E402

from optdyn_book.locking import file_lock, folder_lock  # noqa: E402

pytestmark = pytest.mark.xdist_group("locking")

HOLD = """
import sys, time
from optdyn_book.locking import folder_lock, set_command_label
set_command_label("optdyn build")
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_slow_project(tmp_path_factory.mktemp("locking") / "proj")


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_run_waits_then_reuses_the_first_runs_copy(root, tmp_path):
    out = tmp_path / "ex"
    first = start(root, "run", "toy", "--out", str(out), sleep=3)
    wait_for(lambda: project_processes(root, kernels_only=True), what="the first run's kernel", proc=first)
    second = start(root, "run", "toy", "--out", str(out), sleep=0)
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert f"waiting for another optdyn run (pid {first.pid}) to finish with {out} ..." in err2
    assert "executed in" in out1 and "cached copy reused" in out2  # the second found a complete, valid copy
    side = json.loads((out / "toy.run.json").read_text())
    assert nbformat.read(str(out / "toy.ipynb"), as_version=4).metadata["optdyn"]["key"] == side["key"]
    assert not list((out / ".partial").glob("*"))


def test_run_waits_for_a_build_and_runs_once_it_is_interrupted(root):
    build = start(root, "build", "--profile", "quick", "--no-cache", sleep=120)
    wait_for(lambda: project_processes(root, kernels_only=True), what="the build's kernel", proc=build)
    log = root / "run.err"
    with log.open("w") as f:
        run = start(root, "run", "toy", sleep=0, stderr=f)  # same profile, same folder: _build/executed/quick
    executed = root / "_build" / "executed" / "quick"
    wait_for(lambda: "waiting for" in log.read_text(), what="the run to wait", proc=run)
    time.sleep(1.0)
    assert run.poll() is None and not (executed / "toy.ipynb").exists()  # still waiting, nothing written
    build.send_signal(signal.SIGINT)  # Ctrl-C reaching the build only: its lock goes with it
    _, berr = build.communicate(timeout=30)
    out, _ = run.communicate(timeout=120)
    err = log.read_text()
    assert build.returncode == 130, berr
    assert run.returncode == 0, err
    assert f"waiting for another optdyn build (pid {build.pid}) to finish with {executed} ..." in err
    assert "executed in" in out and (executed / "toy.ipynb").exists()


def test_lock_of_a_killed_holder_is_free_and_ctrl_c_ends_a_wait(root, tmp_path):
    folder = tmp_path / "f"
    holder = _holder(folder, 60)
    log = tmp_path / "waiter.err"
    with log.open("w") as f:
        waiter = start(root, "run", "toy", "--out", str(folder), stderr=f)
    wait_for(lambda: "waiting for" in log.read_text(), what="the waiter", proc=waiter)
    t0 = time.monotonic()
    waiter.send_signal(signal.SIGINT)
    waiter.communicate(timeout=30)
    err = log.read_text()
    assert waiter.returncode == 130 and time.monotonic() - t0 < 5, err
    assert f"waiting for another optdyn build (pid {holder.pid})" in err
    holder.kill()  # SIGKILL: no cleanup, yet the kernel releases the lock
    holder.wait()
    t0 = time.monotonic()
    with folder_lock(folder, quiet=True):
        assert time.monotonic() - t0 < 1
        assert json.loads((folder / ".lock").read_text())["pid"] != holder.pid


def test_locks_are_reentrant_within_a_process(tmp_path):
    with folder_lock(tmp_path):
        with folder_lock(tmp_path), file_lock(tmp_path / ".lock"):
            pass
        holder = subprocess.run([sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
                                 "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)", str(tmp_path / ".lock")],
                                capture_output=True, text=True)
        assert holder.returncode != 0 and "BlockingIOError" in holder.stderr  # still held after the inner blocks
