"""One sweep point, run on a worker: execute the notebook through the runner and turn the result
(claims, runtime, or the error with its traceback) into the worker part of the point's record."""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from optdyn_book.chapters import ParameterError

__all__ = ["run_point"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CLAIM_KEYS = ("id", "result", "verdict", "expected", "value", "margin", "measured", "control")


def _error_fields(exc: BaseException) -> dict:
    """Status, message and traceback of a point that raised.

    ``failed``: the notebook itself raised (deterministic; its traceback is kept) or its parameters
    were rejected; ``crashed``: anything else (dead kernel, killed process), which a resumed sweep
    runs again.
    """
    from optdyn_book.runner import ChapterFailed

    if isinstance(exc, ChapterFailed):
        status = "failed" if exc.kind == "notebook" else "crashed"
        cell = exc.cell
        nb_tb = exc.notebook_traceback if exc.kind == "notebook" else None
    else:
        status = "failed" if isinstance(exc, ParameterError) else "crashed"
        cell, nb_tb = None, None
    if nb_tb:
        tb = _ANSI.sub("", "\n".join(nb_tb)) + "\n\n" + str(exc)
    else:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    first = str(exc).splitlines()[0] if str(exc) else ""
    return {"status": status, "error": f"{type(exc).__name__}: {first}", "traceback": tb, "failed_cell": cell}


def _run_in_process(task: dict) -> dict:
    from optdyn_book.runner import execute

    rec: dict[str, Any] = {"status": "ok", "error": None, "traceback": None, "failed_cell": None, "claims": []}
    t0 = time.perf_counter()
    try:
        rr = execute(task["slug"], profile=task["profile"], overrides=task["overrides"], out_dir=task["out_dir"],
                     use_cache=task["use_cache"], root=task["root"], isolate=task.get("isolate", True),
                     verbose=task.get("verbose", False))
        rec.update(
            runtime_s=rr.runtime_s, cached=rr.cached, run_key=rr.key, notebook=rr.notebook, versions=rr.versions,
            commit=rr.commit, peak_rss_mb=rr.peak_rss_mb,
            claims=[{k: c.get(k) for k in _CLAIM_KEYS} for c in rr.claims],
        )
    except Exception as exc:  # recorded, never propagated: one bad point must not stop the sweep
        rec.update(_error_fields(exc))
        rec["runtime_s"] = round(time.perf_counter() - t0, 2)
    return rec


def _run_isolated(task: dict) -> dict:
    """Run the point in a fresh interpreter (daemonic Dask workers cannot start processes themselves)."""
    from optdyn_book.sweep.records import atomic_write

    with tempfile.TemporaryDirectory(prefix="optdyn-sweep-") as d:
        tf, rf = Path(d) / "task.json", Path(d) / "record.json"
        atomic_write(tf, json.dumps({**task, "isolate": False}))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "optdyn_book.sweep", "--run-point", str(tf), str(rf)],
                              capture_output=True, text=True)
        if proc.returncode == 0 and rf.is_file():
            return json.loads(rf.read_text())
        return {"status": "crashed", "claims": [], "runtime_s": round(time.perf_counter() - t0, 2), "failed_cell": None,
                "error": f"point process exited with code {proc.returncode}",
                "traceback": (proc.stderr or "")[-5000:]}


def run_point(task: dict) -> dict:
    """Execute one sweep point; never raises an ``Exception``. Returns the worker part of the record.

    ``task["isolate"]``: run the notebook in a worker process of its own (``False`` when the caller
    already is one, as the local pool's workers are).
    """
    t0 = time.time()
    isolated = multiprocessing.current_process().daemon
    rec = _run_isolated(task) if isolated else _run_in_process(task)
    rec["wall_s"] = round(time.time() - t0, 2)  # the whole point, start-up included
    rec["isolated"] = isolated
    rec["host"] = socket.gethostname()
    rec["pid"] = os.getpid()
    rec["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0))
    return rec
