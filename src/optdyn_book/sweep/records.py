"""A sweep's files: one record per point under ``runs/`` (written atomically as soon as the point
finishes), and the tables written from them (``summary.json``, ``summary.csv``, ``runs.csv``,
``failures.csv``)."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Sequence

from optdyn_book.sweep.summary import summarize

__all__ = ["FORMAT", "atomic_write", "load_records", "write_outputs"]

FORMAT = 1


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``: readers see the old
    file or the new one, never half of it."""
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


def _csv_text(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def _coordinate(value):
    return value if isinstance(value, (int, float, str)) else json.dumps(value)


def _run_rows(records: Sequence[dict], coords: list[str]) -> list[dict]:
    rows = []
    for r in records:
        base = {"point_id": r["point_id"], "status": r["status"], "runtime_s": r.get("runtime_s"), "error": r.get("error"),
                **{c: _coordinate(r["overrides"].get(c)) for c in coords}}
        if not r.get("claims"):
            rows.append(base)
        for c in r.get("claims", []):
            rows.append({**base, "claim": c["id"], "verdict": c["verdict"], "expected": c.get("expected"),
                         "as_expected": c["verdict"] == c.get("expected"), "value": c.get("value"),
                         "margin": c.get("margin"), "measured": c.get("measured")})
    return rows


def write_outputs(sweep_dir: Path, records: Sequence[dict], meta: dict, root: Path) -> dict:
    """Write summary.json, summary.csv, runs.csv and failures.csv for ``records``; return the summary.

    ``meta`` (slug, profile, spec, n_points, code key; ``coords``: the coordinate columns, by default
    the seed and the grid parameters; ``variants`` for a random sweep) heads the summary.
    """
    try:
        rel = str(sweep_dir.resolve().relative_to(root))
    except ValueError:
        rel = str(sweep_dir.resolve())
    random = meta.get("mode") == "random"
    summ = summarize(records, n_points=meta["n_points"], rel_dir=rel, unit="random variants" if random else "runs",
                     by_parameter=not random)
    summ = {"format": FORMAT, **meta, **summ}
    atomic_write(sweep_dir / "summary.json", json.dumps(summ, indent=2, sort_keys=False) + "\n")
    coords = list(meta.get("coords") or ["seed", *meta["spec"]["grid"].keys()])
    rows = _run_rows(records, coords)
    cols = ["point_id", *coords, "status", "claim", "verdict", "expected", "as_expected", "value", "margin", "measured", "runtime_s", "error"]
    atomic_write(sweep_dir / "runs.csv", _csv_text(rows, cols))
    fails = [r for r in rows if r["status"] != "ok" or r.get("as_expected") is False]
    atomic_write(sweep_dir / "failures.csv", _csv_text(fails, cols))
    srows = [{"claim": cid, "label": s["label"], "expected": s["expected"], "runs": s["runs"], "as_expected": s["as_expected"],
              "pass_rate": s["pass_rate"], "wilson_low": s["wilson"]["low"], "wilson_high": s["wilson"]["high"],
              "worst_margin": s["worst_margin"], "failing_points": ";".join(f["point_id"] for f in s["failing_points"])}
             for cid, s in summ["claims"].items()]
    atomic_write(sweep_dir / "summary.csv", _csv_text(srows, list(srows[0]) if srows else ["claim"]))
    return summ
