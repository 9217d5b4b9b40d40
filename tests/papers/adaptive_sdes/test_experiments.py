"""The chapter's experiments at toy sizes: they run, return what the criteria need, depend only on their own
named streams, and the exact computations agree with simulation."""
import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

from optdyn.papers.adaptive_sdes import checks as ck, experiments as ex
from optdyn.papers.adaptive_sdes.noise import GaussianNoise, StudentTNoise
from optdyn.papers.adaptive_sdes.parameters import SCHEMA
from optdyn.papers.adaptive_sdes.problems import DiagQuadratic
from optdyn.papers.adaptive_sdes.simulation import run_optimizer
from optdyn.core.optim import signsgd
from optdyn.random import Streams

ROOT = Path(__file__).resolve().parents[3]


def _defaults() -> dict:
    nb = json.loads((ROOT / "book" / "adaptive_sdes.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse("".join(cell["source"])).body}

SMALL = dict(d=3, R=32, R_level=32, R_phase=64, R_rate=64, R_heavy=64, R_near=64, R_sign_order=64, R_order=64, R_batch=32,
             mb_rows=200, T_batch=1.0, sigma_rates=[0.5, 1.0, 2.0], sigma_grid=[0.25, 0.5, 1.0], batch_grid=[4, 8, 16],
             nus=[1.0, 3.0, "inf"], nu_sde=[1.0], order_etas=[0.02, 0.01, 0.005], T_order=1.0, rms_thetas=[1.0],
             adam_thetas=[1.0], adam_sigma_grid=[1.0, 2.0, 4.0], deltas=[1, 4], scaling_samples=400, rate_samples=80,
             signsgd_scaling_samples=400, signsgd_rate_samples=80, net_n=20, net_width=3, net_T=0.1, net_etas=[0.02, 0.01, 0.005],
             R_net=64)


@pytest.fixture(scope="module")
def P():
    return SCHEMA.validate({**_defaults(), **SMALL, "profile": "quick"})


def test_every_experiment_runs_and_feeds_its_criterion(P):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optdyn.papers.adaptive_sdes import figures as fg

    s = Streams(1)
    for runs, boot in ((ex.signsgd_order(P, s), "c1"), (ex.t_order(P, s), "c5c"), (ex.rmspropw_order(P, s), "c6"),
                       (ex.adamw_order(P, s), "c7"), (ex.network_order(P, s), "c12")):
        main, ctrl = ck.order_outcomes(runs, rng=s["boot", boot], n_boot=100)
        spec = ck.CLAIMS[{"c1": "signsgd_sde_tracks", "c5c": "signsgd_t_sde_tracks", "c6": "rmspropw_sde_tracks",
                          "c7": "adamw_sde_tracks", "c12": "network_sde_tracks"}[boot]]
        assert set(ctrl) == {c.name for c in spec.controls}
        fg.order(runs if isinstance(runs, list) else [runs], "toy", "opt")
    c2 = ex.phases(P, s)
    fg.phases(c2)
    main, ctrl = ck.phases_outcomes(c2, P.eta, rng=s["boot", "c2"])
    assert set(ctrl) == {c.name for c in ck.CLAIMS["signsgd_phases"].controls}
    r3 = ex.rates(P, s)
    ck.rate_outcomes(r3, rng=s["boot", "c3"])
    assert set(ck.bound_outcomes(r3, P)[1]) == {c.name for c in ck.CLAIMS["signsgd_phase3_bound"].controls}
    assert ck.sgd_linearity_check(ex.sgd_linearity(P, s)).passed
    c4, mb, c5, c8, c9 = ex.sigma_levels(P, s), ex.minibatch_levels(P, s), ex.heavy_tails(P, s), ex.levels_adaptive(P, s), ex.scaling(P, s)
    outs = {**ck.sigma_level_outcomes(c4, P.sigma_grid, rng=s["boot", "c4"]), **ck.heavy_outcomes(c5),
            **ck.adaptive_level_outcomes(c8, P, rng=s["boot", "c8"]), **ck.scaling_outcomes(c9, rng=s["boot", "c9"]),
            "loss_batch_scaling": ck.minibatch_outcomes(mb, P.batch_grid, P.eta, rng=s["boot", "mb"]),
            "adam_eta_rho1_term": ck.ablation_outcomes(ex.adam_ablation(P, s))}
    fg.sigma_levels(c4, P.sigma_grid, mb, P.batch_grid, ck.minibatch_theory(mb["data"], P.batch_grid, P.eta))
    fg.heavy(c5)
    fg.adaptive_levels(c8, P.adam_sigma_grid, ck.adaptive_level_theory(c8, P))
    fg.scaling(c9, P.deltas)
    for name, (o, ctrl) in outs.items():
        assert set(ctrl) == {c.name for c in ck.CLAIMS[name].controls}, name
    c11 = ex.stationary_exact(P)
    assert ck.stationary_exact_check(c11).passed
    fg.stationary_exact(c11)
    plt.close("all")


def test_streams_are_named_not_positional(P):
    a = ex.sigma_levels(P, Streams(4))["SGD"][0]
    s = Streams(4)
    ex.rates(P, s)
    np.testing.assert_array_equal(ex.sigma_levels(P, s)["SGD"][0], a)


@pytest.mark.parametrize("noise", [GaussianNoise(0.5), StudentTNoise(1.0, 1.0)])
def test_signsgd_lattice_matches_simulation(noise):
    """The exact E f of 1-D SignSGD on its lattice agrees with a Monte Carlo of the optimiser (5 SE)."""
    lam, eta, K = 10.0, 0.02, 120
    at = np.array([5, 30, 60, 120])
    exact = ex.signsgd_lattice(lam, noise, eta, 1.0, K, at, K // 2)
    tr = run_optimizer(signsgd(eta=eta), DiagQuadratic([lam]), noise, 1.0, n_steps=K, R=20000, rng=11, record_at=at, average_from=K // 2)
    mc = np.concatenate([tr.loss.mean(1), [tr.level.mean()]])
    se = np.concatenate([tr.loss.std(1), [tr.level.std()]]) / math.sqrt(20000)
    assert np.all(np.abs(mc - exact) <= 5 * se + 1e-12)


def test_stationary_laws_exact():
    """Lattice and quadrature stationary laws: both approach the linearised Lemma 3.7 value as eta -> 0, and the
    lattice chain's E x^2 matches a long simulation of SignSGD."""
    lam, sig = 4.0, 0.5
    lin = lambda eta: eta / (2 * math.sqrt(2 / math.pi) * lam / sig)  # noqa: E731
    for eta in (0.01, 0.001):
        assert ex._sde_stationary(lam, sig, eta) == pytest.approx(lin(eta), rel=0.03)
        assert ex._lattice_stationary(lam, sig, eta) == pytest.approx(lin(eta), rel=0.03 + 0.5 * eta * math.sqrt(2 / math.pi) * lam / sig)
    K = 4000
    tr = run_optimizer(signsgd(eta=0.01), DiagQuadratic([lam]), GaussianNoise(sig), 0.0, n_steps=K, R=2000, rng=12, record_every=K,
                       average_from=K // 4)
    assert tr.level.mean() / (lam / 2) == pytest.approx(ex._lattice_stationary(lam, sig, 0.01), rel=0.02)


def test_minibatch_data_and_driver(P):
    data = ex.minibatch_data(P, np.random.default_rng(0))
    assert data.excess(data.x_hat[None])[0] == pytest.approx(0.0, abs=1e-12)
    g = data.batch_grad(data.x_hat[None], np.arange(data.N)[None])  # the full batch: gradient 0 at x_hat
    np.testing.assert_allclose(g, 0.0, atol=1e-10)
    assert data.per_sample_sd().shape == (P.d,)
