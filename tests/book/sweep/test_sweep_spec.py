"""Sweep specification, point ids, the files a sweep writes and bad input: no notebook is executed here."""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from toy_project import make_toy_project  # noqa: E402

from optdyn_book import sweep as sw  # noqa: E402
from optdyn_book.chapters import chapter  # noqa: E402

SWEEP_KEY = "sweep:\n  seeds: [0, 1, 2]\n  grid:\n    scale: [1.0, 2.0]\n    n: [100, 200]\n"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = make_toy_project(tmp_path_factory.mktemp("sweep_spec") / "proj")
    prof = r / "src" / "optdyn" / "papers" / "toy" / "profile.yaml"
    prof.write_text(prof.read_text() + SWEEP_KEY)
    return r


@pytest.fixture(scope="module")
def toy(root):
    return chapter("toy", root)


def test_parse_seeds():
    assert sw.parse_seeds("0:3") == (0, 1, 2)
    assert sw.parse_seeds("5,1, 7") == (5, 1, 7)
    assert sw.parse_seeds([4, 2]) == (4, 2)
    assert sw.parse_seeds(None) is None
    for bad, msg in [("a:b", "A:B"), ("3:3", "select no seed"), ("-1,2", "non-negative"), ("1,1", "duplicates")]:
        with pytest.raises(sw.SweepError, match=msg):
            sw.parse_seeds(bad)


def test_default_spec_from_profile_and_overrides(toy, tmp_path):
    spec = sw.sweep_spec(toy)
    assert spec.seeds == (0, 1, 2) and spec.grid == {"scale": [1.0, 2.0], "n": [100, 200]}
    assert sw.sweep_spec(toy, seeds="7:9").seeds == (7, 8)
    f = tmp_path / "g.yaml"
    f.write_text("seeds: [3]\ngrid:\n  label: [a, b, c]\n")
    spec = sw.sweep_spec(toy, grid_file=f)
    assert spec.seeds == (3,) and spec.grid == {"label": ["a", "b", "c"]}
    f.write_text("n: [50]\n")  # a bare grid mapping keeps the default seeds
    spec = sw.sweep_spec(toy, grid_file=f, seeds="0,4")
    assert spec.seeds == (0, 4) and spec.grid == {"n": [50]}


def test_points_are_the_full_product_with_stable_ids(toy):
    spec = sw.sweep_spec(toy)
    pts = sw.expand_points(toy, "quick", spec)
    assert len(pts) == 3 * 2 * 2
    assert [p.overrides for p in pts[:2]] == [{"seed": 0, "scale": 1.0, "n": 100}, {"seed": 0, "scale": 1.0, "n": 200}]
    assert pts[0].parameters == {"n": 100, "scale": 1.0, "seed": 0, "profile": "quick"}
    ids = [p.id for p in pts]
    assert len(set(ids)) == len(ids) and all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    assert ids == [p.id for p in sw.expand_points(toy, "quick", spec)]  # stable across calls
    # the id depends on the resolved values only: an int given for a float parameter is the same point
    a = sw.expand_points(toy, "quick", sw.SweepSpec((0,), {"scale": [2]}))[0]
    b = sw.expand_points(toy, "quick", sw.SweepSpec((0,), {"scale": [2.0]}))[0]
    assert a.id == b.id and a.parameters["scale"] == 2.0
    # the profile is part of the point
    c = sw.expand_points(toy, "full", sw.SweepSpec((0,), {"scale": [2.0]}))[0]
    assert c.id != b.id


@pytest.mark.parametrize(
    "grid, match",
    [
        ({"bogus": [1, 2]}, "unknown parameter.*'bogus'"),
        ({"n": [100, "many"]}, "n must be an integer, got str 'many'"),
        ({"fail": [0]}, "fail must be True or False"),
        ({"n": [100, 10**12]}, r"n must be an integer in \[10, 10000000\]"),
        ({"n": []}, "'n' has an empty list"),
        ({"n": 100}, "'n' must map to a list"),
        ({"n": [100, 100]}, "'n' has duplicate values"),
        ({"seed": [1, 2]}, "'seed' is not allowed"),
        ({"profile": ["book"]}, "'profile' is not allowed"),
    ],
)
def test_bad_grids_are_rejected_before_any_work(root, grid, match, tmp_path):
    with pytest.raises(sw.SweepError, match=match):
        sw.run_sweep("toy", grid=grid, root=root, out=tmp_path / "s", progress=False)
    assert not (tmp_path / "s").exists()


def test_bad_options_are_rejected(root, tmp_path):
    out = tmp_path / "s"
    cases = [
        (dict(executor="spark"), "executor must be"),
        (dict(scheduler="tcp://127.0.0.1:8786"), "needs --executor dask"),
        (dict(workers=0), "workers must be an integer >= 1"),
        (dict(grid_file=tmp_path / "missing.yaml"), "does not exist"),
        (dict(seeds="4:2"), "select no seed"),
    ]
    for kw, match in cases:
        with pytest.raises(sw.SweepError, match=match):
            sw.run_sweep("toy", root=root, out=out, progress=False, **kw)
    with pytest.raises(ValueError, match="unknown chapter 'nope'"):
        sw.run_sweep("nope", root=root, out=out, progress=False)
    with pytest.raises(ValueError, match="profile must be one of"):
        sw.run_sweep("toy", profile="huge", root=root, out=out, progress=False)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(sw.SweepError, match="is empty"):
        sw.run_sweep("toy", grid_file=empty, root=root, out=out, progress=False)
    assert not out.exists()


