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
    from mutagen.oggopus import OggOpus
    audio = OggVorbis(copy) if path.read_bytes()[28:35] == b"\x01vorbis" else OggOpus(copy)
    audio["metadata_block_picture"] = [base64.b64encode(b"not a picture block").decode()]
    audio.save()
    assert embedded_cover(copy) is None
    del audio["metadata_block_picture"]
    audio.save()
    assert embedded_cover(copy) is None
    (tmp_path / "garbage").write_bytes(b"OggS" + bytes(100))
    assert embedded_cover(tmp_path / "garbage") is None


async def test_the_details_screen_draws_the_cover_and_the_spectrogram(small_demo, tmp_path):
    """In a terminal without an image protocol (and here, with no terminal) they are half-block
    cells: inside the box, and the screen keeps working."""
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.screens.details import TrackDetailsScreen

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_details(session.services.catalogue.track(track_id))
        await wait_for(pilot, lambda: isinstance(app.screen, TrackDetailsScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query("#details-cover .picture")) == 1, timeout=20)
        await wait_for(pilot, lambda: len(screen.query("#details-spectrogram .picture")) == 1, timeout=20)
        box = screen.query_one("#details-box").region
        for image in screen.query(".picture"):
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
        await wait_for(pilot, lambda: len(app.screen.query("#now-art .picture")) == 1)  # small, beside the bar
        await pilot.press("o")
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover .picture")) == 1, timeout=20)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover .picture")) == 0)
        await pilot.resize_terminal(150, 44)
        await wait_for(pilot, lambda: len(app.screen.query("#album-cover .picture")) == 1)
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
        await wait_for(pilot, lambda: len(app.screen.query("#check-spectrogram .picture")) == 1, timeout=20)
        assert "cutoff" in str(app.screen.query_one("#check-audio-title").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CheckScreen))
    session.close()


def test_out_never_replaces_what_is_there_but_a_file(small_demo, tmp_path):
    """`--out` into a device or a FIFO writes into it (a rename over /dev/null, run as root,
    replaced the machine's); a link is followed and stays a link; an empty path, a missing
    folder, a directory and a FIFO nobody reads are each one line, and no hang."""
    import os
    import stat
    import threading

    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    session.close()
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]

    def art(out: str) -> subprocess.CompletedProcess:
        return subprocess.run([EXE, "art", track_id, "--out", out, *args], capture_output=True, text=True, timeout=60)

    good = tmp_path / "cover.jpg"
    assert art(str(good)).returncode == 0
    cover = good.read_bytes()
    if os.geteuid() == 0:  # a null device of our own, so that a regression replaces only it
        node = tmp_path / "null"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        before = os.lstat(node)
        assert art(str(node)).returncode == 0
        after = os.lstat(node)
        assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    link = tmp_path / "link.jpg"
    target = tmp_path / "target.jpg"
    target.write_bytes(b"old")
    link.symlink_to(target)
    assert art(str(link)).returncode == 0
    assert link.is_symlink() and target.read_bytes() == cover  # the link kept, its file replaced whole
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    nobody = art(str(fifo))
    assert nobody.returncode == 1 and "nobody reads" in nobody.stderr and nobody.stderr.count("\n") == 1
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))  # noqa: SIM115
    reader.start()
    deadline = __import__("time").monotonic() + 10
    while not got and __import__("time").monotonic() < deadline:
        read = art(str(fifo))
        if read.returncode == 0:
            break
    reader.join(10)
    assert got == [cover] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (tmp_path / "adir").mkdir()
    for out, words in (("", "is empty"), (str(tmp_path / "no" / "such" / "x.jpg"), "does not exist"),
                       (str(tmp_path / "adir"), "is a directory")):
        said = art(out)
        assert said.returncode in (1, 2) and words in said.stderr and said.stderr.count("\n") == 1, (out, said.stderr)
        assert "Traceback" not in said.stderr
    assert not (tmp_path / "no").exists()


def test_check_report_spectrogram_writes_a_png_and_a_bad_place_costs_no_work(small_demo, tmp_path):
    import json
    import os

    from PIL import Image
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    track_id, _path = local_track(session)
    session.close()
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]

    def check(out: str, *more: str) -> subprocess.CompletedProcess:
        return subprocess.run([EXE, "check", track_id, "--report", "--spectrogram", out, *more, *args],
                              capture_output=True, text=True, timeout=120)

    png = tmp_path / "s.png"
    done = check(str(png), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["report"]["cutoff_hz"] > 0
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 100 and image.height > 100
    missing = check(str(tmp_path / "nowhere" / "s.png"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr and missing.stdout == ""  # said first
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    unread = check(str(fifo), "--json")  # the report is printed all the same, then the one line
    assert unread.returncode == 1 and "nobody reads" in unread.stderr
    assert json.loads(unread.stdout)["results"][0]["report"]["cutoff_hz"] > 0
