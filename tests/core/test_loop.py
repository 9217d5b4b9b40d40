"""The package's one simulation loop (optdyn.core.loop)."""
import numpy as np
import pytest

from optdyn.core.loop import SaveAt, run


class Sum:
    def __init__(self):
        self.total = 0.0

    def update(self, state, k):
        self.total += state


def test_records_the_requested_steps_and_observers_see_every_step():
    obs = Sum()
    traj = run(lambda x, k: 0.5 * x, 8.0, 4, save=SaveAt(steps=[0, 2, 4], fn={"x": lambda x: x}), observers=(obs,))
    np.testing.assert_array_equal(traj.steps, [0, 2, 4])
    np.testing.assert_array_equal(traj.records["x"], [8.0, 2.0, 0.5])
    assert obs.total == 4 + 2 + 1 + 0.5 and traj.state == 0.5 and traj.n_steps == 4


def test_every_includes_the_last_step_and_stop_ends_early():
    traj = run(lambda x, k: x + 1, np.zeros(3), 10, save=SaveAt(every=4, fn={"x": lambda x: x[0]}))
    np.testing.assert_array_equal(traj.steps, [0, 4, 8, 10])
    traj = run(lambda x, k: x + 1, 0, 10, save=SaveAt(every=1, fn={"x": lambda x: x}), stop=lambda x, k: x >= 3)
    assert traj.n_steps == 3 and traj.records["x"].tolist() == [0, 1, 2, 3]


def test_in_place_states_are_copied_when_recorded():
    def step(x, k):
        x += 1
        return x
    traj = run(step, np.zeros(2), 3, save=SaveAt(every=1, fn={"x": lambda x: x}))
    np.testing.assert_array_equal(traj.records["x"][:, 0], [0, 1, 2, 3])


def test_validation():
    with pytest.raises(ValueError, match="n_steps"):
        run(lambda x, k: x, 0, -1)
    with pytest.raises(ValueError, match=r"SaveAt steps must lie in \[0, n_steps=3\]"):
        run(lambda x, k: x, 0, 3, save=SaveAt(steps=[5]))
    with pytest.raises(ValueError, match="either steps or every"):
        run(lambda x, k: x, 0, 3, save=SaveAt(steps=[1], every=1))
