"""Lyrics: LRC as players write it, a file's own tags and its .lrc (real Ogg through mutagen),
the mirror's LRCLIB dump in LRCLIB's published schema (the demo's, with decoys and decorated
titles), and a dump that is not one (one line, its bytes untouched)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import cast

import mutagen
import pytest
from expect import present

from tui.demo.lyrics import LRCLIB_DUMP, UNDECORATED
from tui.errors import LongtailError
from tui.mirror.layout import discover
from tui.mirror.lyrics import LrclibDump, from_file, normal, parse_lrc

EXE = [sys.executable, "-m", "tui"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=timeout)


def test_lrc_lines_with_offsets_word_tags_and_shared_stamps_come_out_in_time_order():
    text = "\n".join([
        "[ar:Someone]", "[offset:+500]", "",
        "[00:12.50][01:02.5]Chorus line",
        "[00:03.10] <00:03.10> First <00:03.60> words",
        "not a timed line", "[1:05]Late, no fraction", "[00:07.123]Milliseconds",
    ])
    assert parse_lrc(text) == [(2.6, "First words"), (6.623, "Milliseconds"), (12.0, "Chorus line"),
                               (62.0, "Chorus line"), (64.5, "Late, no fraction")]
    # a negative offset delays; a line never goes before 0
    assert parse_lrc("[offset:-250]\n[00:00.00]a\n[00:01.00]b") == [(0.25, "a"), (1.25, "b")]
    assert parse_lrc("[offset:900]\n[00:00.50]a") == [(0.0, "a")]


def test_titles_are_matched_without_their_decoration_and_names_without_case_or_accents():
    assert normal("Halo (feat. Someone) - 2011 Remaster", title=True) == normal("halo")
    assert normal("Song [Live]", title=True) == "song"
    assert normal("Beyoncé") == normal("BEYONCE")
    assert normal("(Live)", title=True) == normal("(Live)")  # a title that is only decoration stays


@pytest.fixture
def local_ogg(small_demo, tmp_path) -> Path:
    """A copy of one of the demo's real Ogg files."""
    source = next(p for p in sorted(small_demo.mirror.glob("annas_archive_data__*/aacid__*"))
                  if p.is_file() and p.stat().st_size > 0)
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    return copy


def test_a_files_own_lyrics_tag_comes_first_then_an_lrc_beside_it(local_ogg):
    assert from_file(local_ogg) is None
    lrc = local_ogg.with_suffix(".lrc")
    lrc.write_text("[00:01.00]From the lrc\n[00:02.00]Second", encoding="utf-8")
    found = from_file(local_ogg)
    assert found is not None and found.source == "lrc"
    assert found.synced == [(1.0, "From the lrc"), (2.0, "Second")] and found.line_at(1.5) == 0
    assert found.line_at(0.5) is None and found.line_at(99) == 1
    audio = mutagen.File(local_ogg)
    audio["LYRICS"] = "Plain words\nwithout times"
    audio.save()
    found = from_file(local_ogg)
    assert found is not None and found.source == "tags" and found.synced == []
    assert found.plain == "Plain words\nwithout times"


def test_an_lrc_that_is_a_fifo_or_huge_is_never_read(local_ogg):
    lrc = local_ogg.with_suffix(".lrc")
    os.mkfifo(lrc)
    assert from_file(local_ogg) is None  # would block for good if opened
    lrc.unlink()
    with lrc.open("wb") as out:
        out.truncate(2 << 20)
    assert from_file(local_ogg) is None


def dump_rows(dump: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT t.name_lower, t.duration, l.plain_lyrics, l.synced_lyrics, l.instrumental "
                            "FROM tracks t JOIN lyrics l ON l.id = t.last_lyrics_id").fetchall()
    finally:
        conn.close()


