import numpy as np
import pytest

from optdyn.validation import (
    Condition,
    Interval,
    Options,
    Param,
    ParameterError,
    Relation,
    Schema,
    check_array,
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


def test_check_array_elementwise():
    np.testing.assert_array_equal(check_array("eta", [0.1, 0.2], 0.0, None, low_closed=False), [0.1, 0.2])
    with pytest.raises(ValueError, match=r"eta must be in \(0.0, inf\), got -0.1"):
        check_array("eta", [0.1, -0.1], 0.0, None, low_closed=False)
    with pytest.raises(ValueError, match="eta must be finite"):
        check_array("eta", [np.nan])
    with pytest.raises(TypeError, match="eta must be a real number"):
        check_array("eta", "x")


SCHEMA = Schema(
    "toy",
    (
        Param("seed", "int", Interval(0, 2**32 - 1), "seed of every random stream"),
        Param("n", "int", Interval(10, 10**6), "sample size"),
        Param("p", "float", Interval(0.0, 1.0, "right"), "retain probability"),
        Param("mode", "str", Options(("a", "b")), "which method"),
        Param("flag", "bool", None, "a switch"),
        Param("grid", "list", Interval(0.0, 1.0, "neither"), "probabilities", item="float", length=(1, 4)),
        Param("n_first", "int", Interval(1, 10**6), "first checkpoint"),
    ),
    relations=(Relation(("n_first", "n"), lambda P: P.n_first <= P.n // 2, "n_first must be at most n // 2"),),
    conditions=(Condition("big_n", "n >= 100 (asymptotic regime)", ("n",), lambda P: P["n"] >= 100),),
)
GOOD = {"seed": 0, "n": 1000, "p": 0.9, "mode": "a", "flag": False, "grid": [0.5, 0.9], "n_first": 10, "other": 1}


def test_schema_validates_and_normalises():
    P = SCHEMA.validate(GOOD)
    assert P.n == 1000 and P["p"] == 0.9 and "other" not in P
    assert isinstance(SCHEMA.validate({**GOOD, "p": 1}).p, float)
    assert SCHEMA.validate({**GOOD, "n": 2000.0}).n == 2000
    with pytest.raises(TypeError, match="read-only"):
        P["n"] = 3
    assert SCHEMA.conditions_for(P, ["big_n"]) == {"satisfied": True, "violated": []}
    assert SCHEMA.conditions_for({**P, "n": 50}, ["big_n"]) == {"satisfied": False, "violated": ["big_n"]}
    assert SCHEMA.reading("n") == ["big_n"]


@pytest.mark.parametrize("name,value,match", [
    ("p", 1.5, r"p must be a number in \(0.0, 1.0\], got 1.5"),
    ("p", float("nan"), "p must be finite"),
    ("p", "0.5", "p must be a number, got str"),
    ("n", 5, r"n must be an integer in \[10, 1000000\], got 5"),
    ("n", 10**12, r"n must be an integer in \[10, 1000000\]"),
    ("n", 2.5, "n must be an integer, got float"),
    ("n", True, "n must be an integer, got bool"),
    ("mode", "c", "mode must be one of 'a', 'b', got 'c'"),
    ("flag", 1, "flag must be True or False"),
    ("grid", [], "grid must be a list of 1 to 4 values"),
    ("grid", [0.5] * 10**6, "grid must be a list of 1 to 4 values, each float in \\(0.0, 1.0\\), got 'a list of 1000000 values'"),
    ("grid", [0.5, 1.0], r"grid\[1\] must be"),
    ("grid", 0.5, "grid must be a list"),
    ("n_first", 900, r"n_first, n: n_first must be at most n // 2"),
])
def test_schema_errors_name_parameter_and_range(name, value, match):
    with pytest.raises(ParameterError, match=match):
        SCHEMA.validate({**GOOD, name: value})


def test_schema_partial_and_unknown():
    assert SCHEMA.validate({"n": 20}, complete=False) == {"n": 20}
    with pytest.raises(ParameterError, match="unknown parameter"):
        SCHEMA.validate({"nn": 20}, complete=False)
    with pytest.raises(ParameterError, match="missing parameter"):
        SCHEMA.validate({"n": 20})
