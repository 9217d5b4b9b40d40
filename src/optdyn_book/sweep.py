"""Robustness sweeps: run a chapter at every point of a grid of seeds x parameter values.

Usage::

    optdyn sweep plrs                                   # the chapter's default grid, quick profile
    optdyn sweep plrs --seeds 0:20 --workers 2          # seeds 0..19, default parameter grid
    optdyn sweep plrs --grid my_grid.yaml --profile book
    optdyn sweep plrs --executor dask                   # a dask LocalCluster on this machine
    optdyn sweep plrs --executor dask --scheduler tcp://head:8786     # any running Dask cluster
    optdyn sweep plrs --executor dask --scheduler scheduler.json      # e.g. dask-jobqueue / dask-mpi
    optdyn sweep plrs --dry-run                         # check the grid, list the points

Each point is one execution of the notebook through :func:`optdyn_book.runner.execute` (papermill,
runner cache keyed per point, output in its own folder) with the parameters

    points = seeds x grid[p1] x grid[p2] x ...     on top of the profile (``quick`` by default).

The default grid is the ``sweep`` key of the chapter's profile file,
``{seeds: [0, 1, 2, 3, 4], grid: {param: [v1, v2]}}``; ``--grid FILE.yaml`` (same shape, or a bare
``{param: [values]}``) replaces it and ``--seeds A:B`` (A..B-1, or ``0,3,7``) replaces the seeds.
Every point is resolved with :func:`optdyn_book.chapters.resolve_parameters` before anything runs, so an
unknown parameter, a value of the wrong type, an empty list, bad seeds or an unreachable scheduler
(``connect_timeout``, 5 s) raise :class:`SweepError` / ``ParameterError`` up front.

Layout of a sweep folder (default ``_build/sweeps/<slug>``)::

    runs/<point-id>.json    one record per point: coordinates, parameters, every claim's verdict,
                            value, margin and measured text, runtime, error and traceback if any
    points/<point-id>/      the executed notebook of that point (runner output)
    summary.json            per claim: pass rate, 95% Wilson interval, worst margin, verdict counts,
                            pass rate per parameter value, failing points; ``claims[id].label`` is
                            what the book's status page shows ("reproduced in 19 of 20 runs (...)")
    summary.csv  runs.csv  failures.csv

A point id is the first 16 hex digits of the SHA-256 of ``(slug, profile, resolved parameters)``;
a record also stores the *code key* (hash of the notebook sources, the source files the chapter
imports and the pins: :func:`optdyn_book.runner.code_key`).
Re-running a sweep skips every point whose record has the same code key and status ``ok`` or
``failed`` (the notebook raised: deterministic; re-run with ``--retry-failed``); ``crashed``
points (killed worker or kernel) and stale ones (code changed) run again. The driver writes each
record as soon as its point finishes (temporary file + ``os.replace``), so Ctrl-C, SIGTERM or
SIGKILL loses no finished point; the summary is rewritten at the end and on interruption.

A claim *holds* in a run when its verdict equals its documented ``expected`` verdict; a point
whose notebook raised counts as a run where it does not hold. The pass rate ``k/n`` over finished
points comes with a 95 % Wilson interval (:func:`optdyn.stats.wilson_interval`).

Processes. Local executor: a ``spawn`` pool; each worker leads its own process group (with the
runner's process and papermill in it), kills that group if the driver dies, and is killed with it
on Ctrl-C; if a worker is killed the pool is restarted and the unfinished points run again (at
most ``MAX_POOL_RESTARTS`` times). Dask: our ``LocalCluster`` (processes, 1 thread per worker)
runs points in the worker; workers of other deployments are daemonic by default and cannot start
``multiprocessing`` children, so each point runs in a fresh interpreter there
(``python -m optdyn_book.sweep --run-point``, about 1 s more per point). Remote workers must see the
project at the same path (shared file system); the records travel back to the driver, which
writes them. Dask reschedules the point of a lost worker itself.

Speed, measured with ``python -m optdyn_book.sweep --bench toy --seeds 0:6 --repeats 3`` (6 points of
the toy chapter, ~1.5 s of notebook + ~2 s of interpreter/kernel start-up each, cache off, 1 and 2
workers alternated) on the 2-core development machine while other jobs kept its load average at
6-10: 1 worker 37.7-87.5 s (median 44.1 s), 2 workers 34.1-40.1 s (median 36.2 s), a median
speed-up of 1.22x (single pairs: 1.12x-1.43x; Dask LocalCluster incl. start-up: 68.4 s vs 50.0 s,
1.37x). With 2 workers 1.82-1.90 points were in flight on average (1 worker: 0.90-0.98), so the
executor keeps both workers busy; on a shared machine the gain is bounded by the CPU share left.
"""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from optdyn_book.chapters import Chapter, ParameterError, chapter, project_root, resolve_parameters

