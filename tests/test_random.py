"""Explicit generators and named streams (optdyn.random)."""
import numpy as np
import pytest

from optdyn.random import Streams, as_generator, stream_key


def test_as_generator_is_explicit():
    np.testing.assert_array_equal(as_generator(7).standard_normal(5), np.random.default_rng(7).standard_normal(5))
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        as_generator(None)
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)
    with pytest.raises(TypeError, match="SeedSequence"):
        as_generator(np.random.SeedSequence(3))


def test_streams_depend_on_seed_and_name_only():
    a, b = Streams(5), Streams(5)
    x = a["boot"].random(4)
    b["other"].random(3)  # another stream first: order does not matter
    np.testing.assert_array_equal(b["boot"].random(4), x)
    assert not np.array_equal(Streams(6)["boot"].random(4), x)
    assert not np.array_equal(a["boot2"].random(4), x)
    assert not np.array_equal(a["gmc", 0].random(4), a["gmc", 1].random(4))


def test_reusing_a_stream_is_an_error_and_sharing_is_explicit():
    s = Streams(0)
    s["target"]
    with pytest.raises(ValueError, match="already used"):
        s["target"]
    np.testing.assert_array_equal(s.shared("crn").random(3), s.shared("crn").random(3))
    np.testing.assert_array_equal(s.shared("gmc", 2).random(3), Streams(0)["gmc", 2].random(3))


def test_stream_keys_are_stable():
    assert stream_key(3, "a", 7) == stream_key(3, "a", 7)
    assert stream_key(3, "a")[0] == 3 and stream_key(3, 4) == [3, 4]
    with pytest.raises(ValueError, match="seed"):
        Streams(-1)
    with pytest.raises(TypeError, match="stream name"):
        Streams(0)[1.5]
    assert isinstance(Streams(0).seed_of("x"), int)
