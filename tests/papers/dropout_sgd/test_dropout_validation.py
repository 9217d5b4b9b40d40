"""Parameter validation: errors name the parameter and its range, before any work."""
import numpy as np
import pytest

from optdyn.papers.dropout_sgd import (
    BlockSchedule, GaussianDesign, OnlineNBMCovariance, coupled_sq_distance, fixed_design, gd_alpha_max,
    gd_dropout_run, gd_dropout_target, gd_moments, paper_beta_star, projection_ci, sgd_dropout_run,
    sgd_identity_closed_form, sgd_moments, stationary_covariance, toeplitz_cov,
)

DES = GaussianDesign(paper_beta_star(3))
X, Y = fixed_design(20, paper_beta_star(3), np.random.default_rng(0))


@pytest.mark.parametrize("p", [0.0, -0.1, 1.5])
def test_retain_probability(p):
    with pytest.raises(ValueError, match=r"p must be in \(0"):
        sgd_dropout_run(DES, p, 0.1, 10, 2, 0)
    with pytest.raises(ValueError, match="p must be in"):
        gd_dropout_target(X, Y, p)
    with pytest.raises(ValueError, match="p must be in"):
        sgd_moments(DES, p)


def test_R_and_steps():
    with pytest.raises(ValueError, match="R must be"):
        sgd_dropout_run(DES, 0.9, 0.1, 10, 0, 0)
    with pytest.raises(ValueError, match="n_steps must be"):
        sgd_dropout_run(DES, 0.9, 0.1, 0, 2, 0)
    with pytest.raises(TypeError, match="R must be an integer"):
        gd_dropout_run(X, Y, 0.9, 0.01, 10, 2.5, 0)
    with pytest.raises(ValueError, match="R must be"):
        OnlineNBMCovariance(0, 3)
    with pytest.raises(ValueError, match="K must be"):
        coupled_sq_distance("sgd", 0.9, 0.1, 0, 5, 0, 0.0, 1.0, design=DES)


@pytest.mark.parametrize("alpha", [0.0, -0.1])
def test_nonpositive_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must"):
        sgd_dropout_run(DES, 0.9, alpha, 10, 2, 0)
    with pytest.raises(ValueError, match="alpha must"):
        gd_dropout_run(X, Y, 0.9, alpha, 10, 2, 0)


def test_unstable_alpha_reports_threshold():
    thr = 2 / (3 + 2 * 0.9)
    with pytest.raises(ValueError, match=rf"alpha must be in \(0, {thr:.6g}\)"):
        sgd_dropout_run(DES, 0.9, 0.5, 10, 2, 0)
    with pytest.raises(ValueError, match=rf"\(0, {thr:.6g}\)"):
        sgd_identity_closed_form(3, 0.9, thr, paper_beta_star(3))
    m = gd_moments(X, Y, 0.9)
    from optdyn.papers.dropout_sgd import spectral_threshold

    thr_gd = spectral_threshold(m)
    with pytest.raises(ValueError, match=rf"alpha must be in \(0, {thr_gd:.6g}\)"):
        gd_dropout_run(X, Y, 0.9, 1.5 * thr_gd, 10, 2, 0)
    with pytest.raises(ValueError, match="alpha must be in"):
        stationary_covariance(m, 2 * thr_gd)
    des = GaussianDesign(paper_beta_star(3), toeplitz_cov(3, 0.5))
    with pytest.raises(ValueError, match="threshold"):
        sgd_dropout_run(des, 0.5, 5.0, 10, 2, 0)
    assert gd_alpha_max(X) < thr_gd


def test_other_arguments():
    with pytest.raises(ValueError, match="checkpoints must lie"):
        sgd_dropout_run(DES, 0.9, 0.1, 10, 2, 0, checkpoints=[0, 5])
    with pytest.raises(ValueError, match="beta0 must broadcast"):
        sgd_dropout_run(DES, 0.9, 0.1, 10, 2, 0, beta0=np.zeros(4))
    with pytest.raises(ValueError, match="mask_mode"):
        sgd_dropout_run(DES, 0.9, 0.1, 10, 2, 0, mask_mode="scaled")
    with pytest.raises(TypeError, match="rng"):
        sgd_dropout_run(DES, 0.9, 0.1, 10, 2, None)
    with pytest.raises(ValueError, match="sigma"):
        GaussianDesign(paper_beta_star(3), sigma=-1.0)
    with pytest.raises(ValueError, match="cov must be positive definite"):
        GaussianDesign(paper_beta_star(2), cov=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="zeta"):
        BlockSchedule(1.0, 1.0)
    with pytest.raises(ValueError, match="level"):
        projection_ci(np.zeros((2, 3)), np.eye(3), 10, np.ones(3), level=1.5)
    with pytest.raises(ValueError, match="r must be in"):
        toeplitz_cov(3, 1.0)
