"""Robustness sweeps: run a chapter at every point of a grid of seeds x parameter values, or at random
parameter variants drawn inside its theorem conditions.

Usage::

    optdyn sweep plrs                                   # the chapter's default grid, quick profile
    optdyn sweep plrs --seeds 0:20 --workers 2          # seeds 0..19, default parameter grid
    optdyn sweep plrs --grid my_grid.yaml --profile book
    optdyn sweep plrs --executor dask                   # a dask LocalCluster on this machine
    optdyn sweep plrs --executor dask --scheduler tcp://head:8786     # any running Dask cluster
    optdyn sweep plrs --executor dask --scheduler scheduler.json      # e.g. dask-jobqueue / dask-mpi
    optdyn sweep plrs --dry-run                         # check the grid, list the points
    optdyn sweep plrs --random 40 --seed 0              # 40 variants drawn from the parameter schema

Each point is one execution of the notebook through :func:`optdyn_book.runner.execute` (papermill,
runner cache keyed per point, output in its own folder). The points of a grid sweep are

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

Random variants (``--random N --seed S``, folder ``_build/sweeps/<slug>/random``): ``N`` points drawn
from the chapter's parameter schema inside its theorem conditions (:mod:`.variants`); the summary has
the same per-claim shape plus ``"variants": N``, and the report marks claims that stay at their
documented verdict in fewer than 95 % of the variants.

Modules: :mod:`.spec` (seeds, grids, points), :mod:`.variants` (random variants), :mod:`.point` (one
point, on a worker), :mod:`.executors` (local pool, Dask), :mod:`.records` (records and tables),
:mod:`.summary` (pass rates, Wilson intervals, the report), :mod:`.driver` (:func:`run_sweep`);
``python -m optdyn_book.sweep`` (:mod:`.__main__`) runs one point in a fresh interpreter and holds the
speed benchmark. Ctrl-C or SIGTERM stops the workers with their kernels, keeps every finished
record, rewrites the summary and exits with 130 (143 for SIGTERM).
"""
from __future__ import annotations

from optdyn_book.sweep.driver import SweepResult, default_sweep_dir, run_sweep
from optdyn_book.sweep.point import run_point
from optdyn_book.sweep.records import FORMAT, atomic_write, load_records, write_outputs
from optdyn_book.sweep.spec import DEFAULT_SEEDS, Point, SweepError, SweepSpec, expand_points, parse_seeds, point_id, sweep_spec
from optdyn_book.sweep.summary import TARGET_PASS_RATE, format_summary, summarize, wilson
from optdyn_book.sweep.variants import parameter_draws, random_points

__all__ = [
    "DEFAULT_SEEDS",
    "FORMAT",
    "Point",
    "SweepError",
    "SweepResult",
    "SweepSpec",
    "TARGET_PASS_RATE",
    "atomic_write",
    "default_sweep_dir",
    "expand_points",
    "format_summary",
    "load_records",
    "parameter_draws",
    "parse_seeds",
    "point_id",
    "random_points",
    "run_point",
    "run_sweep",
    "summarize",
    "sweep_spec",
    "wilson",
    "write_outputs",
]
