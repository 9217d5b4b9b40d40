"""Where things are: the project root, the chapters, their parameters and profiles.

A chapter is ``book/<slug>.ipynb`` plus its paper package ``src/optdyn/papers/<slug>/``, whose
``profile.yaml`` holds the papermill parameter sets (``quick``, ``book``, ``full``; ``book`` is the
notebook's own defaults) and the default sweep grid. The book's order is the order of ``_toc.yml``.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from optdyn import validation as _validation

__all__ = [
    "Chapter",
    "ParameterError",
    "PROFILES",
    "chapter",
    "chapters",
    "notebook_parameters",
    "project_root",
    "resolve_parameters",
]

PROFILES = ("quick", "book", "full")


ParameterError = _validation.ParameterError  # a chapter, profile or parameter that does not exist, or a bad value


def project_root(root: str | os.PathLike | None = None) -> Path:
    """The project root: ``root``, else ``$OPTDYN_ROOT``, else the checkout this package lives in,
    else the current folder (the first of these that holds ``_toc.yml``)."""
    candidates = [root, os.environ.get("OPTDYN_ROOT"), Path(__file__).resolve().parents[2], Path.cwd()]
    for c in candidates:
        if c is not None and (Path(c) / "_toc.yml").is_file():
            return Path(c).resolve()
    raise FileNotFoundError("cannot find the optdyn project root (a folder with _toc.yml); set OPTDYN_ROOT")


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    notebook: Path
    profiles: dict = field(hash=False, compare=False)

    @property
    def parameters(self) -> dict[str, Any]:
        """Names and defaults of the notebook's ``parameters`` cell (the book profile)."""
        return notebook_parameters(self.notebook)

    @property
    def package(self) -> Path:
        """The chapter's paper package, ``src/optdyn/papers/<slug>``."""
        return self.notebook.parents[1] / "src" / "optdyn" / "papers" / self.slug

    @property
    def schema(self) -> _validation.Schema:
        """The chapter's parameter schema (``SCHEMA`` of ``papers/<slug>/parameters.py``)."""
        return load_schema(self.package / "parameters.py", self.slug)

    def profile(self, name: str) -> dict[str, Any]:
        if name not in self.profiles:
            raise ParameterError(
                f"profile must be one of {sorted(k for k in self.profiles if k in PROFILES)} for chapter "
                f"{self.slug!r}, got {name!r}"
            )
        return dict(self.profiles[name] or {})


def _toc_slugs(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("book/"):
                out.append(f.split("/", 1)[1].removesuffix(".ipynb").removesuffix(".md"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return out


def _title(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return nb_path.stem


def paper_dir(root: Path, slug: str) -> Path:
    """``src/optdyn/papers/<slug>`` of the project at ``root``."""
    return root / "src" / "optdyn" / "papers" / slug


def chapters(root: str | os.PathLike | None = None) -> list[Chapter]:
    """All chapters in book order (``_toc.yml``), each with its profiles."""
    root = project_root(root)
    order = _toc_slugs(root)
    slugs = [s for s in order if (paper_dir(root, s) / "profile.yaml").is_file() and (root / "book" / f"{s}.ipynb").is_file()]
    out = []
    for s in slugs:
        profiles = yaml.safe_load((paper_dir(root, s) / "profile.yaml").read_text()) or {}
        profiles.setdefault("book", {})
        nb = root / "book" / f"{s}.ipynb"
        out.append(Chapter(slug=s, title=_title(nb), notebook=nb, profiles=profiles))
    return out


def chapter(slug: str, root: str | os.PathLike | None = None) -> Chapter:
    """The chapter called ``slug``; a clear error listing the known slugs otherwise."""
    known = chapters(root)
    for c in known:
        if c.slug == slug:
            return c
    raise ParameterError(f"unknown chapter {slug!r}; known chapters: {', '.join(c.slug for c in known) or 'none'}")


@lru_cache(maxsize=64)
def _schema_cached(path: str, mtime: float, slug: str) -> _validation.Schema:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_optdyn_schema_{slug}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    schema = getattr(mod, "SCHEMA", None)
    if not isinstance(schema, _validation.Schema):
        raise ParameterError(f"{path} must define SCHEMA, an optdyn.validation.Schema")
    return schema


def load_schema(path: str | os.PathLike, slug: str) -> _validation.Schema:
    """The ``SCHEMA`` of a chapter's ``parameters.py``, loaded from the file (so a project's own copy of
    the source, not only the installed package, defines it)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"chapter {slug!r} has no parameter schema ({p} is missing)")
    return _schema_cached(str(p), p.stat().st_mtime, slug)


@lru_cache(maxsize=64)
def _parameters_cached(path: str, mtime: float) -> dict[str, Any]:
    nb = json.loads(Path(path).read_text())
    cells = [c for c in nb["cells"] if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path}: expected exactly one code cell tagged 'parameters', found {len(cells)}")
    src = "".join(cells[0]["source"])
    params: dict[str, Any] = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                params[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise ParameterError(f"{path}: parameter {node.targets[0].id} is not a literal") from exc
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            params[node.target.id] = ast.literal_eval(node.value)
    return params


def notebook_parameters(path: str | os.PathLike) -> dict[str, Any]:
    """Names and default values of the notebook's ``parameters`` cell (literals only)."""
    p = Path(path)
    return dict(_parameters_cached(str(p), p.stat().st_mtime))


def resolve_parameters(ch: Chapter, profile: str = "book", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Profile values, then ``overrides``, checked against the chapter's parameter schema.

    Returns only the values that papermill must inject (always including ``profile``). The whole
    effective parameter set (notebook defaults, profile, overrides) is validated: unknown names,
    values of the wrong type or outside their allowed range, and violated relations between
    parameters raise :class:`ParameterError`, naming the parameter and its allowed range, before
    anything runs.
    """
    defaults = ch.parameters
    merged = {**ch.profile(profile), **(overrides or {})}
    merged["profile"] = profile
    unknown = sorted(set(merged) - set(defaults))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for chapter {ch.slug!r}; "
            f"known: {', '.join(sorted(defaults))}"
        )
    schema = ch.schema
    if set(schema.names) != set(defaults):
        raise ParameterError(f"chapter {ch.slug!r}: the schema and the notebook's parameters cell differ "
                             f"({sorted(set(schema.names) ^ set(defaults))})")
    try:
        checked = schema.validate({**defaults, **merged})
    except ParameterError as exc:
        raise ParameterError(f"chapter {ch.slug!r}: {exc}") from None
    return {k: checked[k] for k in merged}
