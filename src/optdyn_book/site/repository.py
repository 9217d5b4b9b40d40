"""The repository URL: one setting, ``repository.url`` in ``_config.yml``.

Everything that names the repository reads it: Jupyter Book's launch buttons (Binder, Colab) and
repository button, the provenance box (:func:`optdyn_book.build.provenance_markdown`:
``pip install git+URL``), the pages (MyST substitutions ``{{ repository_url }}``,
``{{ repository_link }}``, ``{{ repository_briefs }}``, see :mod:`optdyn_book.site`). The one copy
outside the book, ``repository-code`` in ``CITATION.cff`` (a static file read by GitHub and Zenodo), is
rewritten together with it by::

    python -m optdyn_book.site.repository https://github.com/OWNER/NAME   # or: make repository URL=...
    python -m optdyn_book.site.repository                                 # check that both agree
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

__all__ = ["check_repository", "repository_url", "set_repository"]

_URL = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~-]+)+$")
_CONFIG_LINE = re.compile(r"(?m)^(repository:\s*\n(?:[ \t]+#.*\n|[ \t]*\n)*(?:[ \t]+\w+:.*\n)*?[ \t]+url:[ \t]*)(\S*)(.*)$")
_CFF_LINE = re.compile(r"(?m)^(repository-code:[ \t]*)(\S*)(.*)$")


def repository_url(root: str | Path) -> str:
    """``repository.url`` of ``<root>/_config.yml`` (no trailing slash; "" when unset)."""
    cfg = yaml.safe_load((Path(root) / "_config.yml").read_text()) or {}
    return str((cfg.get("repository") or {}).get("url") or "").rstrip("/")


def _cff_url(root: Path) -> str | None:
    f = root / "CITATION.cff"
    if not f.is_file():
        return None
    return str((yaml.safe_load(f.read_text()) or {}).get("repository-code") or "").rstrip("/")


def check_repository(root: str | Path) -> list[str]:
    """Problems: an unset or malformed URL, or a ``CITATION.cff`` that names another repository."""
    root = Path(root)
    url = repository_url(root)
    problems = []
    if not _URL.match(url):
        problems.append(f"_config.yml: repository.url {url!r} is not an https URL")
    cff = _cff_url(root)
    if cff is not None and cff != url:
        problems.append(f"CITATION.cff: repository-code {cff!r} differs from _config.yml's repository.url {url!r}"
                        " (run: make repository URL=...)")
    return problems


def set_repository(root: str | Path, url: str) -> list[Path]:
    """Set ``repository.url`` in ``_config.yml`` (the setting) and its copy in ``CITATION.cff``; returns the
    files changed. Comments and layout of both files are kept."""
    root = Path(root)
    url = url.strip().rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    if not _URL.match(url):
        raise ValueError(f"not an https repository URL: {url!r} (e.g. https://github.com/OWNER/NAME)")
    changed = []
    cfg = root / "_config.yml"
    text = cfg.read_text()
    new, n = _CONFIG_LINE.subn(lambda m: m.group(1) + url + m.group(3), text, count=1)
    if n != 1:
        raise ValueError(f"{cfg}: no 'url:' line under 'repository:'")
    if new != text:
        cfg.write_text(new)
        changed.append(cfg)
    cff = root / "CITATION.cff"
    if cff.is_file():
        text = cff.read_text()
        new, n = _CFF_LINE.subn(lambda m: m.group(1) + url + m.group(3), text, count=1)
        if n != 1:
            raise ValueError(f"{cff}: no 'repository-code:' line")
        if new != text:
            cff.write_text(new)
            changed.append(cff)
    if repository_url(root) != url:  # pragma: no cover - the regex matched something else
        raise RuntimeError("repository.url was not updated; edit _config.yml by hand")
    return changed


def main(argv: list[str] | None = None) -> int:
    from optdyn_book.chapters import project_root

    ap = argparse.ArgumentParser(prog="python -m optdyn_book.site.repository", description=__doc__.split("\n\n")[0])
    ap.add_argument("url", nargs="?", help="the new repository URL; without it, check _config.yml and CITATION.cff agree")
    ap.add_argument("--root", default=None, help="project root (default: this checkout)")
    args = ap.parse_args(argv)
    root = project_root(args.root)
    if args.url:
        try:
            changed = set_repository(root, args.url)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"repository URL: {repository_url(root)}" + (f" (updated {', '.join(p.name for p in changed)})" if changed else " (unchanged)"))
    problems = check_repository(root)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not problems and not args.url:
        print(f"repository URL: {repository_url(root)} (_config.yml and CITATION.cff agree)")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
