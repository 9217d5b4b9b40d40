"""The PLRS chapter's experiments at toy sizes: they run, return what the criteria need (the controls each claim
declares), depend only on their own named streams, and agree with the closed forms where they apply."""
import ast
import json
from pathlib import Path

import numpy as np
import pytest

from optdyn.papers.plrs import checks as ck, experiments as ex, figures as fg
from optdyn.papers.plrs.digits import load_digits_split
from optdyn.papers.plrs.parameters import SCHEMA
from optdyn.random import Streams

ROOT = Path(__file__).resolve().parents[3]
TOY = dict(seed=3, profile="quick", n_lemma=4000, n_thm1=4000, thm1_l_max_grid=[0.2], thm1_ratios=[0.5], order_l_max_lo=0.01,
           order_l_max_hi=0.4, order_n=4, R_escape=60, no_noise_steps=50, rate_l_max_lo=0.02, rate_l_max_hi=0.2, rate_n=3,
           R_exit=50, R_curve=200, R_coupling=200, conf_l_max=[0.2, 0.15, 0.1], R_conf=100, n_boot=200, digits_seeds=5,
           digits_epochs=16, n_range_tests=1, tensor_d=4, tensor_R=10, tensor_steps=500, tensor_l_max=0.001)


def _defaults() -> dict:
    nb = json.loads((ROOT / "book" / "plrs.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse("".join(cell["source"])).body}


@pytest.fixture(scope="module")
def P():
    return SCHEMA.validate({**_defaults(), **TOY})


def _controls(name, outcomes):
    main, ctrl = outcomes
    assert set(ctrl) == {c.name for c in ck.CLAIMS[name].controls}, name
    return main


def test_theory_experiments_feed_their_criteria(P):
    s = Streams(P.seed)
    _controls("lemma1_zero_mean", ck.lemma1_outcomes(ex.lemma1(P, s)))
    g = ex.thm1_grid(P, s)
    np.testing.assert_allclose(g["mc"], g["closed"], atol=6 * g["se"].max())
    _controls("thm1_identity", ck.thm1_identity_outcomes(g))
    assert ck.thm1_bound_outcome(ex.thm1_bound_exact(P), g).passed
    qe = ex.thm1_quartic(P, s)
    assert qe["grad_norm"][-1] == pytest.approx(ex.NEAR_SADDLE_MULT * qe["threshold"])
    assert np.all(qe["grad_norm"][:-1] >= 2 * qe["threshold"] * (1 - 1e-12))
    _controls("thm1_quartic", ck.thm1_quartic_outcomes(qe))
    o = ex.thm1_order(P, s)
    np.testing.assert_allclose(o["threshold"]["mc"], o["closed"], rtol=0.2)
    _controls("thm1_order", ck.thm1_order_outcomes(o, rng=s["boot"], n_boot=200))


def test_saddle_experiments_feed_their_criteria(P):
    s = Streams(P.seed)
    esc = ex.escape(P, s)
    assert set(ex.ESCAPE_ARMS) <= set(esc) and esc["PLRS, sigma = 0"]["censored"].all()
    _controls("saddle_escape", ck.saddle_escape_outcomes(esc, P.escape_t_max_mult))
    _controls("randomness_speeds_escape", ck.randomness_outcomes(esc))
    assert ck.invariance_check(ex.no_noise(P, s)).passed
    rt = ex.rate(P, s)
    assert all(np.all(t >= k) for t, k in zip(rt["exit"], rt["kinematic"]))  # the kinematic bound holds for every run
    assert rt["tstar_boot"]["PLRS"].shape[1] == P.rate_n
    _controls("thm2_rate_decrease_time", ck.decrease_time_outcomes(rt))
    cp = ex.coupling(P, s)
    assert cp["gap"].shape == (P.rate_n, P.R_coupling) and np.all(cp["gap"] < cp["gap_free"].max())
    for name, outs in (("lemma2_quadratic_model", ck.lemma2_outcomes(cp, rng=s["b2"], n_boot=200)),
                       ("lemma3_coupling", ck.lemma3_outcomes(cp, rng=s["b3"], n_boot=200)),
                       ("thm2_probability", ck.thm2_probability_outcomes(cp))):
        _controls(name, outs)
    conf = ex.confinement(P, s)
    assert conf["sup"].shape == (3, P.R_conf) and np.all(conf["sup"] >= P.conf_start * P.sigma * np.sqrt(conf["l_max"])[:, None] - 1e-12)
    _controls("thm3_confinement", ck.thm3_confinement_outcomes(conf, rng=s["b4"], n_boot=200))
    _controls("thm3_probability", ck.thm3_probability_outcomes(conf))
    for fig in (fg.escape_ecdf(esc), fg.rate(rt), fg.coupling(cp), fg.confinement(conf)):
        assert fig is not None


def test_coupling_is_exact_on_the_quadratic_part(P):
    """On the quadratic model the coupled iterates differ from the true ones only through the quartic term: with
    gamma's cubic term the gap is tiny compared with the uncoupled distance."""
    cp = ex.coupling(P, Streams(5))
    assert np.quantile(cp["gap"], 0.95) < 0.05 * np.quantile(cp["gap_free"], 0.95)


def test_digits_and_tensor_feed_their_criteria(P):
    s = Streams(P.seed)
    dg = ex.digits(P, s, load_digits_split(test_size=0.25, split_seed=0), hidden=(8,), range_steps=40)
    assert dg["final_test_acc"].shape == (len(ex.DIGITS_ARMS), P.digits_seeds)
    assert np.all(dg["train_loss"][:, 0, 0] == dg["train_loss"][0, 0, 0])  # common initial weights
    _controls("digits_noninferiority", ck.noninferiority_outcomes(dg, P.noninf_delta))
    _controls("loss_spikes", ck.spikes_outcomes(dg))
    _controls("convergence_speed", ck.speed_outcomes(dg, P.speed_margin))
    tr = ex.tensor(P, s)
    assert tr["PLRS"]["error"].shape == (tr["steps"].size, P.tensor_R) and tr["steps"][-1] == P.tensor_steps
    _controls("tensor_decomposition", ck.tensor_outcomes(tr))
    ni = ck.noninferiority_outcomes(dg, P.noninf_delta)[0]
    fg.digits_accuracy(dg, ni.details, P.noninf_delta)
    fg.digits_training(dg)
    fg.tensor(tr, P.tensor_threshold)


def test_digits_figures_survive_collapsed_runs_and_infinite_bounds(P):
    """The review's crash: a lower bound above the estimate (or infinite) must never reach a negative error bar."""
    dg = {"arms": ex.DIGITS_ARMS, "final_test_acc": np.full((8, 5), 0.97), "train_loss": np.full((8, 5, 3), np.nan),
          "range_tests": [], "l_bar": 0.5, "peak": 0.5}
    dg["final_test_acc"][1, 0] = np.nan
    details = {"hl": {"cosine_wr": 0.3, "one_cycle": None, "knee": 0.0, "multi_step": -0.1, "constant": 0.2},
               "lower": {"cosine_wr": 0.5, "one_cycle": None, "knee": None, "multi_step": -np.inf, "constant": 0.1}}
    fg.digits_accuracy(dg, details, 1.0)
    fg.digits_training(dg)


def test_streams_are_named_not_positional(P):
    """An experiment's numbers do not depend on which experiments ran before it."""
    a = ex.confinement(P, Streams(P.seed))["sup"]
    s = Streams(P.seed)
    ex.escape(P, s)
    ex.lemma1(P, s)
    np.testing.assert_array_equal(ex.confinement(P, s)["sup"], a)
