"""Random parameter variants (``optdyn sweep SLUG --random N --seed S``): drawn from the schema's
``variants``, inside its relations and theorem conditions, reproducibly; run and summarised like grid
points."""
from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from toy_project import make_toy_project  # noqa: E402

from optdyn_book import sweep as sw  # noqa: E402
from optdyn_book.chapters import chapter  # noqa: E402

#: The toy schema plus a relation and a theorem condition that a good share of raw draws violate.
CONSTRAINED_SCHEMA = '''"""Parameters of the toy chapter, with a relation and a theorem condition."""
from optdyn.validation import Condition, Interval, Options, Param, Relation, Schema

SCHEMA = Schema("toy", (
    Param("seed", "int", Interval(0, 2**32 - 1), "seed"),
    Param("profile", "str", Options(("quick", "book", "full")), "profile name"),
    Param("n", "int", Interval(10, 10**7), "number of samples", variants=Interval(100, 5000)),
    Param("scale", "float", Interval(0.0, 100.0, "right"), "scale of the samples", variants=Interval(0.5, 2.0)),
    Param("fail", "bool", None, "raise in the notebook (tests the failure path)", variants=Options((False,))),
    Param("label", "str", None, "a free-text label", variants=Options(("a", "b"))),
), relations=(
    Relation(("n", "scale"), lambda P: P["n"] * P["scale"] <= 6000, "n x scale must be at most 6000"),
), conditions=(
    Condition("small_scale", "scale < 1.5 (the band holds with room to spare)", ("scale",), lambda P: P.scale < 1.5),
))
'''


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_toy_project(tmp_path_factory.mktemp("sweep_random") / "proj")


@pytest.fixture(scope="module")
def constrained(tmp_path_factory):
    r = make_toy_project(tmp_path_factory.mktemp("sweep_random_c") / "proj")
    (r / "src" / "optdyn" / "papers" / "toy" / "parameters.py").write_text(CONSTRAINED_SCHEMA)
    return r


def test_what_is_drawn_and_how(root):
    draws = {d.name: d for d in sw.parameter_draws(chapter("toy", root))}
    assert list(draws) == ["seed", "n", "scale", "label"]  # the seed always; fail has no variants
    assert {k: d.describe() for k, d in draws.items()} == {
        "seed": "uniform integers in [0, 2147483647]",
        "n": "log-uniform integers in [100, 5000]",  # spans more than a factor 10
        "scale": "uniform numbers in [0.5, 2]",
        "label": "one of 'a', 'b'",
    }
    n = draws["n"]
    assert n.sample(0.0) == 100 and n.sample(0.999999) == 5000
    assert n.sample(0.5) == math.floor(math.exp((math.log(100) + math.log(5001)) / 2))  # the geometric middle


def test_draws_are_reproducible_and_follow_their_laws(root):
    ch = chapter("toy", root)
    pts, desc = sw.random_points(ch, "quick", 400, 0)
    again, _ = sw.random_points(ch, "quick", 400, 0)
    assert [p.overrides for p in pts] == [p.overrides for p in again]
    assert [p.id for p in sw.random_points(ch, "quick", 25, 0)[0]] == [p.id for p in pts[:25]]  # a prefix
    assert sw.random_points(ch, "quick", 5, 1)[0][0].overrides != pts[0].overrides
    assert len({p.id for p in pts}) == 400
    assert all(list(p.overrides) == ["seed", "n", "scale", "label"] for p in pts)
    assert all(p.parameters["profile"] == "quick" and "fail" not in p.parameters for p in pts)  # fail: profile value
    ns = [p.overrides["n"] for p in pts]
    scales = [p.overrides["scale"] for p in pts]
    assert min(ns) >= 100 and max(ns) <= 5000 and all(isinstance(n, int) for n in ns)
    assert 450 < statistics.median(ns) < 1100  # log-uniform: median near sqrt(100 x 5000) = 707 (uniform: 2550)
    assert 0.5 <= min(scales) and max(scales) <= 2.0 and 1.1 < statistics.median(scales) < 1.4
    assert 150 < sum(p.overrides["label"] == "a" for p in pts) < 250
    assert desc["draws"]["n"] == "log-uniform integers in [100, 5000]" and desc["rejected"] == {}


