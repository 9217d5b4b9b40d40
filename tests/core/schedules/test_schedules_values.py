"""Deterministic schedules against hand-computed values at known steps."""
import math

import numpy as np
import pytest

from optdyn.core.schedules import (
    Constant,
    CosineAnnealing,
    CosineWarmRestarts,
    Knee,
    MultiStep,
    OneCycle,
    epochs_to_steps,
)


def test_constant():
    s = Constant(0.05)
    assert s(0) == 0.05 and s(10**6) == 0.05
    np.testing.assert_array_equal(s.trace(4), [0.05] * 4)


def test_cosine_annealing_endpoints_and_midpoint():
    s = CosineAnnealing(base_lr=0.1, total_steps=100, eta_min=0.001)
    assert s(0) == pytest.approx(0.1)
    assert s(50) == pytest.approx(0.001 + 0.099 * 0.5)
    assert s(100) == pytest.approx(0.001)
    assert s(150) == pytest.approx(0.001)  # held after the end
    assert s(25) == pytest.approx(0.001 + 0.099 * 0.5 * (1 + math.cos(math.pi / 4)))


def test_sgdr_restarts_at_epochs_1_3_7_15():
    spe = 10
    s = CosineWarmRestarts(base_lr=0.1, steps_per_epoch=spe, t0_epochs=1.0, t_mult=2.0, eta_min=1e-4)
    tr = s.trace(31 * spe)
    restarts = np.nonzero(np.diff(tr) > 0)[0] + 1
    np.testing.assert_array_equal(restarts, [10, 30, 70, 150])
    for e in (0, 1, 3, 7, 15):
        assert s(e * spe) == pytest.approx(0.1)
    # half-way through the cycle [3, 7): T_cur = 2, T_i = 4 -> cos(pi/2) = 0
    assert s(5 * spe) == pytest.approx(1e-4 + (0.1 - 1e-4) * 0.5)
    # the last step before a restart is close to eta_min
    assert s(15 * spe - 1) == pytest.approx(1e-4 + (0.1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * 7.9 / 8)))
    np.testing.assert_allclose([s(t) for t in range(0, 200, 7)], tr[0:200:7])


def test_sgdr_tmult_one_is_periodic():
    s = CosineWarmRestarts(base_lr=1.0, steps_per_epoch=4, t0_epochs=2.0, t_mult=1.0, eta_min=0.0)
    np.testing.assert_allclose(s.trace(8), s.trace(16)[8:])
    assert s(4) == pytest.approx(0.5)


def test_one_cycle_phase_boundaries_torch_formula():
    # torch OneCycleLR(max_lr=0.1, total_steps=100, pct_start=0.45, div_factor=10,
    # final_div_factor=1e4, three_phase=True, anneal_strategy='linear'): ends at 44, 88, 99
    s = OneCycle(max_lr=0.1, total_steps=100)
    assert s.phase_ends() == (44.0, 88.0, 99.0)
    assert s(0) == pytest.approx(0.01)
    assert s(22) == pytest.approx(0.01 + 0.5 * 0.09)
    assert s(44) == pytest.approx(0.1)
    assert s(45) == pytest.approx(0.1 - 0.09 / 44)
    assert s(88) == pytest.approx(0.01)
    assert s(99) == pytest.approx(1e-6)
    with pytest.raises(ValueError, match="total_steps"):
        s(100)


def test_one_cycle_two_phase_cos():
    s = OneCycle(max_lr=1.0, total_steps=11, pct_start=0.5, three_phase=False, anneal="cos")
    # ends: 4.5, 10
    assert s(0) == pytest.approx(0.1)
    assert s(10) == pytest.approx(1e-5)
    p = 2 / 4.5
    assert s(2) == pytest.approx(1.0 + (0.1 - 1.0) / 2 * (math.cos(math.pi * p) + 1))


def test_knee_reaches_zero_at_end():
    s = Knee(peak_lr=0.1, total_steps=100, explore_steps=20)
    assert s(0) == 0.1 and s(19) == 0.1
    assert s(20) == pytest.approx(0.1)
    assert s(60) == pytest.approx(0.05)
    assert s(99) == pytest.approx(0.1 / 80)
    assert s(100) == 0.0 and s(150) == 0.0
    w = Knee(peak_lr=0.2, total_steps=100, explore_steps=20, warmup_steps=10)
    assert w(0) == 0.0 and w(5) == pytest.approx(0.1) and w(10) == pytest.approx(0.2)


def test_multistep_drops():
    s = MultiStep(base_lr=0.1, milestones=(100, 150), gamma=0.1)
    assert s(99) == pytest.approx(0.1)
    assert s(100) == pytest.approx(0.01)
    assert s(149) == pytest.approx(0.01)
    assert s(150) == pytest.approx(0.001)
    np.testing.assert_allclose(s.trace(200)[[0, 99, 100, 150, 199]], [0.1, 0.1, 0.01, 0.001, 0.001])


def test_epochs_to_steps():
    assert epochs_to_steps(100, 391) == 39100
    assert epochs_to_steps(0.5, 10) == 5
    with pytest.raises(ValueError, match="steps_per_epoch"):
        epochs_to_steps(1, 0)


def test_trace_equals_calls():
    for s in (
        CosineAnnealing(0.3, 37, 0.01),
        CosineWarmRestarts(0.3, 7),
        OneCycle(0.3, 37),
        Knee(0.3, 37, 9),
        MultiStep(0.3, (5, 20)),
    ):
        np.testing.assert_allclose(s.trace(37), [s(t) for t in range(37)], rtol=0, atol=1e-15)
        assert s.trace(0).shape == (0,)


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: Constant(-0.1), "lr"),
        (lambda: Constant(0.0), "lr"),
        (lambda: CosineAnnealing(0.1, 0), "total_steps"),
        (lambda: CosineAnnealing(0.1, 10, eta_min=0.2), "eta_min"),
        (lambda: CosineWarmRestarts(0.1, 0), "steps_per_epoch"),
        (lambda: CosineWarmRestarts(0.1, 10, t0_epochs=0.0), "t0_epochs"),
        (lambda: CosineWarmRestarts(0.1, 10, t_mult=0.5), "t_mult"),
        (lambda: OneCycle(0.1, 100, pct_start=1.2), "pct_start"),
        (lambda: OneCycle(-0.1, 100), "max_lr"),
        (lambda: OneCycle(0.1, 2, pct_start=0.45), "pct_start"),
        (lambda: OneCycle(0.1, 100, anneal="exp"), "anneal"),
        (lambda: Knee(0.1, 100, 100), "explore_steps"),
        (lambda: Knee(0.1, 100, 20, warmup_steps=30), "warmup_steps"),
        (lambda: MultiStep(0.1, (20, 10)), "milestones"),
        (lambda: MultiStep(0.1, (10,), gamma=0.0), "gamma"),
        (lambda: MultiStep(0.1, (-1,)), "milestones"),
    ],
)
def test_validation_messages(factory, match):
    with pytest.raises((ValueError, TypeError), match=match):
        factory()


def test_step_validation():
    with pytest.raises(ValueError, match="step"):
        Constant(0.1)(-1)
    with pytest.raises(TypeError, match="step"):
        Constant(0.1)(1.5)
    with pytest.raises(ValueError, match="n_steps"):
        Constant(0.1).trace(-3)


def test_schedules_are_immutable():
    s = Knee(0.1, 100, 20)
    with pytest.raises(Exception):
        s.peak_lr = 0.2
