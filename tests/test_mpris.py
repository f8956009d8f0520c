"""MPRIS2 on a real, private D-Bus session bus, driven by playerctl (the client media keys use)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("dbus-daemon") and shutil.which("playerctl")),
                                reason="needs dbus-daemon and playerctl (./dev test installs them)")


@pytest.fixture
def session_bus(tmp_path, monkeypatch):
    """A dbus-daemon of our own: its address in DBUS_SESSION_BUS_ADDRESS for us and our children."""
    address = f"unix:path={tmp_path}/bus"
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address={address}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while not (tmp_path / "bus").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    daemon.terminate()
    daemon.wait(5)


def playerctl(*args: str) -> str:
    out = subprocess.run(["playerctl", "-p", "longtail", *args], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def wait_until(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def local_tracks(small_demo, n: int, scratch: Path) -> list[tuple[str, str]]:
    """(id, title) of local demo tracks, the longest first (time to press keys)."""
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover

    files = FileIndex(scratch / "files.sqlite3")
    files.refresh(discover(small_demo.mirror))
    ids = [t for t, s in files.all_states() if s == "local"]
    files.close()
    cat = Catalogue(CataloguePaths.from_databases(discover(small_demo.mirror).databases))
    tracks = sorted(cat.tracks_by_ids(ids).values(), key=lambda t: -t.duration_ms)[:n]
    cat.close()
    return [(t.id, t.name) for t in tracks]


def test_playerctl_drives_play_no_ui(session_bus, small_demo, tmp_path):
    (a, title_a), (b, title_b) = local_tracks(small_demo, 2, tmp_path)
    state = tmp_path / "home"
    shutil.copytree(small_demo.home, state)
    exe = Path(sys.executable).with_name("longtail")
    proc = subprocess.Popen([str(exe), "play", a, b, "--no-ui", "--ao", "null", "--state", str(state)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    signals = tmp_path / "seeked.txt"
    with signals.open("w") as out:  # the Seeked signals on the bus, as a client sees them
        monitor = subprocess.Popen(["dbus-monitor", "--session",
                                    "type='signal',interface='org.mpris.MediaPlayer2.Player',member='Seeked'"],
                                   stdout=out, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: playerctl("status") == "Playing")
        assert playerctl("metadata", "xesam:title") == title_a
        assert playerctl("metadata", "mpris:trackid").strip("'") == f"/org/longtail/track/{a}"
        length = int(playerctl("metadata", "mpris:length"))
        assert length > 5_000_000  # microseconds
        wait_until(lambda: playerctl("metadata", "mpris:artUrl").startswith("file://"))
        art = Path(playerctl("metadata", "mpris:artUrl")[len("file://"):])
        assert art.is_relative_to(state) and art.read_bytes()[:3] == b"\xff\xd8\xff"  # the cached JPEG cover
        playerctl("play-pause")
        wait_until(lambda: playerctl("status") == "Paused")
        time.sleep(0.3)  # the last position update of the paused output may still be on its way
        paused_at = float(playerctl("position"))
        time.sleep(0.6)
        assert abs(float(playerctl("position")) - paused_at) < 0.05  # paused means paused
        assert "int64" not in signals.read_text()  # playing and pausing are no seeks
        playerctl("position", "4")
        wait_until(lambda: abs(float(playerctl("position")) - 4.0) < 0.5)
        # the player said where the seek landed: one Seeked signal, at 4 s
        landed = wait_until(lambda: [int(w.split()[1]) for w in signals.read_text().splitlines() if "int64" in w])
        assert len(landed) == 1 and abs(landed[0] - 4_000_000) < 100_000
        playerctl("play-pause")
        wait_until(lambda: playerctl("status") == "Playing")
        playerctl("next")
        wait_until(lambda: playerctl("metadata", "xesam:title") == title_b)
        playerctl("volume", "0.5")
        wait_until(lambda: abs(float(playerctl("volume") or 0) - 0.5) < 0.01)
    finally:
        monitor.terminate()
        proc.terminate()
        proc.wait(15)


async def test_playerctl_drives_the_tui(session_bus, small_demo, tmp_path):
    """The TUI and MPRIS are two faces of one session: playerctl's commands show in the TUI's bar."""
    import asyncio

    from test_tui import demo_session, wait_for

    from tui.mpris import start_mpris
    from tui.ui.app import make_app

    (a, title_a), (b, _title_b) = local_tracks(small_demo, 2, tmp_path)
    session = demo_session(small_demo, tmp_path)
    mpris = start_mpris(session)
    assert mpris.name is not None  # it is on the bus
    app = make_app(session, ao="null", play_ids=[a, b])

    async def ctl(*args: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(None, lambda: playerctl(*args))

    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.now_playing.state == "playing", 15)
            for _ in range(50):  # MPRIS hears the same event on its own thread: a moment later, maybe
                if await ctl("metadata", "xesam:title") == title_a:
                    break
                await pilot.pause(0.1)
            assert await ctl("metadata", "xesam:title") == title_a
            await ctl("pause")
            await wait_for(pilot, lambda: app.now_playing.state == "paused")
            assert "⏸" in str(app.screen.query_one("NowPlayingBar").render())
            await ctl("position", "3")
            await wait_for(pilot, lambda: abs(app.now_playing.position - 3.0) < 0.5)
            await ctl("next")
            await wait_for(pilot, lambda: app.now_playing.track is not None and app.now_playing.track.id == b)
            await app.action_quit()
    finally:
        mpris.stop()
        session.close()
    assert mpris.loop is not None and mpris.loop.is_closed()  # closed by its thread, not at exit


def test_no_session_bus_is_one_line_in_the_log(small_demo, tmp_path, monkeypatch):
    from test_tui import demo_session

    from tui.mpris import start_mpris

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    session = demo_session(small_demo, tmp_path)
    try:
        face = start_mpris(session)
        assert face.name is None
        assert face.loop is None  # no event loop made (one left to the collector prints at exit)
    finally:
        session.close()
