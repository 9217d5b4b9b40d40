"""Fixtures for the site tests: a throw-away toy project whose chapter has math, a claim and a figure."""
from __future__ import annotations

from pathlib import Path

import pytest

from toy_project import TOY_BODY, make_toy_project, toy_notebook

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
