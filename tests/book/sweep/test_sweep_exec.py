"""Sweeps that execute the toy chapter: local pool vs Dask LocalCluster, failures, kill and resume."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from toy_project import make_toy_project  # noqa: E402

from optdyn_book.sweep import load_records, run_sweep  # noqa: E402

pytestmark = pytest.mark.slow  # every test here executes the toy notebook several times (~1-2 s each)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_toy_project(tmp_path_factory.mktemp("sweep_exec") / "proj")


def _essential(records: dict) -> dict:
    """What must not depend on the executor: coordinates, parameters, status, every claim."""
    keys = ("point_id", "slug", "profile", "overrides", "parameters", "status", "claims", "code_key", "error", "failed_cell")
    return {pid: {k: r[k] for k in keys} for pid, r in records.items()}


def test_local_and_dask_give_the_same_records(root, tmp_path):
    from dask.distributed import LocalCluster

    loc = run_sweep("toy", seeds="0:3", executor="local", workers=2, out=tmp_path / "local", root=root, progress=False)
    # a cluster started elsewhere, reached by its address (as with dask-jobqueue or `dask scheduler`)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dsk = run_sweep("toy", seeds="0:3", executor="dask", scheduler=cluster.scheduler_address, out=tmp_path / "dask",
                        root=root, progress=False)
    assert dsk.workers == 2
    assert all(r["isolated"] for r in dsk.records.values())  # daemonic workers: each point in a fresh interpreter
    assert len(loc.records) == len(dsk.records) == 3 and sorted(loc.ran) == sorted(dsk.ran)
    assert {r["executor"] for r in dsk.records.values()} == {"dask"}
    assert _essential(loc.records) == _essential(dsk.records)
    assert all(r["status"] == "ok" and r["claims"][0]["id"] == "toy.mean_zero" for r in loc.records.values())
    # one atomic JSON file per point, named by its id, identical to what the driver returned
    for res in (loc, dsk):
        files = sorted(p.stem for p in (res.sweep_dir / "runs").glob("*.json"))
        assert files == sorted(res.records) and load_records(res.sweep_dir) == res.records
        assert not list((res.sweep_dir / "runs").glob(".*"))  # no temporary files left
    assert _same_claims(loc.summary, dsk.summary)
    assert loc.summary["claims"]["toy.mean_zero"]["label"] == "reproduced in 3 of 3 runs"
    # the seeds really differ
    assert len({r["claims"][0]["value"] for r in loc.records.values()}) == 3


def _same_claims(a: dict, b: dict) -> bool:
    strip = lambda s: {c: {k: v for k, v in d.items() if k not in ("failures_csv",)} for c, d in s["claims"].items()}  # noqa: E731
    return strip(a) == strip(b)


def test_failing_point_is_recorded_and_the_rest_finish(root, tmp_path):
    out = tmp_path / "s"
    # on a LocalCluster started by the sweep: the traceback travels back from the worker
    res = run_sweep("toy", seeds="0", grid={"fail": [True, False]}, executor="dask", workers=2, out=out, root=root,
                    progress=False)
    assert {r["executor"] for r in res.records.values()} == {"dask"}
    assert not any(r["isolated"] for r in res.records.values())  # our own workers run points in-process
    by = {r["overrides"]["fail"]: r for r in res.records.values()}
    assert by[False]["status"] == "ok" and by[False]["claims"][0]["verdict"] == "reproduced"
    bad = by[True]
    assert bad["status"] == "failed" and bad["claims"] == [] and bad["failed_cell"] == 2
    assert "RuntimeError: deliberate failure" in bad["traceback"] and "deliberate failure" in bad["error"]
    summ = res.summary["claims"]["toy.mean_zero"]
    assert summ["label"] == "reproduced in 1 of 2 runs (fails at seed=0, fail=True; 1 run raised an error)"
    assert [f["point_id"] for f in summ["failing_points"]] == [bad["point_id"]]
    assert json.loads((out / "summary.json").read_text())["errors"][0]["point_id"] == bad["point_id"]
    # re-running skips both (a notebook error is deterministic) unless asked to retry the failed ones
    again = run_sweep("toy", seeds="0", grid={"fail": [True, False]}, workers=2, out=out, root=root, progress=False)
    assert again.ran == [] and sorted(again.skipped) == sorted(res.records)
    retry = run_sweep("toy", seeds="0", grid={"fail": [True, False]}, workers=1, out=out, root=root, progress=False,
                      retry_failed=True)
    assert retry.ran == [bad["point_id"]] and retry.records[bad["point_id"]]["status"] == "failed"


def _left_over(tag: str, wait: float = 10.0) -> list[int]:
    """Processes of the sweep (pool workers and their runner processes carry OPTDYN_SWEEP=<dir>)
    still alive after ``wait`` seconds."""
    import psutil

    deadline = time.time() + wait
    while True:
        alive = []
        for p in psutil.process_iter():
            try:
                if p.status() != psutil.STATUS_ZOMBIE and p.environ().get("OPTDYN_SWEEP") == tag:
                    alive.append(p.pid)
            except psutil.Error:
                pass
        if not alive or time.time() > deadline:
            return alive
        time.sleep(0.2)


@pytest.mark.parametrize("how", ["sigint-driver", "sigkill-group"])
def test_interrupted_sweep_resumes_without_rerunning_finished_points(root, tmp_path, how):
    out = tmp_path / "s"
    env = {**os.environ, "OPTDYN_ROOT": str(root)}
    cmd = [sys.executable, "-m", "optdyn_book", "sweep", "toy", "--seeds", "0:3", "--workers", "1", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = out / "runs"
    deadline = time.time() + 60
    while time.time() < deadline and not list(runs.glob("*.json")):
        if proc.poll() is not None:
            pytest.fail(f"sweep ended early: {proc.communicate()}")
        time.sleep(0.05)
    if how == "sigint-driver":
        proc.send_signal(signal.SIGINT)  # Ctrl-C reaching the driver only: it must stop its workers itself
    else:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole job killed, no chance to clean up
    _, err = proc.communicate(timeout=30)
    before = {p.stem: p.read_bytes() for p in runs.glob("*.json")}
    assert 1 <= len(before) < 3, "the sweep was not interrupted midway"
    if how == "sigint-driver":
        assert proc.returncode == 130 and "run the same command again to resume" in err
        assert json.loads((out / "summary.json").read_text())["finished"] == len(before)
    else:
        assert proc.returncode == -signal.SIGKILL
    assert _left_over(str(out.resolve())) == []  # no orphaned worker keeps running a point
    res = run_sweep("toy", seeds="0:3", workers=2, out=out, root=root, progress=False)
    assert sorted(res.skipped) == sorted(before) and len(res.ran) == 3 - len(before)
    assert set(res.ran).isdisjoint(before)
    assert {p.stem: p.read_bytes() for p in runs.glob("*.json") if p.stem in before} == before  # untouched
    assert len(res.records) == 3 and all(r["status"] == "ok" for r in res.records.values())
    assert res.summary["claims"]["toy.mean_zero"]["label"] == "reproduced in 3 of 3 runs"


def test_killed_worker_is_replaced_and_its_point_rerun(root, tmp_path):
    import threading

    import psutil

    out = tmp_path / "s"
    killed: list[int] = []

    def killer():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            if list((out / "runs").glob("*.json")):
                for w in psutil.Process().children():
                    try:
                        if any("spawn_main" in a for a in w.cmdline()) and w.children():  # a worker with a point in flight
                            w.kill()
                            killed.append(w.pid)
                            return
                    except psutil.Error:
                        pass
            time.sleep(0.05)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    res = run_sweep("toy", seeds="0:3", workers=1, out=out, root=root, progress=False)
    t.join()
    assert killed, "no worker was killed"
    assert len(res.records) == 3 and all(r["status"] == "ok" for r in res.records.values())
    assert _left_over(str(out.resolve()), wait=3) == []
    assert res.summary["claims"]["toy.mean_zero"]["label"] == "reproduced in 3 of 3 runs"
