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
    """A tmux server of the test's own (its own socket, no user config), so that tests share
    no server state; `kill-session` of the last session ends it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null", *args], capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL).stdout

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

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> str:
        """The screen once it has stopped changing for `quiet` seconds (results still arriving
        would move the rows under the keys that follow)."""
        deadline = time.monotonic() + timeout
        screen, since = self.screen(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.screen()
            if now != screen:
                screen, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return screen


def longtail_in_tmux(small_demo, tmp_path, label: str, size: tuple[int, int] = (120, 34),
                     env: str = "") -> tuple[Tmux, str, Path]:
    """longtail on a copy of the demo's state in a tmux server of its own; returns the tmux,
    its session name, and the file that gets longtail's exit status once it ends."""
    state = tmp_path / "state"
    shutil.copytree(small_demo.state, state)
    exe = Path(sys.executable).with_name("longtail")
    name = f"longtail-{label}-{time.monotonic_ns()}"
    tmux = Tmux(name)
    done = tmp_path / "exited"
    width, height = str(size[0]), str(size[1])
    tmux.run("new-session", "-d", "-s", name, "-x", width, "-y", height,
             f"{env}{exe} --mirror {small_demo.mirror} --state {state} --ao null; echo $? > {done}; sleep 5")
    tmux.run("resize-window", "-t", name, "-x", width, "-y", height)  # whatever the server's defaults
    return tmux, name, done


def test_search_browse_shuffle_and_quit(small_demo, tmp_path):
    tmux, name, done = longtail_in_tmux(small_demo, tmp_path, "e2e")
    try:
        screen = tmux.wait_for("Artists")
        assert "nothing playing" in screen
        # search
        tmux.keys("/")
        tmux.wait_for("search tracks, artists, albums")
        tmux.type("various")
        tmux.wait_for("Artists (")
        screen = tmux.settle()
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
        screen = tmux.wait_for("playable · seed")  # what can play, at first
        assert "every track" in screen and "subset" in screen
        tmux.keys("q")
        deadline = time.monotonic() + 15
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.exists() and done.read_text().strip() == "0"
    finally:
        tmux.run("kill-session", "-t", name)


def hangul_word(mirror: Path) -> str:
    """A Hangul word of some track title (the demo draws them at random)."""
    import re
    import sqlite3

    db = next(mirror.rglob("spotify_clean.sqlite3"))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for (name,) in conn.execute("SELECT name FROM tracks"):
            if found := re.search(r"[\uac00-\ud7a3]{2,}", name):
                return found.group()
    raise AssertionError("the demo has no Hangul title")


def test_rows_of_every_script_fit_their_box_at_80x24_and_40x12(small_demo, tmp_path):
    """Devanagari vowel signs, Hangul and kana in 80×24, then 40×12: every boxed row still
    ends at its right border (tmux places cells as glibc's wcwidth does) and no horizontal
    scrollbar appears. (Growing back is tested with the pilot: test_tui.py.)"""
    tmux, name, _done = longtail_in_tmux(small_demo, tmp_path, "cells", size=(80, 24))

    def boxed_rows_close(screen: str) -> list[str]:
        rows = [line for line in screen.splitlines() if line.startswith("│")]
        assert rows, screen
        return [line for line in rows if not line.endswith("│")]

    def settled() -> str:
        """The screen once the notifications (drawn with ▌ over the boxes) have gone."""
        deadline = time.monotonic() + 20
        while "▌" in (screen := tmux.screen()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return screen

    hangul = hangul_word(small_demo.mirror)
    try:
        tmux.wait_for("Artists")
        for word in ("सपना", "बारिश", hangul):
            tmux.keys("/")
            time.sleep(0.5)
            tmux.keys("C-u")  # the last query is kept: clear it
            tmux.wait_for("search tracks, artists, albums")
            tmux.type(word)
            tmux.wait_for(word)  # typed: "Tracks (" alone can still be the last word's results
            tmux.wait_for("Tracks (")
            screen = settled()
            assert word in screen, screen
            assert boxed_rows_close(screen) == [], screen
            tmux.keys("Escape")
            time.sleep(0.3)  # two escapes at once would read as one alt+escape
            tmux.keys("Escape")
            tmux.wait_for("Artists")
        tmux.keys("l", "l")  # the library's three boxes, with names of every script
        time.sleep(1)
        assert boxed_rows_close(settled()) == []
        tmux.run("resize-window", "-t", name, "-x", "40", "-y", "12")
        time.sleep(1.5)
        small = tmux.screen()
        assert boxed_rows_close(small) == [], small
        assert "▌" not in small, small  # a horizontal scrollbar's thumb: rows must fit the width
    finally:
        tmux.run("kill-session", "-t", name)
