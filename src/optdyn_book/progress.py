"""Live progress on stderr: which cell each running chapter is in, and how many points a sweep did.

A worker reports a chapter's state (cell ``i`` of ``N`` running, claims judged so far) by rewriting a
small JSON file (:func:`write_state`; atomic, so a killed worker never leaves a torn one); the
driver's :class:`ChapterProgress` polls those files and shows one line per running chapter. On a
terminal each line is a tqdm bar; when stderr is not a terminal (CI logs, pipes) the same
information comes as plain lines, without carriage returns or colour codes, at most one per chapter
every ``PLAIN_EVERY`` seconds (and whenever a chapter starts or ends).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

__all__ = ["ChapterProgress", "CountProgress", "format_elapsed", "is_terminal", "write_state"]

PLAIN_EVERY = 10.0  # seconds between two plain progress lines of one chapter
POLL = 0.2  # seconds between two looks at the state files


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _screen(stream: TextIO) -> dict:
    """tqdm's ``ncols`` and ``nrows`` for the terminal behind ``stream`` (100 x 24 when it reports no
    size, e.g. a fresh pty: tqdm would draw nothing)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        cols, rows = size.columns, size.lines
    except (AttributeError, OSError, ValueError):
        cols = rows = 0
    return {"ncols": cols or 100, "nrows": rows or 24}


def format_elapsed(seconds: float) -> str:
    s = int(seconds)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def write_state(path: str | os.PathLike, state: dict) -> None:
    """Replace the state file ``path`` atomically (worker side)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, p)


def _claims(k: int) -> str:
    return f"{k} claim{'' if k == 1 else 's'} judged"


class _Task:
    """One chapter on the board: its label, state file, last state and bar (or last plain line)."""

    def __init__(self, label: str, file: Path):
        self.label, self.file = label, file
        self.state: dict | None = None
        self.bar = None
        self.last_line = 0.0
        self.last_text = ""


class ChapterProgress:
    """One progress line per running chapter (driver side; see the module docstring).

    ``track(key, label)`` returns the state file a worker writes for that chapter; ``finish(key,
    line)`` ends its line (and prints ``line`` if given). ``enabled=False`` shows nothing.
    """

    def __init__(self, *, enabled: bool = True, stream: TextIO | None = None, plain: bool | None = None,
                 every: float = PLAIN_EVERY):
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.plain = (not is_terminal(self.stream)) if plain is None else plain
        self.every = every
        self.dir: Path | None = None  # state files go to track()'s folder, else to a temporary one
        self._tasks: dict[str, _Task] = {}
        self._count = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        if enabled:
            self._thread = threading.Thread(target=self._poll, daemon=True, name="optdyn-progress")
            self._thread.start()

    def track(self, key: str, label: str, folder: str | os.PathLike | None = None) -> str:
        """Start showing ``key`` (again, if it was shown already); returns the state file a worker
        writes for it, in ``folder`` (e.g. the worker pool's) or in a temporary folder."""
        with self._lock:
            self.finish(key)
            self._count += 1
            if folder is None and self.dir is None:
                self.dir = Path(tempfile.mkdtemp(prefix="optdyn-progress-"))
            f = Path(folder if folder is not None else self.dir) / f"{self._count}.json"
            self._tasks[key] = _Task(label, f)
        return str(f)

    def line(self, text: str) -> None:
        """Print ``text`` above the bars (or as a plain line)."""
        if not self.enabled:
            return
        with self._lock:
            if self.plain:
                print(text, file=self.stream, flush=True)
            else:
                from tqdm import tqdm

                tqdm.write(text, file=self.stream)

    def finish(self, key: str, text: str | None = None) -> None:
        """Stop showing ``key``; print ``text`` (its last line) if given."""
        with self._lock:
            t = self._tasks.pop(key, None)
            if t is not None and t.bar is not None:
                t.bar.close()
            if text:
                self.line(text)

    def state(self, key: str) -> dict | None:
        """The last state a worker reported for ``key`` (``None`` before it started)."""
        with self._lock:
            t = self._tasks.get(key)
            if t is None:
                return None
            self._read(t)
            return t.state

    def close(self) -> None:
        """Stop polling, remove the bars and the state files."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            for key in list(self._tasks):
                self.finish(key)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "ChapterProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- polling ---------------------------------------------------------------------------------

    @staticmethod
    def _read(t: _Task) -> None:
        try:
            t.state = json.loads(t.file.read_text())
        except (OSError, ValueError):
            pass

    def _text(self, t: _Task) -> str:
        s = t.state or {}
        cells = s.get("cells") or 0
        cell = min(int(s.get("cell") or 0) + 1, cells) if cells else 0
        elapsed = format_elapsed(time.time() - s.get("started", time.time()))
        return f"cell {cell}/{cells}, {_claims(int(s.get('claims') or 0))}, {elapsed}"

    def _poll(self) -> None:
        while not self._stop.wait(POLL):
            with self._lock:
                slots = {t.bar.pos for t in self._tasks.values() if t.bar is not None}
                for t in self._tasks.values():
                    self._read(t)
                    if t.state is None:
                        continue
                    self._show(t, slots)

    def _show(self, t: _Task, slots: set) -> None:
        text = self._text(t)
        now = time.monotonic()
        if self.plain:
            cell = text.split(",", 1)[0]
            changed = cell != t.last_text
            if t.last_line == 0.0 or (now - t.last_line >= self.every and (changed or now - t.last_line >= 3 * self.every)):
                print(f"{t.label}: {text}", file=self.stream, flush=True)
                t.last_line, t.last_text = now, cell
            return
        from tqdm import tqdm

        if t.bar is None:
            slot = next(i for i in range(len(slots) + 1) if i not in slots)
            slots.add(slot)
            t.bar = tqdm(total=max(1, t.state.get("cells") or 1), desc=t.label, position=slot, leave=False,
                         file=self.stream, bar_format="{desc}: {bar:20}", **_screen(self.stream))
        cells = t.state.get("cells") or 1
        if t.bar.total != cells:
            t.bar.total = cells
        t.bar.n = min(int(t.state.get("cell") or 0), cells)
        t.bar.bar_format = "{desc}: {bar:20} " + text.replace("{", "{{").replace("}", "}}")
        t.bar.refresh()


class CountProgress:
    """A counter of finished items (sweep points): a tqdm bar on a terminal, else a plain line per
    finished item."""

    def __init__(self, total: int, *, initial: int = 0, desc: str, unit: str = "point", enabled: bool = True,
                 stream: TextIO | None = None, plain: bool | None = None):
        self.total, self.n, self.desc, self.unit = total, initial, desc, unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.plain = (not is_terminal(self.stream)) if plain is None else plain
        self.t0 = time.time()
        self.bad = 0
        self.bar = None
        if enabled and not self.plain:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit=unit, file=self.stream, **_screen(self.stream))

    def update(self, ok: bool = True) -> None:
        self.n += 1
        self.bad += not ok
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.bad} failed" if self.bad else "", refresh=False)
            self.bar.update(1)
        elif self.enabled:
            print(f"{self.desc}: {self.n}/{self.total} {self.unit}s done" + (f", {self.bad} failed" if self.bad else "")
                  + f", {format_elapsed(time.time() - self.t0)}", file=self.stream, flush=True)

    def write(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
