"""Two builds of the same commit give byte-identical figures and identical claims JSON.

Checked on the toy chapter (with a figure), built twice from scratch (no execution cache) in two
different folders, so neither timestamps nor paths can leak into the outputs. The runtime chart
of the status page is the one figure that legitimately differs (it plots this build's timings).
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from optdyn_book.build import build_book

pytestmark = [pytest.mark.slow]

VOLATILE_FIGURES = {"status_runtimes.png"}


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _snapshot(root: Path) -> dict:
    html = root / "_build" / "html"
    site_figures = {p.name: _sha(p.read_bytes()) for p in sorted((html / "_images").iterdir()) if p.name not in VOLATILE_FIGURES}
    nb = nbformat.read(str(root / "_build" / "executed" / "quick" / "toy.ipynb"), as_version=4)
    outputs = [
        _sha(base64.b64decode(o["data"]["image/png"]))
        for c in nb.cells if c.cell_type == "code"
        for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    return {
        "site_figures": site_figures,
        "notebook_figures": outputs,
        "claims_json": (root / "_build" / "claims.json").read_bytes(),
        "site_claims_json": (html / "claims.json").read_bytes(),
    }


def test_two_builds_give_identical_figures_and_claims(tmp_path, make_toy_site):
    first = make_toy_site(tmp_path / "first")
    # The same sources (one "commit") in a second folder, copied before anything is built.
    second = Path(shutil.copytree(first, tmp_path / "second"))
    snaps = []
    for root in (first, second):
        build_book(profile="quick", root=root, use_cache=False, log=lambda *_: None)
        snaps.append(_snapshot(root))
    a, b = snaps
    assert a["notebook_figures"], "the toy chapter should draw a figure"
    assert len(a["site_figures"]) >= 1
    assert a["notebook_figures"] == b["notebook_figures"]
    assert a["site_figures"] == b["site_figures"]
    assert a["claims_json"] == b["claims_json"]
    assert a["site_claims_json"] == a["claims_json"]
    data = json.loads(a["claims_json"])
    for ch in data["chapters"]:  # timings live in runs.json, not in the claims JSON
        assert "runtime_s" not in ch["run"] and "peak_rss_mb" not in ch["run"]


def test_png_figures_carry_no_timestamp_or_software_metadata(tmp_path):
    """The book style writes PNGs without tEXt software/date chunks (what makes them reproducible)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optdyn.plotting import new_figure, use_book_style

    use_book_style()

    def render() -> bytes:
        fig, ax = new_figure()
        ax.plot([0, 1, 2], [0, 1, 4], label="a")
        ax.set_xlabel("x (units)")
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()

    first, second = render(), render()
    assert first == second
    assert b"tIME" not in first and b"Software" not in first
