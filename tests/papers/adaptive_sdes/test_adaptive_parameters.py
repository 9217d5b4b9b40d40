"""The chapter's parameter schema: every default, profile and sweep point is valid; bad values are refused."""
from functools import partial
import inspect
import json
import math

import pytest
import yaml

from chapter_parameters import defaults, parameter_sets, profiles
from optdyn.papers.adaptive_sdes import experiments as ex
from optdyn.papers.adaptive_sdes.parameters import SCHEMA, nu_values
from optdyn.validation import ParameterError

SLUG = "adaptive_sdes"
_defaults = partial(defaults, SLUG)
_profiles = partial(profiles, SLUG)
_sets = partial(parameter_sets, SLUG)


def test_schema_covers_the_parameters_cell():
    assert set(SCHEMA.names) == set(_defaults())


def test_every_profile_and_sweep_point_validates():
    for P in _sets():
        SCHEMA.validate(P)


def test_inf_in_nus_survives_json_and_yaml():
    """The validated nus keep "inf" as a string, so re-injected values (JSON -> YAML, as papermill -y)
    re-validate to themselves; a float inf (YAML .inf) is normalised to the same string."""
    P = SCHEMA.validate({**_defaults(), **_profiles()["full"], "profile": "full"})
    assert P["nus"][-1] == "inf"
    assert SCHEMA.validate(yaml.safe_load(json.dumps(dict(P)))) == P
    assert SCHEMA.validate({**_defaults(), "nus": [1.0, 3.0, math.inf]})["nus"] == [1.0, 3.0, "inf"]
    assert nu_values(P["nus"]) == [1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0, math.inf]


@pytest.mark.parametrize("bad, match", [
    (dict(R=10**12), "R must be"),
    (dict(R_order=10**7), "R_order"),
    (dict(scaling_samples=10**12), "scaling_samples"),
    (dict(eta=1e-9), "eta"),
    (dict(T_order=1e9), "T_order"),
    (dict(T_order=4.005), "multiple of the largest order_etas"),
    (dict(order_etas=[0.01, 0.004, 0.002]), "order_etas"),
    (dict(net_etas=[0.01, 0.02, 0.005]), "net_etas"),
    (dict(sign_order_kappa=0.5), "sign_order_kappa"),
    (dict(seed=2**32), "seed"),
    (dict(lam_min=float("nan")), "lam_min"),
    (dict(sigma_grid=[0.5, 1.0, float("inf")]), "sigma_grid"),
    (dict(sigma_grid=[0.5] * 100), "sigma_grid"),
    (dict(nus=[1.0, 3.0, "Inf"]), "nus"),
    (dict(nus=[1.0, 2.0]), "must contain 1.0 and 3.0"),
    (dict(nu_sde=["inf"]), "nu_sde"),
    (dict(lam_min=2.0, lam_max=1.0), "at least lam_min"),
    (dict(eta=0.05, lam_max=100.0), "below 2"),
    (dict(deltas=[2, 4]), "start with 1"),
    (dict(deltas=[1, 3, 4]), "divide"),
    (dict(rate_samples=100), "10 \\* max\\(deltas\\)"),
    (dict(batch_grid=[16, 64, 64]), "distinct"),
    (dict(adam_sigma_grid=[1.0, 4.0, 2.0]), "increasing"),
    (dict(run_network=1), "run_network"),
    (dict(net_n=1000), "net_n"),
    (dict(profile="huge"), "profile"),
])
def test_bad_values_are_refused(bad, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**_defaults(), **bad})


def test_experiments_take_named_streams_not_seeds():
    for name in ex.__all__:
        obj = getattr(ex, name)
        if not callable(obj) or isinstance(obj, type):
            continue
        p = inspect.signature(obj).parameters
        assert "seed" not in p, name
        if "rng" in p:
            assert p["rng"].default is inspect.Parameter.empty, name


def test_conditions_hold_at_every_profile_and_fail_where_stated():
    for P in _sets():
        V = SCHEMA.validate(P)
        assert all(c.holds(V) for c in SCHEMA.conditions), P["profile"]
    d = {**_defaults(), "profile": "book"}
    assert not SCHEMA.condition("sign_stationary_regime").holds(SCHEMA.validate({**d, "lam_max": 30.0}))
    assert not SCHEMA.condition("eta_rho1_separable").holds(SCHEMA.validate({**d, "ablation_beta1": 0.95}))
    assert not SCHEMA.condition("momentum_factor_separable").holds(SCHEMA.validate({**d, "adamw_theta": 0.1}))
    assert not SCHEMA.condition("batch_regime").holds(SCHEMA.validate({**d, "batch_grid": [1, 4, 16]}))


def test_variants_lie_inside_the_allowed_ranges():
    for p in SCHEMA.params:
        if p.variants is not None:
            for v in (p.variants.low, p.variants.high):
                p.check(int(v) if p.kind == "int" else v)
