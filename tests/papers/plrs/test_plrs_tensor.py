"""Online orthogonal tensor decomposition: the estimator is unbiased, the gradient is the gradient, the error is zero
at the components and the projected SGD keeps unit columns."""
import numpy as np
import pytest

from optdyn.papers.plrs.tensor import orthonormal_components, projected_sgd, reconstruction_error, stochastic_gradient


def _T(A, u, v):
    return float(np.sum((A @ u) ** 2 * (A @ v) ** 2))


def test_components_and_error():
    A = orthonormal_components(5, 0)
    np.testing.assert_allclose(A @ A.T, np.eye(5), atol=1e-12)
    assert reconstruction_error(A[None], A)[0] == pytest.approx(0.0, abs=1e-12)
    assert reconstruction_error(-A[None, ::-1], A)[0] == pytest.approx(0.0, abs=1e-12)  # sign and order do not matter
    U = np.random.default_rng(1).standard_normal((3, 5, 5))
    U /= np.linalg.norm(U, axis=-1, keepdims=True)
    # closed form against the Frobenius norm of T - sum u^(x)4
    T = np.einsum("ia,ib,ic,id->abcd", A, A, A, A)
    for s in range(3):
        S = np.einsum("ia,ib,ic,id->abcd", U[s], U[s], U[s], U[s])
        assert reconstruction_error(U[s:s + 1], A)[0] == pytest.approx(np.sum((T - S) ** 2) / np.sum(T**2), rel=1e-10)


def test_estimator_is_unbiased_and_gradient_matches():
    d = 4
    A = orthonormal_components(d, 2)
    rng = np.random.default_rng(3)
    U = rng.standard_normal((1, d, d))
    # exact expectation over all 2^d Rademacher vectors
    Z = np.array(np.meshgrid(*[[-1.0, 1.0]] * d)).reshape(d, -1).T
    X = Z @ A
    G = np.mean([stochastic_gradient(U, x[None]) for x in X], axis=0)[0]
    exact = np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            if i != j:
                exact[i] += 4 * A.T @ ((A @ U[0, i]) * (A @ U[0, j]) ** 2)
    np.testing.assert_allclose(G, exact, atol=1e-10)
    f = lambda V: sum(_T(A, V[i], V[j]) for i in range(d) for j in range(d) if i != j)  # noqa: E731
    h = 1e-6
    for i, k in [(0, 0), (2, 3)]:
        E = np.zeros((d, d))
        E[i, k] = h
        assert (f(U[0] + E) - f(U[0] - E)) / (2 * h) == pytest.approx(exact[i, k], rel=1e-5, abs=1e-8)


def test_projected_sgd_shares_samples_across_arms():
    A = orthonormal_components(4, 0)
    U0 = np.random.default_rng(1).standard_normal((3, 4, 4))
    steps, E = projected_sgd(A, U0, lambda t: np.full(6, 1e-3), 200, rng_samples=np.random.default_rng(2), arms=2, record_every=50)
    assert steps.tolist() == [0, 50, 100, 150, 200] and E.shape == (5, 6)
    np.testing.assert_array_equal(E[:, :3], E[:, 3:])  # same start, same samples, same rate: identical arms
    with pytest.raises(ValueError, match="noise"):
        projected_sgd(A, U0, lambda t: np.full(6, 1e-3), 5, rng_samples=0, arms=2, noise=np.ones(3))
    steps, E = projected_sgd(A, U0, lambda t: np.full(3, 1e6), 20, rng_samples=0, arms=1, record_every=5)
    assert np.all(np.isfinite(E) | np.isnan(E))  # never raises
