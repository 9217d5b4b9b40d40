"""A tiny throw-away project (one toy chapter) for testing the runner, the cache and the build."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

TOY_PARAMS = 'seed = 0\nprofile = "book"\nn = 1000\nscale = 1.0\nfail = False\nlabel = "toy"\n'
TOY_SCHEMA = '''"""Parameters of the toy chapter."""
from optdyn.validation import Interval, Options, Param, Schema

SCHEMA = Schema("toy", (
    Param("seed", "int", Interval(0, 2**32 - 1), "seed"),
    Param("profile", "str", Options(("quick", "book", "full")), "profile name"),
    Param("n", "int", Interval(10, 10**7), "number of samples", variants=Interval(100, 5000)),
    Param("scale", "float", Interval(0.0, 100.0, "right"), "scale of the samples", variants=Interval(0.5, 2.0)),
    Param("fail", "bool", None, "raise in the notebook (tests the failure path)"),
    Param("label", "str", None, "a free-text label", variants=Options(("a", "b"))),
))
'''
TOY_BODY = '''\
import numpy as np
from optdyn.claims import Claim
from optdyn.validation import check_int
check_int("n", n, low=10)
if fail:
    raise RuntimeError("deliberate failure")
rng = np.random.default_rng(seed)
claim = Claim(id="toy.mean_zero", result="Lemma 0", statement="the mean of N(0, 1) samples is 0",
              criterion="|mean| < 4/sqrt(n)")
x = scale * rng.standard_normal(n)
ctrl = x + 1.0
claim.judge(passed=abs(x.mean()) < 4 / np.sqrt(n), measured=f"mean = {x.mean():.4f}", value=float(x.mean()),
            control={"name": "shifted samples", "passed": bool(abs(ctrl.mean()) < 4 / np.sqrt(n)),
                     "measured": f"mean = {ctrl.mean():.4f}"})
'''


def toy_notebook(path: Path, body: str = TOY_BODY) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Toy chapter\n\nA chapter used by the tests.\n\n```{prf:lemma} Zero mean\n:label: toy-lemma\n\nThe mean of $N(0,1)$ is $0$.\n```"),
        nbformat.v4.new_code_cell(TOY_PARAMS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, str(path))
    return path


def make_toy_project(dest: Path) -> Path:
    """A project with the real config, pages and package source, and one toy chapter."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "book").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "_config.yml", dest / "_config.yml")
    shutil.copy2(ROOT / "constraints.txt", dest / "constraints.txt")
    for name in ("references.bib", "references.md", "intro.md"):
        shutil.copy2(ROOT / "book" / name, dest / "book" / name)
    (dest / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: Chapters\n    chapters:\n      - file: book/toy\n"
        "  - caption: The book\n    chapters:\n      - file: book/status\n      - file: book/references\n      - file: book/api\n"
    )
    shutil.copytree(ROOT / "src" / "optdyn", dest / "src" / "optdyn", ignore=shutil.ignore_patterns("__pycache__"))
    prof = dest / "src" / "optdyn" / "papers" / "toy"
    prof.mkdir(parents=True, exist_ok=True)
    (prof / "profile.yaml").write_text("quick:\n  n: 200\nbook: {}\nfull:\n  n: 5000\n")
    (prof / "parameters.py").write_text(TOY_SCHEMA)
    toy_notebook(dest / "book" / "toy.ipynb")
    return dest
