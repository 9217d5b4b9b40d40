"""Fixtures for the site tests: throw-away toy projects whose chapter has math, claims and a figure.

``make_toy_site`` is the ledger-v1 toy (one legacy claim). ``make_toy_v2_site`` is a two-chapter toy
book: ``toy`` on ledger v2 (an empirical claim with near-miss, illustration and positive controls, an
exact check, a claim outside its theorem conditions, a deviation log, a figure), laid out like a real
chapter (parameters cell, validation and imports cell, then the work) with theorem blocks and
``{prf:ref}`` references; and ``legacy``, a chapter still on ledger v1 (one claim, no deviation log).
The ``v2_site`` fixture builds it once per session, with runs at other profiles and sweep summaries.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from toy_project import TOY_BODY, TOY_PARAMS, make_toy_project, toy_notebook

FIGURE_BODY = TOY_BODY + '''
import matplotlib.pyplot as plt
from optdyn.plotting import method_style, new_figure, use_book_style
use_book_style()
fig, ax = new_figure()
for name, data in (("N(0, 1) samples", x), ("shifted samples", ctrl)):
    st = method_style(name)
    ax.hist(data, bins=20, histtype="step", linewidth=1.8, color=st["color"], linestyle=st["linestyle"], label=name)
ax.set_xlabel("sample value (dimensionless)")
ax.set_ylabel("count")
ax.legend()
plt.show()
'''


def make_toy_site_project(dest: Path) -> Path:
    """The toy project of ``tests/toy_project.py`` with a figure in its chapter."""
    root = make_toy_project(dest)
    toy_notebook(root / "book" / "toy.ipynb", body=FIGURE_BODY)
    return root


@pytest.fixture(scope="session")
def make_toy_site():
    """The factory :func:`make_toy_site_project` (test modules cannot import this conftest by name)."""
    return make_toy_site_project


V2_INTRO = """# Toy chapter

A chapter used by the tests, on ledger v2.

```{prf:lemma} Zero mean (Lemma 1)
:label: toy-lemma

The mean of $N(0,1)$ is $0$.
```

```{prf:theorem} Concentration (Theorem 2, case B)
:label: toy-theorem

The sample mean of $n$ draws is within $4/\\sqrt{n}$ of $0$ with high probability.
```

By {prf:ref}`toy-lemma` and {prf:ref}`toy-theorem`, the check below should pass; {prf:ref}`the lemma <toy-lemma>`
keeps its own text.
"""

V2_SETUP = """# Validate every parameter against the chapter's schema before any work (bookkeeping).
import numpy as np
from optdyn.claims import ClaimSpec, Control, Deviation, Outcome, show_deviations
from optdyn.validation import Condition
P = {"seed": seed, "n": n, "scale": scale}
"""

V2_WORK = FIGURE_BODY.replace('id="toy.mean_zero"', 'id="toy.mean_zero_v1"').split("claim = Claim(")[0] + """
import matplotlib.pyplot as plt
from optdyn.plotting import new_figure, use_book_style
use_book_style()
rng2 = np.random.default_rng(seed + 1)
def crit(sample):
    z = abs(sample.mean()) * np.sqrt(len(sample))
    return Outcome(bool(z < 4), f"sqrt(n) |mean| = {z:.2f}", value=float(z), margin=float(4 - z))
MEAN = ClaimSpec(
    id="toy.mean_band", result="Theorem 2", kind="empirical",
    statement="the sample mean of n standard normal draws lies within 4/sqrt(n) of 0",
    criterion=lambda P: f"sqrt(n) |mean| < 4 over n = {P['n']} draws",
    conditions=(Condition("finite_variance", "the draws have finite variance", ("scale",), lambda P: True),),
    controls=(Control("shifted_mean", "near_miss", "mean shifted by 0.5 sd"),
              Control("far_shift", "illustration", "mean shifted by 5 sd"),
              Control("exact_normal", "positive", "fresh exact N(0, 1) draws")),
)
x2 = rng2.standard_normal(n)
MEAN.state(P).judge(crit(x2), controls={"shifted_mean": crit(x2 + 0.5), "far_shift": crit(x2 + 5.0),
                                        "exact_normal": crit(rng2.standard_normal(n))})
fig, ax = new_figure()
ax.hist(x2, bins=20, histtype="step", linewidth=1.8, label="N(0, 1) draws")
ax.set_xlabel("sample value (dimensionless)")
ax.set_ylabel("count")
ax.legend()
plt.show()
IDENT = ClaimSpec(id="toy.variance_identity", result="Lemma 1", kind="exact", expected="verified (exact)",
                  statement="Var(aX) = a^2 Var(X) for the sample variance", criterion="relative error < 1e-12")
rel = abs(np.var(scale * x2) - scale**2 * np.var(x2)) / max(np.var(x2), 1e-300)
IDENT.state(P).judge(Outcome(bool(rel < 1e-12), f"relative error {rel:.1e}"))
HEAVY = ClaimSpec(id="toy.heavy_tail", result="Theorem 2, case C", kind="empirical",
                  statement="the same band for draws scaled by more than 2", criterion="sqrt(n) |mean| / scale < 4",
                  conditions=(Condition("large_scale", "scale > 2", ("scale",), lambda P: P["scale"] > 2),),
                  controls=(Control("shifted_mean", "near_miss", "mean shifted by 0.5 sd"),))
