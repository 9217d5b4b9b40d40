"""The chapter's parameter schema: every default, profile and sweep point is valid; bad values are refused."""
from functools import partial
import itertools

import pytest

from chapter_parameters import defaults, parameter_sets
from optdyn.papers.plrs.parameters import SCHEMA
from optdyn.validation import ParameterError

SLUG = "plrs"
_defaults = partial(defaults, SLUG)
_sets = partial(parameter_sets, SLUG)


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
    (dict(order_l_max_lo=0.5, order_l_max_hi=0.4), "at least 5 x"),
    (dict(rate_l_max_hi=0.1), "one decade"),
    (dict(conf_l_max=[0.2, 0.1]), "conf_l_max"),
    (dict(conf_l_max=[0.2, 0.1, 0.6]), "conf_l_max"),
    (dict(order_l_max_lo=0.1, order_l_max_hi=0.4), "at least 5 x"),
    (dict(sigma=0.0), "sigma"),
    (dict(conf_l_max=[0.2, 0.1, 0.1]), "distinct"),
    (dict(thm1_l_max_grid=[0.1] * 100), "thm1_l_max_grid"),
    (dict(n_boot=10**5, R_coupling=2 * 10**4), "n_boot x rate_n x R_coupling"),
    (dict(profile="huge"), "profile"),
])
def test_bad_values_are_refused(bad, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**_defaults(), **bad})


def test_theorem_conditions_are_predicates_of_the_parameters():
    """Values inside the allowed range but outside a theorem's conditions run, and the claims that need the
    condition are recorded as 'outside conditions'."""
    P = SCHEMA.validate(_defaults())
    assert all(c.holds(P) for c in SCHEMA.conditions)
    for bad, name in ((dict(l_max=0.6), "saddle_step"), (dict(thm1_l_max_grid=[0.1, 1.2]), "thm1_grid_step"),
                      (dict(order_l_max_hi=1.5), "order_step"), (dict(rate_l_max_hi=0.55), "rate_step"),
                      (dict(conf_l_max=[0.3, 0.1, 0.05]), "conf_step")):
        Q = SCHEMA.validate({**_defaults(), **bad})
        assert not SCHEMA.condition(name).holds(Q), name


def test_reader_variants_lie_inside_every_condition():
    """Any combination of the variants' ranges is valid and inside every theorem condition (the extremes checked)."""
    drawn = [p for p in SCHEMA.params if p.variants is not None and p.name != "seed"]
    assert {p.name for p in drawn} >= {"sigma", "l_min", "l_max", "order_l_max_lo", "order_l_max_hi", "l_min_ratio", "peak_fraction"}
    for corner in itertools.product(*[(p.variants.low, p.variants.high) for p in drawn]):
        P = SCHEMA.validate({**_defaults(), **dict(zip([p.name for p in drawn], corner))})
        assert all(c.holds(P) for c in SCHEMA.conditions), corner
