"""Diagnostics: gradient check (E0) and its negative control, sharpness, certificate constants,
violation counting, convergence measures, data sets and autoencoder specs."""
import numpy as np
import pytest

from optdyn.papers.momentum_dag import (adaptive_momentum, backprop_no_accumulation, c_const, count_violations, descent_ratios,
                        digits_images, endpoint_ratio, eta_star, fd_gradient, grad_check, parity, phase_diagram,
                        blob_images, sharpness, smooth_regression, tail_path_ratio, tail_sq_ratio, train)
from optdyn.papers.momentum_dag.autoencoder import ae_specs, mean_image_mse, mse, psnr
from optdyn.core.nets import DAGNet, chain, densenet_like, random_dag, resnet_like


def _mixed(builder):
    spec = builder((3, 5, 5, 5, 2), act="tanh", out_act="sigmoid")
    acts = (None, "tanh", "sigmoid", "tanh", "sigmoid")
    return type(spec)(spec.widths, acts, spec.edges, spec.bias)


@pytest.mark.parametrize("builder", [chain, resnet_like, densenet_like])
def test_grad_check_and_no_accumulation_control(builder):
    rng = np.random.default_rng(0)
    net = DAGNet(_mixed(builder))
    w = net.init(rng, scale=1.2)
    X = rng.standard_normal((7, 3))
    Y = rng.uniform(0.1, 0.9, (7, 2))
    assert grad_check(net, w, X, Y) < 1e-6
    E, gw = backprop_no_accumulation(net, w, X, Y)
    assert E == pytest.approx(net.loss(w, X, Y))
    err = grad_check(net, w, X, Y, grad=gw)
    if builder is chain:
        assert err < 1e-6  # on a chain every node has one child: the control is exact
    else:
        assert err > 1e-3


def test_grad_check_random_dag_mean_reduction():
    rng = np.random.default_rng(3)
    net = DAGNet(random_dag(5, (2, 5), 0.5, rng, acts=("tanh", "sigmoid", "identity"), out_act="sigmoid"))
    w = net.init(rng, scale=1.2)
    X = rng.standard_normal((7, 3))
    Y = rng.uniform(0.1, 0.9, (7, 2))
    assert grad_check(net, w, X, Y, reduction="mean") < 1e-6
    fd = fd_gradient(net, w, X, Y, reduction="mean")
    assert fd.shape == (net.size,)


def test_sharpness_matches_dense_hessian():
    rng = np.random.default_rng(1)
    net = DAGNet(resnet_like((2, 3, 3, 1), act="tanh", out_act="sigmoid"))
    w = net.init(rng, scale=1.5)
    X = rng.standard_normal((6, 2))
    Y = rng.uniform(0.1, 0.9, (6, 1))
    Hm = np.stack([net.hvp(w, e, X, Y) for e in np.eye(net.size)])
    Hm = 0.5 * (Hm + Hm.T)
    lam_true = np.abs(np.linalg.eigvalsh(Hm)).max()
    lam, v = sharpness(net, w, X, Y, iters=300, rng=0)
    assert lam == pytest.approx(lam_true, rel=1e-3)
    lam2, _ = sharpness(net, np.stack([w, w]), X, Y, iters=300, rng=0)
    assert np.allclose(lam2, lam_true, rtol=1e-3)


def test_certificate_constants():
    assert eta_star(2.0, 0.0) == pytest.approx(1.0)
    assert eta_star(1.0, 0.5) == pytest.approx(2 * 0.5 / 2.25)
    for s in (0.0, 0.3, 0.9):
        assert c_const(eta_star(3.0, s), s, 3.0) == pytest.approx(0.0, abs=1e-14)
        assert c_const(0.5 * eta_star(3.0, s), s, 3.0) == pytest.approx(0.5 * (1 - s))
    with pytest.raises(ValueError, match="L must be in"):
        eta_star(0.0, 0.5)
    with pytest.raises(ValueError, match="s must be in"):
        eta_star(1.0, 1.0)


def test_violation_counting_and_ratios():
    E = np.array([3.0, 2.0, 2.0 + 1e-13, 2.5, 1.0, np.nan])
    assert count_violations(E[:5]) == 1
    assert count_violations(E) == 2  # NaN (divergence) counts
    assert count_violations(np.stack([E[:5], E[:5][::-1]], 1)).tolist() == [1, 2]
    r = descent_ratios(np.array([2.0, 1.0, 0.5]), np.array([1.0, 2.0, 0.0]), 0.5)
    assert np.allclose(r, [2.0, 0.25])
    gn = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    assert tail_sq_ratio(gn) == 0.0
    assert tail_path_ratio(np.array([1.0, 1.0, 0.5, 0.5])) == pytest.approx(0.5)