__all__ = [
    "SweepError",
    "SweepResult",
    "SweepSpec",
    "expand_points",
    "load_records",
    "parse_seeds",
    "point_id",
    "run_point",
    "run_sweep",
    "default_sweep_dir",
    "format_summary",
    "summarize",
    "sweep_spec",
]

FORMAT = 1
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
MAX_POOL_RESTARTS = 3  # local pool: restarts after a killed worker before points are recorded as crashed

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class SweepError(ValueError):
    """Bad sweep input (grid, seeds, executor, scheduler), raised before any point runs."""


# --------------------------------------------------------------------------------------------
# Specification and points
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepSpec:
    seeds: tuple[int, ...]
    grid: dict = field(hash=False)

    def to_dict(self) -> dict:
        return {"seeds": list(self.seeds), "grid": {k: list(v) for k, v in self.grid.items()}}


@dataclass(frozen=True)
class Point:
    id: str
    overrides: dict = field(hash=False)  # the sweep coordinates: seed + grid values
    parameters: dict = field(hash=False)  # fully resolved papermill parameters


def parse_seeds(text: str | Sequence[int] | None) -> tuple[int, ...] | None:
    """``"A:B"`` -> A, A+1, ..., B-1 (half-open, like Python); ``"0,3,7"`` -> those seeds."""
    if text is None:
        return None
    if not isinstance(text, str):
        seeds = list(text)
    else:
        t = text.strip()
        try:
            if ":" in t:
                a, b = t.split(":", 1)
                seeds = list(range(int(a), int(b)))
            else:
                seeds = [int(s) for s in t.split(",") if s.strip()]
        except ValueError:
            raise SweepError(f"seeds must be 'A:B' (A, A+1, ..., B-1) or a comma list of integers, got {text!r}") from None
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise SweepError(f"seeds must be non-negative integers, got {s!r}")
    if not seeds:
        raise SweepError(f"seeds {text!r} select no seed (A:B is half-open: use e.g. 0:5 for seeds 0-4)")
    if len(set(seeds)) != len(seeds):
        raise SweepError(f"seeds contain duplicates: {seeds}")
    return tuple(seeds)


