"""End to end: `longtail` in a real terminal (tmux) on the demo, read back with capture-pane."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.name, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-t", self.name, "-p")

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


def test_search_browse_shuffle_and_quit(small_demo, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(small_demo.state, state)
    exe = Path(sys.executable).with_name("longtail")
    name = f"longtail-e2e-{time.monotonic_ns()}"
    tmux = Tmux(name)
    done = tmp_path / "exited"
    cmd = (f"{exe} --mirror {small_demo.mirror} --state {state} --ao null; "
           f"echo $? > {done}; sleep 5")
    tmux.run("new-session", "-d", "-s", name, "-x", "120", "-y", "34", cmd)
    tmux.run("resize-window", "-t", name, "-x", "120", "-y", "34")  # whatever the server's defaults
    try:
        screen = tmux.wait_for("Artists")
        assert "nothing playing" in screen
        # search
        tmux.keys("/")
        tmux.wait_for("search tracks, artists, albums")
        tmux.type("various")
        screen = tmux.wait_for("Artists (")
        assert "Various Artists" in screen
        # open the artist from the results: down into the list, to the artist row, enter
        tmux.keys("Down")
        lines = screen.splitlines()
        results = [line for line in lines if line.startswith("│")]
        header = next(i for i, line in enumerate(results) if "Artists (" in line)
        tmux.keys(*["j"] * (header - 1), "Enter")
        screen = tmux.wait_for("Compilations (")
        assert "Various Artists" in screen
        # into an album and its tracks
        tmux.keys("Enter")
        screen = tmux.wait_for("1-01")
        assert "Various Artists" in screen
        # the shuffle screen starts a stream
        tmux.keys("3")
        screen = tmux.wait_for("the whole catalogue · seed")
        assert "every track" in screen and "rejection" in screen
        tmux.keys("q")
        deadline = time.monotonic() + 15
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.exists() and done.read_text().strip() == "0"
    finally:
        tmux.run("kill-session", "-t", name)
