"""Album art from the files' embedded pictures (ffmpeg as the oracle), spectrograms, and both
drawn in the details screen."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.oggvorbis import OggVorbis

from tui.core.commands import Play
from tui.mirror.art import embedded_cover

EXE = Path(sys.executable).with_name("longtail")


def local_track(session) -> tuple[str, Path]:
    track_id = sorted(t for t, s in session.services.files.all_states() if s == "local")[0]
    return track_id, session.services.files.entry(track_id).path


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is the oracle")
def test_longtail_art_writes_the_embedded_cover_byte_for_byte(small_demo, tmp_path):
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    track_id, path = local_track(session)
    absent = next(t for t, s in session.services.files.all_states() if s == "fetchable")
    session.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]
    out = tmp_path / "cover.jpg"
    done = subprocess.run([EXE, "art", track_id, "--out", str(out), *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-an", "-c:v", "copy", str(tmp_path / "ff.jpg")],
                   check=True, timeout=60)
    assert out.read_bytes() == (tmp_path / "ff.jpg").read_bytes() and out.read_bytes()[:3] == b"\xff\xd8\xff"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # read, never written
    assert list((tmp_path / "state" / "art").iterdir())  # cached for the next time
    # a track whose album has no local file: one line, what to do
    album_has_local = subprocess.run([EXE, "art", absent, "--out", str(tmp_path / "x.jpg"), *args],
                                     capture_output=True, text=True, timeout=60)
    if album_has_local.returncode != 0:
        assert album_has_local.stderr.count("\n") == 1 and "longtail fetch" in album_has_local.stderr


def test_a_file_without_a_picture_or_with_a_broken_one_has_no_cover(small_demo, tmp_path):
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    _track_id, path = local_track(session)
    session.close()
    copy = tmp_path / "copy.ogg"
    shutil.copyfile(path, copy)
    audio = OggVorbis(copy) if path.read_bytes()[28:35] == b"\x01vorbis" else None
    if audio is None:
        from mutagen.oggopus import OggOpus
        audio = OggOpus(copy)
    audio["metadata_block_picture"] = [base64.b64encode(b"not a picture block").decode()]
    audio.save()
    assert embedded_cover(copy) is None
    del audio["metadata_block_picture"]
    audio.save()
    assert embedded_cover(copy) is None
    (tmp_path / "garbage").write_bytes(b"OggS" + bytes(100))
    assert embedded_cover(tmp_path / "garbage") is None


async def test_the_details_screen_draws_the_cover_and_the_spectrogram(small_demo, tmp_path):
    """In a terminal without an image protocol they are half-block cells; here (no terminal)
    textual-image's text fallback: either way, inside the box, and the screen keeps working."""
    from test_tui import demo_session, wait_for
    from textual_image.widget import Image

    from tui.ui.app import make_app
    from tui.ui.screens.details import TrackDetailsScreen

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_details(session.services.catalogue.track(track_id))
        await wait_for(pilot, lambda: isinstance(app.screen, TrackDetailsScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query("#details-cover Image")) == 1, timeout=20)
        await wait_for(pilot, lambda: len(screen.query("#details-spectrogram Image")) == 1, timeout=20)
        box = screen.query_one("#details-box").region
        for image in screen.query(Image):
            if image.region.height:
                assert box.contains_region(image.region) or image.region.y >= box.bottom  # scrolled, not spilled
        assert "cutoff" in str(screen.query_one("#details-audio-title").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TrackDetailsScreen))
    session.close()


async def test_the_album_view_shows_its_cover_when_there_is_room(small_demo, tmp_path):
    """Playing a local track shows its cover beside the now-playing bar; o: a wide terminal
    shows it above the album's tracks; narrowed to 80x24 it gives its rows back to the list."""
    from fake_engine import FakeEngine
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    app = make_app(session, engine=FakeEngine())
    async with app.run_test(size=(150, 44)) as pilot:
        await wait_for(pilot, lambda: session.player is not None)
        session.send(Play((track_id,)))
        await wait_for(pilot, lambda: app.now_playing.track_id == track_id and app.now_playing.track is not None)
        await wait_for(pilot, lambda: len(app.screen.query("#now-art Image")) == 1)  # small, beside the bar
        await pilot.press("o")
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover Image")) == 1, timeout=20)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover Image")) == 0)
        await pilot.resize_terminal(150, 44)
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover Image")) == 1)
    session.close()


async def test_checking_one_track_shows_its_spectrogram_after_the_verdict(small_demo, tmp_path):
    from test_tui import demo_session, wait_for

    from tui.core.checking import CheckRequest
    from tui.ui.app import make_app
    from tui.ui.screens.check import CheckScreen

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.check(CheckRequest((track_id,)), "Checking one")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen) and app.screen.finished, timeout=30)
        await wait_for(pilot, lambda: len(app.screen.query("#check-spectrogram Image")) == 1, timeout=20)
        assert "cutoff" in str(app.screen.query_one("#check-audio-title").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CheckScreen))
    session.close()