def test_every_variant_satisfies_the_relations_and_conditions_are_left_to_the_claims(constrained):
    """Relations between parameters are enforced; theorem conditions are per claim, so variants outside
    one claim's conditions are kept (that claim says 'outside conditions' there and is counted apart)."""
    ch = chapter("toy", constrained)
    pts, desc = sw.random_points(ch, "quick", 60, 3)
    assert len(pts) == 60
    assert all(p.overrides["n"] * p.overrides["scale"] <= 6000 for p in pts)
    assert any(p.overrides["scale"] >= 1.5 for p in pts)  # outside the condition small_scale: kept
    assert desc["rejected"]["n, scale: n x scale must be at most 6000"] > 0
    assert desc["draws_made"] == 60 + sum(desc["rejected"].values())


def test_variants_that_cannot_be_drawn_are_refused(constrained, tmp_path):
    ch = chapter("toy", constrained)
    schema = constrained / "src" / "optdyn" / "papers" / "toy" / "parameters.py"
    cases = [
        ("variants=Interval(0.5, 2.0)", "variants=Interval(0.5, None)", "variants must be a bounded interval"),
        ("variants=Interval(100, 5000)", "variants=Interval(100.2, 100.8)", "hold no integer"),
        ('variants=Options(("a", "b"))', "variants=Interval(0, 1)", "an Interval of variants needs an int or float"),
    ]
    for old, new, match in cases:
        schema.write_text(CONSTRAINED_SCHEMA.replace(old, new))
        with pytest.raises(sw.SweepError, match=match):
            sw.random_points(chapter("toy", constrained), "quick", 3, 0)
        with pytest.raises(sw.SweepError, match=match):  # before anything is written
            sw.run_sweep("toy", random=3, root=constrained, out=tmp_path / "s", progress=False)
        assert not (tmp_path / "s").exists()
    schema.write_text(CONSTRAINED_SCHEMA)
    assert len(sw.random_points(ch, "quick", 3, 0)[0]) == 3


def test_cli_options(root, monkeypatch, capsys, tmp_path):
    from optdyn_book.cli import main

    monkeypatch.setenv("OPTDYN_ROOT", str(root))
    assert main(["sweep", "toy", "--seed", "3"]) == 2
    assert "--seed seeds the draw of --random variants" in capsys.readouterr().err
    assert main(["sweep", "toy", "--random", "3", "--seeds", "0:2"]) == 2
    assert "drop --seeds / --grid" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sweep", "toy", "--random", "0"])
    assert "must be an integer >= 1" in capsys.readouterr().err
    assert main(["sweep", "toy", "--random", "4", "--seed", "2", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("todo  seed=") == 4 and "4 points, 0 done -> " + str(root / "_build" / "sweeps" / "toy" / "random") in out
    assert not (root / "_build" / "sweeps").exists()


@pytest.mark.slow
def test_random_sweep_runs_resumes_and_writes_its_summary(root):
    res = sw.run_sweep("toy", random=3, random_seed=5, workers=2, root=root, progress=False)
    d = root / "_build" / "sweeps" / "toy" / "random"
    assert res.sweep_dir == d and len(res.ran) == 3
    summ = json.loads((d / "summary.json").read_text())
    assert summ["variants"] == 3 and summ["mode"] == "random" and summ["random_seed"] == 5 and summ["finished"] == 3
    c = summ["claims"]["toy.mean_zero"]
    assert set(c) >= {"label", "pass_rate", "wilson", "verdicts", "failing_points", "runs", "as_expected"}
    assert c["runs"] == 3 and c["label"].startswith(f"reproduced in {c['as_expected']} of 3 random variants")
    assert c["by_parameter"] == {}
    header = (d / "runs.csv").read_text().splitlines()[0]
    assert header.startswith("point_id,seed,n,scale,label,status")
    text = sw.format_summary(res)
    assert "of 3 random variants (draw seed 5) finished" in text
    again = sw.run_sweep("toy", random=4, random_seed=5, workers=2, root=root, progress=False)
    assert sorted(again.skipped) == sorted(res.records) and len(again.ran) == 1  # the first 3 are the same variants
