"""Signals at any moment: `longtail play` on a copy of the demo, SIGINT sent at moments spread
from the first imports to the middle of playback, and again while the shutdown the first one
started runs. Every run ends with exit 130 (143 for SIGTERM) and one line, never a traceback
or a death by the signal itself, and leaves a saved queue that reads back.

LONGTAIL_SIGNAL_RUNS sets how many moments (12 by default; 100 for the issue's own count)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_no_sound import local_ids

EXE = Path(sys.executable).with_name("longtail")
RUNS = int(os.environ.get("LONGTAIL_SIGNAL_RUNS", "12"))


@pytest.fixture(scope="module")
def home(small_demo, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("signals") / "demo"
    shutil.copytree(small_demo.home, home)
    return home


def play(home: Path, track: str) -> subprocess.Popen:
    return subprocess.Popen([str(EXE), "play", track, "--json", "--ao", "null", "--state", str(home)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def ended_cleanly(proc: subprocess.Popen, code: int, word: str) -> str:
    try:
        _out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("still running 30 s after the signal") from None
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert proc.returncode in (code, 0), (proc.returncode, err)  # 0: it had finished first
    if proc.returncode == code:
        assert lines[-1] == f"longtail: {word}", err
    assert len(lines) <= 2, err  # at most a note before it (no sound device, ...)
    return err


def saved_queue_reads_back(home: Path) -> None:
    saved = home / "state" / "player.json"
    if saved.exists():
        assert isinstance(json.loads(saved.read_text()), dict)


def interpreter_start() -> float:
    """How long Python takes here to reach its first line of longtail: a signal before that
    lands in the interpreter's own start-up (its `site` import), which no program handles."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tui.errors"], check=True)
    return time.perf_counter() - started


def test_sigint_at_any_moment_of_play_ends_in_one_line(home):
    track = local_ids(home, 1)[0]
    rng = random.Random(7)
    first = 1.5 * interpreter_start()
    # from inside longtail's first imports to the middle of a track
    moments = sorted([first, first + 0.05, first + 0.15] + [rng.uniform(0.3, 3.5) for _ in range(max(0, RUNS - 3))])
    for moment in moments:
        proc = play(home, track)
        time.sleep(moment)
        proc.send_signal(signal.SIGINT)
        ended_cleanly(proc, 130, "interrupted")
        saved_queue_reads_back(home)


def test_a_second_sigint_during_the_shutdown_does_not_cut_it(home):
    track = local_ids(home, 1)[0]
    rng = random.Random(11)
    for _ in range(max(4, RUNS // 2)):
        proc = play(home, track)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGINT)
        time.sleep(rng.uniform(0.0, 0.6))  # somewhere in the shutdown the first one started
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        ended_cleanly(proc, 130, "interrupted")
        saved_queue_reads_back(home)


def test_sigterm_stops_play_as_cleanly_with_its_own_status(home):
    track = local_ids(home, 1)[0]
    proc = play(home, track)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    ended_cleanly(proc, 143, "terminated")
    saved_queue_reads_back(home)