def _spec_from_mapping(raw: Any, where: str) -> tuple[tuple[int, ...] | None, dict | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise SweepError(f"{where}: a sweep must be a mapping {{seeds: [...], grid: {{param: [values]}}}}, got {type(raw).__name__}")
    if set(raw) <= {"seeds", "grid"}:
        seeds, grid = raw.get("seeds"), raw.get("grid")
        if "grid" in raw and grid is None:
            grid = {}
    else:  # a bare grid mapping
        seeds, grid = None, raw
    if seeds is not None:
        if isinstance(seeds, (str, int)) and not isinstance(seeds, bool):
            seeds = parse_seeds(str(seeds))
        elif isinstance(seeds, list):
            seeds = parse_seeds(seeds)
        else:
            raise SweepError(f"{where}: seeds must be a list of integers or 'A:B', got {seeds!r}")
    if grid is not None and not isinstance(grid, dict):
        raise SweepError(f"{where}: grid must be a mapping param -> list of values, got {type(grid).__name__}")
    return seeds, grid


def sweep_spec(
    ch: Chapter,
    *,
    seeds: str | Sequence[int] | None = None,
    grid: dict | None = None,
    grid_file: str | os.PathLike | None = None,
) -> SweepSpec:
    """The sweep to run: the chapter's default (``sweep`` key of its profile file), replaced by
    ``grid_file`` (same shape, or a bare ``{param: [values]}`` mapping), then by ``grid`` and
    ``seeds`` when given. Without any of these the seeds are 0-4 and the grid is empty."""
    d_seeds, d_grid = _spec_from_mapping(ch.profiles.get("sweep"), f"profile file of {ch.slug!r} (key 'sweep')")
    if grid_file is not None:
        p = Path(grid_file)
        if not p.is_file():
            raise SweepError(f"grid file {str(p)!r} does not exist")
        try:
            raw = yaml.safe_load(p.read_text())
        except yaml.YAMLError as exc:
            raise SweepError(f"grid file {str(p)!r} is not valid YAML: {exc}") from exc
        if raw is None:
            raise SweepError(f"grid file {str(p)!r} is empty")
        f_seeds, f_grid = _spec_from_mapping(raw, f"grid file {str(p)!r}")
        d_grid = f_grid if f_grid is not None else {}
        if f_seeds is not None:
            d_seeds = f_seeds
    if grid is not None:
        _, d_grid = _spec_from_mapping({"grid": grid}, "grid")
    s = parse_seeds(seeds) if seeds is not None else d_seeds
    g = dict(d_grid or {})
    for name, values in g.items():
        if name in ("seed", "profile"):
            raise SweepError(f"grid parameter {name!r} is not allowed: use --seeds / --profile")
        if not isinstance(values, list):
            raise SweepError(f"grid parameter {name!r} must map to a list of values, got {values!r}")
        if not values:
            raise SweepError(f"grid parameter {name!r} has an empty list of values: the grid would be empty")
        keys = [json.dumps(v, sort_keys=True) for v in values]
        if len(set(keys)) != len(keys):
            raise SweepError(f"grid parameter {name!r} has duplicate values: {values}")
    return SweepSpec(seeds=tuple(s) if s is not None else DEFAULT_SEEDS, grid=g)


def point_id(slug: str, profile: str, parameters: dict) -> str:
    """Stable id of a point: SHA-256 of (slug, profile, resolved parameters), 16 hex digits."""
    blob = json.dumps({"slug": slug, "profile": profile, "parameters": parameters}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def expand_points(ch: Chapter, profile: str, spec: SweepSpec) -> list[Point]:
    """Every point of the sweep, resolved and validated (unknown names, wrong types) up front."""
    if "seed" not in ch.parameters:
        raise SweepError(f"chapter {ch.slug!r} has no 'seed' parameter, so it cannot be swept over seeds")
    names = list(spec.grid)
    out: list[Point] = []
    seen: set[str] = set()
    for seed in spec.seeds:
        for combo in itertools.product(*(spec.grid[n] for n in names)):
            ov = {"seed": seed, **dict(zip(names, combo))}
            try:
                params = resolve_parameters(ch, profile, ov)
            except ParameterError as exc:
                raise SweepError(f"sweep point {ov}: {exc}") from None
            pid = point_id(ch.slug, profile, params)
            if pid not in seen:
                seen.add(pid)
                out.append(Point(pid, ov, params))
    if not out:
        raise SweepError("the sweep has no points")
    return out


# --------------------------------------------------------------------------------------------
# One point (runs on a worker)
# --------------------------------------------------------------------------------------------

_CLAIM_KEYS = ("id", "result", "verdict", "expected", "value", "margin", "measured", "control")


def _error_fields(exc: BaseException) -> dict:
    """Status, message and traceback of a point that raised.

    ``failed``: the notebook itself raised (deterministic; papermill's in-notebook traceback is
    kept) or its parameters were rejected; ``crashed``: anything else (dead kernel, killed process,
    broken pool), which a resumed sweep runs again.
    """
    cause = exc.__cause__
    nb_tb = getattr(cause, "traceback", None)
    if type(cause).__name__ == "PapermillExecutionError" or isinstance(exc, ParameterError):
        status = "failed"
    else:
        status = "crashed"
    if isinstance(nb_tb, list) and nb_tb:
        tb = _ANSI.sub("", "\n".join(nb_tb)) + "\n\n" + str(exc)
    else:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    first = str(exc).splitlines()[0] if str(exc) else ""
    m = re.search(r"failed in cell (\d+)", first)  # the runner names the cell of the source notebook
    cell = int(m.group(1)) if m else getattr(cause, "cell_index", None)
    return {"status": status, "error": f"{type(exc).__name__}: {first}", "traceback": tb, "failed_cell": cell}


def _run_in_process(task: dict) -> dict:
    from optdyn_book.runner import execute

    rec: dict[str, Any] = {"status": "ok", "error": None, "traceback": None, "failed_cell": None, "claims": []}
    t0 = time.perf_counter()
    try:
        rr = execute(task["slug"], profile=task["profile"], overrides=task["overrides"], out_dir=task["out_dir"],
                     use_cache=task["use_cache"], root=task["root"])
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
    """Run the point in a fresh interpreter (daemonic Dask workers cannot fork children)."""
    with tempfile.TemporaryDirectory(prefix="optdyn-sweep-") as d:
        tf, rf = Path(d) / "task.json", Path(d) / "record.json"
        tf.write_text(json.dumps(task))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "optdyn_book.sweep", "--run-point", str(tf), str(rf)],
                              capture_output=True, text=True)
        if proc.returncode == 0 and rf.is_file():
            return json.loads(rf.read_text())
        return {"status": "crashed", "claims": [], "runtime_s": round(time.perf_counter() - t0, 2), "failed_cell": None,
                "error": f"point process exited with code {proc.returncode}",
                "traceback": (proc.stderr or "")[-5000:]}