def test_the_dump_gives_each_demo_track_its_own_recordings_lyrics_never_the_decoys(small_demo, tmp_path):
    from test_tui import demo_session

    dump = small_demo.mirror / LRCLIB_DUMP
    before = sha(dump)
    rows = dump_rows(dump)
    session = demo_session(small_demo, tmp_path)
    try:
        catalogue, files = session.services.catalogue, session.services.files
        with_audio = list(files.present_track_ids()) + [
            track_id for track_id, state in files.all_states() if state.value == "fetchable"]
        assert len(with_audio) >= 20
        sources: dict[str, int] = {}
        for track_id in with_audio:
            track = catalogue.track(track_id)
            found = session.lyrics.lyrics(track_id)
            sources[found.source] = sources.get(found.source, 0) + 1
            name = (UNDECORATED.sub("", track.name) or track.name).lower()
            truth = [r for r in rows if r[0] == name and abs(r[1] - track.duration_ms / 1000) <= 2]
            if not truth:
                assert found.source == "none", track.name
                continue
            _name, _duration, plain, synced, instrumental = truth[0]
            assert found.source == "lrclib" and found.plain != "Not this recording"
            assert found.instrumental == bool(instrumental)
            if synced:
                assert [line for _t, line in found.synced] == plain.splitlines()
                times = [t for t, _line in found.synced]
                assert times == sorted(times) and len(found.synced) == len(plain.splitlines())
            elif not instrumental:
                assert found.synced == [] and found.plain == plain
        assert sources.get("lrclib", 0) >= len(with_audio) // 2, sources
    finally:
        session.close()
    assert sha(dump) == before  # read-only: LRCLIB's file, not ours


def test_longtail_lyrics_json_and_text_and_a_track_without_any(small_demo, tmp_path):
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    try:
        files = session.services.files
        ids = list(files.present_track_ids())
        synced_id = next(i for i in ids if session.lyrics.lyrics(i).synced)
        with_audio = {i for i, _s in files.all_states()}
        candidates = (t.id for t in session.services.catalogue.tracks_by_rowids(range(1, 200)))
        none_id = next((i for i in candidates if i not in with_audio and session.lyrics.lyrics(i).source == "none"),
                       None)
        expected = session.lyrics.lyrics(synced_id)
    finally:
        session.close()
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "fresh-state")]
    out = run("lyrics", synced_id, "--json", *args)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["id"] == synced_id and doc["source"] == "lrclib"
    assert [(d["t"], d["line"]) for d in doc["synced"]] == [(round(t, 3), line) for t, line in expected.synced]
    text = run("lyrics", synced_id, *args)
    assert text.returncode == 0 and text.stdout.splitlines()[0].endswith(expected.synced[0][1])
    assert text.stdout.startswith("[0:0")
    assert none_id is not None
    missing = run("lyrics", none_id, *args)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "the LRCLIB dump has none" in missing.stderr
    unknown = run("lyrics", "0000000000000000000000", *args)
    assert unknown.returncode != 0 and "no track" in unknown.stderr and unknown.stderr.count("\n") == 1


def copy_mirror_without_dump(small_demo, tmp_path) -> Path:
    """The demo's mirror as hard links (the files are big), its dump left out."""
    mirror = tmp_path / "mirror"
    shutil.copytree(small_demo.mirror, mirror, copy_function=os.link, ignore=shutil.ignore_patterns(LRCLIB_DUMP))
    return mirror