def test_endpoint_ratio_and_convergence_on_parity():
    X, Y = parity(3)
    net = DAGNet(densenet_like((3, 4, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(0, scale=1.5)
    h = train(net, w0, X, Y, adaptive_momentum(0.2, 0.5, block_starts=net.block_starts("edge")), 4000, path_every=1000)
    assert count_violations(h.E) == 0
    assert endpoint_ratio(h) < 1e-2 and tail_path_ratio(h.step_norm) < 0.05
    h2 = train(net, w0, X, Y, adaptive_momentum(0.2, 0.5), 100, path_every=30)
    with pytest.raises(ValueError, match="path must contain"):
        endpoint_ratio(h2)


def test_phase_diagram_vectorised_equals_single():
    X, Y = parity(3)
    net = DAGNet(resnet_like((3, 4, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(2, scale=1.5)
    pd = phase_diagram(net, w0, X, Y, [0.05, 1.0], [0.0, 0.9], 60, sharpness_every=30, sharpness_iters=5, rng=0)
    assert pd["violations"].shape == (2, 2) and pd["certified"].shape == (2, 2)
    h = train(net, w0, X, Y, adaptive_momentum(1.0, 0.9, block_starts=net.block_starts("edge")), 60)
    assert pd["violations"][1, 1] == count_violations(h.E)
    assert np.allclose(pd["E_final"][1, 1], h.E[-1], rtol=1e-10)
    assert np.allclose(pd["eta_star"], 2 * (1 - np.array([[0.0], [0.9]])) / (pd["L_run"] * (1 + np.array([[0.0], [0.9]])) ** 2))


def test_data_deterministic_and_valid():
    X, Y = parity(3)
    assert X.shape == (8, 3) and set(np.unique(X)) == {-1.0, 1.0}
    assert np.allclose(Y[:, 0], np.where(((X > 0).sum(1) % 2) == 1, 0.9, 0.1))
    a, b = smooth_regression(16, 5), smooth_regression(16, 5)
    assert np.array_equal(a[0], b[0]) and a[1].shape == (16, 2)
    assert np.allclose(a[1], 0.5 + 0.4 * np.sin(2 * a[0][:, :2]))
    im = blob_images(10, 3)
    assert im.shape == (10, 64) and im.min() >= 0.1 and im.max() <= 0.9
    assert np.array_equal(im, blob_images(10, 3))
    tr, te = digits_images(20, 10, 0)
    assert tr.shape == (20, 64) and te.shape == (10, 64) and tr.min() >= 0.1 and tr.max() <= 0.9
    with pytest.raises(ValueError, match="n_train"):
        digits_images(1500, 500, 0)
    with pytest.raises(ValueError, match="J must be"):
        smooth_regression(0, 0)


def test_autoencoder_specs():
    sp = ae_specs()
    assert not sp["DAG"].crosses(3) and not sp["sequential"].crosses(3) and sp["leaky (control)"].crosses(3)
    X = blob_images(6, 1)
    assert mean_image_mse(X, X) == pytest.approx(np.mean((X - X.mean(0)) ** 2))
    assert abs(sp["sequential (matched)"].n_params - sp["DAG"].n_params) / sp["DAG"].n_params < 0.05
    net = DAGNet(sp["sequential"])
    X = blob_images(5, 0)
    m = mse(net, net.init(0), X)
    assert np.ndim(m) == 0 and psnr(m) == pytest.approx(10 * np.log10(0.64 / m))


def test_step_curvature_secant_and_L_run():
    X, Y = parity(3)
    net = DAGNet(chain((3, 4, 1), act="sigmoid", out_act="sigmoid"))
    w0 = net.init(4, scale=1.5)
    h = train(net, w0, X, Y, adaptive_momentum(0.5, 0.3), 40, sharpness_every=10, sharpness_iters=5, rng=0)
    # secant[k] = ||g_{k+1} - g_k|| / ||w_{k+1} - w_k||, recomputed by hand for the first step (plain GD)
    g0 = net.loss_grad(w0, X, Y)[1]
    w1 = w0 - 0.5 * g0
    q = np.linalg.norm(net.loss_grad(w1, X, Y)[1] - g0) / np.linalg.norm(w1 - w0)
    assert h.secant[0] == pytest.approx(q, rel=1e-10)
    # the step curvature makes the second-order expansion exact: E_1 = E_0 + g_0.dw + curv_0 ||dw||^2 / 2
    dw = w1 - w0
    assert h.gdot[0] == pytest.approx(g0 @ dw, rel=1e-12)
    assert h.E[1] == pytest.approx(h.E[0] + g0 @ dw + 0.5 * h.curv[0] * (dw @ dw), rel=1e-12)
    assert h.L_run == pytest.approx(max(h.sharpness.max(), np.nanmax(h.curv)))
    assert h.sharp_steps.tolist() == [0, 10, 20, 30, 40]
    h2 = train(net, w0, X, Y, adaptive_momentum(0.5, 0.3), 5)
    assert np.isnan(h2.L_run) and np.isnan(h2.L_sharp)  # no sharpness measured: no certificate
