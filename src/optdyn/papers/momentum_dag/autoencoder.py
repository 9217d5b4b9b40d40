"""The autoencoder-compression example (the paper's experiment, brief Sec. 3 / claim E9).

A DAG autoencoder has skip edges only inside the encoder and inside the decoder, so the code vertex is
a cut vertex (no edge jumps over the bottleneck). It is compared with the sequential autoencoder of the
same widths and with a parameter-matched (wider) sequential one. ``leaky_autoencoder`` adds an edge that
jumps over the code vertex: a negative control whose "compression" is fake.
"""
from __future__ import annotations

import numpy as np

from optdyn.core.nets import DAGNet, DAGSpec, autoencoder, chain
from optdyn.validation import check_int

__all__ = ["AE_WIDTHS", "AE_CODE", "AE_ENC_SKIPS", "AE_DEC_SKIPS", "ae_specs", "param_matched_widths", "mean_image_mse", "mse", "psnr"]

AE_WIDTHS = (64, 32, 16, 8, 16, 32, 64)
AE_CODE = 3
AE_ENC_SKIPS = ((0, 2), (1, 3), (0, 3))
AE_DEC_SKIPS = ((3, 5), (4, 6), (3, 6))


def param_matched_widths(widths, code: int, target: int, act: str = "sigmoid", out_act: str | None = None) -> tuple[int, ...]:
    """Scale the hidden widths other than the code (``round(m * d)``; ``code = -1``: no code layer) so that
    the sequential chain's parameter count is as close as possible to ``target`` (m on a grid of step 0.01)."""
    check_int("target", target, 1)
    out_act = act if out_act is None else out_act
    best = None
    for m in np.arange(1.0, 6.0, 0.01):
        w = tuple(d if k in (0, code, len(widths) - 1) else max(1, int(round(m * d))) for k, d in enumerate(widths))
        n = chain(w, act=act, out_act=out_act).n_params
        if best is None or abs(n - target) < best[0]:
            best = (abs(n - target), w)
    return best[1]


def ae_specs(widths=AE_WIDTHS, code: int = AE_CODE, enc_skips=AE_ENC_SKIPS, dec_skips=AE_DEC_SKIPS,
             act: str = "sigmoid") -> dict[str, DAGSpec]:
    """``{"sequential", "sequential (matched)", "DAG", "leaky (control)"}`` autoencoder specs (all sigmoid)."""
    dag = autoencoder(widths, code, enc_skips, dec_skips, act=act, out_act=act)
    seq = chain(widths, act=act, out_act=act)
    matched = chain(param_matched_widths(widths, code, dag.n_params, act), act=act, out_act=act)
    leaky = DAGSpec(dag.widths, dag.acts, dag.edges + ((0, len(widths) - 1),), dag.bias)
    return {"sequential": seq, "sequential (matched)": matched, "DAG": dag, "leaky (control)": leaky}


def mean_image_mse(X_train, X) -> float:
    """Per-pixel MSE of the mean-image predictor (the training set's mean image) on ``X``: the plateau
    error of an autoencoder that has not learnt anything about its input."""
    X_train, X = np.asarray(X_train, dtype=float), np.asarray(X, dtype=float)
    return float(np.mean((X - X_train.mean(axis=0)) ** 2))


def mse(net: DAGNet, w, X) -> np.ndarray:
    """Per-run mean squared reconstruction error ``mean (x_hat - x)^2`` (over samples and pixels)."""
    R = net.predict(w, X) - X
    return np.mean(R * R, axis=(-2, -1))


def psnr(mse_value, peak: float = 0.8) -> np.ndarray:
    """PSNR in dB, ``10 log10(peak^2 / MSE)``; the pixel range is [0.1, 0.9] so the peak is 0.8."""
    return 10.0 * np.log10(peak ** 2 / np.asarray(mse_value))
