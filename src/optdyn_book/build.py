"""Build the book: execute every chapter (cached), stage the executed copies, build the site.

The site is built by Jupyter Book 1.x with execution switched off, from a staging folder
(``_build/stage``) that holds the book's sources with every chapter notebook replaced by its
executed copy, plus the generated status and API pages. Warnings are errors (``-W -n --keep-going``).

At staging time every chapter gets a *provenance* box under its title (:func:`provenance_markdown`):
commit, hash of the source files the chapter imports, profile and every parameter (seed included), key package versions,
runtime, the download link of the executed notebook and copy-paste commands that re-run exactly
this variant; its bookkeeping cells (parameters, validation and imports) are hidden on the page
(:func:`hide_bookkeeping`). The chapter notebooks in ``book/`` are never edited.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

from optdyn_book.apidoc import write_api_page
from optdyn.claims import CLAIM_MIME, DEVIATIONS_MIME
from optdyn_book.chapters import ParameterError, chapter, chapters, notebook_parameters, project_root
from optdyn_book.collect import collect, profile_runs, random_sweeps, status_page, write_claims_json
from optdyn_book.locking import file_lock, folder_lock
from optdyn_book.runner import default_out_dir, execute_many, mime_payloads

__all__ = ["BuildFailed", "build_book", "hide_bookkeeping", "provenance_markdown", "inject_provenance", "stage_book", "run_jupyter_book"]


class BuildFailed(RuntimeError):
    pass


def stage_book(root: Path, executed: dict[str, Path], stage: Path, sweeps: dict | None = None) -> dict:
    """Copy the book sources into ``stage``, swapping in executed notebooks; write generated pages."""
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "book").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, stage / name)
    for p in (root / "book").iterdir():
        if p.suffix == ".ipynb" or p.name.startswith("."):
            continue
        if p.is_dir():
            shutil.copytree(p, stage / "book" / p.name)
        else:
            shutil.copy2(p, stage / "book" / p.name)
    repo = _repository_url(root)
    for slug, nb in executed.items():
        inject_provenance(Path(nb), stage / "book" / f"{slug}.ipynb", root=root, repository=repo)
    data = collect([stage / "book" / f"{s}.ipynb" for s in executed])
    status_page(data, stage / "book", sweeps=sweeps, random=random_sweeps(root), profiles=profile_runs(root, list(executed)))
    write_api_page(stage / "book" / "api.md")
    return data


def _repository_url(root: Path) -> str:
    try:
        cfg = yaml.safe_load((root / "_config.yml").read_text()) or {}
        return str((cfg.get("repository") or {}).get("url") or "").rstrip("/")
    except (OSError, yaml.YAMLError):
        return ""


def _effective_parameters(nb_path: Path, injected: dict) -> tuple[dict, set]:
    """Every parameter of the run (notebook defaults overlaid by the injected values) and the
    names that were injected."""
    try:
        defaults = notebook_parameters(nb_path)
    except (ParameterError, SyntaxError, ValueError, KeyError):
        defaults = {}
    return {**defaults, **injected}, set(injected)


def _md_code(x) -> str:
    """``x`` as inline code that survives Markdown tables (no pipes, no backticks)."""
    t = x if isinstance(x, str) else json.dumps(x)
    t = t.replace("|", "\\|").replace("`", "'")
    return f"`{t}`"


def rerun_commands(slug: str, run: dict, params: dict, root: Path | None = None) -> tuple[str, str]:
    """Shell commands (``optdyn run``, ``papermill``) that re-run exactly this variant."""
    profile = str(run.get("profile", "book"))
    injected = dict(run.get("parameters") or {})
    try:
        prof_vals = {**chapter(slug, root).profile(profile), "profile": profile}
    except (ParameterError, FileNotFoundError):
        prof_vals = {"profile": profile}
    overrides = {k: v for k, v in injected.items() if k != "profile" and prof_vals.get(k, object()) != v}
    if "seed" in params:
        overrides.setdefault("seed", params["seed"])
    optdyn_cmd = f".venv/bin/optdyn run {slug} --profile {profile}" + "".join(
        f" -p {k} {shlex.quote(json.dumps(v))}" for k, v in sorted(overrides.items())
    )
    pm_params = {**injected, **({"seed": params["seed"]} if "seed" in params else {})}
    pm_cmd = (
        f".venv/bin/papermill book/{slug}.ipynb {slug}.{profile}.ipynb -k optdyn "
        f"-y {shlex.quote(json.dumps(pm_params, sort_keys=True))}"
    )
    return optdyn_cmd, pm_cmd


def provenance_markdown(nb_path: str | Path, root: str | Path | None = None, repository: str = "") -> str:
    """The provenance box of an executed chapter (MyST Markdown), from its ``metadata.optdyn``."""
    nb_path = Path(nb_path)
    nb = nbformat.read(str(nb_path), as_version=4)
    run = dict(nb.metadata.get("optdyn", {}))
    slug = str(run.get("slug", nb_path.stem))
    params, injected = _effective_parameters(nb_path, dict(run.get("parameters") or {}))
    commit = run.get("commit") or "unknown (built outside a git commit)"
    src_hash = run.get("src_hash") or "unknown"
    versions = run.get("versions") or {}
    optdyn_cmd, pm_cmd = rerun_commands(slug, run, params, root)
    runtime = run.get("runtime_s")
    peak = run.get("peak_rss_mb")
    profile = run.get("profile", "?")
    short = (str(commit)[:12] if run.get("commit") else "unknown")
    key_versions = ", ".join(f"{k} {v}" for k, v in versions.items() if k in ("numpy", "scipy", "matplotlib"))
    rt = f"{runtime:.1f} s" if isinstance(runtime, (int, float)) else "? s"
    rows = [
        "| | |",
        "|---|---|",
        f"| commit | {_md_code(commit)} |",
        f"| chapter source (SHA-256 of the files it imports) | {_md_code(src_hash)} |",
        f"| profile | {_md_code(profile)} |",
        f"| runtime | {rt}" + (f" (peak memory {peak:.0f} MB)" if isinstance(peak, (int, float)) else "") + " |",
        "| packages | " + ", ".join(f"{k} {_md_code(v)}" for k, v in versions.items()) + " |",
        f"| cache key (notebook, parameters, source, pins) | {_md_code(run.get('key', '?'))} |",
    ]
    prow = ["| parameter | value | set by |", "|---|---|---|"]
    for k, v in params.items():
        prow.append(f"| {_md_code(k)} | {_md_code(v)} | {'profile / override' if k in injected else 'notebook default'} |")
    checkout = ""
    if run.get("commit") and not str(run["commit"]).endswith("-dirty"):
        checkout = f"git checkout {run['commit']}\n"
    elif run.get("commit"):
        checkout = f"# built from commit {str(run['commit']).removesuffix('-dirty')} plus uncommitted changes\n"
    colab = ""
    if repository:
        colab = (
            f"The launch buttons (rocket icon at the top) open the chapter in Binder, which installs the "
            f"repository's `environment.yml`, or in Colab, where the package must be installed first: "
            f"`!pip install git+{repository}`."
        )
    lines = [
        "::::{admonition} Provenance",
        ":class: note optdyn-provenance",
        "",
        f"Executed under the **`{profile}`** profile with seed **`{params.get('seed', '?')}`** in {rt}, "
        f"commit `{short}`, source SHA-256 `{str(src_hash)[:12]}`, {key_versions}. "
        f"{{download}}`Download the executed notebook <{nb_path.name}>`.",
        "",
        "Re-run exactly this variant from the repository root (after `make venv`), with `optdyn` "
        "(prints the claims table and the runtime) or with papermill:",
        "",
        "```bash",
        checkout + optdyn_cmd,
        pm_cmd,
        "```",
        "",
        ":::{dropdown} Every parameter, package version and hash",
        ":class-container: optdyn-provenance-details",
        "",
        *rows,
        "",
        *prow,
        "",
        "On the page, the notebook's parameters cell is folded (*Show code cell source*) and its parameter "
        "validation and imports cell is not shown: the tables above list every value this run used.",
        "",
        colab,
        ":::",
        "::::",
    ]
    return "\n".join(lines)


def _split_after_title(nb) -> int:
    """Index right after the chapter title: the first ``# `` heading outside code fences. A markdown
    cell holding more than the title is split after the title line (nothing else changes)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines(keepends=True)
        fence = None
        for j, line in enumerate(lines):
            stripped = line.lstrip()
            m = stripped[:3]
            if m in ("```", "~~~", ":::"):
                tok = stripped[: len(stripped) - len(stripped.lstrip(m[0]))]
                if fence is None:
                    fence = tok
                elif tok.startswith(fence) and stripped.strip() == tok:
                    fence = None
                continue
            if fence is None and line.startswith("# "):
                rest = "".join(lines[j + 1 :]).strip("\n")
                if rest:
                    cell.source = "".join(lines[: j + 1]).rstrip("\n")
                    tail = nbformat.v4.new_markdown_cell(rest, metadata=dict(cell.metadata))
                    tail["id"] = (str(cell.get("id") or "cell") + "-body")[:64]
                    nb.cells.insert(i + 1, tail)
                return i + 1
    return 0


