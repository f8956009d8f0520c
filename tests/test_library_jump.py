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
        assert present(artists.row_at(artists.cursor)).rowid == seed.artists[0].rowid
    session.close()
