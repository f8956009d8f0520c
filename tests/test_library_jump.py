"""Opening the library at a track (from search, `o`, radio) lands there even when a load that
started earlier (the first artist's, highlighted at mount) finishes after the jump began."""

from __future__ import annotations

from expect import present
from test_tui import demo_session, wait_for

from tui.core.views import TrackItem
from tui.ui.app import make_app
from tui.ui.screens.library import LibraryScreen
from tui.ui.widgets.virtual_list import VirtualList


async def test_a_late_highlight_of_another_artist_does_not_take_the_jumps_place(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    catalogue = session.services.catalogue
    app = make_app(session, start_player=False)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        artists = screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.row_at(0) is not None)
        first = present(artists.row_at(0))
        # a track on the second album of some artist other than the first, not its first track
        seed = next(t for t in catalogue.tracks_by_rowids(range(1, 400))
                    if t.artists and t.artists[0].rowid != first.rowid and t.track_number > 1)
        screen.open_artist(seed.artists[0].rowid, seed.album.rowid, seed.rowid)
        # the first artist's highlight, processed after the jump was asked for (as on a slow machine)
        screen.artist_highlighted(VirtualList.Highlighted(artists, 0, first))
        tracks = screen.query_one("#tracks", VirtualList)
        await wait_for(pilot, lambda: isinstance(tracks.row_at(tracks.cursor), TrackItem)
                       and present(tracks.row_at(tracks.cursor)).track.id == seed.id and app.focused is tracks)
        albums = screen.query_one("#albums", VirtualList)
        assert present(albums.row_at(albums.cursor)).rowid == seed.album.rowid
        # the album's tracks are shown at once (held in memory); the artists' page is a read
        await wait_for(pilot, lambda: artists.row_at(artists.cursor) is not None)
        assert present(artists.row_at(artists.cursor)).rowid == seed.artists[0].rowid
    session.close()


async def test_P_lists_exactly_the_artists_with_a_release_that_can_play_in_name_order(small_demo, tmp_path):
    """Issue 21: `P` filters the artists too (from a sidecar list, never a scan of the pane),
    and keeps the artist under the cursor when it is in both lists."""
    import sqlite3

    from tui.core.types import can_play

    session = demo_session(small_demo, tmp_path)
    files = session.services.files
    known = files.files_of([t for t, _state in files.all_states()])
    playable = {t for t, (state, fetchable) in known.items() if can_play(state, fetchable)}
    main = present(session.services.catalogue.paths.main)
    conn = sqlite3.connect(f"file:{main}?mode=ro", uri=True)
    with_release: set[int] = set()  # brute force: every playable track's album, every artist of it
    for track_id, album in conn.execute("SELECT id, album_rowid FROM tracks"):
        if track_id in playable:
            with_release |= {r[0] for r in conn.execute(
                "SELECT artist_rowid FROM artist_albums WHERE album_rowid = ?", (album,))}
    expected = sorted((name, rowid) for rowid, name in conn.execute("SELECT rowid, name FROM artists")
                      if rowid in with_release)
    conn.close()
    assert 0 < len(expected) < 2000  # the demo has a few thousand artists, some with something local
    app = make_app(session, start_player=False)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        artists = screen.query_one("#artists", VirtualList)
        title = screen.query_one("#artists-title")
        await wait_for(pilot, lambda: artists.row_at(0) is not None)
        await pilot.press("P")
        await wait_for(pilot, lambda: "playable (P)" in str(title.render()) and artists.count == len(expected))
        await wait_for(pilot, lambda: all(artists.row_at(i) is not None for i in range(artists.count)), 20)
        rows = [present(artists.row_at(i)) for i in range(artists.count)]
        assert [(r.name, r.rowid) for r in rows] == expected
        library = session.library
        assert all(library.playable_albums(library.discography(r.rowid)) for r in rows[:30])
        chosen = rows[len(rows) // 2]
        artists.move_cursor(len(rows) // 2)
        await pilot.press("P")  # every artist again, the same one under the cursor
        await wait_for(pilot, lambda: "playable" not in str(title.render()) and artists.count > len(expected))
        await wait_for(pilot, lambda: artists.row_at(artists.cursor) is not None
                       and present(artists.row_at(artists.cursor)).rowid == chosen.rowid)
        await pilot.press("P")  # and back: the sidecar is read again, not rebuilt
        await wait_for(pilot, lambda: "playable (P)" in str(title.render())
                       and present(artists.row_at(artists.cursor)).rowid == chosen.rowid)
    session.close()