def _drop_deviation_log_repr(cell) -> None:
    """A cell ending in ``show_deviations(...)`` also shows the returned list of records as text under
    the log's table: drop that execute result (the table holds the same data)."""
    logs = mime_payloads(cell.get("outputs", []), DEVIATIONS_MIME, ("display_data",))
    if not logs:
        return
    shown = {re.sub(r"\s+", "", repr([dict(d) for d in log.get("deviations", [])])) for log in logs}
    keep = []
    for o in cell.outputs:
        if o.get("output_type") == "execute_result" and set(o.get("data", {})) <= {"text/plain"}:
            text = o["data"].get("text/plain", "")
            if re.sub(r"\s+", "", "".join(text) if isinstance(text, list) else text) in shown:
                continue
        keep.append(o)
    cell.outputs = keep


def _drop_duplicate_claim_results(nb) -> None:
    """A cell ending in ``claim.judge(...)`` shows the box twice (display + execute result), which
    would put the same anchor id twice on the page: keep the displayed one (it holds the data).
    A cell ending in ``show_deviations(...)`` loses the text repr of the returned records."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        _drop_deviation_log_repr(cell)
        shown = {c.get("id") for c in mime_payloads(cell.get("outputs", []), CLAIM_MIME, ("display_data",))}
        if not shown:
            continue
        keep = []
        for o in cell.outputs:
            html_out = o.get("data", {}).get("text/html", "") if o.get("output_type") == "execute_result" else ""
            html_out = "".join(html_out) if isinstance(html_out, list) else html_out
            if html_out and "optdyn-claim" in html_out and any(f"data-claim-id='{i}'" in html_out for i in shown):
                continue
            text = o.get("data", {}).get("text/plain", "") if o.get("output_type") == "execute_result" else ""
            text = "".join(text) if isinstance(text, list) else text
            if any(text.startswith(f"<ClaimResult {i}: ") for i in shown):
                continue  # the one-line repr of the returned ClaimResult
            keep.append(o)
        cell.outputs = keep


#: Tag added at staging time to the bookkeeping cells (see :func:`hide_bookkeeping`).
BOOKKEEPING_TAG = "optdyn-bookkeeping"


def hide_bookkeeping(nb) -> list[int]:
    """Hide the bookkeeping cells of an executed chapter on its page: the ``parameters`` cell, the cell
    papermill injected after it (``injected-parameters``) and the next code cell (parameter validation
    and imports). Their values are in the provenance box. Returns the indices of the hidden cells.

    The parameters cell stays one click away (``hide-input``: the chapter text refers to it); the
    injected and validation cells are removed from the page (``remove-cell``, or ``remove-input`` when
    they printed something). Every one is tagged :data:`BOOKKEEPING_TAG`.
    """
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    hidden: list[int] = []
    params = [i for i in code if "parameters" in nb.cells[i].metadata.get("tags", [])]
    injected = [i for i in code if "injected-parameters" in nb.cells[i].metadata.get("tags", [])]
    if params or injected:
        after = max(params + injected)
        nxt = [i for i in code if i > after][:1]
    else:  # no tagged cell: the first two code cells
        nxt = code[:2]
    for i in sorted(set(params + injected + nxt)):
        cell = nb.cells[i]
        tags = [t for t in cell.metadata.get("tags", []) if t not in ("hide-input", "hide-cell", "remove-input", "remove-cell")]
        if i in params:
            tags.append("hide-input")
        else:
            tags.append("remove-input" if cell.get("outputs") else "remove-cell")
        tags.append(BOOKKEEPING_TAG)
        cell.metadata["tags"] = tags
        hidden.append(i)
    return hidden


def inject_provenance(src: Path, dst: Path, *, root: Path | None = None, repository: str = "") -> Path:
    """Copy executed notebook ``src`` to ``dst`` with the provenance box inserted after the cell
    holding the chapter title (the first ``# `` heading)."""
    nb = nbformat.read(str(src), as_version=4)
    md = provenance_markdown(src, root=root, repository=repository)
    idx = _split_after_title(nb)
    _drop_duplicate_claim_results(nb)
    hide_bookkeeping(nb)
    cell = nbformat.v4.new_markdown_cell(md, metadata={"tags": ["optdyn-provenance"]})
    cell["id"] = "optdyn-provenance"
    nb.cells.insert(idx, cell)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dst))
    return dst


