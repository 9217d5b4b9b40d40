import numpy as np
import pytest

from optdyn.validation import (
    as_generator,
    check_choice,
    check_in_range,
    check_int,
    check_positive,
    check_probability,
    check_type,
)


def test_probability_messages_name_parameter_and_range():
    assert check_probability("p", 0.5, open_low=True) == 0.5
    with pytest.raises(ValueError, match=r"p must be in \(0\.0, 1\.0\], got 1\.5"):
        check_probability("p", 1.5, open_low=True)
    with pytest.raises(ValueError, match=r"p must be in \(0\.0"):
        check_probability("p", 0.0, open_low=True)
    with pytest.raises(TypeError, match="p must be a real number"):
        check_probability("p", "0.5")
    with pytest.raises(TypeError, match="p must be a real number"):
        check_probability("p", True)
    with pytest.raises(ValueError, match="must be finite"):
        check_probability("p", float("nan"))


def test_ranges_and_ints():
    assert check_positive("eta", 1e-3) == 1e-3
    with pytest.raises(ValueError, match=r"eta must be in \(0\.0, inf\), got -1"):
        check_positive("eta", -1)
    assert check_positive("x", 0, strict=False) == 0.0
    assert check_in_range("b", 0.9, 0.0, 1.0, high_closed=False) == 0.9
    with pytest.raises(ValueError, match=r"beta must be in \[0\.0, 1\.0\)"):
        check_in_range("beta", 1.0, 0.0, 1.0, high_closed=False)
    assert check_int("R", 5, low=1) == 5
    assert check_int("R", 5.0, low=1) == 5
    with pytest.raises(ValueError, match=r"R must be an integer in \[1, inf\), got 0"):
        check_int("R", 0, low=1)
    with pytest.raises(TypeError, match="R must be an integer"):
        check_int("R", 2.5)
    with pytest.raises(TypeError, match="R must be an integer"):
        check_int("R", True)
    assert check_choice("mode", "a", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match=r"mode must be one of \['a', 'b'\]"):
        check_choice("mode", "c", ["a", "b"])
    with pytest.raises(TypeError, match="name must be of type str"):
        check_type("name", 3, str)


def test_as_generator_is_explicit_and_reproducible():
    a = as_generator(7).standard_normal(5)
    b = as_generator(np.random.SeedSequence(7)).standard_normal(5)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        as_generator(None)
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)
