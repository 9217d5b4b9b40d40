"""Command-line interface: ``optdyn list | run | build | claims | bench | sweep`` (also ``python -m optdyn_book``)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from optdyn_book.chapters import PROFILES, ParameterError, chapter, chapters, project_root

__all__ = ["main"]


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
        rec = execute(args.slug, profile=args.profile, overrides=overrides, out_dir=args.out, use_cache=not args.no_cache)
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
        data = build_book(profile=args.profile, jobs=args.jobs, use_cache=not args.no_cache)
    except BuildFailed as exc:
        print(f"BUILD FAILED: {exc}", file=sys.stderr)
        return 1
    s = data["summary"]
    print(
        f"built {project_root() / '_build' / 'html' / 'index.html'} in {data['build_seconds']} s: "
        f"{s['claims']} claims, {s['reproduced']} reproduced, {s['not reproduced']} not reproduced, "
        f"{s['inconclusive']} inconclusive"
    )
    if s["unexpected"]:
        print("claims differing from their documented verdict: " + ", ".join(s["unexpected"]))
    return 0


def cmd_claims(args) -> int:
    from optdyn_book.collect import claims_markdown, collect

    path = Path(args.path) if args.path else project_root() / "_build" / "executed" / "quick"
    if path.is_file() and path.suffix == ".json":
        data = json.loads(path.read_text())
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
        text = "\n".join(_claims_table(ch["claims"]) for ch in data["chapters"])
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
            rec = execute(s, profile=prof, out_dir=out_root / prof, use_cache=False)
            rows.append({"chapter": s, "profile": prof, "wall_s": rec.runtime_s, "peak_rss_mb": rec.peak_rss_mb})
            print(f"{s:<18} {prof:<6} {rec.runtime_s:8.1f} s   peak memory {rec.peak_rss_mb:8.1f} MB", flush=True)
    (out_root / "bench.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out_root / 'bench.json'}")
    return 0


def cmd_sweep(args) -> int:
    """``optdyn sweep``: run a chapter over seeds x parameter values (see optdyn_book.sweep)."""
    import signal

    from optdyn_book.sweep import SweepError, default_sweep_dir, format_summary, run_sweep

    def _stop(signum, frame):  # SIGTERM (e.g. a batch scheduler) behaves like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    out = Path(args.out) if args.out else default_sweep_dir(args.slug)
    try:
        res = run_sweep(
            args.slug, profile=args.profile, seeds=args.seeds, grid_file=args.grid, executor=args.executor,
            scheduler=args.scheduler, workers=args.workers, out=out, use_cache=not args.no_cache,
            retry_failed=args.retry_failed, progress=not args.no_progress, connect_timeout=args.connect_timeout,
            dry_run=args.dry_run,
        )
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: finished points are saved in {out / 'runs'}; run the same command again to resume",
              file=sys.stderr)
        return 130
    if args.dry_run:
        for p in res.points:
            print(f"{p.id}  {'done' if p.id in res.skipped else 'todo'}  " + ", ".join(f"{k}={v!r}" for k, v in p.overrides.items()))
        print(f"{len(res.points)} points, {len(res.skipped)} done -> {out}")
        return 0
    print(format_summary(res))
    return 1 if any(r["status"] == "crashed" for r in res.records.values()) else 0


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
    r.set_defaults(func=cmd_run)

    b = sub.add_parser("build", help="execute every chapter and build the book into _build/html")
    b.add_argument("--profile", default="book", choices=PROFILES)
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--no-cache", action="store_true")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("claims", help="print or export the claims of executed chapters")
    c.add_argument("path", nargs="?", help="an executed notebook, a folder of them, or a claims.json")
    c.add_argument("--format", choices=("table", "json", "md"), default="table")
    c.add_argument("--output", "-o", default=None)
    c.set_defaults(func=cmd_claims)

    be = sub.add_parser("bench", help="time each chapter (no cache) and report wall time and peak memory")
    be.add_argument("slugs", nargs="*")
    be.add_argument("--profile", nargs="+", default=["quick"], choices=PROFILES)
    be.set_defaults(func=cmd_bench)

    sw = sub.add_parser("sweep", help="run a chapter over seeds x parameter values; pass rate per claim")
    sw.add_argument("slug")
    sw.add_argument("--profile", default="quick", choices=PROFILES, help="base parameter set (default quick)")
    sw.add_argument("--seeds", default=None, help="A:B (seeds A..B-1) or a comma list; default: the chapter's sweep seeds")
    sw.add_argument("--grid", default=None, metavar="FILE.yaml", help="{seeds: [...], grid: {param: [values]}} replacing the chapter's default grid")
    sw.add_argument("--executor", default="local", choices=("local", "dask"))
    sw.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address or scheduler file (default: a LocalCluster)")
    sw.add_argument("--workers", type=int, default=None, help="parallel workers (local pool or LocalCluster; default: cores)")
    sw.add_argument("--out", default=None, metavar="DIR", help="sweep folder (default _build/sweeps/SLUG)")
    sw.add_argument("--no-cache", action="store_true", help="re-execute points even if the runner cache matches")
    sw.add_argument("--retry-failed", action="store_true", help="re-run points whose notebook raised")
    sw.add_argument("--no-progress", action="store_true")
    sw.add_argument("--dry-run", action="store_true", help="check the grid and list the points; run nothing")
    sw.add_argument("--connect-timeout", type=float, default=5.0, metavar="S", help="seconds to reach --scheduler")
    sw.set_defaults(func=cmd_sweep)
    return p


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
    try:
        return args.func(args)
    except (ParameterError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
