"""No sound device is a normal case: real libmpv, with every audio server and device made
unreachable through the environment (so the test means the same on a desktop)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services

EXE = Path(sys.executable).with_name("longtail")
NO_SOUND = {
    "PULSE_SERVER": "unix:/nonexistent/pulse", "PIPEWIRE_REMOTE": "/nonexistent/pipewire",
    "ALSA_CONFIG_PATH": "/nonexistent/alsa.conf", "JACK_NO_START_SERVER": "1",
    "JACK_DEFAULT_SERVER": "longtail-none", "SDL_AUDIODRIVER": "longtail-none", "AUDIODEV": "/nonexistent",
}


@pytest.fixture
def home(small_demo, tmp_path) -> Path:
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    return home


def local_ids(home: Path, n: int) -> list[str]:
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    try:
        return sorted(t for t, s in services.files.all_states() if s == "local")[:n]
    finally:
        services.close()


def play(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), "play", *args, "--json", "--state", str(home)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **NO_SOUND, **(env or {})})


def test_with_no_sound_device_it_plays_silently_and_says_so_in_one_line(home):
    track = local_ids(home, 1)[0]
    out = play(home, track)
    assert out.returncode == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no sound device" in lines[0], out.stderr  # and no ALSA/JACK noise
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert [e["event"] for e in events if e["event"] != "position"] == ["started", "output", "started", "ended"]
    positions = [e["seconds"] for e in events if e["event"] == "position"]
    assert len(positions) > 3 and positions == sorted(positions) and positions[-1] > 1.0
    assert events[-1]["reason"] == "eof" and events[-1]["played_seconds"] > 1.0
    log = (home / "state" / "longtail.log").read_text(errors="replace")
    assert "audio" in log.lower()  # what libmpv and the drivers said went to the log


def test_an_output_the_user_named_that_fails_stops_the_queue_with_one_line(home):
    first, second = local_ids(home, 2)
    out = play(home, first, second, "--ao", "alsa")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "audio output could not be opened" in lines[0], out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert second not in {e["id"] for e in events if "id" in e}  # never raced on to the next track
    assert [e["reason"] for e in events if e["event"] == "ended"] == ["error"]


@pytest.mark.parametrize("ao", ["a b", "nonsense-output", ""])
def test_an_ao_mpv_does_not_have_is_one_line(home, ao):
    out = play(home, local_ids(home, 1)[0], "--ao", ao)
    if ao == "":
        assert out.returncode == 0  # empty: mpv's own choice, then the fallback
        return
    # "a b" cannot be a name (a usage error, 2); a name mpv does not have fails when opened (1)
    assert out.returncode == (2 if " " in ao else 1) and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "audio output" in out.stderr


def test_without_libmpv_play_and_decode_say_what_to_install_and_checks_still_work(home, tmp_path):
    hide = tmp_path / "hide-libmpv"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import ctypes.util\n_find = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: None if name == 'mpv' else _find(name)\n")
    env = {**os.environ, "PYTHONPATH": str(hide)}
    track = local_ids(home, 1)[0]
    for args in (["play", track, "--no-ui"], ["check", track, "--decode"]):
        out = subprocess.run([str(EXE), *args, "--state", str(home)], capture_output=True, text=True, env=env,
                             timeout=120)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.strip().count("\n") == 0 and "libmpv2" in out.stderr
    out = subprocess.run([str(EXE), "check", track, "--state", str(home)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr


def test_the_status_fits_80_columns_whatever_the_notes_say():
    """The second line of the bar, laid out by priority: position and the status (what `+`,
    `-`, `m`, `r`, `R` change) at every width from 60 up, however long the notes."""
    from rich.cells import cell_len

    from tui.catalogue.records import AlbumRef, ArtistRef, Track
    from tui.core.events import FetchProgress, NowPlaying
    from tui.ui.widgets.now_playing import second_line

    track = Track(1, "4uLU6hMCjMI75M1A2tKUQC", "A title", 40, 189_000, 1, 1, False, None,
                  AlbumRef(1, "a", "An album", "album", "2001"), (ArtistRef(1, "b", "Someone"),))
    fetch = FetchProgress(track.id, "stalled", 4_000_000, 1_240_000, 0.0, 6, 1, 4, None, 900.0, None, False,
                          30.0, "stalled at 31%: no peer sent the next piece for 30 s")
    for muted, repeat, note in ((False, "off", None), (True, "queue", "via an ISRC sibling 1x2y3z…")):
        state = NowPlaying(track, "playing", -0.115, 189.0, "vorbis", "stream", 1233, 56789, 45.0, muted,
                           repeat, "album", True, fetch, "an error that is long " * 4, note,
                           "no sound device: playing silently (set `ao` to choose one)")
        for width in range(60, 201, 7):
            line = second_line(state, width).plain
            assert cell_len(line) <= width, (width, line)
            assert line.startswith("0:00 / 3:09 "), line  # never negative
            for shown in ("vol 45", "repeat " + repeat, "RG album") + (("muted",) if muted else ()):
                assert shown in line, (width, shown, line)
            if width >= 80:
                assert "stalled" in line, (width, line)  # the most urgent note has room
        assert "no sound device" in second_line(state, 400).plain  # everything, given room


async def test_at_80_columns_with_no_sound_device_every_key_shows_its_effect(small_demo, tmp_path, monkeypatch):
    """Real libmpv with no reachable sound device (the note is present): at 80×24 `-`, `m`,
    `r` and `R` each show their effect in the bar, and the note was said once as a toast."""
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.widgets.now_playing import NowPlayingBar

    for name, value in NO_SOUND.items():
        monkeypatch.setenv(name, value)
    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:2]
    app = make_app(session, play_ids=local)  # no ao: the fallback to null is what is tested
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(NowPlayingBar)

        def second() -> str:
            return str(bar.render()).splitlines()[-1]

        await wait_for(pilot, lambda: "▶" in str(bar.render()) and "no sound device" in (
            app.now_playing.output_note or ""), timeout=20)
        toasts = [n.message for n in app._notifications]
        assert sum("no sound device" in t for t in toasts) == 1, toasts
        assert "vol 100" in second() and "repeat off" in second() and "RG track" in second()
        for key, shown in (("minus", "vol 95"), ("m", "muted"), ("r", "repeat queue"), ("R", "RG album")):
            await pilot.press(key)
            await wait_for(pilot, lambda shown=shown: shown in second())
        assert "vol 95 muted · repeat queue · RG album" in second() and len(second()) <= 78
        assert "-" not in second().split("/")[0]  # the position is never negative
    session.close()


@pytest.mark.parametrize("has_cookie", [False, True])
def test_libpulse_writes_its_cookie_in_the_state_dir_unless_the_user_has_one(tmp_path, monkeypatch, has_cookie):
    """Issue 25: libpulse created ~/.config/pulse/cookie, outside the places longtail may write."""
    from tui.core.logs import keep_native_writes_in

    home = tmp_path / "home"
    (home / ".config" / "pulse").mkdir(parents=True)
    if has_cookie:
        (home / ".config" / "pulse" / "cookie").write_bytes(b"\0" * 256)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("PULSE_COOKIE", raising=False)
    keep_native_writes_in(tmp_path / "state")
    import os
    assert os.environ.get("PULSE_COOKIE") == (None if has_cookie else str(tmp_path / "state" / "pulse-cookie"))
