"""Every parameter of every chapter, generated (scikit-learn ``test_public_functions`` style): the schema
covers the notebook's parameters cell, every profile validates, and every kind of bad value (wrong type,
out of range, NaN, infinity, empty list, huge size) gets a clear error naming the parameter, from the
``optdyn`` command, before any kernel starts and without writing a notebook."""
from __future__ import annotations

import math
import time

import pytest
import yaml

from conftest import ROOT
from optdyn.validation import Interval, Options
from optdyn_book import cli, runner
from optdyn_book.chapters import chapters, resolve_parameters
from optdyn_book.sweep import expand_points, sweep_spec

CHAPTERS = chapters(ROOT)
PARAMS = [(c.slug, p) for c in CHAPTERS for p in c.schema.params if p.name != "profile"]


@pytest.mark.parametrize("ch", CHAPTERS, ids=lambda c: c.slug)
def test_schema_matches_notebook_and_profiles_validate(ch):
    assert set(ch.schema.names) == set(ch.parameters), "schema and the notebook's parameters cell differ"
    ch.schema.validate(ch.parameters)
    for prof in ("quick", "book", "full"):
        resolve_parameters(ch, prof)
    expand_points(ch, "quick", sweep_spec(ch))  # the default sweep grid
    for p in ch.schema.params:
        if p.kind == "int" or (p.kind == "list" and p.item == "int"):
            assert isinstance(p.allowed, Interval) and p.allowed.high is not None and p.allowed.low is not None, (
                f"{ch.slug}.{p.name}: an integer needs finite bounds")
        if p.kind == "float" or (p.kind == "list" and p.item == "float"):
            assert isinstance(p.allowed, (Interval, Options)), f"{ch.slug}.{p.name}: a number needs an allowed range"
        assert p.length[1] <= 1000


def _bad_values(p) -> list[tuple[str, object]]:
    """(what, value) pairs that must all be refused for parameter ``p``."""
    kind = p.item if p.kind == "list" else p.kind
    wrap = (lambda v: [v]) if p.kind == "list" else (lambda v: v)
    out = [("wrong type", {"int": "text", "float": "text", "str": 12345, "bool": "yes"}[kind] if p.kind != "list" else 3.5)]
    if p.kind == "list":
        out.append(("wrong item type", ["text"] if kind != "str" else [12345]))
        out.append(("empty list", []))
        out.append(("huge list", [1] * (p.length[1] + 1000)))
    else:
        out.append(("empty list", []))
    if kind in ("int", "float"):
        out += [("NaN", wrap(math.nan)), ("infinity", wrap(math.inf)), ("-infinity", wrap(-math.inf))]
        a = p.allowed
        if isinstance(a, Interval):
            if a.high is not None:
                out.append(("above range", wrap(a.high + 1 if kind == "int" else (a.high if not a.high_closed else a.high + abs(a.high) + 1.0))))
            if a.low is not None:
                out.append(("below range", wrap(a.low - 1 if kind == "int" else (a.low if not a.low_closed else a.low - abs(a.low) - 1.0))))
        if kind == "int":
            out.append(("huge size", wrap(10**12)))
    if isinstance(p.allowed, Options):
        out.append(("not an option", wrap("no-such-option" if kind == "str" else 10**9)))
    return out


CASES = [(slug, p, what, v) for slug, p in PARAMS for what, v in _bad_values(p)]


@pytest.fixture
def no_kernel(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a kernel was started for an invalid parameter")
    monkeypatch.setattr(runner, "_run_papermill", boom)


@pytest.mark.parametrize("slug,param,what,value", CASES, ids=[f"{s}.{p.name}-{w}" for s, p, w, _ in CASES])
def test_bad_value_is_refused_before_any_kernel(slug, param, what, value, tmp_path, capsys, no_kernel):
    t0 = time.perf_counter()
    code = cli.main(["run", slug, "--profile", "quick", "--out", str(tmp_path), "-p", param.name,
                     yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()])
    err = capsys.readouterr().err
    assert code == 2, f"{what}: exit {code}, stderr {err!r}"
    assert err.startswith("error: ") and param.name in err and "Traceback" not in err, err
    assert not list(tmp_path.rglob("*.ipynb")), "a notebook was written"
    assert time.perf_counter() - t0 < 2.0