@pytest.mark.parametrize("kind", ["foreign", "garbage", "truncated"])
def test_a_dump_that_is_not_lrclibs_is_one_line_and_its_bytes_stay(small_demo, tmp_path, kind):
    mirror = copy_mirror_without_dump(small_demo, tmp_path)
    dump = mirror / LRCLIB_DUMP
    if kind == "foreign":
        conn = sqlite3.connect(dump)
        conn.execute("CREATE TABLE tracks (id INTEGER PRIMARY KEY, title TEXT)")
        conn.execute("INSERT INTO tracks VALUES (1, 'x')")
        conn.commit()
        conn.close()
    elif kind == "garbage":
        dump.write_bytes(os.urandom(8192))
    else:
        dump.write_bytes((small_demo.mirror / LRCLIB_DUMP).read_bytes()[:3000])
    before = sha(dump)
    track_id = None
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    try:
        track_id = next(iter(session.services.files.present_track_ids()))
    finally:
        session.close()
    if from_file(session.services.files.entry(track_id).path) is not None:
        pytest.skip("the file has its own lyrics")
    out = run("lyrics", track_id, "--mirror", str(mirror), "--state", str(tmp_path / "state2"))
    assert out.returncode != 0 and out.stderr.count("\n") == 1, out.stderr
    assert "Traceback" not in out.stderr and LRCLIB_DUMP in out.stderr
    assert "remove it" in out.stderr or "replace it" in out.stderr  # what to do
    assert sha(dump) == before
    with pytest.raises(LongtailError):
        LrclibDump(dump)


def test_a_fifo_named_as_a_dump_is_never_taken_and_no_dump_is_said(small_demo, tmp_path):
    mirror = copy_mirror_without_dump(small_demo, tmp_path)
    os.mkfifo(mirror / LRCLIB_DUMP)
    assert discover(mirror).lyrics_dumps == []
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    try:
        track_id = next(i for i, s in session.services.files.all_states() if s.value != "local")
    finally:
        session.close()
    out = run("lyrics", track_id, "--mirror", str(mirror), "--state", str(tmp_path / "state2"))
    assert out.returncode == 1 and "no LRCLIB dump in the mirror" in out.stderr and out.stderr.count("\n") == 1


def test_a_big_dump_not_indexed_says_run_index_and_index_builds_it(small_demo, tmp_path, monkeypatch):
    from test_tui import demo_session

    import tui.core.lyrics as core_lyrics

    monkeypatch.setattr(core_lyrics, "INDEX_AT_LOOKUP", 5)
    session = demo_session(small_demo, tmp_path)
    try:
        track_id = next(i for i, s in session.services.files.all_states() if s.value != "local")
        with pytest.raises(LongtailError, match="longtail index"):
            session.lyrics.lyrics(track_id)
        report = session.lyrics.build()
        assert report is not None and report["dump"] == LRCLIB_DUMP and report["tracks_added"] == len(
            dump_rows(small_demo.mirror / LRCLIB_DUMP))
        assert session.lyrics.lyrics(track_id).source in {"lrclib", "none"}
        assert session.lyrics.build()["tracks_added"] == 0  # done once, not again
    finally:
        session.close()


async def test_the_lyrics_screen_follows_the_playing_line_at_two_positions_and_closes_like_any(
        small_demo, tmp_path):
    """Real libmpv: `y` opens the playing track's lyrics; after each seek the line highlighted
    is the one sung at the position; Escape and `q` close it, `y` with nothing playing shows
    the selected track's."""
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.screens.lyrics import LyricsScreen

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")
    chosen = next(t for t in local if len(session.lyrics.lyrics(t).synced) >= 4
                  and session.services.catalogue.track(t).duration_ms > 12_000)
    expected = session.lyrics.lyrics(chosen)
    app = make_app(session, ao="null", play_ids=[chosen])
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: app.now_playing.state == "playing", timeout=20)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.now_playing.state == "paused")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, LyricsScreen) and app.screen.lyrics is not None)
        screen = app.screen
        assert isinstance(screen, LyricsScreen)
        assert screen.track.id == chosen and present(screen.lyrics).synced == expected.synced
        seen = set()
        for _ in range(2):
            before = app.now_playing.position
            await pilot.press("right_square_bracket")  # +5 s
            await wait_for(pilot, lambda b=before: app.now_playing.position > b + 3)
            position = app.now_playing.position
            await wait_for(pilot, lambda p=position: screen.current == expected.line_at(p))
            body = str(screen.query_one(".lyrics-body").render())
            assert expected.synced[screen.current][1] in body
            highlighted = [span for span in screen.view.render_lyrics(expected, screen.current).spans
                           if "reverse" in str(span.style)]
            assert len(highlighted) == 1
            seen.add(screen.current)
        assert len(seen) == 2  # two positions, two lines
        from tui.core.types import clock
        from tui.ui.widgets.now_playing import NowPlayingBar

        bar = app.screen_stack[-2].query_one(NowPlayingBar)  # under the popup, still moving
        await wait_for(pilot, lambda: clock(app.now_playing.position) in str(bar.render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LyricsScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, LyricsScreen))
        await pilot.press("q")  # closes the lyrics, does not quit
        await wait_for(pilot, lambda: not isinstance(app.screen, LyricsScreen))
        assert app.is_running
        await pilot.press("y", "question_mark")  # `?` and the digits work over it, as in ncmpcpp
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LyricsScreen))
        await pilot.press("5")
        await wait_for(pilot, lambda: app.current_mode == "queue" and not app.screen.is_modal)
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "library" and not app.screen.is_modal)
    session.close()


