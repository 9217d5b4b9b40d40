"""The sweep driver: plan the points, skip finished ones, run the rest on an executor, write each
record as soon as its point finishes, and the summary at the end (also after an interrupt)."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from optdyn_book.chapters import Chapter, chapter, project_root
from optdyn_book.locking import folder_lock
from optdyn_book.progress import CountProgress
from optdyn_book.sweep.executors import MAX_POOL_RESTARTS, DaskExecutor, LocalExecutor
from optdyn_book.sweep.records import FORMAT, atomic_write, load_records, write_outputs
from optdyn_book.sweep.spec import Point, SweepError, expand_points, sweep_spec
from optdyn_book.sweep.summary import summarize
from optdyn_book.sweep.variants import random_points

__all__ = ["SweepResult", "default_sweep_dir", "run_sweep"]


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


def default_sweep_dir(slug: str, root: Path | None = None, *, random: bool = False) -> Path:
    """``_build/sweeps/<slug>`` (grid sweeps) or ``_build/sweeps/<slug>/random`` (random variants)."""
    d = project_root(root) / "_build" / "sweeps" / slug
    return d / "random" if random else d


def _code_key(ch: Chapter, root: Path) -> str:
    from optdyn_book.runner import code_key

    return code_key(ch, root)


def _check_options(executor: str, scheduler: str | None, workers, connect_timeout) -> None:
    if executor not in ("local", "dask"):
        raise SweepError(f"executor must be 'local' or 'dask', got {executor!r}")
    if scheduler is not None and executor != "dask":
        raise SweepError("--scheduler needs --executor dask")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SweepError(f"workers must be an integer >= 1, got {workers!r}")
    if not (isinstance(connect_timeout, (int, float)) and connect_timeout > 0):
        raise SweepError(f"connect_timeout must be > 0 seconds, got {connect_timeout!r}")


def run_sweep(
    slug: str,
    *,
    profile: str = "quick",
    seeds: str | Sequence[int] | None = None,
    grid: dict | None = None,
    grid_file: str | os.PathLike | None = None,
    random: int | None = None,
    random_seed: int = 0,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    out: str | os.PathLike | None = None,
    root: str | os.PathLike | None = None,
    use_cache: bool = True,
    retry_failed: bool = False,
    progress: bool = True,
    verbose: bool = False,
    connect_timeout: float = 5.0,
    dry_run: bool = False,
) -> SweepResult:
    """Run (or resume) a sweep of chapter ``slug``: the grid ``seeds x grid`` (see
    :mod:`optdyn_book.sweep`), or ``random`` variants drawn with seed ``random_seed``
    (:mod:`optdyn_book.sweep.variants`).

    All input is checked before any point runs (:class:`SweepError` / ``ParameterError``).
    ``use_cache=False`` re-executes every point that is not skipped, ignoring the runner cache.
    ``dry_run=True`` validates and plans only: nothing runs, nothing is written. The sweep folder is
    locked while the sweep runs (:mod:`optdyn_book.locking`).
    """
    t0 = time.perf_counter()
    root = project_root(root)
    ch = chapter(slug, root)
    ch.profile(profile)  # unknown profile -> ParameterError
    _check_options(executor, scheduler, workers, connect_timeout)
    code_key = _code_key(ch, root)
    if random is not None:
        if seeds is not None or grid is not None or grid_file is not None:
            raise SweepError("random variants draw their own seeds and values: give no seeds or grid with random")
        points, draw = random_points(ch, profile, random, random_seed)
        meta = {"slug": slug, "profile": profile, "mode": "random", "variants": len(points), "random_seed": random_seed,
                "spec": draw, "coords": list(draw["draws"]), "n_points": len(points), "code_key": code_key}
    else:
        spec = sweep_spec(ch, seeds=seeds, grid=grid, grid_file=grid_file)
        points = expand_points(ch, profile, spec)
        meta = {"slug": slug, "profile": profile, "mode": "grid", "spec": spec.to_dict(),
                "coords": ["seed", *spec.grid], "n_points": len(points), "code_key": code_key}
    sweep_dir = Path(out).resolve() if out is not None else default_sweep_dir(slug, root, random=random is not None)

    def plan() -> tuple[dict, list[Point], int]:
        existing = load_records(sweep_dir)
        keep_status = ("ok", "failed") if not retry_failed else ("ok",)
        done, todo = {}, []
        for p in points:
            r = existing.get(p.id)
            if r is not None and r.get("code_key") == code_key and r.get("status") in keep_status:
                done[p.id] = r
            else:
                todo.append(p)
        stale = sum(1 for p in todo if p.id in existing and existing[p.id].get("code_key") != code_key)
        return done, todo, stale

    if dry_run:
        done, todo, _ = plan()
        ordered = [done[p.id] for p in points if p.id in done]
        n_workers = workers or max(1, min(os.cpu_count() or 1, len(todo) or 1))
        return SweepResult(slug, sweep_dir, points, {r["point_id"]: r for r in ordered},
                           {**meta, **summarize(ordered, n_points=len(points))}, [], [p.id for p in points if p.id in done],
                           round(time.perf_counter() - t0, 2), executor, n_workers)
    if executor == "dask" and scheduler is not None:  # an unreachable scheduler is an error before anything is written
        ex = DaskExecutor(scheduler, workers or 1, connect_timeout)
        ex.close()
    with folder_lock(sweep_dir):
        records, todo, stale = plan()
        return _run_points(ch, profile, points, records, todo, stale, meta, sweep_dir, root, executor=executor,
                           scheduler=scheduler, workers=workers, connect_timeout=connect_timeout, use_cache=use_cache,
                           progress=progress, verbose=verbose, t0=t0)


def _run_points(ch: Chapter, profile: str, points: list[Point], records: dict, todo: list[Point], stale: int, meta: dict,
                sweep_dir: Path, root: Path, *, executor: str, scheduler: str | None, workers: int | None,
                connect_timeout: float, use_cache: bool, progress: bool, verbose: bool, t0: float) -> SweepResult:
    slug = ch.slug
    skipped = [p.id for p in points if p.id in records]
    n_workers = workers or max(1, min(os.cpu_count() or 1, len(todo) or 1))
    ex = None
    if todo:
        ex = LocalExecutor(n_workers, str(sweep_dir)) if executor == "local" else DaskExecutor(scheduler, n_workers, connect_timeout)
        n_workers = ex.workers or n_workers
    unit = "random variants" if meta.get("mode") == "random" else "points"
    if progress:
        where = f"{executor} x{n_workers}" if executor == "local" or scheduler is None else f"dask at {scheduler} ({n_workers} workers)"
        print(f"sweep {slug} [{profile}]: {len(points)} {unit}, {len(skipped)} already done, {len(todo)} to run"
              + (f" ({stale} stale: code changed since they ran)" if stale else "")
              + (f" on {where}" if todo else "") + f" -> {sweep_dir}", file=sys.stderr, flush=True)
    ran: list[str] = []
    bar = None
    pending: dict = {}
    interrupted = False
    try:
        if todo:
            bar = CountProgress(len(points), initial=len(skipped), desc=f"sweep {slug}", enabled=progress,
                                unit="variant" if meta.get("mode") == "random" else "point")
            tasks = {p.id: {"slug": slug, "profile": profile, "overrides": p.overrides, "root": str(root),
                            "out_dir": str(sweep_dir / "points" / p.id), "use_cache": use_cache, "point_id": p.id,
                            "isolate": not ex.in_worker_process, "verbose": verbose}
                     for p in todo}
            pending = {ex.submit(tasks[p.id]): p for p in todo}
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
                           "parameters": p.parameters, "code_key": meta["code_key"], **wrec,
                           "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "executor": ex.name}
                    atomic_write(sweep_dir / "runs" / f"{p.id}.json", json.dumps(rec, indent=2, sort_keys=True) + "\n")
                    records[p.id] = rec
                    ran.append(p.id)
                    bar.update(ok=rec["status"] == "ok")
                if retry:
                    bar.write(f"a worker died; restarting the pool and re-running {len(retry)} point(s)")
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
        if interrupted:  # what the killed points had written is no use to anyone
            for p in pending.values():
                shutil.rmtree(sweep_dir / "points" / p.id / ".partial", ignore_errors=True)
        ordered = [records[p.id] for p in points if p.id in records]
        summary = write_outputs(sweep_dir, ordered, meta, root)
    return SweepResult(slug, sweep_dir, points, {p.id: records[p.id] for p in points if p.id in records}, summary, ran,
                       skipped, round(time.perf_counter() - t0, 2), executor, n_workers)