def test_unreachable_scheduler_fails_fast(root, tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(sw.SweepError, match=r"cannot reach the Dask scheduler 'tcp://127.0.0.1:9' within 1 s"):
        sw.run_sweep("toy", seeds="0:2", executor="dask", scheduler="tcp://127.0.0.1:9", connect_timeout=1,
                     root=root, out=tmp_path / "s", progress=False)
    assert time.perf_counter() - t0 < 15
    assert not (tmp_path / "s" / "runs").exists()


def _rec(pid, seed, status="ok", verdict="reproduced", margin=None, value=0.1, expected="reproduced"):
    claims = [] if status == "failed" else [
        {"id": "toy.a", "verdict": verdict, "expected": expected, "value": value, "margin": margin, "measured": f"v={value}"},
        {"id": "toy.b", "verdict": "not reproduced", "expected": "not reproduced", "value": None, "margin": None, "measured": "-"},
    ]
    return {"point_id": pid, "overrides": {"seed": seed, "n": 10 * (seed % 2 + 1)}, "status": status, "claims": claims,
            "error": "ChapterFailed: boom" if status == "failed" else None, "runtime_s": 1.0}


def test_outputs_are_read_by_the_status_page(root, tmp_path):
    from optdyn_book.build import _load_sweeps

    recs = [_rec("p0", 0), _rec("p1", 1, verdict="inconclusive"), _rec("p2", 2, status="failed")]
    d = root / "_build" / "sweeps" / "toy"
    meta = {"slug": "toy", "profile": "quick", "spec": {"seeds": [0, 1, 2], "grid": {"n": [10, 20]}}, "n_points": 3, "code_key": "k"}
    summ = sw.write_outputs(d, recs, meta, root)
    assert json.loads((d / "summary.json").read_text()) == json.loads(json.dumps(summ))
    labels = _load_sweeps(root)
    assert labels["toy.a"]["label"].startswith("reproduced in 1 of 3 runs") and "_build/sweeps/toy" not in labels["toy.a"]["label"]
    assert labels["toy.b"]["label"] == "not reproduced in 2 of 3 runs (fails at seed=2, n=10; 1 run raised an error)"
    assert labels["toy.a"]["link"] == "../sweeps/toy/failures.csv"
    # the status page links the failing points; the build copies the CSV next to the site
    from optdyn_book.build import _publish_sweeps
    from optdyn_book.collect import status_page

    data = {"chapters": [{"slug": "toy", "title": "Toy", "run": {}, "claims": [
        {"id": "toy.a", "result": "R", "criterion": "c", "measured": "m", "verdict": "reproduced", "expected": "reproduced"}]}],
        "summary": {"claims": 1, "reproduced": 1, "not reproduced": 0, "inconclusive": 0, "outside conditions": 0,
                    "unexpected": []}}
    page = status_page(data, tmp_path, sweeps=labels).read_text()
    assert "reproduced in 1 of 3 runs" in page and "href='../sweeps/toy/failures.csv'" in page
    _publish_sweeps(root, tmp_path / "html")
    assert (tmp_path / "html" / "sweeps" / "toy" / "failures.csv").read_text() == (d / "failures.csv").read_text()
    rows = list(csv.DictReader((d / "runs.csv").open()))
    assert len(rows) == 2 + 2 + 1 and rows[0]["point_id"] == "p0" and rows[0]["seed"] == "0" and rows[0]["n"] == "10"
    fails = list(csv.DictReader((d / "failures.csv").open()))
    assert {(r["point_id"], r["claim"]) for r in fails} == {("p1", "toy.a"), ("p2", "")}
    srows = {r["claim"]: r for r in csv.DictReader((d / "summary.csv").open())}
    assert srows["toy.a"]["failing_points"] == "p1;p2" and float(srows["toy.a"]["pass_rate"]) == pytest.approx(1 / 3)


def test_load_records_ignores_broken_and_foreign_files(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "abc.json").write_text(json.dumps({"point_id": "abc", "status": "ok"}))
    (runs / "half.json").write_text('{"point_id": "ha')  # a torn write from a foreign tool
    (runs / "other.json").write_text(json.dumps({"point_id": "xyz"}))
    (runs / ".abc.json.123.tmp").write_text("{}")
    assert list(sw.load_records(tmp_path)) == ["abc"]


def test_cli_bad_input_exit_code_2(root, monkeypatch, capsys, tmp_path):
    from optdyn_book.cli import main

    monkeypatch.setenv("OPTDYN_ROOT", str(root))
    g = tmp_path / "g.yaml"
    g.write_text("grid:\n  bogus: [1]\n")
    assert main(["sweep", "toy", "--grid", str(g), "--out", str(tmp_path / "o")]) == 2
    assert "unknown parameter(s) 'bogus'" in capsys.readouterr().err
    assert main(["sweep", "toy", "--seeds", "x"]) == 2
    assert "seeds must be" in capsys.readouterr().err
    assert main(["sweep", "nope"]) == 2
    assert "unknown chapter 'nope'" in capsys.readouterr().err
