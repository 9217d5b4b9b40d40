"""Worker processes of ``optdyn run``, ``build`` and ``sweep``, and how every command stops.

:class:`WorkerPool` is the one process pool of the book tooling: a ``spawn`` pool whose workers each
lead their own process group, so a Ctrl-C at the terminal reaches the driver (the ``optdyn``
process) only, and the driver decides what stops. On an interrupt the driver SIGKILLs every worker
with all its descendants (the notebook's kernel included, although Jupyter starts it in a session of
its own); a worker whose driver died, even by SIGKILL, kills its own process tree. Kernels started in
a worker keep their connection files and IPC sockets in the pool's private folder, removed when the
pool closes.

:func:`stop_on_signals` makes SIGINT and SIGTERM raise :class:`Interrupted` in the main thread, once;
the CLI exits with ``128 + signal number`` (130 for SIGINT, 143 for SIGTERM). A second signal while
the driver is stopping its workers kills them at once and exits. Code that must not be cut in half
(moving an executed notebook and its sidecar into place) runs under :func:`deferred_interrupts`.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["Interrupted", "WorkerPool", "deferred_interrupts", "kill_tree", "stop_on_signals"]


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the driver; ``exit_code`` is ``128 + signum``."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# ------------------------------------------------------------------------------------------------
# Killing process trees
# ------------------------------------------------------------------------------------------------


def _gone(p) -> bool:
    import psutil

    try:
        return p.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def kill_tree(pid: int, *, include_root: bool = True, timeout: float = 3.0) -> None:
    """SIGKILL every descendant of ``pid`` (the kernel too, whatever its session), then ``pid``.

    Waits up to ``timeout`` seconds until they are gone or zombies, without reaping anything, so
    the parent of each (e.g. ``multiprocessing``) still collects its own children.
    """
    import psutil

    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + ([root] if include_root else [])
    except psutil.Error:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_gone(p) for p in procs):
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------------
# Signals
# ------------------------------------------------------------------------------------------------

_stopping: int | None = None  # signum of the interrupt being handled
_deferred = 0  # depth of deferred_interrupts() blocks
_pending: int | None = None  # a signal that arrived inside deferred_interrupts()
_pools: set["WorkerPool"] = set()  # live pools, killed at once on a second signal


def _on_signal(signum, frame) -> None:
    global _stopping, _pending
    if _stopping is not None:  # second signal while stopping: no more waiting
        for pool in list(_pools):
            pool.kill_workers()
        os._exit(128 + signum)
    if _deferred:
        _pending = _pending or signum
        return
    _stopping = signum
    raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While active, SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (a no-op
    elsewhere). The previous handlers come back on exit."""
    global _stopping, _pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    _stopping = _pending = None
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _stopping = _pending = None


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold an interrupt that arrives inside the block until the block is done, then raise it."""
    global _deferred, _pending, _stopping
    _deferred += 1
    try:
        yield
    finally:
        _deferred -= 1
        if not _deferred and _pending is not None and _stopping is None:
            signum, _pending = _pending, None
            _stopping = signum
            raise Interrupted(signum)


# ------------------------------------------------------------------------------------------------
# The pool
# ------------------------------------------------------------------------------------------------


def _watch_driver(driver: int, pool_dir: str) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != driver:  # the driver died (e.g. SIGKILL): clean up for it, then take the kernel and this worker down
            shutil.rmtree(pool_dir, ignore_errors=True)
            kill_tree(os.getpid())


def _init_worker(pool_dir: str, env: dict[str, str]) -> None:
    """Runs first in every worker: own process group, the pool's environment, a pid file for the
    driver, and a watchdog that removes the pool's folder and kills this worker's tree if the driver dies."""
    os.setpgrp()
    os.environ.update(env)
    (Path(pool_dir) / "pids" / str(os.getpid())).touch()
    threading.Thread(target=_watch_driver, args=(os.getppid(), pool_dir), daemon=True, name="optdyn-watchdog").start()


class WorkerPool:
    """A ``spawn`` process pool for chapter executions (see the module docstring).

    ``env`` is added to every worker's environment (and so to its kernels'). When a worker dies the
    pool breaks (:meth:`is_broken`); :meth:`restart` starts a fresh one. Use it as a context manager:
    leaving the block by an exception (an interrupt included) kills the workers instead of waiting.
    """

    def __init__(self, workers: int, *, env: dict[str, str] | None = None):
        self.workers = max(1, int(workers))
        self.restarts = 0
        self.dir = Path(tempfile.mkdtemp(prefix="optdyn-pool-"))
        for sub in ("pids", "tmp", "state"):
            (self.dir / sub).mkdir()
        # the runner keeps each kernel's connection file and IPC sockets under this folder
        self.env = {**(env or {}), "OPTDYN_WORKER_TMP": str(self.dir / "tmp")}
        self._start()
        _pools.add(self)

    def _start(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_worker, initargs=(str(self.dir), self.env))

    @property
    def state_dir(self) -> Path:
        """Where tasks report their progress (removed with the pool, even if the driver is killed)."""
        return self.dir / "state"

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any):
        return self.pool.submit(fn, *args, **kwargs)

    @staticmethod
    def is_broken(exc: BaseException) -> bool:
        """Whether ``exc`` (from a future) means a worker died and the pool must be restarted."""
        return isinstance(exc, BrokenProcessPool)

    def worker_pids(self) -> list[int]:
        """Live workers of this pool (recorded pids that are still children of this process)."""
        import psutil

        try:
            recorded = {int(f.name) for f in (self.dir / "pids").iterdir() if f.name.isdigit()}
        except OSError:
            recorded = set()
        try:
            children = {c.pid for c in psutil.Process().children()}
        except psutil.Error:  # pragma: no cover
            children = set()
        return sorted(recorded & children)

    def kill_workers(self) -> None:
        """SIGKILL every worker with its descendants (kernels included)."""
        for pid in self.worker_pids():
            try:
                os.killpg(pid, signal.SIGKILL)  # anything left in the worker's group
            except (ProcessLookupError, PermissionError):
                pass
            kill_tree(pid)

    def restart(self) -> None:
        """Kill the workers (their points run again) and start a fresh pool."""
        self.kill_workers()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        self._start()

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers to finish (``cancel=False``) or kill them (``cancel=True``)."""
        try:
            if cancel:
                self.kill_workers()
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        finally:
            _pools.discard(self)
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)
