"""Noise models: sign means vs Monte Carlo, densities at zero, batch scaling, validation."""
import math

import numpy as np
import pytest
from scipy import stats

from optdyn.papers.adaptive_sdes import GaussianNoise, StudentTNoise
from optdyn.papers.adaptive_sdes.noise import student_t_sign_mean, t_density_at_zero


@pytest.mark.parametrize("noise", [GaussianNoise(0.7), GaussianNoise(2.0, batch_size=4), StudentTNoise(1.3, 1.0),
                                   StudentTNoise(0.8, 2.5), StudentTNoise(1.0, math.inf)])
def test_sign_mean_vs_monte_carlo(noise):
    rng = np.random.default_rng(0)
    g = np.array([-1.5, -0.3, 0.0, 0.4, 2.0])
    n = 200_000
    Z = noise.sample(rng, (n, g.size))
    mc = np.sign(g + Z).mean(0)
    se = np.sqrt((1 - mc**2) / n)
    exact = noise.sign_mean(g)
    assert np.all(np.abs(mc - exact) <= 5 * se + 1e-12)  # 5-sigma tolerance


def test_closed_forms_of_sign_mean():
    y = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(student_t_sign_mean(y, 1.0), 2 / np.pi * np.arctan(y), rtol=1e-12)
    np.testing.assert_allclose(student_t_sign_mean(y, 1e8), student_t_sign_mean(y, math.inf), atol=1e-6)
    np.testing.assert_allclose(student_t_sign_mean(y, 3.0), 2 * stats.t.cdf(y, 3.0) - 1, atol=1e-12)


def test_density_at_zero_and_covariance():
    assert GaussianNoise(2.0).density_at_zero() == pytest.approx(1 / (math.sqrt(2 * math.pi) * 2.0))
    for nu in (1.0, 2.0, 3.0, 5.0):
        assert t_density_at_zero(nu) == pytest.approx(stats.t.pdf(0.0, nu), rel=1e-12)
    assert StudentTNoise(2.0, 1.0).density_at_zero() == pytest.approx(1 / (math.pi * 2.0))
    assert np.isinf(StudentTNoise(1.0, 2.0).cov_diag())
    assert StudentTNoise(2.0, 4.0).cov_diag() == pytest.approx(4.0 * 2.0)
    nz = GaussianNoise([1.0, 4.0], batch_size=16)
    np.testing.assert_allclose(nz.scale, [0.25, 1.0])
    np.testing.assert_allclose(nz.cov_diag(), [0.0625, 1.0])


def test_zero_noise_gives_sign():
    np.testing.assert_array_equal(GaussianNoise(0.0).sign_mean(np.array([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def test_seeded_sampling():
    a = StudentTNoise(1.0, 1.0).sample(np.random.default_rng(4), (3, 2))
    b = StudentTNoise(1.0, 1.0).sample(4, (3, 2))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call,match", [
    (lambda: GaussianNoise(-1.0), "sigma"),
    (lambda: GaussianNoise(1.0, batch_size=0), "batch_size"),
    (lambda: StudentTNoise(1.0, 0.0), "nu"),
    (lambda: StudentTNoise(1.0, -2.0), "nu"),
    (lambda: StudentTNoise(-1.0, 3.0), "scale"),
    (lambda: GaussianNoise([[1.0]]), "sigma"),
])
def test_noise_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
