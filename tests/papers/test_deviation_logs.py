"""Every chapter's deviation log names the commit of each change: a hexadecimal abbreviation that exists in the
repository's history (when the tests run in a full git clone)."""
from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from optdyn_book.chapters import chapters

SLUGS = [c.slug for c in chapters()]  # every chapter of the book, in book order
ROOT = Path(__file__).resolve().parents[2]


def _known(commit: str) -> bool | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    shallow = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"], capture_output=True, text=True)
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        return None  # a shallow clone (or no git): only the form of the hash is checked
    r = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    return r.returncode == 0


@pytest.mark.parametrize("slug", SLUGS)
def test_deviation_commits_are_real(slug):
    devs = importlib.import_module(f"optdyn.papers.{slug}.deviations").DEVIATIONS
    assert devs, slug
    for d in devs:
        assert re.fullmatch(r"[0-9a-f]{7,40}", d.commit), (slug, d.what[:60], d.commit)
        assert _known(d.commit) is not False, (slug, d.what[:60], d.commit)
