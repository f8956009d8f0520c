"""Search as you type: tracks, artists and albums in sections; Enter opens or plays."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label

from tui.messages import SearchFinished
from tui.catalogue.lists import ListSource
from tui.screens.base import TrackListScreen
from tui.widgets.rows import Header, NamedRow, TrackRow, render_any
from tui.widgets.virtual_list import VirtualList

DEBOUNCE = 0.01  # seconds: coalesces a burst (a paste), not a typist's keys


class SearchScreen(TrackListScreen):
    TRACK_LIST_ID = "results"
    BINDINGS = [
        Binding("escape", "focus_input", "Edit query", id="search.edit"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
        Binding("a", "enqueue", "Queue", id="search.enqueue"),
        Binding("i", "details", "Details", id="search.details"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="search tracks, artists, albums…", id="query")
        yield Label("", id="search-status")
        yield VirtualList(render_any, id="results", empty="type to search")

    def on_mount(self) -> None:
        super().on_mount()
        self._timer = None
        self._generation = 0
        self.focus_input()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.focus_input()

    def focus_input(self) -> None:
        self.query_one("#query", Input).focus()

    def action_focus_input(self) -> None:
        self.focus_input()

    def action_focus_results(self) -> None:
        self.query_one("#results", VirtualList).focus()

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._generation += 1
        generation = self._generation
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(event.value, generation))

    @on(Input.Submitted, "#query")
    def query_submitted(self, _event) -> None:
        self.action_focus_results()

    @work(group="search", exclusive=True)
    async def run_search(self, query: str, generation: int) -> None:
        services = self.services
        services.searcher.interrupt()  # a newer keystroke: cancel the query in flight

        def tracks():
            found = services.searcher.search(query, ("track",), limit=25)
            return found, services.files.states([t.id for t in found.tracks])

        def names():
            return services.searcher.search(query, ("artist", "album"), limit=25)

        # the two database threads work at once: tracks in one, artists and albums in the other
        (results, states), named = await asyncio.gather(self.app.run_db(tracks), self.app.run_db(names))
        results.artists, results.albums = named.artists, named.albums
        if generation != self._generation:
            return  # stale
        rows: list = []
        if results.tracks:
            rows.append(Header(f"Tracks ({len(results.tracks)})"))
            rows += [TrackRow(t, states.get(t.id, "absent"), number=False) for t in results.tracks]
        if results.artists:
            rows.append(Header(f"Artists ({len(results.artists)})"))
            rows += [NamedRow("artist", a.rowid, a.id, a.name, a.popularity) for a in results.artists]
        if results.albums:
            rows.append(Header(f"Albums ({len(results.albums)})"))
            rows += [NamedRow("album", a.rowid, a.id, a.name, a.popularity) for a in results.albums]
        self.app.remember_tracks(results.tracks)
        lst = self.query_one("#results", VirtualList)
        lst.empty = "no results" if query.strip() else "type to search"
        first = next((i for i, r in enumerate(rows) if not isinstance(r, Header)), 0)
        lst.set_source(ListSource(rows), first)
        status = results.note or ""
        self.query_one("#search-status", Label).update(status)
        self.post_message(SearchFinished(query, len(results.tracks), len(results.artists),
                                         len(results.albums), results.note))

    def show_index_progress(self, message) -> None:
        label = self.query_one("#search-status", Label)
        if message.finished:
            label.update("" if not message.error else message.error)
        else:
            pct = f" {min(99.0, 100 * message.done / message.total):.0f}%" if message.total else ""
            label.update(f"building the search index: {message.label}{pct} · results cover what is "
                         "indexed so far")

    @on(VirtualList.Selected, "#results")
    def selected(self, event: VirtualList.Selected) -> None:
        row = event.row
        if isinstance(row, TrackRow):
            self.app.play_tracks([row.track])
        elif isinstance(row, NamedRow):
            self.open_named(row)

    @work(group="open", exclusive=True)
    async def open_named(self, row: NamedRow) -> None:
        catalogue = self.services.catalogue
        if row.kind == "artist":
            artist_rowid, album_rowid = row.rowid, None
        else:
            album = await self.app.run_db(catalogue.album_by_rowid, row.rowid)
            if album is None or not album.artists:
                self.notify("this album has no credited artist to open it under", severity="warning")
                return
            artist_rowid, album_rowid = album.artists[0].rowid, row.rowid
        self.app.switch_mode("library")
        self.app.screen.open_artist(artist_rowid, album_rowid)
