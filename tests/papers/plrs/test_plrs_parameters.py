"""The chapter's parameter schema: every default, profile and sweep point is valid; bad values are refused."""
import ast
import itertools
import json
from pathlib import Path

import pytest
import yaml

from optdyn.papers.plrs.parameters import SCHEMA
from optdyn.validation import ParameterError

ROOT = Path(__file__).resolve().parents[3]


def _defaults() -> dict:
    nb = json.loads((ROOT / "book" / "plrs.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    src = "".join(cell["source"])
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(src).body}


def _sets():
    d = _defaults()
    prof = yaml.safe_load((ROOT / "src" / "optdyn" / "papers" / "plrs" / "profile.yaml").read_text())
    grid = prof["sweep"]["grid"]
    for name in ("quick", "book", "full"):
        P = {**d, **(prof.get(name) or {}), "profile": name}
        yield P
        for seed, vals in itertools.product(prof["sweep"]["seeds"], itertools.product(*grid.values())):
            yield {**P, **dict(zip(grid, vals)), "seed": seed}


def test_schema_covers_the_parameters_cell():
    assert set(SCHEMA.names) == set(_defaults())


def test_every_profile_and_sweep_point_validates():
    for P in _sets():
        SCHEMA.validate(P)


@pytest.mark.parametrize("bad, match", [
    (dict(n_thm1=10**12), "n_thm1"),
    (dict(digits_epochs=10**9), "digits_epochs"),
    (dict(seed=2**32), "seed"),
    (dict(sigma=float("inf")), "sigma"),
    (dict(l_min=0.2, l_max=0.1), "l_min must be smaller"),
    (dict(order_l_max_lo=0.5, order_l_max_hi=0.4), "order_l_max_lo must be smaller"),
    (dict(rate_l_max_hi=0.1), "one decade"),
    (dict(conf_l_max=[0.2, 0.1]), "conf_l_max"),
    (dict(conf_l_max=[0.2, 0.1, 0.3]), "conf_l_max"),
    (dict(conf_l_max=[0.2, 0.1, 0.1]), "distinct"),
    (dict(thm1_l_max_grid=[0.1] * 100), "thm1_l_max_grid"),
    (dict(n_boot=10**5, R_exit=10**5), "n_boot x rate_n x R_exit"),
    (dict(profile="huge"), "profile"),
])
def test_bad_values_are_refused(bad, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**_defaults(), **bad})
