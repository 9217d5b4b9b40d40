"""Live progress (cell i of N, claims judged so far, elapsed time) and the quiet-by-default output of
``optdyn run``: tqdm bars on a terminal, plain lines otherwise, every log message with ``-v``."""
from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_toy import make_slow_project, start  # noqa: E402

from optdyn_book.progress import ChapterProgress, CountProgress, format_elapsed, write_state  # noqa: E402

pytestmark = pytest.mark.xdist_group("progress")

PLAIN_LINE = re.compile(r"^toy \[quick\]: cell [1-5]/5, [01] claims? judged, \d+ s$")
NOISE = ("Kernel is running over TCP", "Unable to parse line", "KeyboardInterrupt caught", "Passed unknown parameter")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_slow_project(tmp_path_factory.mktemp("progress") / "proj")


def test_plain_lines_and_no_noise_when_not_a_terminal(root, tmp_path):
    proc = start(root, "run", "toy", "--out", str(tmp_path / "a"), sleep=1.0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "toy.mean_zero  reproduced" in out
    lines = err.splitlines()
    assert lines and all(PLAIN_LINE.match(line) for line in lines), err  # progress only: no warning the user cannot act on
    assert "\r" not in err and "\x1b" not in err
    for noise in NOISE:
        assert noise not in err


def test_verbose_shows_every_message(root, tmp_path):
    proc = start(root, "run", "toy", "--out", str(tmp_path / "v"), "-v", sleep=0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Unable to parse line 6" in err  # papermill's warning about the parameters cell's trailing comment
    assert "[papermill] Executing notebook with kernel: optdyn" in err
    assert "[reproduced] toy.mean_zero" in err  # the notebook's own output, streamed


def test_terminal_gets_a_live_bar_with_cells_and_claims(root, tmp_path):
    master, slave = pty.openpty()
    env = {**os.environ, "OPTDYN_ROOT": str(root), "TOY_SLEEP": "1.5"}
    proc = subprocess.Popen([sys.executable, "-m", "optdyn_book", "run", "toy", "--out", str(tmp_path / "t")], env=env,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the pty closes when the command exits
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(master)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0
    assert "\r" in text and "toy [quick]:" in text
    assert "cell 5/5, 1 claim judged" in text  # the claim was counted while the last cell ran


def test_board_shows_one_line_per_running_chapter():
    stream = io.StringIO()  # not a terminal: plain lines
    board = ChapterProgress(stream=stream, every=0.0)
    try:
        files = {slug: board.track(slug, f"{slug} [quick]") for slug in ("a", "b")}
        for i, (slug, f) in enumerate(files.items()):
            write_state(f, {"cells": 10, "cell": 3 + i, "claims": i, "started": time.time() - 65})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and stream.getvalue().count("\n") < 2:
            time.sleep(0.05)
        board.finish("a", "a [quick]: executed in 1.0 s, 0 claims")
        assert board.state("b")["cell"] == 4
    finally:
        board.close()
    lines = stream.getvalue().splitlines()
    assert "a [quick]: cell 4/10, 0 claims judged, 1 min 05 s" in lines
    assert "b [quick]: cell 5/10, 1 claim judged, 1 min 05 s" in lines
    assert lines[-1] == "a [quick]: executed in 1.0 s, 0 claims"
    assert not Path(files["a"]).parent.exists()  # the state files went with the board


def test_point_counter_plain_lines():
    stream = io.StringIO()
    bar = CountProgress(3, initial=1, desc="sweep toy", stream=stream)
    bar.update(ok=True)
    bar.update(ok=False)
    bar.close()
    assert stream.getvalue().splitlines() == ["sweep toy: 2/3 points done, 0 s", "sweep toy: 3/3 points done, 1 failed, 0 s"]
    assert format_elapsed(59.9) == "59 s" and format_elapsed(3600) == "60 min 00 s"