HEAVY.state(P).judge(None)
show_deviations("toy", [
    Deviation(what="band widened from 3/sqrt(n) to 4/sqrt(n)", commit="abc1234",
              why="3/sqrt(n) is a 0.3% two-sided band: too tight for a family of claims", before="inconclusive", after="reproduced"),
])
"""

#: Near-miss deviations the toy's criteria detect, and the toy's headline (see optdyn_book.collect.headline).
V2_DETECTS = {"toy.mean_band": ["mean shifted by 0.5 sd"]}
V2_HEADLINE = ("2 empirical claims: 1 reproduced, 0 not reproduced, 0 inconclusive, 1 outside conditions; "
               "1 exact check verified; 1 claim still on ledger v1 (kind not recorded): 1 reproduced, "
               "0 not reproduced, 0 inconclusive")


def toy_v2_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(V2_INTRO),
        nbformat.v4.new_markdown_cell("## Parameters\n\nThe first cell holds every knob."),
        nbformat.v4.new_code_cell(TOY_PARAMS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(V2_SETUP, metadata={"tags": ["hide-input"]}),
        nbformat.v4.new_markdown_cell("## The checks"),
        nbformat.v4.new_code_cell(V2_WORK),
    ]
    nbformat.write(nb, str(path))
    return path


def _add_legacy_chapter(root: Path) -> None:
    """A second chapter, ``legacy``, still on ledger v1: the toy's legacy claim and figure."""
    import shutil

    toy_notebook(root / "book" / "legacy.ipynb", body=FIGURE_BODY.replace('"toy.mean_zero"', '"legacy.mean_zero"'))
    nb = nbformat.read(str(root / "book" / "legacy.ipynb"), as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("# Toy chapter", "# Legacy chapter").replace("toy-lemma", "legacy-lemma")
    nbformat.write(nb, str(root / "book" / "legacy.ipynb"))
    papers = root / "src" / "optdyn" / "papers"
    shutil.copytree(papers / "toy", papers / "legacy")
    schema = papers / "legacy" / "parameters.py"
    schema.write_text(schema.read_text().replace('Schema("toy"', 'Schema("legacy"'))
    toc = root / "_toc.yml"
    toc.write_text(toc.read_text().replace("      - file: book/toy\n", "      - file: book/toy\n      - file: book/legacy\n"))


def make_toy_v2_site_project(dest: Path, *, other_runs: bool = False) -> Path:
    """The two-chapter toy book (see the module docstring).

    ``other_runs``: also what the status page shows beside this build: the ``toy`` chapter executed at
    the ``book`` profile (current) and at ``full`` (then made stale: its cache key no longer matches),
    a grid sweep summary and a random-variant sweep summary (synthetic, in the shape ``optdyn sweep``
    writes).
    """
    import json

    root = make_toy_project(dest)
    toy_v2_notebook(root / "book" / "toy.ipynb")
    _add_legacy_chapter(root)
    if other_runs:
        from optdyn_book.runner import execute

        execute("toy", profile="book", root=root)
        execute("toy", profile="full", root=root)
        side = root / "_build" / "executed" / "full" / "toy.run.json"
        rec = json.loads(side.read_text())
        rec["key"] = "0" * 64  # as if executed from older code
        side.write_text(json.dumps(rec))
        sweeps = root / "_build" / "sweeps" / "toy"
        (sweeps / "random").mkdir(parents=True, exist_ok=True)

        def claim(k, n, failing=()):
            return {"label": f"reproduced in {k} of {n} runs", "expected": "reproduced", "runs": n, "as_expected": k,
                    "pass_rate": k / n, "wilson": {"level": 0.95, "low": 0.6, "high": 0.99},
                    "failing_points": [{"point_id": p, "overrides": {"seed": i}} for i, p in enumerate(failing)]}

        (sweeps / "summary.json").write_text(json.dumps(
            {"points": 6, "finished": 6, "errors": [], "claims": {"toy.mean_band": claim(5, 6, ["p1"]), "toy.variance_identity": claim(6, 6)}}))
        (sweeps / "failures.csv").write_text("point_id,claim\np1,toy.mean_band\n")
        (sweeps / "random" / "summary.json").write_text(json.dumps(
            {"variants": 20, "points": 20, "finished": 20, "errors": [],
             "claims": {"toy.mean_band": claim(19, 20, ["r7"]), "toy.variance_identity": claim(20, 20)}}))
        (sweeps / "random" / "failures.csv").write_text("point_id,claim\nr7,toy.mean_band\n")
    return root


@pytest.fixture(scope="session")
def make_toy_v2_site():
    return make_toy_v2_site_project


@pytest.fixture(scope="session")
def v2_expected() -> dict:
    """What the two-chapter toy book must show: its headline and the deviations its criteria detect."""
    return {"headline": V2_HEADLINE, "detects": V2_DETECTS}


@pytest.fixture(scope="session")
def v2_site(tmp_path_factory) -> Path:
    """The two-chapter toy book built once (quick profile), with its other runs and sweeps: the project root."""
    from optdyn_book.build import build_book

    root = make_toy_v2_site_project(tmp_path_factory.mktemp("v2site") / "toy", other_runs=True)
    build_book(profile="quick", root=root, log=lambda *_: None)
    return root
