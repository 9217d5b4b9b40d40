"""Digits experiment of the PLRS chapter (brief C5-C7): an MLP trained with plain SGD
(no momentum, no weight decay, as in the paper) under several learning-rate schedules.

The network is :class:`optdyn.core.nets.DAGNet` on a chain ``64-64-64-10`` (ReLU, softmax
cross-entropy). All schedules of one seed are trained **in one batched pass**: the parameter
array has shape ``(S, size)``, every schedule starts from the same initial weights and sees the
same mini-batches (paired design); only the learning rates differ. Data:
``sklearn.datasets.load_digits`` (bundled with scikit-learn, no download), pixels / 16.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from optdyn.core.nets import DAGNet, chain, softmax_cross_entropy
from optdyn.random import as_generator
from optdyn.validation import check_in_range, check_int

__all__ = ["DigitsData", "load_digits_split", "make_mlp", "train_schedules", "lr_range_test", "evaluate"]


@dataclass(frozen=True)
class DigitsData:
    X_tr: np.ndarray
    y_tr: np.ndarray
    X_te: np.ndarray
    y_te: np.ndarray


def load_digits_split(test_size: float = 0.25, *, split_seed: int) -> DigitsData:
    """Stratified train/test split of scikit-learn's bundled digits (1797 8x8 images), X / 16.

    ``split_seed`` is the ``random_state`` of the split; it has no default: the caller states it
    (the chapter uses a fixed, documented split, independent of the chapter seed)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_size = check_in_range("test_size", test_size, 0.0, 1.0, low_closed=False, high_closed=False)
    split_seed = check_int("split_seed", split_seed, low=0)
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X / 16.0, y, test_size=test_size, stratify=y, random_state=split_seed
    )
    return DigitsData(X_tr.astype(float), y_tr.astype(np.int64), X_te.astype(float), y_te.astype(np.int64))


def make_mlp(hidden: Sequence[int] = (64, 64), n_in: int = 64, n_out: int = 10) -> DAGNet:
    """The chain ``n_in - hidden... - n_out`` with ReLU hidden layers and biases."""
    hidden = tuple(check_int("hidden", h, low=1) for h in hidden)
    return DAGNet(chain((n_in,) + hidden + (n_out,), act="relu", out_act="identity", bias=True))


