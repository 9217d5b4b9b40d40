"""Experiment drivers: determinism by seed, shared noise across arms, shapes."""
import numpy as np

from optdyn.papers.plrs import experiments as X
from optdyn.papers.plrs.digits import load_digits_split


def test_lemma1_experiment_is_reproducible():
    a = X.lemma1_experiment(np.random.default_rng(3), n=5000, l_min=0.05, l_max=0.2, sigma=0.1)
    b = X.lemma1_experiment(np.random.default_rng(3), n=5000, l_min=0.05, l_max=0.2, sigma=0.1)
    np.testing.assert_array_equal(a["z_mean"], b["z_mean"])
    assert abs(X.bonferroni_z(1, 0.05) - 1.959964) < 1e-6


def test_escape_arms_share_noise():
    e = X.escape_experiment(np.random.default_rng(1), R=40, l_min=0.1, l_max=0.1, sigma=0.1, t_max=400)
    # PLRS with l_min == l_max is the constant rate: identical times under the shared noise
    np.testing.assert_array_equal(e["PLRS"]["times"], e["const eta_c"]["times"])
    assert not np.array_equal(e["placebo"]["times"], e["const eta_c"]["times"])


def test_thm1_grid_rows():
    g = X.thm1_grid_experiment(np.random.default_rng(0), n=2000, l_max_grid=[0.2], ratios=[0.5], grad_mults=[1.0, 2.0])
    assert g["mc"].shape == (2,) and np.all(g["closed"] <= g["bound"])


def test_digits_experiment_small():
    data = load_digits_split(test_size=0.25, split_seed=0)
    d = X.digits_experiment(np.random.default_rng(0), data, n_seeds=2, epochs=1, hidden=(8,), n_range_tests=1, range_steps=40)
    assert d["final_test_acc"].shape == (len(X.DIGITS_ARMS), 2)
    assert d["train_loss"].shape == (len(X.DIGITS_ARMS), 2, 2)
    assert d["peak"] == d["l_bar"] and d["spikes"].shape == (len(X.DIGITS_ARMS), 2)
    # every arm of a seed starts from the same weights
    assert np.all(d["train_loss"][:, 0, 0] == d["train_loss"][0, 0, 0])
