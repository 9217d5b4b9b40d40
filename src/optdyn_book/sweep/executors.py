"""Where sweep points run: the local :class:`~optdyn_book.workers.WorkerPool` (the same pool as
``optdyn run`` and ``build``) or a Dask cluster.

Local: each point runs in a pool worker (its own process group, with its kernel); a worker that dies
breaks the pool, which the driver restarts to re-run the unfinished points (at most
``MAX_POOL_RESTARTS`` times). On an interrupt the pool kills every worker with its kernel.

Dask: our ``LocalCluster`` (processes, 1 thread per worker) runs each point through the runner,
which starts the kernel in a worker process of its own. Workers of other deployments are daemonic by
default and cannot start ``multiprocessing`` children, so each point runs in a fresh interpreter
there (``python -m optdyn_book.sweep --run-point``, about 1 s more per point). Remote workers must
see the project at the same path (shared file system); the records travel back to the driver, which
writes them. Dask reschedules the point of a lost worker itself.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from optdyn_book.sweep.point import run_point
from optdyn_book.sweep.spec import SweepError
from optdyn_book.workers import WorkerPool, kill_tree

__all__ = ["DaskExecutor", "LocalExecutor", "MAX_POOL_RESTARTS"]

MAX_POOL_RESTARTS = 3  # local pool: restarts after a killed worker before points are recorded as crashed


class LocalExecutor:
    """Sweep points on a local :class:`~optdyn_book.workers.WorkerPool`; ``tag`` (the sweep folder) is
    set as ``OPTDYN_SWEEP`` in every worker and kernel, so their processes can be found."""

    name = "local"
    in_worker_process = True  # a point's notebook runs in the pool worker itself

    def __init__(self, workers: int, tag: str):
        self.workers = workers
        self.pool = WorkerPool(workers, env={"OPTDYN_SWEEP": tag})

    @property
    def restarts(self) -> int:
        return self.pool.restarts

    def submit(self, task: dict):
        return self.pool.submit(run_point, task)

    def as_completed(self, futures):
        return as_completed(futures)

    def is_broken(self, exc: BaseException) -> bool:
        return self.pool.is_broken(exc)

    def restart(self) -> None:
        self.pool.restart()

    def kill_workers(self) -> None:
        self.pool.kill_workers()

    def close(self, cancel: bool = False) -> None:
        self.pool.close(cancel=cancel)


class DaskExecutor:
    """Sweep points on a Dask cluster: a ``LocalCluster`` of ``workers`` processes started here, or the
    running cluster at ``scheduler`` (an address or a scheduler file)."""

    name = "dask"
    restarts = 0
    in_worker_process = False  # the runner starts its own worker process (or a fresh interpreter)

    def __init__(self, scheduler: str | None, workers: int, connect_timeout: float):
        self.pids: list[int] = []
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover
            raise SweepError("executor 'dask' needs dask[distributed] installed") from exc
        self.cluster = None
        if scheduler is None:
            import dask

            # our own workers may start processes: the runner's worker, so no extra interpreter per point
            with dask.config.set({"distributed.worker.daemon": False}):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            self.client = Client(self.cluster)
            self.workers = workers
            self.pids = list(self.client.run(os.getpid).values())
        else:
            kw: dict[str, Any] = {"timeout": f"{connect_timeout}s"}
            if Path(scheduler).suffix == ".json" and Path(scheduler).is_file():
                kw["scheduler_file"] = scheduler
                target = None
            else:
                target = scheduler
            try:
                self.client = Client(target, **kw)
            except (OSError, TimeoutError, ValueError) as exc:
                raise SweepError(
                    f"cannot reach the Dask scheduler {scheduler!r} within {connect_timeout:g} s: {exc}"
                ) from None
            try:
                self.workers = len(self.client.scheduler_info().get("workers", {}))
            except Exception:  # noqa: BLE001 - informative only
                self.workers = 0

    def is_broken(self, exc: BaseException) -> bool:  # Dask reschedules tasks of a lost worker itself
        return False

    def submit(self, task: dict):
        return self.client.submit(run_point, task, key=f"optdyn-sweep-{task['point_id']}-{time.time_ns()}", pure=False)

    def as_completed(self, futures):
        from dask.distributed import as_completed as dask_as_completed

        return dask_as_completed(futures)

    def kill_workers(self) -> None:
        """Kill the workers of our own LocalCluster with their kernels (a remote cluster is left alone;
        closing the client releases its pending tasks)."""
        for pid in self.pids:
            kill_tree(pid)

    def close(self, cancel: bool = False) -> None:
        if cancel:
            self.kill_workers()
        timeout = 3 if cancel else 10
        try:
            self.client.close(timeout=timeout)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=timeout)
