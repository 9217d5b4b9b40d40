"""One writer per output folder: ``optdyn run``, ``build`` and ``sweep`` in the same tree take turns.

:func:`folder_lock` holds an exclusive ``fcntl.flock`` on ``<folder>/.lock`` for as long as a command
writes into the folder (``_build/executed/<profile>``, a sweep folder); ``optdyn build`` also holds
``_build/.site.lock`` while it stages and builds the site. A second command that needs a held lock
says so once (``waiting for another optdyn build (pid 1234) to finish with _build/executed/quick
...``) and waits; Ctrl-C stops the wait. The kernel releases a lock when its holder dies, even by
SIGKILL, so a stale ``.lock`` file never blocks anyone. Locks are re-entrant within one process
(``optdyn build`` holds the executed folder while its runner locks it again).
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["file_lock", "folder_lock", "set_command_label"]

_label = "optdyn process"
_held: dict[str, list] = {}  # resolved lock path -> [fd, depth]
_guard = threading.Lock()


def set_command_label(label: str) -> None:
    """What other processes call this one while it holds a lock, e.g. ``"optdyn build"``."""
    global _label
    _label = label


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return f"another {info.get('command', 'optdyn process')} (pid {info.get('pid', '?')})"
    except (OSError, ValueError):
        return "another optdyn process"


@contextmanager
def file_lock(path: str | os.PathLike, *, what: str | None = None, quiet: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on file ``path`` (created if needed) for the block.

    If another process holds it, print ``waiting for <holder> to finish with <what> ...`` to stderr
    (unless ``quiet``) and wait.
    """
    p = Path(path).resolve()
    key = str(p)
    with _guard:
        if key in _held:
            _held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key][1] -= 1
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(f"waiting for {_holder(fd)} to finish with {what or p.parent} ...", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)  # a signal handler that raises (Ctrl-C) ends the wait
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": _label}).encode(), 0)
        with _guard:
            _held[key] = [fd, 1]
        try:
            yield
        finally:
            with _guard:
                del _held[key]
    finally:
        os.close(fd)  # releases the lock


def folder_lock(folder: str | os.PathLike, *, quiet: bool = False):
    """:func:`file_lock` on ``<folder>/.lock``: one writer at a time in ``folder``."""
    folder = Path(folder)
    return file_lock(folder / ".lock", what=str(folder), quiet=quiet)
