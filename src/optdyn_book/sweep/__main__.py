"""``python -m optdyn_book.sweep``: internal entry points of the sweeps.

``--run-point TASK.json RECORD.json`` runs one point in this fresh interpreter (how daemonic Dask
workers run points). ``--bench SLUG [--seeds A:B] [--executor local|dask] [--repeats R]`` measures
the wall time of one sweep with 1 and 2 workers, alternated ``R`` times, cache off; the measured
numbers belong in README.md (*Timings*), not in docstrings.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from optdyn_book.sweep.point import _run_in_process
from optdyn_book.sweep.records import atomic_write


def _point_main(task_file: str, record_file: str) -> int:
    task = json.loads(Path(task_file).read_text())
    rec = _run_in_process(task)
    atomic_write(Path(record_file), json.dumps(rec))
    return 0


def _bench(argv: Sequence[str]) -> int:  # pragma: no cover - measurement helper
    """Wall time of one sweep with 1 and 2 workers, alternated ``--repeats`` times (cache off)."""
    import argparse

    from optdyn_book.sweep.driver import run_sweep

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
    print("usage: optdyn sweep SLUG ...  (this module's own entry points are internal: --run-point, --bench)",
          file=sys.stderr)
    sys.exit(2)