def run_jupyter_book(stage: Path, out_root: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--path-output", str(out_root), "-W", "-n", "--keep-going", "--builder", "html"]
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1767225600"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def build_book(
    *, profile: str = "quick", jobs: int = 2, root: str | Path | None = None, use_cache: bool = True, log=print,
    progress: bool = False, verbose: bool = False,
) -> dict:
    """Execute all chapters and build ``_build/html``. Raises :class:`BuildFailed` naming what failed.

    Holds ``_build/.site.lock`` and the lock of ``_build/executed/<profile>`` throughout, so a second
    build, or a run of the same profile, waits (:mod:`optdyn_book.locking`). ``progress`` shows each
    running chapter's cell and claims live, then one line per chapter; ``verbose`` every log message.
    """
    root = project_root(root)
    with file_lock(root / "_build" / ".site.lock", what="the site (_build/stage, _build/html)"), \
            folder_lock(default_out_dir(profile, root)):
        return _build_book(profile=profile, jobs=jobs, root=root, use_cache=use_cache, log=log, progress=progress,
                           verbose=verbose)


def _build_book(*, profile: str, jobs: int, root: Path, use_cache: bool, log, progress: bool, verbose: bool) -> dict:
    t0 = time.perf_counter()
    out = default_out_dir(profile, root)
    slugs = [c.slug for c in chapters(root)]
    records, failures = execute_many(slugs, profile=profile, out_dir=out, jobs=jobs, use_cache=use_cache, root=root,
                                     progress=progress, verbose=verbose)
    if not progress:  # with progress, the runner has printed one line per chapter
        for r in records:
            log(f"  {r.slug:<18} {'cached' if r.cached else 'executed':<9} {r.runtime_s:7.1f} s  {len(r.claims)} claims")
    if failures:
        raise BuildFailed("chapter(s) failed; the book was not built:\n" + "\n".join(m for _, m in failures))
    stage = root / "_build" / "stage"
    sweeps = _load_sweeps(root)
    data = stage_book(root, {r.slug: Path(r.notebook) for r in sorted(records, key=lambda r: slugs.index(r.slug))}, stage, sweeps)
    proc = run_jupyter_book(stage, root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
        raise BuildFailed(f"jupyter-book build failed (warnings are errors):\n{tail}")
    html = root / "_build" / "html"
    write_claims_json(data, root / "_build" / "claims.json")  # no timings: identical across builds
    write_claims_json(data, root / "_build" / "runs.json", timings=True)
    shutil.copy2(root / "_build" / "claims.json", html / "claims.json")
    _publish_sweeps(root, html)
    data["build_seconds"] = round(time.perf_counter() - t0, 1)
    return data


def _load_sweeps(root: Path) -> dict | None:
    """Sweep pass rates per claim id, if ``optdyn sweep`` summaries exist under ``_build/sweeps``."""
    d = root / "_build" / "sweeps"
    if not d.is_dir():
        return None
    out = {}
    for f in sorted(d.glob("*/summary.json")):
        try:
            summ = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        slug = f.parent.name
        for cid, s in summ.get("claims", {}).items():
            link = f"../sweeps/{slug}/failures.csv" if s.get("failing_points") or summ.get("errors") else None
            out[cid] = {"label": s.get("label", ""), "link": link}
    return out or None


def _publish_sweeps(root: Path, html: Path) -> None:
    """Copy sweep summaries and failure lists (grid sweeps ``sweeps/<slug>/`` and random-variant sweeps
    ``sweeps/<slug>/random/``) next to the site, where the status page links them."""
    src = root / "_build" / "sweeps"
    if not src.is_dir():
        return
    dirs = [p for p in sorted(src.iterdir()) if p.is_dir()]
    dirs += [p / "random" for p in dirs if (p / "random").is_dir()]
    for d in dirs:
        if not (d / "summary.json").is_file():
            continue
        dest = html / "sweeps" / d.relative_to(src)
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("summary.json", "summary.csv", "failures.csv", "runs.csv"):
            if (d / name).is_file():
                shutil.copy2(d / name, dest / name)
