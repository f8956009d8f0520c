"""Search orders its sections by their best match (issue 21 item 4): an artist whose whole
name is the query comes before 25 tracks that only contain its words, with the cursor on it."""

from __future__ import annotations

from test_tui import demo_app, wait_for  # noqa: F401  (the fixture is used by name)

from tui.ui.messages import SearchFinished
from tui.ui.widgets.rows import Header, NamedRow
from tui.ui.widgets.virtual_list import VirtualList


async def test_an_exact_artist_comes_before_looser_tracks(demo_app):  # noqa: F811
    catalogue = demo_app.session.services.catalogue
    artist = next(a for a in catalogue.artists_page(None, 0, 400)
                  if len(a.name.split()) >= 2 and a.name.isascii() and a.popularity > 20)
    query = artist.name.lower()
    messages: list = []
    async with demo_app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await pilot.press("slash")
        await wait_for(pilot, lambda: demo_app.current_mode == "search")
        await pilot.press(*[("space" if c == " " else c) for c in query])
        await wait_for(pilot, lambda: any(isinstance(m, SearchFinished) and m.query == query for m in messages))
        results = demo_app.screen.query_one("#results", VirtualList)
        rows = [results.row_at(i) for i in range(results.count)]
        headers = [r.title for r in rows if isinstance(r, Header)]
        assert headers and "Artists" in headers[0], headers
        under = results.row_at(results.cursor)
        assert isinstance(under, NamedRow) and under.kind == "artist" and under.name.lower() == query


async def test_album_rows_name_their_artist_and_year(demo_app):  # noqa: F811
    messages: list = []
    async with demo_app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await pilot.press("slash", *"golden")
        await wait_for(pilot, lambda: any(isinstance(m, SearchFinished) and m.query == "golden" for m in messages))
        results = demo_app.screen.query_one("#results", VirtualList)
        albums = [r for r in (results.row_at(i) for i in range(results.count))
                  if isinstance(r, NamedRow) and r.kind == "album"]
        assert albums
        for row in albums:
            album = demo_app.session.services.catalogue.album_by_rowid(row.rowid)
            assert album.year in row.extra and album.artists[0].name in row.extra, (row, album.year)