def evaluate(net: DAGNet, W: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean softmax cross-entropy and accuracy of each run ``W[s]`` on ``(X, y)``: two ``(S,)`` arrays
    (one forward pass; non-finite runs get loss ``nan``)."""
    W = np.atleast_2d(W)
    with np.errstate(all="ignore"):
        out = net.predict(W, X)
        E = softmax_cross_entropy(out, y, "mean")[0].reshape(-1)
    ok = np.all(np.isfinite(W), axis=1) & np.isfinite(E)
    acc = np.where(ok, (np.argmax(np.nan_to_num(out), axis=-1) == y[None, :]).mean(axis=1), np.nan)
    return np.where(ok, E, np.nan), acc


def train_schedules(
    data: DigitsData,
    schedules: Sequence,
    *,
    epochs: int,
    batch_size: int = 32,
    hidden: Sequence[int] = (64, 64),
    rng_init,
    rng_data,
    eval_every_epoch: bool = False,
) -> dict:
    """Train one MLP per schedule with plain SGD ``w_{t+1} = w_t - eta_t grad L_B(w_t)``.

    Every schedule starts from the same initial weights (``rng_init``, fan-in init) and sees the
    same shuffled mini-batches (``rng_data``; a fresh permutation per epoch, last incomplete batch
    dropped). Step ``t`` uses ``schedule(t)``; PLRS draws its rates from its own seed.

    Returns ``train_loss`` of shape ``(S, epochs + 1)``: column 0 the initial full train-set loss,
    column ``e`` the mean mini-batch loss over epoch ``e`` (the usual "training loss per epoch");
    ``test_acc`` ``(S, epochs + 1)`` (full test set after each epoch if ``eval_every_epoch``, else
    only the last column is filled, others ``nan``); ``final_test_acc (S,)`` (final epoch, full
    test set), ``final_train_loss (S,)`` (full train set), ``lrs (S, steps)``, ``steps_per_epoch``
    and ``diverged (S,)``.
    """
    epochs = check_int("epochs", epochs, low=1)
    batch_size = check_int("batch_size", batch_size, low=1, high=data.X_tr.shape[0])
    S = len(schedules)
    if S < 1:
        raise ValueError("schedules must contain at least one schedule")
    rng_init = as_generator(rng_init, "rng_init")
    rng_data = as_generator(rng_data, "rng_data")
    n = data.X_tr.shape[0]
    spe = n // batch_size
    steps = epochs * spe
    lrs = np.stack([np.asarray(s.trace(steps), dtype=float) for s in schedules])
    if np.any(lrs < 0) or not np.all(np.isfinite(lrs)):
        raise ValueError("schedules must give finite non-negative learning rates")
    net = make_mlp(hidden, data.X_tr.shape[1], int(max(data.y_tr.max(), data.y_te.max())) + 1)
    W = np.repeat(net.init(rng_init)[None, :], S, axis=0)
    train_loss = np.empty((S, epochs + 1))
    test_acc = np.full((S, epochs + 1), np.nan)
    train_loss[:, 0] = evaluate(net, W, data.X_tr, data.y_tr)[0]
    if eval_every_epoch:
        test_acc[:, 0] = evaluate(net, W, data.X_te, data.y_te)[1]
    alive = np.ones(S, bool)
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for ep in range(epochs):
            perm = rng_data.permutation(n)
            acc_loss = np.zeros(S)
            for b in range(spe):
                idx = perm[b * batch_size:(b + 1) * batch_size]
                E, G = net.loss_grad(W, data.X_tr[idx], data.y_tr[idx], loss="softmax_ce")
                acc_loss += E
                W -= (lrs[:, t] * alive)[:, None] * G
                t += 1
            alive &= np.all(np.isfinite(W), axis=1)
            train_loss[:, ep + 1] = np.where(alive & np.isfinite(acc_loss), acc_loss / spe, np.nan)
            if eval_every_epoch or ep == epochs - 1:
                test_acc[:, ep + 1] = evaluate(net, W, data.X_te, data.y_te)[1]
    return {
        "train_loss": train_loss,
        "test_acc": test_acc,
        "final_test_acc": test_acc[:, -1].copy(),
        "final_train_loss": evaluate(net, W, data.X_tr, data.y_tr)[0],
        "lrs": lrs,
        "steps_per_epoch": spe,
        "diverged": ~alive,
    }


def lr_range_test(
    data: DigitsData,
    *,
    lr_start: float = 1e-3,
    lr_end: float = 10.0,
    n_steps: int = 300,
    batch_size: int = 32,
    smooth: float = 0.9,
    blowup: float = 4.0,
    hidden: Sequence[int] = (64, 64),
    rng_init,
    rng_data,
) -> dict:
    """Smith's LR range test: the rate grows geometrically from ``lr_start`` to ``lr_end`` over
    ``n_steps`` SGD steps; the mini-batch loss is smoothed by a bias-corrected EMA (``smooth``).
    The blow-up rate ``L_bar`` is the rate at the first step whose smoothed loss exceeds
    ``blowup`` times its running minimum (or becomes non-finite); ``lr_end`` if it never does.
    Returns ``lrs``, ``loss``, ``smoothed``, ``lr_blowup`` and ``lr_best`` (rate at the minimum)."""
    lo = check_in_range("lr_start", lr_start, 0.0, None, low_closed=False)
    hi = check_in_range("lr_end", lr_end, lo, None, low_closed=False)
    n_steps = check_int("n_steps", n_steps, low=2)
    smooth = check_in_range("smooth", smooth, 0.0, 1.0, high_closed=False)
    blowup = check_in_range("blowup", blowup, 1.0, None, low_closed=False)
    rng_init = as_generator(rng_init, "rng_init")
    rng_data = as_generator(rng_data, "rng_data")
    net = make_mlp(hidden, data.X_tr.shape[1], 10)
    w = net.init(rng_init)
    lrs = np.geomspace(lo, hi, n_steps)
    n = data.X_tr.shape[0]
    losses = np.full(n_steps, np.nan)
    sm = np.full(n_steps, np.nan)
    avg, best, stop = 0.0, np.inf, None
    perm = rng_data.permutation(n)
    pos = 0
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            if pos + batch_size > n:
                perm, pos = rng_data.permutation(n), 0
            idx = perm[pos:pos + batch_size]
            pos += batch_size
            E, g = net.loss_grad(w, data.X_tr[idx], data.y_tr[idx], loss="softmax_ce")
            losses[t] = E
            avg = smooth * avg + (1 - smooth) * E
            sm[t] = avg / (1 - smooth ** (t + 1))
            if not np.isfinite(sm[t]) or sm[t] > blowup * best:
                stop = t
                break
            best = min(best, sm[t])
            w = w - lrs[t] * g
    lr_blow = float(lrs[stop]) if stop is not None else float(hi)
    k = int(np.nanargmin(sm))
    return {"lrs": lrs, "loss": losses, "smoothed": sm, "lr_blowup": lr_blow, "lr_best": float(lrs[k]), "stop": stop}