def run_point(task: dict) -> dict:
    """Execute one sweep point; never raises. Returns the worker part of the record."""
    t0 = time.time()
    isolated = multiprocessing.current_process().daemon
    if isolated:
        rec = _run_isolated(task)
    else:
        rec = _run_in_process(task)
    rec["wall_s"] = round(time.time() - t0, 2)  # the whole point, start-up included
    rec["isolated"] = isolated
    rec["host"] = socket.gethostname()
    rec["pid"] = os.getpid()
    rec["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0))
    return rec


# --------------------------------------------------------------------------------------------
# Records and summary
# --------------------------------------------------------------------------------------------


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_records(sweep_dir: str | os.PathLike) -> dict[str, dict]:
    """Every readable record under ``<sweep_dir>/runs``, by point id (unreadable files ignored)."""
    out = {}
    for f in sorted((Path(sweep_dir) / "runs").glob("*.json")):
        try:
            r = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and r.get("point_id") == f.stem:
            out[f.stem] = r
    return out


def _fmt_point(ov: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in ov.items())


def summarize(records: Sequence[dict], *, n_points: int | None = None, rel_dir: str = "", level: float = 0.95) -> dict:
    """Per-claim summary of finished records (status ``ok`` or ``failed``).

    For each claim: runs ``n`` (finished points), ``k`` runs with verdict == expected, pass rate with
    a Wilson interval, verdict counts, worst (smallest) margin and where it occurred, value range,
    pass rate by value of each swept parameter, and the failing points. ``label`` is what the
    status page shows, e.g. ``"reproduced in 19 of 20 runs"``.
    """
    from optdyn.stats import wilson_interval

    done = [r for r in records if r.get("status") in ("ok", "failed")]
    errored = [r for r in done if r["status"] == "failed"]
    claim_ids: list[str] = []
    expected: dict[str, str] = {}
    for r in done:
        for c in r.get("claims", []):
            if c["id"] not in expected:
                claim_ids.append(c["id"])
                expected[c["id"]] = c.get("expected", "reproduced")
    n = len(done)
    total = n_points if n_points is not None else n
    claims = {}
    for cid in claim_ids:
        exp = expected[cid]
        verdicts: dict[str, int] = {}
        failing, margins, values = [], [], []
        by_param: dict[str, dict[str, list[int]]] = {}
        k = 0
        for r in done:
            c = next((c for c in r.get("claims", []) if c["id"] == cid), None)
            v = c["verdict"] if c else ("error" if r["status"] == "failed" else "missing")
            verdicts[v] = verdicts.get(v, 0) + 1
            ok = c is not None and v == exp
            k += ok
            for p, val in r["overrides"].items():
                cell = by_param.setdefault(p, {}).setdefault(json.dumps(val), [0, 0])
                cell[0] += ok
                cell[1] += 1
            if c is not None and c.get("margin") is not None:
                margins.append((c["margin"], r["point_id"], r["overrides"]))
            if c is not None and c.get("value") is not None:
                values.append(c["value"])
            if not ok:
                failing.append({
                    "point_id": r["point_id"], "overrides": r["overrides"], "verdict": v,
                    "measured": c.get("measured") if c else None, "error": r.get("error"),
                    "record": f"{rel_dir}/runs/{r['point_id']}.json" if rel_dir else f"runs/{r['point_id']}.json",
                })
        lo, hi = wilson_interval(k, n, level) if n else (0.0, 1.0)
        label = f"{exp} in {k} of {n} runs"
        n_err = sum(1 for f in failing if f["verdict"] == "error")
        extras = []
        if failing:
            if len(failing) <= 3:
                extras.append("fails at " + "; ".join(_fmt_point(f["overrides"]) for f in failing))
            else:
                extras.append(f"fails at {len(failing)} points, see {rel_dir + '/' if rel_dir else ''}failures.csv")
        if n_err:
            extras.append(f"{n_err} run{'s' if n_err > 1 else ''} raised an error")
        if n < total:
            extras.append(f"partial sweep: {n} of {total} points")
        if extras:
            label += " (" + "; ".join(extras) + ")"
        worst = min(margins, key=lambda m: m[0]) if margins else None
        claims[cid] = {
            "label": label,
            "expected": exp,
            "runs": n,
            "as_expected": k,
            "pass_rate": k / n if n else None,
            "wilson": {"level": level, "low": lo, "high": hi},
            "verdicts": verdicts,
            "worst_margin": worst[0] if worst else None,  # smallest margin (criterion's pass side > 0)
            "margin_max": max(m[0] for m in margins) if margins else None,
            "worst_margin_point": {"point_id": worst[1], "overrides": worst[2]} if worst else None,
            "value": {"min": min(values), "max": max(values), "median": statistics.median(values)} if values else None,
            "by_parameter": {p: {val: f"{a}/{b}" for val, (a, b) in d.items()} for p, d in by_param.items()},
            "failing_points": failing,
            "failures_csv": f"{rel_dir}/failures.csv" if rel_dir else "failures.csv",
        }
    return {
        "format": FORMAT,
        "points": total,
        "finished": n,
        "errors": [{"point_id": r["point_id"], "overrides": r["overrides"], "error": r.get("error")} for r in errored],
        "claims": claims,
    }


def _csv_text(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def _run_rows(records: Sequence[dict], coords: list[str]) -> list[dict]:
    rows = []
    for r in records:
        base = {"point_id": r["point_id"], "status": r["status"], "runtime_s": r.get("runtime_s"), "error": r.get("error"),
                **{c: json.dumps(r["overrides"].get(c)) if not isinstance(r["overrides"].get(c), (int, float, str)) else r["overrides"].get(c) for c in coords}}
        if not r.get("claims"):
            rows.append(base)
        for c in r.get("claims", []):
            rows.append({**base, "claim": c["id"], "verdict": c["verdict"], "expected": c.get("expected"),
                         "as_expected": c["verdict"] == c.get("expected"), "value": c.get("value"),
                         "margin": c.get("margin"), "measured": c.get("measured")})
    return rows


def write_outputs(sweep_dir: Path, records: Sequence[dict], meta: dict, root: Path) -> dict:
    """Write summary.json, summary.csv, runs.csv and failures.csv for ``records``; return the summary."""
    try:
        rel = str(sweep_dir.resolve().relative_to(root))
    except ValueError:
        rel = str(sweep_dir.resolve())
    summ = summarize(records, n_points=meta["n_points"], rel_dir=rel)
    summ = {**meta, **summ}
    _atomic_write(sweep_dir / "summary.json", json.dumps(summ, indent=2, sort_keys=False) + "\n")
    coords = ["seed", *meta["spec"]["grid"].keys()]
    rows = _run_rows(records, coords)
    cols = ["point_id", *coords, "status", "claim", "verdict", "expected", "as_expected", "value", "margin", "measured", "runtime_s", "error"]
    _atomic_write(sweep_dir / "runs.csv", _csv_text(rows, cols))
    fails = [r for r in rows if r["status"] != "ok" or r.get("as_expected") is False]
    _atomic_write(sweep_dir / "failures.csv", _csv_text(fails, cols))
    srows = [{"claim": cid, "label": s["label"], "expected": s["expected"], "runs": s["runs"], "as_expected": s["as_expected"],
              "pass_rate": s["pass_rate"], "wilson_low": s["wilson"]["low"], "wilson_high": s["wilson"]["high"],
              "worst_margin": s["worst_margin"], "failing_points": ";".join(f["point_id"] for f in s["failing_points"])}
             for cid, s in summ["claims"].items()]
    _atomic_write(sweep_dir / "summary.csv", _csv_text(srows, list(srows[0]) if srows else ["claim"]))
    return summ


# --------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (no-op if gone)."""
    try:
        import psutil

        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except Exception:  # noqa: BLE001 - gone already, or psutil missing
        return
    for p in procs:
        try:
            p.kill()
        except Exception:  # noqa: BLE001
            pass
    psutil.wait_procs(procs, timeout=5)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:  # the driver died (SIGKILL): take the point being run down too
            os.killpg(0, signal.SIGKILL)


def _pool_worker_init(pid_dir: str, sweep_tag: str) -> None:
    """Each local worker leads its own process group (its runner process and papermill live in it),
    notes its pid for the driver, and kills its group if the driver dies."""
    import threading

    os.setpgrp()
    os.environ["OPTDYN_SWEEP"] = sweep_tag
    (Path(pid_dir) / str(os.getpid())).touch()
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True, name="optdyn-sweep-watchdog").start()


class _LocalExecutor:
    """A ``spawn`` process pool; when a worker dies the pool breaks and is restarted (see run_sweep)."""

    name = "local"

    def __init__(self, workers: int, tag: str):
        self.workers = workers
        self.restarts = 0
        self.tag = tag
        self.pid_dir = tempfile.mkdtemp(prefix="optdyn-sweep-pids-")
        self._start()

    def _start(self):
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_pool_worker_init, initargs=(self.pid_dir, self.tag))

    def submit(self, task: dict):
        return self.pool.submit(run_point, task)

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    @staticmethod
    def is_broken(exc: BaseException) -> bool:
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    def kill_workers(self) -> None:
        """SIGKILL every worker's process group (the worker, its runner process, papermill)."""
        for f in Path(self.pid_dir).iterdir():
            try:
                os.killpg(int(f.name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError, ValueError):
                pass
            f.unlink(missing_ok=True)

    def restart(self):
        self.kill_workers()  # the surviving workers' points are re-run too: stop them first
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        self._start()

    def close(self, cancel: bool = False):
        if cancel:
            self.kill_workers()
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        shutil.rmtree(self.pid_dir, ignore_errors=True)


class _DaskExecutor:
    name = "dask"
    restarts = 0

    def __init__(self, scheduler: str | None, workers: int, connect_timeout: float):
        self.pids: list[int] = []
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover
            raise SweepError("executor 'dask' needs dask[distributed] installed") from exc
        self.cluster = None
        if scheduler is None:
            import dask

            # our own workers may start processes, so points run in-process (no extra interpreter)
            with dask.config.set({"distributed.worker.daemon": False}):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            self.client = Client(self.cluster)
            self.workers = workers
            self.pids = list(self.client.run(os.getpid).values())
        else:
            kw: dict[str, Any] = {"timeout": f"{connect_timeout}s"}
            if Path(scheduler).suffix == ".json" and Path(scheduler).is_file():
                kw["scheduler_file"] = scheduler
                target = None
            else:
                target = scheduler
            try:
                self.client = Client(target, **kw)
            except (OSError, TimeoutError, ValueError) as exc:
                raise SweepError(
                    f"cannot reach the Dask scheduler {scheduler!r} within {connect_timeout:g} s: {exc}"
                ) from None
            try:
                self.workers = len(self.client.scheduler_info().get("workers", {}))
            except Exception:  # noqa: BLE001 - informative only
                self.workers = 0

    @staticmethod
    def is_broken(exc: BaseException) -> bool:  # Dask reschedules tasks of a lost worker itself
        return False

    def submit(self, task: dict):
        return self.client.submit(run_point, task, key=f"optdyn-sweep-{task['point_id']}-{time.time_ns()}", pure=False)

    def as_completed(self, futures):
        from dask.distributed import as_completed

        return as_completed(futures)

    def kill_workers(self) -> None:
        """Kill the workers of our own LocalCluster with their kernels (a remote cluster is left alone;
        closing the client releases its pending tasks)."""
        for pid in self.pids:
            _kill_tree(pid)

    def close(self, cancel: bool = False):
        if cancel:
            self.kill_workers()
        try:
            self.client.close(timeout=10)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=10)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    slug: str
    sweep_dir: Path
    points: list[Point]
    records: dict[str, dict]
    summary: dict
    ran: list[str]
    skipped: list[str]
    wall_s: float
    executor: str
    workers: int


