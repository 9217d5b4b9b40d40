"""Which source files a chapter runs: the import closure of its notebook inside ``src/optdyn``.

The cache key of a chapter and the staleness of its sweep points cover exactly these files (found from
the ``import`` statements, never listed by hand), so editing the book tooling re-executes nothing and
editing one paper package re-executes only the chapters that import it.
"""
from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

__all__ = ["chapter_sources", "module_file", "sources_hash"]


def module_file(src: Path, module: str) -> Path | None:
    """The file of ``module`` (dotted) under ``src``: ``a/b.py`` or ``a/b/__init__.py``; None if absent."""
    base = src.joinpath(*module.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _imports(code: str, module: str | None, is_package: bool) -> set[str]:
    """Dotted names imported by ``code`` (every ``import``/``from`` anywhere, nested ones included); for
    ``from a import b`` both ``a`` and ``a.b`` are returned (``b`` may be a submodule)."""
    out: set[str] = set()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return out
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if module is None:
                    continue
                parts = module.split(".")
                parts = parts if is_package else parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return out


def chapter_sources(notebook: Path, src: Path, package: str = "optdyn") -> list[Path]:
    """Every file of ``src/<package>`` that the notebook's code cells import, directly or through other
    modules, with the ``__init__.py`` of every package on the way (they run on import)."""
    nb = json.loads(Path(notebook).read_text())
    code = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    todo = [m for m in _imports(code, None, False) if m == package or m.startswith(package + ".")]
    seen: dict[str, Path] = {}
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):  # the module and its parent packages
            name = ".".join(parts[:i])
            if name in seen:
                continue
            f = module_file(src, name)
            if f is None:
                continue
            seen[name] = f
            for m in _imports(f.read_text(), name, f.name == "__init__.py"):
                if (m == package or m.startswith(package + ".")) and m not in seen:
                    todo.append(m)
    return sorted(set(seen.values()))


def sources_hash(files: list[Path], base: Path) -> str:
    """SHA-256 over (relative path, contents) of ``files``."""
    h = hashlib.sha256()
    for p in sorted(files):
        h.update(str(p.relative_to(base)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()
