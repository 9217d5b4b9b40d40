"""Command-line interface: ``optdyn list | run | build | claims | bench | sweep`` (also ``python -m optdyn_book``).

Exit codes: 0 done; 1 a chapter (or the site build) failed, or a sweep point crashed; 2 bad input,
refused before anything runs; 3 ``run --strict`` and a verdict differs from the documented one;
130 stopped by SIGINT (Ctrl-C), 143 by SIGTERM. ``run``, ``build``, ``bench`` and ``sweep`` stop
their workers and kernels within seconds on either signal (:mod:`optdyn_book.workers`).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from optdyn_book.chapters import PROFILES, ParameterError, chapter, chapters, project_root

__all__ = ["main"]

RUNS_NOTEBOOKS = ("run", "build", "bench", "sweep")  # commands whose Ctrl-C / SIGTERM stop workers and kernels


def _parse_overrides(pairs: list[list[str]] | None) -> dict:
    out = {}
    for name, raw in pairs or []:
        try:
            out[name] = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ParameterError(f"cannot parse value {raw!r} of parameter {name!r}: {exc}") from exc
    return out


def _claims_table(claims: list[dict]) -> str:
    if not claims:
        return "  (no claims recorded)"
    w = max(len(c["id"]) for c in claims)
    lines = []
    for c in claims:
        flag = "" if c["verdict"] == c["expected"] else f"   <-- expected {c['expected']}"
        lines.append(f"  {c['id']:<{w}}  {c['verdict']:<15} {c['measured']}{flag}")
    return "\n".join(lines)


def _fmt(v) -> str:
    return json.dumps(v) if not isinstance(v, str) else repr(v)


def cmd_list(args) -> int:
    """``optdyn list``: the chapters; ``optdyn list SLUG``: every parameter of one chapter with its default,
    its value in each profile, its meaning, its allowed range and the theorem conditions that read it."""
    if not args.slug:
        for ch in chapters():
            print(f"{ch.slug}: {ch.title}")
            print(f"  notebook: {ch.notebook.relative_to(project_root())}; profiles: "
                  f"{', '.join(k for k in ch.profiles if k in PROFILES)}; {len(ch.parameters)} parameters "
                  f"(optdyn list {ch.slug})")
        return 0
    ch = chapter(args.slug)
    schema = ch.schema
    defaults = ch.parameters
    profs = {k: (ch.profiles.get(k) or {}) for k in PROFILES if k != "book" and k in ch.profiles}
    print(f"{ch.slug}: {ch.title}")
    print(f"  notebook {ch.notebook.relative_to(project_root())}; parameters {ch.package.relative_to(project_root())}/parameters.py")
    print("  default = the book profile (the notebook's own values); other profiles override some of them.\n")
    for prm in schema.params:
        vals = f"default {_fmt(defaults.get(prm.name))}" + "".join(
            f", {k} {_fmt(v[prm.name])}" for k, v in profs.items() if prm.name in v)
        print(f"  {prm.name}  ({vals})")
        print(f"      {prm.description}")
        print(f"      allowed: {prm.allowed_text()}")
        if prm.variants is not None:
            print(f"      random variants (optdyn sweep --random) drawn from: {prm.variants.describe()}")
        reading = schema.reading(prm.name)
        if reading:
            print(f"      theorem conditions reading it: {', '.join(reading)}")
    if schema.relations:
        print("\n  constraints between parameters:")
        for r in schema.relations:
            print(f"    - {r.message}")
    if schema.conditions:
        print("\n  theorem conditions (outside them a claim's verdict is 'outside conditions'):")
        for c in schema.conditions:
            print(f"    - {c.name}: {c.statement} (reads {', '.join(c.reads)})")
    return 0


def cmd_run(args) -> int:
    from optdyn_book.runner import ChapterFailed, execute

    overrides = _parse_overrides(args.param)
    t0 = time.perf_counter()
    try:
        rec = execute(args.slug, profile=args.profile, overrides=overrides, out_dir=args.out, use_cache=not args.no_cache,
                      progress=not args.no_progress, verbose=args.verbose)
    except ChapterFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    status = "cached copy reused" if rec.cached else f"executed in {rec.runtime_s:.1f} s"
    print(f"{rec.slug} [{rec.profile}] {status} -> {rec.notebook}")
    print(_claims_table(rec.claims))
    print(f"wall time {time.perf_counter() - t0:.1f} s")
    if args.strict and any(c["verdict"] != c["expected"] for c in rec.claims):
        return 3
    return 0


def cmd_build(args) -> int:
    from optdyn_book.build import BuildFailed, build_book

    try:
        data = build_book(profile=args.profile, jobs=args.jobs, use_cache=not args.no_cache,
                          progress=not args.no_progress, verbose=args.verbose)
    except BuildFailed as exc:
        print(f"BUILD FAILED: {exc}", file=sys.stderr)
        return 1
    from optdyn_book.collect import summarize

    s = summarize(data["chapters"])  # the same headline as the status page and `optdyn claims`
    print(f"built {project_root() / '_build' / 'html' / 'index.html'} in {data['build_seconds']} s: {s['headline']}")
    if s["unexpected"]:
        print("claims differing from their documented verdict: " + ", ".join(s["unexpected"]))
    return 0


def cmd_claims(args) -> int:
    """``optdyn claims``: the claims of executed chapters (a notebook, a folder of them or a claims.json) as
    a table (with the ledger headline), JSON (``claims.json`` format, deviation logs included) or Markdown."""
    from optdyn_book.collect import claims_markdown, claims_table, collect, summarize

    path = Path(args.path) if args.path else project_root() / "_build" / "executed" / "quick"
    if path.is_file() and path.suffix == ".json":
        data = json.loads(path.read_text())
        if isinstance(data, list):  # a bare list of chapters
            data = {"chapters": data}
        data["summary"] = summarize(data.get("chapters", []))  # counts of this version (by kind, headline)
    elif path.is_file():
        data = collect([path])
    elif path.is_dir():
        nbs = sorted(path.glob("*.ipynb"))
        if not nbs:
            print(f"no executed notebooks in {path}", file=sys.stderr)
            return 2
        data = collect(nbs)
    else:
        print(f"no such file or folder: {path}", file=sys.stderr)
        return 2
    if args.format == "json":
        text = json.dumps(data, indent=2, sort_keys=True)
    elif args.format == "md":
        text = claims_markdown(data)
    else:
        text = claims_table(data)
    if args.output:
        Path(args.output).write_text(text + "\n")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def cmd_bench(args) -> int:
    from optdyn_book.runner import execute

    slugs = args.slugs or [c.slug for c in chapters()]
    for s in slugs:
        chapter(s)
    rows = []
    out_root = project_root() / "_build" / "bench"
    for prof in args.profile:
        for s in slugs:
            rec = execute(s, profile=prof, out_dir=out_root / prof, use_cache=False, progress=not args.no_progress,
                          verbose=args.verbose)
            rows.append({"chapter": s, "profile": prof, "wall_s": rec.runtime_s, "peak_rss_mb": rec.peak_rss_mb})
            print(f"{s:<18} {prof:<6} {rec.runtime_s:8.1f} s   peak memory {rec.peak_rss_mb:8.1f} MB", flush=True)
    (out_root / "bench.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out_root / 'bench.json'}")
    return 0


def cmd_sweep(args) -> int:
    """``optdyn sweep``: run a chapter over seeds x parameter values, or over ``--random N`` variants drawn
    from its parameter schema (see optdyn_book.sweep)."""
    from optdyn_book.sweep import SweepError, default_sweep_dir, format_summary, run_sweep
    from optdyn_book.workers import Interrupted

    if args.random is None and args.seed is not None:
        print("error: --seed seeds the draw of --random variants; a grid sweep takes --seeds", file=sys.stderr)
        return 2
    if args.random is not None and (args.seeds is not None or args.grid is not None):
        print("error: --random draws every variant's seed and parameters itself: drop --seeds / --grid", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else default_sweep_dir(args.slug, random=args.random is not None)
    try:
        res = run_sweep(
            args.slug, profile=args.profile, seeds=args.seeds, grid_file=args.grid, executor=args.executor,
            scheduler=args.scheduler, workers=args.workers, out=out, use_cache=not args.no_cache,
            retry_failed=args.retry_failed, progress=not args.no_progress, connect_timeout=args.connect_timeout,
            dry_run=args.dry_run, random=args.random, random_seed=args.seed if args.seed is not None else 0,
            verbose=args.verbose,
        )
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"interrupted ({_signal_name(exc)}): finished points are saved in {out / 'runs'}; run the same command "
              "again to resume", file=sys.stderr)
        return exc.exit_code
    if args.dry_run:
        for p in res.points:
            print(f"{p.id}  {'done' if p.id in res.skipped else 'todo'}  " + ", ".join(f"{k}={v!r}" for k, v in p.overrides.items()))
        print(f"{len(res.points)} points, {len(res.skipped)} done -> {out}")
        return 0
    print(format_summary(res))
    return 1 if any(r["status"] == "crashed" for r in res.records.values()) else 0


def _signal_name(exc) -> str:
    import signal

    return signal.Signals(getattr(exc, "signum", signal.SIGINT)).name


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="optdyn", description="Run and build the optdyn reproducible-paper companion.")
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="the chapters; with a chapter: its parameters (default, profiles, meaning, range)")
    ls.add_argument("slug", nargs="?", help="a chapter slug: list its parameters")
    ls.set_defaults(func=cmd_list)

    r = sub.add_parser("run", help="execute one chapter with papermill and print its claims")
    r.add_argument("slug")
    r.add_argument("--profile", default="quick", choices=PROFILES)
    r.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"), help="override a parameter (YAML value)")
    r.add_argument("--out", default=None, help="folder for the executed notebook (default _build/executed/PROFILE)")
    r.add_argument("--no-cache", action="store_true", help="re-execute even if a cached copy matches")
    r.add_argument("--strict", action="store_true", help="exit 3 if a verdict differs from the documented one")
    _run_options(r)
    r.set_defaults(func=cmd_run)

    b = sub.add_parser("build", help="execute every chapter and build the book into _build/html")
    b.add_argument("--profile", default="book", choices=PROFILES)
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--no-cache", action="store_true")
    _run_options(b)
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("claims", help="print or export the claims of executed chapters")
    c.add_argument("path", nargs="?", help="an executed notebook, a folder of them, or a claims.json")
    c.add_argument("--format", choices=("table", "json", "md"), default="table")
    c.add_argument("--output", "-o", default=None)
    c.set_defaults(func=cmd_claims)

    be = sub.add_parser("bench", help="time each chapter (no cache) and report wall time and peak memory")
    be.add_argument("slugs", nargs="*")
    be.add_argument("--profile", nargs="+", default=["quick"], choices=PROFILES)
    _run_options(be)
    be.set_defaults(func=cmd_bench)

    sw = sub.add_parser("sweep", help="run a chapter over seeds x parameter values, or over random variants; pass rate per claim")
    sw.add_argument("slug")
    sw.add_argument("--profile", default="quick", choices=PROFILES, help="base parameter set (default quick)")
    sw.add_argument("--seeds", default=None, help="A:B (seeds A..B-1) or a comma list; default: the chapter's sweep seeds")
    sw.add_argument("--grid", default=None, metavar="FILE.yaml", help="{seeds: [...], grid: {param: [values]}} replacing the chapter's default grid")
    sw.add_argument("--executor", default="local", choices=("local", "dask"))
    sw.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address or scheduler file (default: a LocalCluster)")
    sw.add_argument("--workers", type=int, default=None, help="parallel workers (local pool or LocalCluster; default: cores)")
    sw.add_argument("--out", default=None, metavar="DIR", help="sweep folder (default _build/sweeps/SLUG; with --random _build/sweeps/SLUG/random)")
    sw.add_argument("--no-cache", action="store_true", help="re-execute points even if the runner cache matches")
    sw.add_argument("--retry-failed", action="store_true", help="re-run points whose notebook raised")
    sw.add_argument("--random", type=_positive_int, default=None, metavar="N",
                    help="run N variants drawn from the chapter's parameter schema (inside its theorem conditions) "
                         "instead of a grid; results in _build/sweeps/SLUG/random")
    sw.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the --random draw (default 0)")
    _run_options(sw, progress=False)
    sw.add_argument("--no-progress", action="store_true", help="no progress bar or lines on stderr")
    sw.add_argument("--dry-run", action="store_true", help="check the grid and list the points; run nothing")
    sw.add_argument("--connect-timeout", type=float, default=5.0, metavar="S", help="seconds to reach --scheduler")
    sw.set_defaults(func=cmd_sweep)
    return p


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return n


def _run_options(p: argparse.ArgumentParser, progress: bool = True) -> None:
    """Options of every command that executes notebooks."""
    if progress:
        p.add_argument("--no-progress", action="store_true", help="no live progress (cell i of N) on stderr")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show every log message (papermill, the kernel) and stream the notebooks' output")


def _take_params(argv: list[str]) -> tuple[list[str], list[list[str]]]:
    """Pull every ``-p/--param NAME VALUE`` out of ``argv`` before argparse sees it, so that a VALUE
    starting with a dash (``-p x -0.5``, ``-p x -.inf``) is read as a value, not as an option."""
    rest, pairs, i = [], [], 0
    while i < len(argv):
        if argv[i] in ("-p", "--param") and i + 2 < len(argv):
            pairs.append([argv[i + 1], argv[i + 2]])
            i += 3
        else:
            rest.append(argv[i])
            i += 1
    return rest, pairs


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, pairs = _take_params(argv)
    args = parser.parse_args(argv)
    if pairs:
        if not hasattr(args, "param"):
            parser.error("-p/--param applies to 'run' only")
        args.param = (args.param or []) + pairs
    if getattr(args, "jobs", 1) is not None and getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be an integer >= 1")
    from optdyn_book.locking import set_command_label
    from optdyn_book.workers import Interrupted, stop_on_signals

    set_command_label(f"optdyn {args.command}")
    try:
        if args.command in RUNS_NOTEBOOKS:  # Ctrl-C / SIGTERM stop the workers and kernels, exit 128 + signal
            with stop_on_signals():
                return args.func(args)
        return args.func(args)
    except (ParameterError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        for note in getattr(exc, "__notes__", []):
            print(note, file=sys.stderr)
        print(f"interrupted ({_signal_name(exc)}): workers and kernels stopped; nothing incomplete was cached",
              file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
