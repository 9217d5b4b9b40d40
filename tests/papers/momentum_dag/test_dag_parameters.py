"""The chapter's parameter schema: every notebook default and profile value validates; bad values are refused."""
from functools import partial
import itertools

import numpy as np
import pytest

from chapter_parameters import defaults, profiles
from optdyn.core.nets import DAGNet, chain
from optdyn.papers.momentum_dag import adaptive_momentum, parity, phase_diagram, train
from optdyn.papers.momentum_dag.parameters import SCHEMA
from optdyn.validation import ParameterError

SLUG = "momentum_dag"
_defaults = partial(defaults, SLUG)
_profiles = partial(profiles, SLUG)


def test_schema_covers_the_parameters_cell_and_profiles_validate():
    d = _defaults()
    assert set(d) == set(SCHEMA.names)
    SCHEMA.validate(d)
    prof = _profiles()
    for name in ("quick", "book", "full"):
        SCHEMA.validate({**d, **(prof.get(name) or {}), "profile": name})
    sw = prof["sweep"]
    for seed, combo in itertools.product(sw["seeds"], itertools.product(*sw["grid"].values())):
        SCHEMA.validate({**d, **(prof.get("quick") or {}), "seed": seed, **dict(zip(sw["grid"], combo))})


@pytest.mark.parametrize("name, value, match", [
    ("conv_iters", 10**12, "conv_iters must be an integer in"),
    ("hb_iters", 10**12, "hb_iters must be an integer in"),
    ("conv_iters", 6020, "multiple of 32"),
    ("pd_log10_eta_max", -3.0, "larger than pd_log10_eta_min"),
    ("ae_train", 1600, "at most 1797"),
    ("pd_ss", [0.5] * 100, "pd_ss must be a list"),
    ("hb_etas", [0.01, float("inf")], "finite"),
    ("conv_s", 1.0, "conv_s must be"),
    ("ae_etas", [], "ae_etas must be a list"),
    ("cls_train", 5, "cls_train must be an integer in"),
    ("granularity", "layer", "granularity must be one of"),
    ("seed", 2**32, "seed must be an integer in"),
])
def test_schema_refuses_bad_values(name, value, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**_defaults(), name: value})


def test_sharpness_needs_an_explicit_rng():
    X, Y = parity(3)
    net = DAGNet(chain((3, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(np.random.default_rng(0), scale=1.5)
    with pytest.raises(TypeError, match="rng is required"):
        train(net, w0, X, Y, adaptive_momentum(0.5, 0.3), 5, sharpness_every=2)
    with pytest.raises(TypeError, match="rng is required"):
        phase_diagram(net, w0, X, Y, [0.1], [0.0], 5)
    with pytest.raises(TypeError, match="SeedSequence"):
        train(net, w0, X, Y, adaptive_momentum(0.5, 0.3), 5, sharpness_every=2, rng=np.random.SeedSequence(0))


def test_conditions_hold_at_every_profile_and_variant_ranges_lie_inside():
    from optdyn.validation import Interval
    d = _defaults()
    prof = _profiles()
    for name in ("quick", "book", "full"):
        P = SCHEMA.validate({**d, **(prof.get(name) or {}), "profile": name})
        assert all(c.holds(P) for c in SCHEMA.conditions), name
    # the corners of the variant ranges of the parameters the conditions read stay inside the conditions
    for fr in (0.7, 0.9):
        for s in (0.1, 0.4):
            P = SCHEMA.validate({**d, "conv_frac": fr, "conv_s": s})
            assert SCHEMA.condition("conv_step").holds(P) and SCHEMA.condition("conv_budget").holds(P)
    assert SCHEMA["hb_s"].variants == Interval(0.8, 0.95)
    assert SCHEMA.condition("large_beta").holds(SCHEMA.validate({**d, "hb_s": 0.8}))


def test_conditions_reject_what_they_state():
    d = _defaults()
    assert not SCHEMA.condition("large_beta").holds(SCHEMA.validate({**d, "hb_s": 0.5}))
    assert not SCHEMA.condition("conv_step").holds(SCHEMA.validate({**d, "conv_frac": 1.2}))
    assert not SCHEMA.condition("conv_budget").holds(SCHEMA.validate({**d, "conv_s": 0.9}))
    assert not SCHEMA.condition("large_s").holds(SCHEMA.validate({**d, "pd_ss": [0.0, 0.5]}))
