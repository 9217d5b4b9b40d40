"""Small deterministic data sets for the momentum-on-DAGs chapter (numpy only; sklearn's bundled digits).

* T-par: ``parity(n_bits)``: all ``2^n`` inputs in ``{-1, +1}^n``, target 0.9 if the number of +1 is odd,
  else 0.1 (targets inside (0, 1) keep sigmoid-output weights bounded, assumption A2).
* T-reg: ``smooth_regression(J, rng)``: ``x ~ U[-1, 1]^4``, ``y = 0.5 + 0.4 sin(2 x_{1:2})`` (2 outputs).
* T-ae: ``blob_images(n, rng)``: 8x8 images of 1-3 Gaussian blobs, values in [0.1, 0.9]; or
  ``digits_images(n_train, n_test, rng)``: scikit-learn's bundled 8x8 handwritten digits rescaled to
  [0.1, 0.9] (no download), split at random.
"""
from __future__ import annotations

import numpy as np

from optdyn.random import as_generator

from optdyn.validation import check_int, check_in_range

__all__ = ["parity", "smooth_regression", "blob_images", "digits_images", "digits_classification"]


def parity(n_bits: int = 3, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """All ``2^n_bits`` +-1 inputs (rows) and parity targets ``high`` (odd number of +1) / ``low``: ``(X, Y)``."""
    n = check_int("n_bits", n_bits, 1, 12)
    check_in_range("low", low)
    check_in_range("high", high)
    bits = ((np.arange(2 ** n)[:, None] >> np.arange(n)[::-1]) & 1).astype(float)
    X = 2.0 * bits - 1.0
    Y = np.where(bits.sum(1) % 2 == 1, high, low)[:, None]
    return X, Y


def smooth_regression(J: int, rng, d_in: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``x ~ U[-1,1]^{d_in}``, ``y = 0.5 + 0.4 sin(2 x_{1:2})``: ``(X (J, d_in), Y (J, 2))``."""
    J = check_int("J", J, 1)
    d_in = check_int("d_in", d_in, 2)
    rng = as_generator(rng)
    X = rng.uniform(-1.0, 1.0, size=(J, d_in))
    return X, 0.5 + 0.4 * np.sin(2.0 * X[:, :2])


def blob_images(n: int, rng, side: int = 8) -> np.ndarray:
    """``n`` synthetic ``side x side`` images (flattened, ``(n, side^2)``): sums of 1-3 Gaussian blobs with
    random centres, widths 0.8-2 pixels and amplitudes 0.5-1, clipped to [0, 1] and mapped to [0.1, 0.9]."""
    n = check_int("n", n, 1)
    side = check_int("side", side, 2)
    rng = as_generator(rng)
    yy, xx = np.mgrid[0:side, 0:side].astype(float)
    img = np.zeros((n, side, side))
    k = rng.integers(1, 4, size=n)
    for b in range(3):
        on = (b < k)[:, None, None]
        c = rng.uniform(0, side - 1, size=(n, 2))
        sig = rng.uniform(0.8, 2.0, size=n)
        amp = rng.uniform(0.5, 1.0, size=n)
        g = amp[:, None, None] * np.exp(-((yy - c[:, 0, None, None]) ** 2 + (xx - c[:, 1, None, None]) ** 2)
                                         / (2 * sig[:, None, None] ** 2))
        img += on * g
    return 0.1 + 0.8 * np.clip(img, 0.0, 1.0).reshape(n, side * side)


def digits_images(n_train: int, n_test: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Random disjoint train/test subsets of scikit-learn's bundled 8x8 digits (1797 images, shipped with
    the package, no network), pixel values 0..16 mapped to [0.1, 0.9]: ``(X_train, X_test)``."""
    from sklearn.datasets import load_digits

    n_train = check_int("n_train", n_train, 1)
    n_test = check_int("n_test", n_test, 1)
    X = load_digits().data.astype(float)
    if n_train + n_test > X.shape[0]:
        raise ValueError(f"n_train + n_test must be <= {X.shape[0]}, got {n_train + n_test}")
    perm = as_generator(rng).permutation(X.shape[0])
    X = 0.1 + 0.8 * X / 16.0
    return X[perm[:n_train]], X[perm[n_train:n_train + n_test]]


def digits_classification(n_train: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits for classification (no download): pixels 0..16 scaled to [0, 1],
    a random training subset of ``n_train`` images and ALL remaining images as the test set:
    ``(X_train, y_train, X_test, y_test)`` with integer labels 0..9."""
    from sklearn.datasets import load_digits

    n_train = check_int("n_train", n_train, 10)
    d = load_digits()
    if n_train >= d.data.shape[0]:
        raise ValueError(f"n_train must be < {d.data.shape[0]}, got {n_train}")
    perm = as_generator(rng).permutation(d.data.shape[0])
    X, y = d.data.astype(float) / 16.0, d.target.astype(np.intp)
    return X[perm[:n_train]], y[perm[:n_train]], X[perm[n_train:]], y[perm[n_train:]]