async def test_y_on_the_queue_with_nothing_playing_shows_the_selected_queued_tracks_lyrics(small_demo, tmp_path):
    from fake_engine import FakeEngine
    from test_tui import demo_session, wait_for

    from tui.core import commands as cmd
    from tui.ui.app import make_app
    from tui.ui.screens.lyrics import LyricsScreen

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:2]
    app = make_app(session, engine=FakeEngine())
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: session.player is not None)  # sent earlier, it is refused: not ready
        session.send(cmd.Enqueue(tuple(local)))
        await pilot.press("5")
        await wait_for(pilot, lambda: app.current_mode == "queue" and len(app.queue.items) == 2)
        await pilot.press("j", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, LyricsScreen))
        assert app.now_playing.state == "stopped" and cast(LyricsScreen, app.screen).track.id == local[1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LyricsScreen))
    session.close()


async def test_a_wide_library_shows_the_playing_tracks_lyrics_beside_the_tracks(small_demo, tmp_path):
    """Real libmpv: from 160 columns the library has a lyrics pane that follows the song (the
    line sung at the position highlighted after a seek); narrower, the lists keep the room;
    `lyrics_pane = false` turns it off."""
    import msgspec
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.widgets.lyrics_view import LyricsView

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")
    chosen = next(t for t in local if len(session.lyrics.lyrics(t).synced) >= 4
                  and session.services.catalogue.track(t).duration_ms > 12_000)
    expected = present(session.lyrics.lyrics(chosen))
    app = make_app(session, ao="null", play_ids=[chosen])
    async with app.run_test(size=(170, 40)) as pilot:
        await wait_for(pilot, lambda: app.now_playing.state == "playing", timeout=20)
        pane = app.screen.query_one("#lyrics-pane", LyricsView)
        await wait_for(pilot, lambda: pane.display and pane.lyrics is not None)
        assert present(pane.track).id == chosen and present(pane.lyrics).synced == expected.synced
        assert app.focused is not pane  # the keys stay with the lists
        await pilot.press("space")
        await wait_for(pilot, lambda: app.now_playing.state == "paused")
        before = app.now_playing.position
        await pilot.press("right_square_bracket")  # +5 s
        await wait_for(pilot, lambda: app.now_playing.position > before + 3)
        position = app.now_playing.position
        await wait_for(pilot, lambda: pane.current == expected.line_at(position))
        assert expected.synced[pane.current][1] in str(pane.query_one(".lyrics-body").render())
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: not pane.display)
        await pilot.resize_terminal(170, 40)
        await wait_for(pilot, lambda: pane.display)
    session.close()

    off = demo_session(small_demo, tmp_path)
    off.services.settings = msgspec.structs.replace(off.settings, lyrics_pane=False)  # `lyrics_pane = false`
    app = make_app(off, ao="null", play_ids=[chosen])
    async with app.run_test(size=(170, 40)) as pilot:
        await wait_for(pilot, lambda: app.now_playing.state == "playing", timeout=20)
        await pilot.pause(0.5)
        assert not app.screen.query_one("#lyrics-pane", LyricsView).display
    off.close()
