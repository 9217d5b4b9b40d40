"""Benchmark of the dropout chapter's heaviest kernel: the paper-scale coverage experiment.

    python -m optdyn.papers.dropout_sgd.benchmark [--repeats 3]

times ASGD dropout with the online batch-means covariance at the official coverage script's scale
(Sigma = I, d = 10, p = 0.9, alpha = 0.1, n = 2e5 steps, R = 200 runs, 12 checkpoints) and prints the
wall time of each repeat and the best (the official R script needs about 12.5 s per replication, i.e.
about 40 minutes for 200).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from optdyn.papers.dropout_sgd.design import GaussianDesign, paper_beta_star
from optdyn.papers.dropout_sgd.experiments import checkpoints
from optdyn.papers.dropout_sgd.simulation import sgd_dropout_run

__all__ = ["coverage_kernel_seconds", "main"]


def coverage_kernel_seconds(*, d: int = 10, p: float = 0.9, alpha: float = 0.1, n: int = 200_000, R: int = 200,
                            seed: int = 0) -> float:
    """Wall time (s) of one paper-scale coverage simulation (ASGD averages and online covariance at checkpoints)."""
    des = GaussianDesign(paper_beta_star(d))
    cps = checkpoints(1000, n, 12)
    t0 = time.perf_counter()
    sgd_dropout_run(des, p, alpha, n, R, np.random.default_rng(seed), checkpoints=cps, average=True, online_cov=True,
                    naive_v=np.ones(d) / np.sqrt(d))
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m optdyn.papers.dropout_sgd.benchmark", description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    times = [coverage_kernel_seconds(seed=i) for i in range(a.repeats)]
    for i, t in enumerate(times):
        print(f"repeat {i}: {t:.2f} s")
    print(f"paper-scale coverage experiment (d=10, p=0.9, n=2e5, R=200, online covariance): best {min(times):.2f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