def default_sweep_dir(slug: str, root: Path | None = None) -> Path:
    return project_root(root) / "_build" / "sweeps" / slug


def _code_key(ch: Chapter, root: Path) -> str:
    from optdyn_book.runner import code_key

    return code_key(ch, root)


def run_sweep(
    slug: str,
    *,
    profile: str = "quick",
    seeds: str | Sequence[int] | None = None,
    grid: dict | None = None,
    grid_file: str | os.PathLike | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    out: str | os.PathLike | None = None,
    root: str | os.PathLike | None = None,
    use_cache: bool = True,
    retry_failed: bool = False,
    progress: bool = True,
    connect_timeout: float = 5.0,
    dry_run: bool = False,
) -> SweepResult:
    """Run (or resume) a sweep of chapter ``slug``; see the module docstring.

    All input is checked before any point runs (:class:`SweepError` / ``ParameterError``).
    ``use_cache=False`` re-executes every point that is not skipped, ignoring the runner cache.
    ``dry_run=True`` validates and plans only: nothing runs, nothing is written.
    """
    t0 = time.perf_counter()
    root = project_root(root)
    ch = chapter(slug, root)
    ch.profile(profile)  # unknown profile -> ParameterError
    if executor not in ("local", "dask"):
        raise SweepError(f"executor must be 'local' or 'dask', got {executor!r}")
    if scheduler is not None and executor != "dask":
        raise SweepError("--scheduler needs --executor dask")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SweepError(f"workers must be an integer >= 1, got {workers!r}")
    if not (isinstance(connect_timeout, (int, float)) and connect_timeout > 0):
        raise SweepError(f"connect_timeout must be > 0 seconds, got {connect_timeout!r}")
    spec = sweep_spec(ch, seeds=seeds, grid=grid, grid_file=grid_file)
    points = expand_points(ch, profile, spec)
    sweep_dir = Path(out).resolve() if out is not None else default_sweep_dir(slug, root)
    code_key = _code_key(ch, root)
    meta = {"slug": slug, "profile": profile, "spec": spec.to_dict(), "n_points": len(points), "code_key": code_key}

    existing = load_records(sweep_dir)
    keep_status = ("ok", "failed") if not retry_failed else ("ok",)
    records: dict[str, dict] = {}
    todo: list[Point] = []
    for p in points:
        r = existing.get(p.id)
        if r is not None and r.get("code_key") == code_key and r.get("status") in keep_status:
            records[p.id] = r
        else:
            todo.append(p)
    skipped = [p.id for p in points if p.id in records]
    stale = sum(1 for p in todo if p.id in existing and existing[p.id].get("code_key") != code_key)
    n_workers = workers or max(1, min(os.cpu_count() or 1, len(todo) or 1))

    if dry_run:
        ordered = [records[p.id] for p in points if p.id in records]
        return SweepResult(slug, sweep_dir, points, {r["point_id"]: r for r in ordered},
                           {**meta, **summarize(ordered, n_points=len(points))}, [], skipped,
                           round(time.perf_counter() - t0, 2), executor, n_workers)
    ex = None
    if todo or (executor == "dask" and scheduler is not None):  # an unreachable scheduler is always an error
        ex = _LocalExecutor(n_workers, str(sweep_dir)) if executor == "local" else _DaskExecutor(scheduler, n_workers, connect_timeout)
        n_workers = ex.workers or n_workers
    if progress:
        where = f"{executor} x{n_workers}" if executor == "local" or scheduler is None else f"dask at {scheduler} ({n_workers} workers)"
        print(f"sweep {slug} [{profile}]: {len(points)} points, {len(skipped)} already done, {len(todo)} to run"
              + (f" ({stale} stale: code changed since they ran)" if stale else "")
              + (f" on {where}" if todo else "") + f" -> {sweep_dir}", file=sys.stderr, flush=True)
    ran: list[str] = []
    bar = None
    interrupted = False
    try:
        if todo:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(points), initial=len(skipped), desc=f"sweep {slug}", unit="pt", disable=not progress,
                       dynamic_ncols=True, file=sys.stderr)
            tasks = {p.id: {"slug": slug, "profile": profile, "overrides": p.overrides, "root": str(root),
                            "out_dir": str(sweep_dir / "points" / p.id), "use_cache": use_cache, "point_id": p.id}
                     for p in todo}
            pending = {ex.submit(tasks[p.id]): p for p in todo}
            n_bad = 0
            while pending:
                retry: list[Point] = []
                for fut in ex.as_completed(list(pending)):
                    p = pending.pop(fut)
                    try:
                        wrec = fut.result()
                    except Exception as exc:  # worker killed, pool broken, KilledWorker, ...
                        if ex.is_broken(exc) and ex.restarts < MAX_POOL_RESTARTS:
                            retry.append(p)  # a worker died: run its point and the queued ones again
                            continue
                        wrec = {"status": "crashed", "claims": [], "runtime_s": None, "failed_cell": None,
                                "error": f"{type(exc).__name__}: {exc}",
                                "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}
                    rec = {"format": FORMAT, "point_id": p.id, "slug": slug, "profile": profile, "overrides": p.overrides,
                           "parameters": p.parameters, "code_key": code_key, **wrec,
                           "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "executor": ex.name}
                    _atomic_write(sweep_dir / "runs" / f"{p.id}.json", json.dumps(rec, indent=2, sort_keys=True) + "\n")
                    records[p.id] = rec
                    ran.append(p.id)
                    n_bad += rec["status"] != "ok"
                    bar.set_postfix_str(f"{n_bad} failed" if n_bad else "", refresh=False)
                    bar.update(1)
                if retry:
                    bar.write(f"a worker died; restarting the pool and re-running {len(retry)} point(s)", file=sys.stderr)
                    ex.restart()
                    pending = {ex.submit(tasks[p.id]): p for p in retry}
    except BaseException:  # Ctrl-C, SIGTERM (via the CLI) or an unexpected error: stop the workers
        interrupted = True
        raise
    finally:
        if bar is not None:
            bar.close()
        if ex is not None:  # after an interrupt: finished points are on disk, the running ones are killed
            try:
                ex.close(cancel=interrupted)
            except Exception:  # noqa: BLE001 - shutting down after an interrupt
                pass
        ordered = [records[p.id] for p in points if p.id in records]
        summary = write_outputs(sweep_dir, ordered, meta, root)
    return SweepResult(slug, sweep_dir, points, {p.id: records[p.id] for p in points if p.id in records}, summary, ran,
                       skipped, round(time.perf_counter() - t0, 2), executor, n_workers)


def format_summary(res: SweepResult) -> str:
    """Plain-text report of a sweep: one line per claim, then errors and where the files are."""
    s = res.summary
    lines = [f"sweep {res.slug} [{s['profile']}]: {s['finished']} of {s['points']} points finished "
             f"({len(res.ran)} run now, {len(res.skipped)} reused) in {res.wall_s:.1f} s"
             + (f" with {res.executor} x{res.workers}" if res.ran else "")]
    w = max((len(c) for c in s["claims"]), default=0)
    for cid, c in s["claims"].items():
        lo, hi = c["wilson"]["low"], c["wilson"]["high"]
        wm = "" if c["worst_margin"] is None else f", margin {c['worst_margin']:.3g}..{c['margin_max']:.3g}"
        lines.append(f"  {cid:<{w}}  {c['as_expected']:>3}/{c['runs']:<3} as expected ({c['expected']}; "
                     f"95% Wilson {lo:.2f}-{hi:.2f}{wm})")
        for f in c["failing_points"][:5]:
            lines.append(f"  {'':<{w}}    fails at {_fmt_point(f['overrides'])}: {f['error'] or f['verdict'] + ', ' + str(f['measured'])}")
        if len(c["failing_points"]) > 5:
            lines.append(f"  {'':<{w}}    ... {len(c['failing_points']) - 5} more in failures.csv")
    crashed = [r for r in res.records.values() if r["status"] == "crashed"]
    if crashed:
        lines.append(f"  {len(crashed)} point(s) crashed (killed worker/kernel); run the sweep again to retry them")
    lines.append(f"  records: {res.sweep_dir / 'runs'}; summary: {res.sweep_dir / 'summary.json'} (+ summary.csv, runs.csv, failures.csv)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Entry point for isolated points and the speed benchmark
# --------------------------------------------------------------------------------------------


def _point_main(task_file: str, record_file: str) -> int:
    task = json.loads(Path(task_file).read_text())
    rec = _run_in_process(task)
    _atomic_write(Path(record_file), json.dumps(rec))
    return 0


def _bench(argv: Sequence[str]) -> int:  # pragma: no cover - measurement helper
    """Wall time of one sweep with 1 and 2 workers, alternated ``--repeats`` times (cache off)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m optdyn_book.sweep --bench")
    ap.add_argument("slug")
    ap.add_argument("--seeds", default="0:6")
    ap.add_argument("--executor", default="local")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--root", default=None)
    a = ap.parse_args(argv)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(a.repeats):
        for w in (1, 2):
            with tempfile.TemporaryDirectory() as d:
                load = os.getloadavg()[0]
                r = run_sweep(a.slug, seeds=a.seeds, executor=a.executor, workers=w, out=d, root=a.root, use_cache=False,
                              progress=False)
                times[w].append(r.wall_s)
                busy = sum(rec.get("wall_s") or 0.0 for rec in r.records.values())
                print(f"{a.executor} workers={w}: {len(r.points)} points in {r.wall_s:.1f} s (load {load:.1f}; "
                      f"points in flight on average {busy / r.wall_s:.2f})", flush=True)
    m1, m2 = statistics.median(times[1]), statistics.median(times[2])
    print(f"median speed-up 2 vs 1 workers: {m1 / m2:.2f}x ({m1:.1f} s vs {m2:.1f} s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 4 and sys.argv[1] == "--run-point":
        sys.exit(_point_main(sys.argv[2], sys.argv[3]))
    if len(sys.argv) > 1 and sys.argv[1] == "--bench":
        sys.exit(_bench(sys.argv[2:]))
    print("usage: optdyn sweep SLUG ...  (this module's own entry point is internal)", file=sys.stderr)
    sys.exit(2)
