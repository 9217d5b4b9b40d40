"""Finite-difference gradients and power iteration (optdyn.core.numerics), on closed forms."""
import numpy as np
import pytest

from optdyn.core.numerics import fd_gradient, power_iteration


def test_fd_gradient_of_a_quadratic_is_exact_up_to_rounding():
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    w = np.array([0.3, -1.2, 2.0])
    f = lambda W: 0.5 * np.einsum("...i,ij,...j->...", W, A, W)  # noqa: E731
    np.testing.assert_allclose(fd_gradient(f, w, h=1e-4), A @ w, rtol=1e-9)


def test_fd_gradient_validation():
    with pytest.raises(ValueError, match="flat vector"):
        fd_gradient(lambda W: W.sum(-1), np.ones((2, 2)))
    with pytest.raises(ValueError, match="h must be"):
        fd_gradient(lambda W: W.sum(-1), np.ones(2), h=0.0)


def test_power_iteration_finds_the_top_eigenvalue_per_run():
    A = np.diag([5.0, 2.0, 1.0])
    B = np.diag([1.0, 7.0, 0.5])
    M = np.stack([A, B])
    lam, v = power_iteration(lambda V: np.einsum("rij,rj->ri", M, V), np.ones((2, 3)), 200)
    np.testing.assert_allclose(lam, [5.0, 7.0], rtol=1e-10)
    np.testing.assert_allclose(np.abs(v), [[1, 0, 0], [0, 1, 0]], atol=1e-8)
    with pytest.raises(ValueError, match="iters"):
        power_iteration(lambda V: V, np.ones(2), 0)
