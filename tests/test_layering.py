"""The science package stands alone: no module of ``optdyn`` imports the book tooling, and importing every
paper package pulls in none of the tooling's dependencies (papermill, nbformat, tqdm, yaml)."""
import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SRC = ROOT / "src" / "optdyn"


def test_no_science_module_imports_the_tooling():
    offenders = []
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "optdyn_book" or n.startswith("optdyn_book.") for n in names):
                offenders.append(str(f.relative_to(ROOT)))
    assert not offenders


def test_importing_every_paper_pulls_in_no_tooling_dependency():
    slugs = sorted(p.name for p in (SRC / "papers").iterdir() if (p / "__init__.py").is_file())
    code = ("import sys\n" + "".join(f"import optdyn.papers.{s}, optdyn.papers.{s}.checks, optdyn.papers.{s}.experiments\n"
                                    for s in slugs)
            + "bad = [m for m in ('papermill', 'nbformat', 'tqdm', 'yaml', 'optdyn_book') if m in sys.modules]\n"
            + "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout
