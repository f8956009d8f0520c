"""The TUI driven through Textual's pilot: keys in, screen and messages out."""

from __future__ import annotations

import time

import pytest
from expect import present
from textual.widgets import Label

from tui.catalogue.file_states import FileState
from tui.config import Settings, StatePaths
from tui.core.commands import Play
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.core.views import TrackItem
from tui.ui.app import make_app
from tui.ui.messages import SearchFinished
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.library import LibraryScreen
from tui.ui.widgets.rows import NamedRow
from tui.ui.widgets.virtual_list import VirtualList


async def wait_for(pilot, predicate, timeout: float = 10.0, message=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if predicate():
            return
    raise AssertionError(f"timed out waiting for the screen {message()}")


def demo_session(small_demo, tmp_path, keymap=None):
    import shutil
    state = tmp_path / "state"
    if not state.exists():
        shutil.copytree(small_demo.state, state)
    settings = Settings(keymap=keymap or {})
    return Session(open_services(Location(small_demo.mirror, StatePaths(state), small_demo), settings))


def tiny_session(tiny_mirror, tmp_path):
    return Session(open_services(Location(tiny_mirror, StatePaths(tmp_path / "tiny-state"), None), Settings()))


@pytest.fixture
def demo_app(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    yield app
    session.close()


async def test_library_browse_artist_album_tracks(demo_app):
    async with demo_app.run_test(size=(120, 36)) as pilot:
        artists = demo_app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.count > 100 and artists.row_at(0) is not None)
        albums = demo_app.screen.query_one("#albums", VirtualList)
        tracks = demo_app.screen.query_one("#tracks", VirtualList)
        await wait_for(pilot, lambda: albums.count > 0)
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: albums.count > 0 and isinstance(albums.row_at(albums.cursor), NamedRow))
        await pilot.press("enter")  # into the albums pane
        assert albums.has_focus
        await wait_for(pilot, lambda: tracks.count > 0 and isinstance(tracks.row_at(0), TrackItem))
        await pilot.press("l")
        assert tracks.has_focus
        row = tracks.row_at(0)
        assert row.track.album.rowid == albums.row_at(albums.cursor).rowid


async def test_search_as_you_type_posts_results(demo_app):
    messages: list[object] = []
    top = demo_app.session.services.tiers.page("vorbis", limit=1)[0]
    query = top.name.lower()
    async with demo_app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await pilot.press("slash")
        await wait_for(pilot, lambda: demo_app.current_mode == "search")
        for ch in query:
            await pilot.press(ch if ch != " " else "space")
        await wait_for(pilot, lambda: any(isinstance(m, SearchFinished) and m.query == query
                                          for m in messages))
        done = [m for m in messages if isinstance(m, SearchFinished)]
        assert done[-1].query == query and done[-1].tracks > 0
        results = demo_app.screen.query_one("#results", VirtualList)
        first = results.row_at(results.cursor)
        # the exact title, and the most popular one with it, comes first
        assert isinstance(first, TrackItem) and first.track.name.lower() == query
        assert first.track.popularity == top.popularity
        # every finished search is for a prefix of what was typed, the last for all of it
        assert all(query.startswith(m.query) for m in done)


async def test_search_opens_an_artist_in_the_library(demo_app):
    async with demo_app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash")
        await wait_for(pilot, lambda: demo_app.current_mode == "search")
        await pilot.press(*"various")
        results = demo_app.screen.query_one("#results", VirtualList)
        await wait_for(pilot, lambda: any(isinstance(results.row_at(i), NamedRow) and
                                          results.row_at(i).kind == "artist"
                                          for i in range(results.count)))
        index = next(i for i in range(results.count) if isinstance(results.row_at(i), NamedRow)
                     and results.row_at(i).kind == "artist")
        results.focus()
        results.move_cursor(index)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(demo_app.screen, LibraryScreen))
        artists = demo_app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: (artists.row_at(artists.cursor) or (0, 0, ""))[2] == "Various Artists")


def help_lines(screen) -> list[str]:
    """The help table as the user reads it, one line per row."""
    from rich.console import Console

    console = Console(width=160, color_system=None)
    with console.capture() as captured:
        console.print(screen.query_one("#help-box Static").content)
    return [" ".join(line.split()) for line in captured.get().splitlines()]


async def test_help_lists_bindings_with_ids(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(demo_app.screen, HelpScreen))
        lines = help_lines(demo_app.screen)
        assert demo_app.screen.for_screen.__class__ is LibraryScreen
        # this screen's own keys, and the app's, each with what it does in full
        assert "P Playable only — Hide what is neither local nor fetchable library.playable" in lines
        assert "u Undo queue change — Undo the last change of the queue (up to 50) player.undo" in lines
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(demo_app.screen, LibraryScreen))


async def test_keymap_from_config_overrides_a_binding(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path, keymap={"app.help": "f2", "app.tiers": "T"})
    app = make_app(session, start_player=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        lines = help_lines(app.screen)  # `?` shows the keys in force, not the defaults
        assert any(line.startswith("f2 ") and line.endswith(" app.help") for line in lines), lines
        assert any(line.startswith("T ") and line.endswith(" app.tiers") for line in lines), lines
        await pilot.press("escape")
        await pilot.press("T")
        await wait_for(pilot, lambda: app.current_mode == "tiers")
    session.close()


async def test_tiny_terminal_and_hostile_names(tiny_mirror, tmp_path):
    session = tiny_session(tiny_mirror, tmp_path)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(40, 12)) as pilot:
        artists = app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.count == 8 and artists.row_at(7) is not None)
        for _ in range(8):
            await pilot.press("j")
        # every list line fits its pane exactly, whatever the names (empty, 300 chars, RTL, CJK)
        for lst in app.screen.query(VirtualList):
            width = lst.scrollable_content_region.width
            for y in range(lst.scrollable_content_region.height):
                assert lst.render_line(y).cell_length == width
        for mode in ("search", "shuffle", "tiers", "queue", "library"):
            app.switch_mode(mode)
            await pilot.pause(0.3)
            assert app.screen.size.width == 40
    session.close()


async def test_track_list_of_long_rtl_cjk_and_empty_names(tiny_mirror, tmp_path):
    from rich.console import Console

    from tui.ui.widgets.rows import render_track
    session = tiny_session(tiny_mirror, tmp_path)
    tracks = session.services.catalogue.tracks_by_rowids([15, 11, 13, 10])
    for width in (20, 40, 80):
        for t in tracks:
            text = render_track(TrackItem(t, FileState.ABSENT), width, False, numbered=True)
            text.truncate(width)
            assert Console(width=200).measure(text).maximum <= width
    empty = render_track(TrackItem(tracks[1], FileState.ABSENT), 60, False, numbered=True)
    assert "(no title)" in empty.plain
    session.close()


def glibc_width(text: str) -> int:
    """Cells as the terminal (glibc's wcswidth, as tmux and VTE) draws them: the oracle."""
    import ctypes
    import locale

    libc = ctypes.CDLL("libc.so.6")
    libc.wcswidth.restype = ctypes.c_int
    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    try:
        return libc.wcswidth(ctypes.c_wchar_p(text), len(text))
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


@pytest.mark.parametrize("name", ["बारिश सपना प्रेम गीत", "넹 개꾜숸 팽뼘 꽝", "キサルトビビユユ", "Café Müller 🎵",
                                  "ليل قمر ورد حب"])
def test_a_track_row_is_as_wide_as_the_terminal_draws_it_and_the_title_comes_first(tiny_mirror, tmp_path, name):
    import msgspec

    from tui.core.types import clock
    from tui.ui.cells import use_terminal_widths
    from tui.ui.widgets.rows import popularity_bar, render_track
    use_terminal_widths()
    session = tiny_session(tiny_mirror, tmp_path)
    track = msgspec.structs.replace(session.services.catalogue.tracks_by_rowids([10])[0], name=name)
    session.close()
    for width in range(24, 141, 4):
        line = render_track(TrackItem(track, FileState.LOCAL, True, "ok"), width, False).plain
        assert glibc_width(line) == width, (width, line)
        assert line.rstrip().endswith("✓")  # the verdict never gives way
        plain = render_track(TrackItem(track, FileState.ABSENT), width, False).plain  # no verdict, another glyph
        assert [w for w in ("opus", "vorbis", clock(track.duration_ms / 1000)) if w in line] == \
            [w for w in ("opus", "vorbis", clock(track.duration_ms / 1000)) if w in plain], (line, plain)
        for column in (clock(track.duration_ms / 1000), track.tier):  # and where they are, they line up
            if column in line:
                assert glibc_width(line[:line.index(column)]) == glibc_width(plain[:plain.index(column)])
        # the playing marker takes the glyph's place: the title starts where every other row's does
        from tui.ui.live import LiveState
        playing = render_track(TrackItem(track, FileState.LOCAL, True, "ok"), width, False,
                               LiveState(playing=track.id)).plain
        assert playing.startswith("▶ ") and glibc_width(playing) == width
        # a sweep's "missing" beside a file that is not downloaded says nothing new: no `?`
        unread = render_track(TrackItem(track, FileState.FETCHABLE, True, "missing"), width, False).plain
        assert "?" not in unread[-4:] and glibc_width(unread) == width
        assert playing[2:glibc_width(line) - 8] == line[2:glibc_width(line) - 8], (playing, line)
        if width >= 40:  # the title is never squeezed below about half the row
            assert name in line or glibc_width(line.split(" — ")[0]) >= width // 2, (width, line)
    assert clock(track.duration_ms / 1000) in render_track(TrackItem(track, FileState.LOCAL, True), 80, False).plain
    wide = render_track(TrackItem(track, FileState.LOCAL, True), 140, False).plain
    assert popularity_bar(track.popularity).plain in wide and track.tier in wide  # room for every column


async def test_keys_play_pause_seek_and_skip(small_demo, tmp_path):
    """Real libmpv (ao=null): space, ], n and p drive the player."""
    from tui.core.events import Started
    from tui.ui.messages import CoreEvent
    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:3]
    app = make_app(session, ao="null", play_ids=local)
    events = []
    async with app.run_test(size=(120, 36), message_hook=lambda m: events.append(m.event)
                            if isinstance(m, CoreEvent) else None) as pilot:
        now = lambda: app.now_playing  # noqa: E731 - what the UI thread was told by the core
        await wait_for(pilot, lambda: any(isinstance(e, Started) for e in events), 15)
        await wait_for(pilot, lambda: now().position > 0.3, 10)
        await pilot.press("space")
        await wait_for(pilot, lambda: now().state == "paused")
        frozen = now().position
        await pilot.pause(0.5)
        assert abs(now().position - frozen) < 0.1
        await pilot.press("space")
        await wait_for(pilot, lambda: now().state == "playing")
        before = now().position
        await pilot.press("right_square_bracket")  # +5 s
        await wait_for(pilot, lambda: now().position >= before + 4)
        await pilot.press("n")
        await wait_for(pilot, lambda: [e.track_id for e in events if isinstance(e, Started)][-1] == local[1])
        await pilot.press("p")
        await wait_for(pilot, lambda: [e.track_id for e in events if isinstance(e, Started)][-1] == local[0])
        assert "▶" in str(app.screen.query_one("NowPlayingBar").render())
        await app.action_quit()
    session.close()


async def test_index_builds_in_the_background_and_search_uses_it(tiny_mirror, tmp_path):
    from tui.ui.messages import IndexUpdated
    session = tiny_session(tiny_mirror, tmp_path)
    services = session.services
    app = make_app(session, start_player=False)
    seen = []
    async with app.run_test(size=(100, 30), message_hook=lambda m: seen.append(m.progress)
                            if isinstance(m, IndexUpdated) else None) as pilot:
        app.switch_mode("search")
        await pilot.pause(0.3)
        assert services.searcher.search("around").source == "prefix"  # no index yet
        app.action_build_index()
        await wait_for(pilot, lambda: any(m.finished for m in seen), 60)
        assert not any(m.error for m in seen)
        results = services.searcher.search("around")
        assert results.source == "fts" and results.tracks
    session.close()


async def test_C_checks_the_whole_mirror_and_escape_stops_and_closes(small_demo, tmp_path):
    from tui.core.events import CheckFinished
    from tui.ui.screens.check import CheckScreen

    session = demo_session(small_demo, tmp_path)
    local = sum(1 for _t, state in session.services.files.all_states() if state == "local")
    app = make_app(session, start_player=False)
    finished: list[CheckFinished] = []
    session.bus.subscribe(finished.append, (CheckFinished,))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("C")
        assert isinstance(app.screen, CheckScreen)
        await wait_for(pilot, lambda: bool(finished), 60)
        await pilot.pause(0.1)
        summary = str(app.screen.query_one("#check-summary").render())
        not_here = session.services.files.counts()["files"] - local
        assert f"{local:,} checked · {local:,} ok · {not_here:,} missing · 0 corrupt" in summary, summary
        assert finished[0].checked == finished[0].ok == local > 0 and not_here > 0
        assert app.screen.query_one("#check-results", VirtualList).empty == "every file checked is ok"
        await pilot.press("escape")
        assert not isinstance(app.screen, CheckScreen)
        await pilot.press("C", "escape")  # closing at once stops the run; the app goes on
        assert not isinstance(app.screen, CheckScreen)
        await pilot.pause(0.5)
    session.close()


async def test_escape_leaves_the_shuffle_filters_for_the_list_where_enter_plays(small_demo, tmp_path):
    from textual.widgets import Switch

    session = demo_session(small_demo, tmp_path)
    session.start_fetching()  # playable means local or fetchable: the demo's seeder serves the rest
    app = make_app(session, ao="null")
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("3")
            await pilot.pause(1.0)
            await pilot.press("f", "tab", "tab", "tab")
            switch = app.screen.query_one("#playable", Switch)
            assert app.focused is switch and switch.value  # playable only, at first
            status = app.screen.query_one("#shuffle-status")
            await pilot.press("space")  # the whole catalogue
            await wait_for(pilot, lambda: "whole catalogue" in str(status.render()))
            await pilot.press("space")  # playable only again
            await wait_for(pilot, lambda: "playable" in str(status.render()))
            await pilot.press("escape")
            stream = app.screen.query_one("#stream", VirtualList)
            assert app.focused is stream and switch.value  # Escape did not toggle anything
            await wait_for(pilot, lambda: stream.row_at(0) is not None)
            first = present(stream.row_at(0)).track.id
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.now_playing.track_id == first and app.now_playing.state == "playing", 20)
    finally:  # a libtorrent session left to the exit would abort the process
        session.close()


async def test_slash_type_escape_then_q_quits_like_every_tui(demo_app):
    from textual.widgets import Input

    async with demo_app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("slash", "l", "o", "v", "e")
        query = demo_app.screen.query_one("#query", Input)
        assert query.value == "love"
        results = demo_app.screen.query_one("#results", VirtualList)
        await wait_for(pilot, lambda: results.count > 0)
        await pilot.press("escape")  # out of the query, into the results: global keys work again
        assert demo_app.focused is results and query.value == "love"
        await pilot.press("4")
        assert demo_app.current_mode == "tiers"
        await pilot.press("slash")  # back to the query, text kept and not selected: typing appends
        await pilot.pause(0.1)
        await pilot.press("s")
        assert query.value == "loves"
        await pilot.press("escape", "escape")  # results, then back to the screen before the search
        await pilot.pause(0.1)
        assert demo_app.current_mode == "tiers"
        exits: list[object] = []
        original_exit = demo_app.exit
        def exit_counted(*a, **k):
            exits.append(a)
            return original_exit(*a, **k)

        demo_app.exit = exit_counted
        await pilot.press("q")
        await pilot.pause(0.2)
        assert exits  # q quit the app


async def test_a_popup_gives_focus_back_to_where_it_was(demo_app):
    from tui.ui.screens.details import TrackDetailsScreen

    async with demo_app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", "l", "o", "v", "e")
        results = demo_app.screen.query_one("#results", VirtualList)
        await wait_for(pilot, lambda: results.count > 0)
        await pilot.press("escape", "j")
        cursor = results.cursor
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(demo_app.screen, TrackDetailsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(demo_app.screen, TrackDetailsScreen))
        assert demo_app.focused is results and results.cursor == cursor
        await pilot.press("question_mark")  # a global key, not a character in the query
        await wait_for(pilot, lambda: isinstance(demo_app.screen, HelpScreen))


async def test_clear_then_undo_puts_the_queue_back_and_says_how(small_demo, tmp_path):
    from fake_engine import FakeEngine

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, engine=FakeEngine())
    notes: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        original = app.notify
        def noted(message, **kw):
            notes.append(str(message))
            return original(message, **kw)

        app.notify = noted  # type: ignore[method-assign]  # a spy on what is said
        ids = [t for t, s in sorted(session.services.files.all_states()) if s == "local"][:3]
        session.send(Play(tuple(ids)))
        await wait_for(pilot, lambda: app.queue.items == tuple(ids))
        await pilot.press("5", "c")
        await wait_for(pilot, lambda: app.queue.items == ())
        assert any("queue cleared" in n and "u to undo" in n for n in notes)
        await pilot.press("u")
        await wait_for(pilot, lambda: app.queue.items == tuple(ids))
        assert any(n.startswith("undone: queue cleared") for n in notes)
    session.close()


async def test_theme_replaygain_volume_and_repeat_outlive_a_restart(small_demo, tmp_path):
    from fake_engine import FakeEngine

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, engine=FakeEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: session.player is not None)
        app.theme = "nord"
        await pilot.press("minus", "minus", "R", "r")
        await wait_for(pilot, lambda: app.now_playing.volume == 90 and app.now_playing.replaygain == "album"
                       and app.queue.repeat == "queue")
        await pilot.pause(0.3)
    session.close()  # saves the player's state

    session = demo_session(small_demo, tmp_path)  # the same state directory
    app = make_app(session, engine=FakeEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.now_playing.volume == 90)
        await wait_for(pilot, lambda: app.now_playing.replaygain == "album" and app.queue.repeat == "queue")
        assert app.theme == "nord"
    session.close()


async def test_a_mirror_opened_for_the_first_time_is_indexed_in_the_background_and_says_so(small_demo, tmp_path):
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "fresh"), None), Settings(),
                             refresh_files=False)
    session = Session(services)
    assert services.files.is_empty()
    app = make_app(session, start_player=False)
    notes: list[str] = []
    original = app.notify

    def noted(message, **kw):
        notes.append(str(message))
        return original(message, **kw)

    app.notify = noted  # type: ignore[method-assign]  # a spy on what is said
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any("file index ready" in n for n in notes), 60)
        assert any("first look at this mirror" in n for n in notes)
        assert services.files.counts()["local"] > 0 and app.rows_generation >= 1
    session.close()


async def test_o_finds_the_playing_track_in_the_library(small_demo, tmp_path):
    from fake_engine import FakeEngine

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, engine=FakeEngine())
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: session.player is not None)
        track_id = next(t for t, s in sorted(session.services.files.all_states()) if s == "local")
        session.send(Play((track_id,)))
        await wait_for(pilot, lambda: app.now_playing.track_id == track_id and app.now_playing.track is not None)
        await pilot.press("4", "o")
        assert app.current_mode == "library"
        tracks = app.screen.query_one("#tracks", VirtualList)
        await wait_for(pilot, lambda: isinstance(tracks.row_at(tracks.cursor), TrackItem)
                       and present(tracks.row_at(tracks.cursor)).track.id == track_id)
        assert app.focused is tracks
    session.close()


async def test_apostrophe_jumps_the_artists_to_a_name_as_it_is_typed(demo_app):
    async with demo_app.run_test(size=(140, 40)) as pilot:
        artists = demo_app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.source.complete and artists.row_at(0) is not None, 30)
        await pilot.press("G")
        await wait_for(pilot, lambda: artists.row_at(artists.cursor) is not None)
        target = artists.row_at(artists.cursor).name  # the last artist, far down the list
        await pilot.press("g", "apostrophe", *target[:3].lower())
        await wait_for(pilot, lambda: artists.row_at(artists.cursor) is not None
                       and artists.row_at(artists.cursor).name.lower().startswith(target[:3].lower()))
        await pilot.press("escape")
        assert demo_app.focused is artists


async def test_a_jump_puts_its_match_in_the_middle_of_the_view(demo_app):
    """Issue 21: the `'` jump left the match on the bottom row, with nothing below it in view."""
    async with demo_app.run_test(size=(140, 40)) as pilot:
        artists = demo_app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.source.complete and artists.row_at(0) is not None, 30)
        middle = artists.count // 2
        artists.move_cursor(middle)
        await wait_for(pilot, lambda: artists.row_at(middle) is not None)
        target = artists.row_at(middle).name
        artists.move_cursor(0)
        await pilot.press("apostrophe", *target[:4].lower(), "enter")
        await wait_for(pilot, lambda: artists.cursor > 100)
        height = artists.scrollable_content_region.height
        offset = artists.cursor - artists.scroll_offset.y
        assert height // 3 <= offset <= 2 * height // 3, (offset, height)


async def test_search_says_a_cap_is_a_cap_and_enter_on_more_shows_more(demo_app):
    from tui.ui.widgets.rows import Header, MoreRow

    async with demo_app.run_test(size=(140, 40)) as pilot:
        await pilot.press("slash", "l", "o", "v", "e")
        results = demo_app.screen.query_one("#results", VirtualList)
        await wait_for(pilot, lambda: any(isinstance(results.row_at(i), MoreRow) for i in range(results.count)))
        assert results.row_at(0) == Header("Tracks (first 25)")
        more = next(i for i in range(results.count) if isinstance(results.row_at(i), MoreRow))
        await pilot.press("escape")
        results.move_cursor(more)
        await pilot.press("enter")
        await wait_for(pilot, lambda: results.row_at(0) in (Header("Tracks (first 50)"), Header(
            f"Tracks ({sum(isinstance(results.row_at(i), TrackItem) for i in range(results.count))})")))
        tracks = sum(isinstance(results.row_at(i), TrackItem) for i in range(results.count))
        assert 25 < tracks <= 50
        await pilot.press("P")  # playable only: no absent track among them (and maybe none at all)
        await wait_for(pilot, lambda: not any(isinstance(results.row_at(i), TrackItem)
                                              and results.row_at(i).file == "absent" for i in range(results.count)))


async def test_P_in_the_library_hides_what_cannot_be_played(demo_app):
    async with demo_app.run_test(size=(140, 40)) as pilot:
        tracks = demo_app.screen.query_one("#tracks", VirtualList)
        await wait_for(pilot, lambda: tracks.count > 0)
        await pilot.press("P")
        await pilot.pause(0.5)
        await wait_for(pilot, lambda: "playable only" in str(demo_app.screen.query_one("#albums-title").render()))
        await wait_for(pilot, lambda: all(tracks.row_at(i) is not None and tracks.row_at(i).file != "absent"
                                          for i in range(tracks.count)))
        await pilot.press("P")  # and back: everything again
        await wait_for(pilot, lambda: "playable only" not in str(demo_app.screen.query_one("#albums-title").render()))


async def test_a_shipped_theme_from_the_config_is_drawn_with(small_demo, tmp_path):
    """assets/themes/longtail.toml is offered and taken from `theme =` in the config."""
    import shutil

    state = tmp_path / "state"
    shutil.copytree(small_demo.state, state)
    session = Session(open_services(Location(small_demo.mirror, StatePaths(state), small_demo),
                                    Settings(theme="longtail")))
    app = make_app(session, start_player=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert app.theme == "longtail" and "longtail-light" in app.available_themes
        assert app.current_theme.accent is not None and app.current_theme.accent.lower() == "#d75fd7"
    session.close()


async def test_every_region_is_drawn_again_after_a_resize(small_demo, tmp_path):
    """80×24 → 40×12 → 80×24 with playback paused (nothing new arrives): the now-playing
    bar, the lists and the footer are as wide as the terminal again, nothing cut at 40."""
    from tui.ui.widgets.now_playing import NowPlayingBar

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:2]
    app = make_app(session, ao="null", play_ids=local)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(NowPlayingBar)
        await wait_for(pilot, lambda: "▶" in str(bar.render()))
        await pilot.press("space")  # paused: from here on the player sends nothing new
        await wait_for(pilot, lambda: "⏸" in str(bar.render()))
        wide = str(bar.render())
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.3)
        narrow = str(bar.render())
        assert "…" in narrow and max(len(line) for line in narrow.splitlines()) <= 38
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert str(bar.render()) == wide  # whole again
        for lst in app.screen.query(VirtualList):
            for y in range(min(3, lst.size.height)):
                assert lst.render_line(y).cell_length == lst.scrollable_content_region.width
        assert app.screen.size == (80, 24)
    session.close()


def test_a_rich_outside_the_tested_range_is_refused_in_one_line():
    """cells.py patches a private table of Rich: outside the tested range, one line, not bad rows."""
    from tui.errors import LongtailError
    from tui.ui.cells import TESTED_RICH, check_rich

    check_rich()  # the installed one is in range (pyproject pins it)
    for found in (f"{TESTED_RICH[1]}.0.0", f"{TESTED_RICH[0] - 1}.9.9", "nonsense"):
        with pytest.raises(LongtailError) as caught:
            check_rich(found)
        assert "\n" not in str(caught.value) and found in str(caught.value) and "install rich" in str(caught.value)


async def test_a_cancelled_query_cancels_its_worker_and_nothing_else(small_demo, tmp_path):
    """Every screen's database work goes through run_db: a query interrupted under it (a newer
    keystroke, the app closing) is a cancelled worker, never a traceback that ends the app."""
    import sqlite3

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    outcome: list[str] = []

    def interrupted() -> None:
        raise sqlite3.OperationalError("interrupted")

    async with app.run_test(size=(100, 30)) as pilot:
        async def load() -> None:
            try:
                await app.run_db(interrupted)
            except BaseException as exc:
                outcome.append(type(exc).__name__)
                raise

        worker = app.run_worker(load(), exit_on_error=True)
        await pilot.pause(0.3)
        assert outcome == ["CancelledError"] and worker.state.name == "CANCELLED"
        assert app.is_running  # exit_on_error did not end the app
    session.close()


def test_a_stale_search_cancels_only_the_searches(small_demo, tmp_path):
    """The search's interrupt used to cancel every catalogue connection, and so a tiers count
    running on another thread ended in `OperationalError: interrupted`."""
    import threading

    session = demo_session(small_demo, tmp_path)
    catalogue = session.services.catalogue
    started, result, errors = threading.Event(), [], []

    def long_count() -> None:  # a slow query on another database thread
        conn = catalogue.conn()
        started.set()
        try:
            result.append(conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                       "WHERE i < 3000000) SELECT count(*) FROM n").fetchone()[0])
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))

    import sqlite3

    counting = threading.Thread(target=long_count)
    counting.start()
    started.wait(5)
    for _ in range(20):
        session.library.interrupt_search()
        time.sleep(0.01)
    counting.join(30)
    session.close()
    assert errors == [] and result == [3000000]


async def test_enter_in_the_features_field_keeps_its_focus_and_the_letters_typed_after(small_demo, tmp_path):
    """Enter applies the filter and the field keeps focus: letters typed next fix the filter
    and reach no binding (no mute, no pause, the queue untouched); Escape is the way out."""
    from textual.widgets import Input

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause(0.5)
        await pilot.press("F")
        field = app.screen.query_one("#features", Input)
        assert app.focused is field
        await pilot.press(*"energy 0.5..", "enter")
        status = app.screen.query_one("#shuffle-status")
        await wait_for(pilot, lambda: "energy" in str(status.render()))
        assert app.focused is field
        before = (app.now_playing.muted, app.now_playing.state, app.queue.items)
        await pilot.press("space", *"mpn", "enter")  # would be pause, mute, previous, next, play
        await pilot.pause(0.3)
        assert field.value == "energy 0.5.. mpn" and app.focused is field
        assert (app.now_playing.muted, app.now_playing.state, app.queue.items) == before
        await pilot.press("escape")
        assert app.focused is app.screen.query_one("#stream", VirtualList)
    session.close()


async def test_a_big_queue_shows_at_once_and_its_rows_a_page_at_a_time(demo_app):
    """The queue screen lists the queue by position and looks tracks up per page: 20,000
    entries (the demo's tracks over and over) show at once, the first row is a saved id this
    catalogue lacks, and the title's minutes come after."""
    from tui.core.events import QueueChanged

    session = demo_app.session
    ids = [t.id for t in session.services.tiers.page("vorbis", limit=400)]
    assert len(ids) == 400
    queue = ("0000000000000000000000", *(ids * 50))[:20_000]
    async with demo_app.run_test(size=(120, 36)) as pilot:
        demo_app.switch_mode("queue")
        await pilot.pause(0.2)
        lst = demo_app.screen.query_one("#queue", VirtualList)
        session.publish(QueueChanged(tuple(queue), 1, "off"))
        await wait_for(pilot, lambda: lst.count == 20_000, message=lambda: f"{lst.count} {demo_app.queue.length}")
        await wait_for(pilot, lambda: lst.row_at(0) is not None and lst.row_at(1) is not None)
        assert lst.row_at(0)[1] is None and "does not have" in str(lst.render_line(0).text)
        assert lst.row_at(1)[1].track.id == queue[1]
        title = demo_app.screen.query_one("#queue-title", Label)
        await wait_for(pilot, lambda: " min · " in str(title.render()))
        await pilot.press("end")
        await wait_for(pilot, lambda: lst.cursor == 19_999 and lst.row_at(19_999) is not None)
        assert lst.row_at(19_999)[1].track.id == queue[19_999]
