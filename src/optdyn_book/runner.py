"""Execute chapters with papermill, with a content-addressed cache.

A chapter is re-executed only when its notebook, its resolved parameters, the source files it imports
(:func:`optdyn_book.sources.chapter_sources`: its paper package and the shared modules it uses) or the
pins (``constraints.txt``) change: the SHA-256 of all four is the cache key. Editing the book tooling
re-executes nothing; editing one paper re-executes only its chapter. Executed
copies live in ``<out>/<slug>.ipynb`` with a sidecar ``<slug>.run.json``; a run writes to a
temporary file first (``<out>/.partial/``) and is moved into place only when it succeeded, so a
half-written notebook is never picked up as complete. A failed run is kept apart, in
``<out>/failed/<slug>.ipynb``; an interrupted one as ``<out>/.partial/<slug>.interrupted.ipynb``.

Notebooks run in the workers of a :class:`~optdyn_book.workers.WorkerPool` (``jobs`` at a time);
the driver process plans (cache), shows each chapter's progress (cell ``i`` of ``N``, claims judged
so far: :mod:`optdyn_book.progress`) and moves finished copies into place, holding the lock of the
output folder (:mod:`optdyn_book.locking`) so that two commands never write the same folder at once.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import nbformat

from optdyn_book.chapters import Chapter, chapter, chapters, project_root, resolve_parameters
from optdyn_book.locking import folder_lock
from optdyn_book.progress import ChapterProgress, write_state
from optdyn_book.sources import chapter_sources, sources_hash
from optdyn_book.workers import WorkerPool, deferred_interrupts
from optdyn.claims import CLAIM_MIME

__all__ = [
    "ChapterFailed",
    "RunRecord",
    "cache_key",
    "chapter_source_hash",
    "code_key",
    "claims_of",
    "default_out_dir",
    "execute",
    "execute_many",
    "package_versions",
]

KERNEL = "optdyn"
MAX_POOL_RESTARTS = 1  # after a worker died, unfinished chapters run again once before they count as crashed
KEY_PACKAGES = ("numpy", "scipy", "matplotlib", "seaborn", "papermill", "jupyter-book", "scikit-learn")


class ChapterFailed(RuntimeError):
    """A chapter's notebook raised; the message names the chapter and the failing cell.

    ``kind`` is ``"notebook"`` when a cell raised (deterministic) and ``"crash"`` otherwise (dead
    kernel, killed worker); ``cell`` is the 0-based index in the source notebook; ``error`` is
    ``"Name: message"``; ``notebook_traceback`` the traceback lines the notebook printed.
    """

    def __init__(self, message: str, *, slug: str = "", cell: int | None = None, error: str = "",
                 kind: str = "crash", notebook_traceback: list[str] | None = None):
        super().__init__(message)
        self.slug, self.cell, self.error, self.kind = slug, cell, error, kind
        self.notebook_traceback = list(notebook_traceback or [])


@dataclass
class RunRecord:
    slug: str
    profile: str
    parameters: dict
    key: str
    notebook: str
    runtime_s: float
    cached: bool
    ok: bool
    claims: list = field(default_factory=list)
    error: str | None = None
    failed_cell: int | None = None
    versions: dict = field(default_factory=dict)
    commit: str | None = None
    src_hash: str | None = None
    peak_rss_mb: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def chapter_source_hash(ch: Chapter, root: Path | None = None) -> str:
    """SHA-256 over the source files the chapter imports (paths and contents), see :mod:`.sources`."""
    src = project_root(root) / "src"
    return sources_hash(chapter_sources(ch.notebook, src), src)


def _notebook_digest(path: Path) -> str:
    """Hash of the notebook's sources only (outputs and execution counts are ignored)."""
    nb = json.loads(path.read_text())
    cells = [(c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", []))) for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def code_key(ch: Chapter, root: Path | None = None) -> str:
    """SHA-256 of what a chapter's code is: notebook sources, imported source files, pins. Sweeps use it
    to tell a finished point from a stale one."""
    root = project_root(root)
    pins = root / "constraints.txt"
    h = hashlib.sha256()
    for part in (
        _notebook_digest(ch.notebook),
        chapter_source_hash(ch, root),
        hashlib.sha256(pins.read_bytes()).hexdigest() if pins.exists() else "no-pins",
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def cache_key(ch: Chapter, params: dict, root: Path | None = None) -> str:
    """SHA-256 of (:func:`code_key`, parameters): an executed copy is reused only when both match."""
    h = hashlib.sha256()
    h.update(code_key(ch, root).encode())
    h.update(b"\0")
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _git_commit(root: Path) -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "book"], cwd=root, capture_output=True, text=True, timeout=10)
        return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def default_out_dir(profile: str, root: Path | None = None) -> Path:
    return project_root(root) / "_build" / "executed" / profile


RICH_OUTPUTS = ("display_data", "execute_result")


def mime_payloads(outputs, mime: str, output_types: Sequence[str] = RICH_OUTPUTS) -> list[dict]:
    """The payloads stored under ``mime`` in a cell's ``outputs`` (of the given output types), in order,
    decoded from JSON when stored as text."""
    out = []
    for o in outputs:
        if o.get("output_type") in output_types and mime in o.get("data", {}):
            c = o["data"][mime]
            out.append(json.loads(c) if isinstance(c, str) else dict(c or {}))
    return out


def claims_of(nb: Any) -> list[dict]:
    """Every claim recorded in an executed notebook (a path or a notebook node), in order."""
    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    return [c for cell in nb.cells if cell.cell_type == "code" for c in mime_payloads(cell.get("outputs", []), CLAIM_MIME)]


def _env_for_kernel() -> dict[str, str]:
    return {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


# ------------------------------------------------------------------------------------------------
# In the worker: papermill, with a hook after every cell
# ------------------------------------------------------------------------------------------------


def _configure_logs(verbose: bool) -> None:
    """papermill warns about parameter-cell lines it cannot parse (a trailing comment holding ``=``)
    and about parameters it then misses; the schema has checked every parameter before the run, so
    those say nothing the user can act on: only papermill's errors are shown. ``verbose`` shows every
    message and streams the notebook's own output."""
    import logging

    log = logging.getLogger("papermill")
    if verbose:
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("[papermill] %(message)s"))
            log.addHandler(handler)
        log.setLevel(logging.INFO)
    else:
        log.setLevel(logging.ERROR)


def _peak_kb(pid: int) -> int:
    """Peak resident memory of a process (``VmHWM``; the current RSS where /proc is missing), kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss // 1024
    except Exception:  # noqa: BLE001 - gone
        return 0


class _CellHooks:
    """nbclient hooks: after every cell, write the chapter's state (cell running, claims judged) for
    the driver's progress display and sample the kernel's peak memory."""

    def __init__(self, state_file: str | None):
        self.state_file = state_file
        self.started = time.time()
        self.cells = 0
        self.running: int | None = None
        self.claims = 0
        self.kernel = None
        self.peak = 0

    def _write(self) -> None:
        if self.state_file:
            write_state(self.state_file, {"cells": self.cells, "cell": self.running or 0, "claims": self.claims,
                                          "started": self.started})

    def _sample(self) -> None:
        import psutil

        if self.kernel is None:
            try:  # the kernel is this process's child (in a session of its own)
                kernels = [c for c in psutil.Process().children() if any("ipykernel" in a for a in c.cmdline())]
                self.kernel = max(kernels, key=lambda c: c.create_time()) if kernels else None
            except psutil.Error:
                return
        if self.kernel is not None:
            try:
                procs = [self.kernel, *self.kernel.children(recursive=True)]
            except psutil.Error:
                return
            self.peak = max([self.peak, *(_peak_kb(p.pid) for p in procs)])

    def notebook_start(self, notebook, **_) -> None:
        self.cells = len(notebook.cells)
        self._write()

    def cell_start(self, cell, cell_index, **_) -> None:
        self.running = cell_index
        self._write()

    def cell_executed(self, cell, cell_index, **_) -> None:
        self.claims += len(mime_payloads(cell.get("outputs", []), CLAIM_MIME))
        self._sample()
        self._write()


def _failure_fields(exc: BaseException, running: int | None) -> dict:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {"kind": "notebook", "cell_index": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue,
                "traceback": list(exc.traceback or [])}
    import traceback

    return {"kind": "crash", "cell_index": running, "ename": type(exc).__name__, "evalue": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__)}


def _run_papermill(src: str, dst: str, params: dict, cwd: str, state_file: str | None = None,
                   verbose: bool = False) -> dict:
    """Run papermill on one notebook in this process (a pool worker); never raises an ``Exception``.

    Returns ``{"ok": True, "runtime_s", "peak_rss_mb"}``, or ``{"ok": False, "runtime_s", "kind",
    "cell_index", "ename", "evalue", "traceback"}`` where ``kind`` is ``"notebook"`` (a cell raised;
    ``cell_index`` in the executed notebook) or ``"crash"`` (anything else, e.g. a dead kernel;
    ``cell_index`` is the cell that was running).

    The kernel talks over IPC sockets in a private folder (no TCP port, no "running over TCP without
    encryption" warning), removed afterwards with its connection file. Without ``verbose`` the
    messages the user cannot act on are silenced (see :func:`_configure_logs`).
    """
    import papermill as pm
    from traitlets.config import Config

    _configure_logs(verbose)
    os.environ.update(_env_for_kernel())
    private = tempfile.mkdtemp(prefix="k-", dir=os.environ.get("OPTDYN_WORKER_TMP"))
    cfg = Config()
    cfg.KernelManager.connection_file = os.path.join(private, "kernel.json")
    if len(private) <= 80:  # a Unix socket path must stay under ~107 bytes
        cfg.KernelManager.transport = "ipc"
        cfg.KernelManager.ip = os.path.join(private, "k")
    # the kernel's own log says "KeyboardInterrupt caught in kernel" at every shutdown (jupyter_client
    # interrupts before it shuts a kernel down): shown with --verbose only
    kernel_args = [] if verbose else ["--IPKernelApp.log_level=CRITICAL"]
    hooks = _CellHooks(state_file)
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(src, dst, parameters=params, kernel_name=KERNEL, cwd=cwd, progress_bar=False,
                            log_output=verbose, report_mode=False, config=cfg, extra_arguments=kernel_args,
                            on_notebook_start=hooks.notebook_start, on_cell_start=hooks.cell_start,
                            on_cell_executed=hooks.cell_executed)
        out: dict = {"ok": True, "peak_rss_mb": round(hooks.peak / 1024.0, 1)}
    except Exception as exc:  # reported to the driver, which names the chapter and the cell
        out = {"ok": False, **_failure_fields(exc, hooks.running)}
    finally:
        shutil.rmtree(private, ignore_errors=True)
    out["runtime_s"] = round(time.perf_counter() - t0, 2)
    return out


# ------------------------------------------------------------------------------------------------
# In the driver: plan, run, move into place
# ------------------------------------------------------------------------------------------------


def _stamp(path: Path, rec: RunRecord) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["optdyn"] = {k: v for k, v in rec.to_dict().items() if k not in ("claims", "notebook")}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@dataclass
class _Job:
    """One chapter to execute: where papermill writes (``tmp``) and where a success goes."""

    ch: Chapter
    profile: str
    params: dict
    out: Path
    rec: RunRecord
    tmp: Path

    @property
    def label(self) -> str:
        return f"{self.ch.slug} [{self.profile}]"

    @property
    def final(self) -> Path:
        return self.out / f"{self.ch.slug}.ipynb"

    @property
    def sidecar(self) -> Path:
        return self.out / f"{self.ch.slug}.run.json"

    @property
    def failed_dir(self) -> Path:
        return self.out / "failed"


def _plan(ch: Chapter, profile: str, params: dict, out: Path, use_cache: bool, root: Path) -> RunRecord | _Job:
    """The cached record if the executed copy matches the cache key, else a job (and any stale copy
    removed: it must not survive next to a new attempt)."""
    out.mkdir(parents=True, exist_ok=True)
    key = cache_key(ch, params, root)
    final, sidecar = out / f"{ch.slug}.ipynb", out / f"{ch.slug}.run.json"
    if use_cache and final.exists() and sidecar.exists():
        rec = json.loads(sidecar.read_text())
        if rec.get("key") == key and rec.get("ok"):
            rec["cached"] = True
            return RunRecord(**rec)
    tmp_dir = out / ".partial"
    tmp_dir.mkdir(exist_ok=True)
    rec = RunRecord(
        slug=ch.slug, profile=profile, parameters=params, key=key, notebook=str(final), runtime_s=0.0,
        cached=False, ok=False, versions=package_versions(), commit=_git_commit(root), src_hash=chapter_source_hash(ch, root),
    )
    for p in (final, sidecar):
        p.unlink(missing_ok=True)
    return _Job(ch, profile, params, out, rec, tmp_dir / f"{ch.slug}.{os.getpid()}.ipynb")


def _task(job: _Job, state_file: str | None, verbose: bool) -> tuple:
    return (str(job.ch.notebook), str(job.tmp), job.params, str(job.ch.notebook.parent), state_file, verbose)


def _source_cell(tmp: Path, cell: int | None) -> int | None:
    """papermill's cell index (in the executed copy, injected cell included) as an index in the
    source notebook."""
    if cell is None or not tmp.exists():
        return cell
    try:
        cells = [c for c in nbformat.read(str(tmp), as_version=4).cells
                 if "papermill-error-cell-tag" not in c.metadata.get("tags", [])][:cell]
        return cell - sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)
    except Exception:  # noqa: BLE001 - unreadable partial output
        return cell


def _finish(job: _Job, outcome: dict) -> RunRecord:
    """Move a successful run into place (notebook, then sidecar, atomically) or keep a failed one in
    ``failed/``; raises :class:`ChapterFailed` for the latter."""
    rec = job.rec
    rec.runtime_s = outcome.get("runtime_s", 0.0)
    if not outcome.get("ok"):
        cell = _source_cell(job.tmp, outcome.get("cell_index"))
        rec.failed_cell = cell
        rec.error = f"{outcome.get('ename')}: {outcome.get('evalue')}"
        job.failed_dir.mkdir(exist_ok=True)
        if job.tmp.exists():
            shutil.move(str(job.tmp), job.failed_dir / f"{job.ch.slug}.ipynb")
        (job.failed_dir / f"{job.ch.slug}.run.json").write_text(json.dumps(rec.to_dict(), indent=2))
        raise ChapterFailed(
            f"chapter {job.ch.slug!r} (profile {job.profile}) failed in cell {cell if cell is not None else '?'} "
            f"(0-based index in the source notebook): {rec.error}\n"
            f"error notebook: {job.failed_dir / (job.ch.slug + '.ipynb')}",
            slug=job.ch.slug, cell=cell, error=rec.error, kind=outcome.get("kind", "crash"),
            notebook_traceback=outcome.get("traceback") or [],
        )
    rec.peak_rss_mb = outcome.get("peak_rss_mb")
    rec.ok = True
    rec.claims = claims_of(job.tmp)
    _stamp(job.tmp, rec)
    os.replace(job.tmp, job.final)
    tmp_sidecar = job.sidecar.with_suffix(".json.partial")
    tmp_sidecar.write_text(json.dumps(rec.to_dict(), indent=2, sort_keys=True))
    os.replace(tmp_sidecar, job.sidecar)
    for p in (job.failed_dir / f"{job.ch.slug}.ipynb", job.failed_dir / f"{job.ch.slug}.run.json"):
        p.unlink(missing_ok=True)
    return rec


def _abandon(job: _Job, state: dict | None) -> str:
    """After an interrupt: keep what papermill wrote as ``.partial/<slug>.interrupted.ipynb`` (never
    next to the executed copies) and say where the chapter stopped."""
    if state is None and not job.tmp.exists():
        return f"{job.label}: not started"
    where = " before its first cell"
    if state and state.get("cells"):
        where = f" in cell {min(int(state.get('cell') or 0) + 1, state['cells'])}/{state['cells']}"
    kept = ""
    if job.tmp.exists():
        dest = job.tmp.with_name(f"{job.ch.slug}.interrupted.ipynb")
        os.replace(job.tmp, dest)
        kept = f"; its partial notebook: {dest}"
    job.sidecar.with_suffix(".json.partial").unlink(missing_ok=True)
    return f"{job.label}: interrupted{where}, nothing cached{kept}"


def _done_line(rec: RunRecord) -> str:
    n = len(rec.claims)
    odd = sum(c.get("verdict") != c.get("expected") for c in rec.claims)
    claims = f"{n} claim{'' if n == 1 else 's'}" + (f" ({odd} differ from the documented verdict)" if odd else "")
    what = "cached copy reused" if rec.cached else f"executed in {rec.runtime_s:.1f} s"
    return f"{rec.slug} [{rec.profile}]: {what}, {claims}"


def _run_jobs(
    items: list[tuple[Chapter, dict]], *, profile: str, out: Path, jobs: int, use_cache: bool, root: Path,
    progress: bool, verbose: bool, isolate: bool, done_lines: bool,
) -> tuple[list[RunRecord], list[ChapterFailed]]:
    """Execute ``items`` under the lock of ``out``: cached ones are reused, the others run in a
    :class:`~optdyn_book.workers.WorkerPool` (or in this process, ``isolate=False``)."""
    records: dict[str, RunRecord] = {}
    failures: list[ChapterFailed] = []
    with folder_lock(out), ChapterProgress(enabled=progress) as board:
        todo: list[_Job] = []
        for ch, params in items:
            planned = _plan(ch, profile, params, out, use_cache, root)
            if isinstance(planned, RunRecord):
                records[ch.slug] = planned
                if done_lines:
                    board.line(_done_line(planned))
            else:
                todo.append(planned)

        def finished(job: _Job, outcome: dict) -> None:
            try:
                with deferred_interrupts():  # the notebook and its sidecar move together
                    records[job.ch.slug] = rec = _finish(job, outcome)
                board.finish(job.ch.slug, _done_line(rec) if done_lines else None)
            except ChapterFailed as exc:
                failures.append(exc)
                board.finish(job.ch.slug, f"{job.label}: FAILED in cell {exc.cell if exc.cell is not None else '?'}: {exc.error}"
                             if done_lines else None)

        if not isolate:
            for job in todo:
                finished(job, _run_papermill(*_task(job, None, verbose)))
        elif todo:
            running: dict = {}
            states: dict = {}  # where the running chapters were when an interrupt came
            try:
                with WorkerPool(min(jobs, len(todo))) as pool:
                    try:
                        queue = list(todo)
                        while queue:
                            for job in queue:
                                state_file = board.track(job.ch.slug, job.label, pool.state_dir)
                                running[pool.submit(_run_papermill, *_task(job, state_file, verbose))] = job
                            queue = []
                            for fut in as_completed(list(running)):
                                job = running.pop(fut)
                                try:
                                    outcome = fut.result()
                                except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory): the pool broke
                                    if pool.is_broken(exc) and pool.restarts < MAX_POOL_RESTARTS:
                                        queue.append(job)
                                        continue
                                    outcome = {"ok": False, "kind": "crash", "ename": type(exc).__name__,
                                               "cell_index": (board.state(job.ch.slug) or {}).get("cell"),
                                               "evalue": f"the worker process died (killed, or out of memory?): {exc}"}
                                finished(job, outcome)
                            if queue:  # the pool broke: run what did not finish again, once
                                board.line(f"a worker process died; running {', '.join(j.label for j in queue)} again")
                                pool.restart()
                    except BaseException:
                        states = {job.ch.slug: board.state(job.ch.slug) for job in running.values()}
                        raise
            except BaseException as exc:  # an interrupt: the pool has killed its workers on the way out
                for job in running.values():
                    note = _abandon(job, states.get(job.ch.slug))
                    board.finish(job.ch.slug)
                    if hasattr(exc, "add_note"):
                        exc.add_note(note)
                raise
    order = [ch.slug for ch, _ in items]
    return [records[s] for s in order if s in records], failures


def execute(
    slug: str,
    *,
    profile: str = "quick",
    overrides: dict[str, Any] | None = None,
    out_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    root: str | os.PathLike | None = None,
    progress: bool = False,
    verbose: bool = False,
    isolate: bool = True,
) -> RunRecord:
    """Execute one chapter (or reuse its cached copy) and return its :class:`RunRecord`.

    Raises :class:`~optdyn_book.chapters.ParameterError` for an unknown slug/profile/parameter before
    anything runs, and :class:`ChapterFailed` (naming the chapter and cell) when the notebook raises.
    The notebook runs in a worker process (``isolate=False``: in this one, for callers that already
    are a worker); ``progress`` shows its cells live on stderr; ``verbose`` shows every log message.
    Holds the lock of the output folder while it works (:mod:`optdyn_book.locking`).
    """
    root = project_root(root)
    ch = chapter(slug, root)
    params = resolve_parameters(ch, profile, overrides)
    out = Path(out_dir) if out_dir is not None else default_out_dir(profile, root)
    records, failures = _run_jobs([(ch, params)], profile=profile, out=out, jobs=1, use_cache=use_cache, root=root,
                                  progress=progress, verbose=verbose, isolate=isolate, done_lines=False)
    if failures:
        raise failures[0]
    return records[0]


def execute_many(
    slugs: Sequence[str] | None = None,
    *,
    profile: str = "quick",
    overrides: dict[str, Any] | None = None,
    out_dir: str | os.PathLike | None = None,
    jobs: int = 2,
    use_cache: bool = True,
    root: str | os.PathLike | None = None,
    progress: bool = False,
    verbose: bool = False,
) -> tuple[list[RunRecord], list[tuple[str, str]]]:
    """Execute several chapters, ``jobs`` at a time. Returns (records, failures as (slug, message)).

    Every slug and parameter is resolved first, so bad input fails before any chapter runs.
    ``progress`` shows one live line per running chapter and one line per finished chapter.
    """
    root = project_root(root)
    chs = chapters(root) if slugs is None else [chapter(s, root) for s in slugs]
    resolved = [(c, resolve_parameters(c, profile, overrides)) for c in chs]
    out = Path(out_dir) if out_dir is not None else default_out_dir(profile, root)
    records, failures = _run_jobs(resolved, profile=profile, out=out, jobs=max(1, jobs), use_cache=use_cache, root=root,
                                  progress=progress, verbose=verbose, isolate=True, done_lines=progress)
    return records, [(f.slug, str(f)) for f in failures]
