"""The chapter's parameter schema: every notebook default and profile value validates; bad values are refused.
The chapter's random functions take an explicit generator (no default seed, no SeedSequence)."""
from functools import partial
import itertools

import numpy as np
import pytest

from chapter_parameters import defaults, profiles
from optdyn.papers.saddle_to_saddle import experiments as ex
from optdyn.papers.saddle_to_saddle import circle_data, ridge_teacher
from optdyn.papers.saddle_to_saddle.parameters import SCHEMA
from optdyn.validation import ParameterError

SLUG = "saddle_to_saddle"
_defaults = partial(defaults, SLUG)
_profiles = partial(profiles, SLUG)


def test_schema_covers_the_parameters_cell_and_profiles_validate():
    d = _defaults()
    assert set(d) == set(SCHEMA.names)
    SCHEMA.validate(d)
    prof = _profiles()
    sw = prof["sweep"]
    for name in ("quick", "book", "full"):
        base = {**d, **(prof.get(name) or {}), "profile": name}
        SCHEMA.validate(base)
        for seed, combo in itertools.product(sw["seeds"], itertools.product(*sw["grid"].values())):
            SCHEMA.validate({**base, "seed": seed, **dict(zip(sw["grid"], combo))})


@pytest.mark.parametrize("name, value, match", [
    ("s2s_steps", 10**12, "s2s_steps must be an integer in"),
    ("escape_max_steps", 10**12, "escape_max_steps must be an integer in"),
    ("gd_max_steps", 10**12, "gd_max_steps must be an integer in"),
    ("width_list", list(range(1, 200)), "width_list must be a list"),
    ("gd_c", float("inf"), "finite"),
    ("seed", 2**32, "seed must be an integer in"),
    ("profile", "nightly", "profile must be one of"),
    ("depths_ridge", [2, 4, 3], "strictly increasing"),
    ("depths_circle", [2, 4, 5], r"contain \[2, 3\]"),
    ("gd_depth", 7, "gd_depth must be one of depths_ridge"),
    ("envelope_depths", [9], "every depth of envelope_depths must be in depths_ridge and in depths_circle"),
    ("envelope_depths", [4, 7], "no depth is dropped"),
    ("envelope_depths", [3], "at least 4"),
    ("balance_depths", [7], "every depth of balance_depths must be one of depths_ridge"),
    ("prop_deltas", [0.01, 0.1], "prop_deltas must be strictly decreasing"),
    ("width_restarts", 31, "width_restarts must be even"),
    ("width_list", [16, 8], "width_list must be strictly increasing"),
    ("alphas_L3", [0.02, 0.04, 0.6], "below the escape radius r_stop"),
    ("alphas_adapt", [1e-2, 1e-3, 1e-4], "alphas_adapt must be increasing"),
    ("random_L4", 1, "random_L4 must be True or False"),
])
def test_schema_refuses_bad_values(name, value, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**_defaults(), name: value})


def test_random_functions_need_an_explicit_generator():
    X, Y, G = circle_data(8)
    with pytest.raises(TypeError):
        ridge_teacher(d=4, N=20)  # rng is required
    with pytest.raises(TypeError):
        ex.gd_run((2, 4, 4, 1), X, Y, alpha=1e-3, n_steps=5)  # rng is required
    with pytest.raises(TypeError, match="SeedSequence"):
        ex.solve_depth((2, 4, 4, 1), X, G, rng=np.random.SeedSequence(0), n_restarts=1, n_iter=100)
    with pytest.raises(TypeError, match="SeedSequence"):
        ex.gd_run((2, 4, 4, 1), X, Y, alpha=1e-3, n_steps=5, rng=np.random.SeedSequence(0))


def test_generators_give_reproducible_solver_runs():
    X, Y, G = circle_data(8)
    a = ex.solve_depth((2, 4, 4, 1), X, G, rng=np.random.default_rng(5), n_restarts=2, n_iter=100)
    b = ex.solve_depth((2, 4, 4, 1), X, G, rng=np.random.default_rng(5), n_restarts=2, n_iter=100)
    np.testing.assert_array_equal(a.restart_speeds, b.restart_speeds)
