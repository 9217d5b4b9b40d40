"""Execute chapters with papermill, with a content-addressed cache.

A chapter is re-executed only when its notebook, its resolved parameters, the source files it imports
(:func:`optdyn_book.sources.chapter_sources`: its paper package and the shared modules it uses) or the
pins (``constraints.txt``) change: the SHA-256 of all four is the cache key. Editing the book tooling
re-executes nothing; editing one paper re-executes only its chapter. Executed
copies live in ``<out>/<slug>.ipynb`` with a sidecar ``<slug>.run.json``; a run writes to a
temporary file first and is moved into place only when it succeeded, so a half-written notebook is
never picked up as complete. A failed run is kept apart, in ``<out>/failed/<slug>.ipynb``.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import nbformat

from optdyn_book.chapters import Chapter, chapter, chapters, project_root, resolve_parameters
from optdyn_book.sources import chapter_sources, sources_hash
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
KEY_PACKAGES = ("numpy", "scipy", "matplotlib", "seaborn", "papermill", "jupyter-book", "scikit-learn")


class ChapterFailed(RuntimeError):
    """A chapter's notebook raised; the message names the chapter and the failing cell."""


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


def claims_of(nb: Any) -> list[dict]:
    """Every claim recorded in an executed notebook (a path or a notebook node), in order."""
    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            data = o.get("data", {}) if o.get("output_type") in ("display_data", "execute_result") else {}
            if CLAIM_MIME in data:
                c = data[CLAIM_MIME]
                out.append(json.loads(c) if isinstance(c, str) else dict(c))
    return out


def _env_for_kernel() -> dict[str, str]:
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    return env


def _run_papermill(src: str, dst: str, params: dict, cwd: str) -> tuple[float, float]:
    """Executed in a worker process: run papermill, return (runtime seconds, peak RSS of kernels MB)."""
    import resource

    import papermill as pm

    os.environ.update(_env_for_kernel())
    t0 = time.perf_counter()
    pm.execute_notebook(src, dst, parameters=params, kernel_name=KERNEL, cwd=cwd, progress_bar=False, log_output=False, report_mode=False)
    rt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return rt, peak


def _stamp(path: Path, rec: RunRecord) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["optdyn"] = {k: v for k, v in rec.to_dict().items() if k not in ("claims", "notebook")}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def execute(
    slug: str,
    *,
    profile: str = "quick",
    overrides: dict[str, Any] | None = None,
    out_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    root: str | os.PathLike | None = None,
) -> RunRecord:
    """Execute one chapter (or reuse its cached copy) and return its :class:`RunRecord`.

    Raises :class:`~optdyn_book.chapters.ParameterError` for an unknown slug/profile/parameter before
    anything runs, and :class:`ChapterFailed` (naming the chapter and cell) when the notebook raises.
    """
    root = project_root(root)
    ch = chapter(slug, root)
    params = resolve_parameters(ch, profile, overrides)
    out = Path(out_dir) if out_dir is not None else default_out_dir(profile, root)
    return _execute_resolved(ch, profile, params, out, use_cache, root)


def _execute_resolved(ch: Chapter, profile: str, params: dict, out: Path, use_cache: bool, root: Path) -> RunRecord:
    out.mkdir(parents=True, exist_ok=True)
    key = cache_key(ch, params, root)
    final = out / f"{ch.slug}.ipynb"
    sidecar = out / f"{ch.slug}.run.json"
    if use_cache and final.exists() and sidecar.exists():
        rec = json.loads(sidecar.read_text())
        if rec.get("key") == key and rec.get("ok"):
            rec["cached"] = True
            return RunRecord(**rec)
    tmp_dir = out / ".partial"
    tmp_dir.mkdir(exist_ok=True)
    tmp = tmp_dir / f"{ch.slug}.{os.getpid()}.ipynb"
    failed_dir = out / "failed"
    rec = RunRecord(
        slug=ch.slug, profile=profile, parameters=params, key=key, notebook=str(final), runtime_s=0.0,
        cached=False, ok=False, versions=package_versions(), commit=_git_commit(root), src_hash=chapter_source_hash(ch, root),
    )
    # A stale good copy must not survive next to a new attempt.
    for p in (final, sidecar):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            rt, peak = pool.submit(_run_papermill, str(ch.notebook), str(tmp), params, str(ch.notebook.parent)).result()
        rec.runtime_s, rec.peak_rss_mb = round(rt, 2), round(peak, 1)
    except Exception as exc:  # papermill raises PapermillExecutionError with the cell index
        rec.runtime_s = round(time.perf_counter() - t0, 2)
        cell = getattr(exc, "cell_index", None)
        if cell is not None and tmp.exists():  # index in the source notebook (papermill injects a cell)
            try:
                cells = [c for c in nbformat.read(str(tmp), as_version=4).cells
                         if "papermill-error-cell-tag" not in c.metadata.get("tags", [])][:cell]
                cell -= sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)
            except Exception:  # pragma: no cover - unreadable partial output
                pass
        rec.failed_cell = cell
        ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
        rec.error = f"{ename}: {evalue}"
        failed_dir.mkdir(exist_ok=True)
        if tmp.exists():
            shutil.move(str(tmp), failed_dir / f"{ch.slug}.ipynb")
        (failed_dir / f"{ch.slug}.run.json").write_text(json.dumps(rec.to_dict(), indent=2))
        raise ChapterFailed(
            f"chapter {ch.slug!r} (profile {profile}) failed in cell {cell if cell is not None else '?'} (0-based index in the source notebook): {rec.error}\n"
            f"error notebook: {failed_dir / (ch.slug + '.ipynb')}"
        ) from exc
    rec.ok = True
    rec.claims = claims_of(tmp)
    _stamp(tmp, rec)
    os.replace(tmp, final)
    tmp_sidecar = sidecar.with_suffix(".json.partial")
    tmp_sidecar.write_text(json.dumps(rec.to_dict(), indent=2, sort_keys=True))
    os.replace(tmp_sidecar, sidecar)
    for p in (failed_dir / f"{ch.slug}.ipynb", failed_dir / f"{ch.slug}.run.json"):
        p.unlink(missing_ok=True)
    return rec


def execute_many(
    slugs: Sequence[str] | None = None,
    *,
    profile: str = "quick",
    overrides: dict[str, Any] | None = None,
    out_dir: str | os.PathLike | None = None,
    jobs: int = 2,
    use_cache: bool = True,
    root: str | os.PathLike | None = None,
) -> tuple[list[RunRecord], list[tuple[str, str]]]:
    """Execute several chapters, ``jobs`` at a time. Returns (records, failures as (slug, message)).

    Every slug and parameter is resolved first, so bad input fails before any chapter runs.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = project_root(root)
    chs = chapters(root) if slugs is None else [chapter(s, root) for s in slugs]
    resolved = [(c, resolve_parameters(c, profile, overrides)) for c in chs]
    out = Path(out_dir) if out_dir is not None else default_out_dir(profile, root)
    records: list[RunRecord] = []
    failures: list[tuple[str, str]] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = [(c.slug, pool.submit(_execute_resolved, c, profile, p, out, use_cache, root)) for c, p in resolved]
        for slug, f in futs:
            try:
                records.append(f.result())
            except ChapterFailed as exc:
                failures.append((slug, str(exc)))
    return records, failures
