"""PLRS: support, mean, variance, uniformity (KS), determinism by (seed, step), validation."""
import numpy as np
import pytest
from scipy import stats

from optdyn.papers.plrs.schedule import PLRS


def test_range_mean_variance_and_ks():
    s = PLRS(0.07, 0.1, seed=11)
    x = s.trace(50_000)
    assert x.min() >= 0.07 and x.max() <= 0.1
    se_mean = np.sqrt(s.variance / x.size)
    assert abs(x.mean() - s.eta_c) < 4 * se_mean
    # Var of the sample variance of U: (mu4 - s^4)/n with mu4 = (b-a)^4/80
    mu4 = 0.03**4 / 80
    assert abs(x.var() - s.variance) < 4 * np.sqrt((mu4 - s.variance**2) / x.size)
    assert s.variance == pytest.approx(0.03**2 / 12)
    assert stats.kstest(x, stats.uniform(loc=0.07, scale=0.03).cdf).pvalue > 1e-3
    # no serial correlation across steps (lag 1)
    r = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(r) < 4 / np.sqrt(x.size)


def test_replica_samples_uniform_and_independent_of_size():
    s = PLRS(0.2, 0.5, seed=2)
    a = s.sample(7, 20_000)
    assert a.min() >= 0.2 and a.max() <= 0.5
    assert stats.kstest(a, stats.uniform(loc=0.2, scale=0.3).cdf).pvalue > 1e-3
    np.testing.assert_array_equal(s.sample(7, 5), a[:5])
    assert not np.array_equal(s.sample(8, 5), a[:5])


def test_determinism_by_seed_and_step_random_access():
    s = PLRS(0.07, 0.1, seed=5, block=64)
    tr = s.trace(300)
    np.testing.assert_array_equal(tr, PLRS(0.07, 0.1, seed=5, block=64).trace(300))
    for t in (0, 63, 64, 65, 199, 299):
        assert s(t) == tr[t]
    assert s(250) == PLRS(0.07, 0.1, seed=5, block=64)(250)  # random access without history
    np.testing.assert_array_equal(s.trace(100), tr[:100])
    assert not np.array_equal(tr, PLRS(0.07, 0.1, seed=6, block=64).trace(300))


def test_own_stream_differs_from_plain_seed_streams():
    s = PLRS(0.0, 1.0, seed=0)
    assert not np.allclose(s.trace(10), np.random.default_rng(0).uniform(0, 1, 10))
    assert not np.allclose(s.sample(0, 10), np.random.default_rng(0).uniform(0, 1, 10))


def test_warmup_variant_and_degenerate():
    s = PLRS(0.1, 0.3, seed=1, warmup_steps=4)
    np.testing.assert_allclose(s.trace(4), [0.1, 0.15, 0.2, 0.25])
    assert s(2) == pytest.approx(0.2)
    np.testing.assert_allclose(s.sample(1, 3), [0.15] * 3)
    c = PLRS(0.2, 0.2, seed=0)
    np.testing.assert_array_equal(c.trace(5), [0.2] * 5)
    assert c.variance == 0.0


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(l_min=0.2, l_max=0.1, seed=0), "l_min must be <= l_max"),
        (dict(l_min=-0.1, l_max=0.1, seed=0), "l_min"),
        (dict(l_min=0.0, l_max=0.0, seed=0), "l_max"),
        (dict(l_min=0.1, l_max=float("inf"), seed=0), "l_max"),
        (dict(l_min=0.1, l_max=0.2, seed=-1), "seed"),
        (dict(l_min=0.1, l_max=0.2), "seed"),  # no default seed
        (dict(l_min=0.1, l_max=0.2, seed=0, block=0), "block"),
        (dict(l_min=0.1, l_max=0.2, seed=0, warmup_steps=-2), "warmup_steps"),
    ],
)
def test_validation(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PLRS(**kw)


def test_sample_validation():
    with pytest.raises(ValueError, match="size"):
        PLRS(0.1, 0.2, seed=0).sample(0, 0)
    with pytest.raises(ValueError, match="step"):
        PLRS(0.1, 0.2, seed=0)(-1)


def test_torch_adapter():
    torch = pytest.importorskip("torch")
    from optdyn.core.schedules.torch_adapter import as_torch_scheduler

    p = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([p], lr=0.5)
    s = PLRS(0.07, 0.1, seed=3)
    sch = as_torch_scheduler(opt, s)
    seen = []
    for _ in range(5):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sch.step()
    np.testing.assert_allclose(seen, s.trace(5))
