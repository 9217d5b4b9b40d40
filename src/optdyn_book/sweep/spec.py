"""What a grid sweep runs: seeds and grid values (from the profile file, a YAML file or arguments),
expanded into points with stable ids, every one validated before anything runs."""
from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from optdyn_book.chapters import Chapter, ParameterError, resolve_parameters

__all__ = ["DEFAULT_SEEDS", "Point", "SweepError", "SweepSpec", "expand_points", "parse_seeds", "point_id", "sweep_spec"]

DEFAULT_SEEDS = (0, 1, 2, 3, 4)


class SweepError(ValueError):
    """Bad sweep input (grid, seeds, executor, scheduler, variants), raised before any point runs."""


@dataclass(frozen=True)
class SweepSpec:
    """The seeds and the grid ``{param: [values]}`` of a grid sweep."""

    seeds: tuple[int, ...]
    grid: dict = field(hash=False)

    def to_dict(self) -> dict:
        return {"seeds": list(self.seeds), "grid": {k: list(v) for k, v in self.grid.items()}}


@dataclass(frozen=True)
class Point:
    """One execution of a sweep: its id, its coordinates and the parameters papermill injects."""

    id: str
    overrides: dict = field(hash=False)  # the sweep coordinates: seed + grid values (or drawn values)
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
