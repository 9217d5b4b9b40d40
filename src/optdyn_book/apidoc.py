"""Generate the API reference page (Markdown) from the ``optdyn`` docstrings.

Docstrings are rendered verbatim in literal blocks, so the page never depends on docstring markup
(and a docstring can never break the warnings-as-errors build).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import optdyn

__all__ = ["api_markdown", "write_api_page"]

_SKIP = {"optdyn.__main__"}


def _modules() -> list[str]:
    names = ["optdyn"]
    for m in pkgutil.walk_packages(optdyn.__path__, prefix="optdyn."):
        if m.name not in _SKIP and not m.name.split(".")[-1].startswith("_"):
            names.append(m.name)
    return sorted(names)


def _public(mod) -> list[tuple[str, object]]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, o in vars(mod).items() if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o)) and getattr(o, "__module__", "") == mod.__name__]
    out = []
    for n in names:
        o = getattr(mod, n, None)
        if o is not None and (inspect.isfunction(o) or inspect.isclass(o)) and getattr(o, "__module__", "") == mod.__name__:
            out.append((n, o))
    return out


def _fence(text: str) -> list[str]:
    text = inspect.cleandoc(text or "(no docstring)")
    ticks = "````" if "```" in text else "```"
    return [ticks + "text", text, ticks]


def _signature(o) -> str:
    try:
        return str(inspect.signature(o))
    except (TypeError, ValueError):
        return "(...)"


def api_markdown() -> str:
    lines = ["# API reference", "", "Generated from the docstrings of the `optdyn` package at build time.", ""]
    for name in _modules():
        try:
            mod = importlib.import_module(name)
        except Exception as exc:  # pragma: no cover - an optional extra missing
            lines += [f"## `{name}`", "", f"(not importable here: {type(exc).__name__})", ""]
            continue
        members = _public(mod)
        doc = inspect.getdoc(mod)
        if not members and not doc:
            continue
        lines += [f"## `{name}`", ""]
        if doc:
            lines += _fence(doc) + [""]
        for n, o in members:
            kind = "class" if inspect.isclass(o) else "function"
            lines += [f"### `{n}{_signature(o)}`", "", f"*{kind}*", ""]
            lines += _fence(inspect.getdoc(o) or "") + [""]
    return "\n".join(lines) + "\n"


def write_api_page(path: str | Path) -> Path:
    path = Path(path)
    path.write_text(api_markdown())
    return path
