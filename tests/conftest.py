"""Shared fixtures: the quick-profile book, built once per test session (across xdist workers)."""
from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _book_sources_hash() -> str:
    """Hash of what the site depends on besides the chapters: config, toc, pages, bibliography, and the book
    tooling that stages and builds it."""
    import hashlib

    h = hashlib.sha256()
    tooling = sorted(f for f in (ROOT / "src" / "optdyn_book").rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", *sorted((ROOT / "book").glob("*.md")), *sorted((ROOT / "book").glob("*.bib")),
             *tooling]
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def built_book() -> dict:
    """Execute every chapter under the quick profile and build the site (warnings are errors).

    Built once: the first xdist worker builds under a file lock; the others then find every chapter
    in the content-addressed cache and only re-stage and re-read the result.
    """
    from optdyn_book.build import build_book

    lock_path = ROOT / "_build" / ".test-build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            done = ROOT / "_build" / ".test-build.json"
            from optdyn_book.chapters import chapters
            from optdyn_book.runner import cache_key, default_out_dir
            from optdyn_book.chapters import resolve_parameters

            keys = {c.slug: cache_key(c, resolve_parameters(c, "quick"), ROOT) for c in chapters(ROOT)}
            keys["_book_sources"] = _book_sources_hash()
            if done.exists():
                prev = json.loads(done.read_text())
                if prev.get("keys") == keys and (ROOT / "_build" / "html" / "index.html").exists():
                    return prev["data"]
            data = build_book(profile="quick", jobs=2, root=ROOT, log=lambda *_: None)
            done.write_text(json.dumps({"keys": keys, "data": data}))
            return data
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
