"""Search as you type: tracks, artists and albums in sections; Enter opens or plays."""

from __future__ import annotations

import asyncio
import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input, Label

from tui.core.types import ListSource
from tui.core.views import TrackItem
from tui.ui.messages import IndexUpdated, SearchFinished
from tui.ui.screens.base import TrackListScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.ordered_input import OrderedInput
from tui.ui.widgets.rows import Header, MoreRow, NamedRow
from tui.ui.widgets.virtual_list import VirtualList

DEBOUNCE = 0.01  # seconds: coalesces a burst (a paste), not a typist's keys
LIMIT = 25  # results per section
REFRESH_WHILE_INDEXING = 2.0  # seconds between re-runs of the open query while the index grows


class SearchScreen(TrackListScreen):
    TRACK_LIST_ID = "results"
    BINDINGS = [
        Binding("escape", "leave", "Back", id="search.back",
                tooltip="Leave the query for the results; a second Escape goes back"),
        Binding("down", "focus_results", "Results", show=False, id="search.results", tooltip="Into the results"),
        track_key("search", "enqueue"),
        track_key("search", "enqueue_next"),
        track_key("search", "details"),
        track_key("search", "playable"),
    ]
    playable_only = False  # tracks that are local or fetchable

    def compose_body(self) -> ComposeResult:
        # its text is never selected on focus: the next key edits the query, it does not replace it
        yield OrderedInput(placeholder="search tracks, artists, albums…", id="query", select_on_focus=False)
        yield Label("", id="search-status")
        yield VirtualList(self.renderer(), id="results", empty="type to search")

    def on_mount(self) -> None:
        super().on_mount()
        self._timer: Timer | None = None
        self._generation = 0
        self._refreshed = 0.0
        self.limits = dict.fromkeys(("track", "artist", "album"), LIMIT)
        self.focus_input()

    def focus_input(self) -> None:
        self.query_one("#query", Input).focus()

    def action_leave(self) -> None:
        """Escape, as in every TUI: from the query to the results (where q, digits and ? work
        again), and from the results back to the screen before the search."""
        results = self.query_one("#results", VirtualList)
        if self.focused is not results and results.count:
            results.focus()
        else:
            self.app.go_back()

    def action_focus_results(self) -> None:
        self.query_one("#results", VirtualList).focus()

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.limits = dict.fromkeys(("track", "artist", "album"), LIMIT)  # a new query starts short again
        if self._timer is not None:
            self._timer.stop()
        self._generation += 1
        generation = self._generation
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(event.value, generation))

    @on(Input.Submitted, "#query")
    def query_submitted(self, _event: Input.Submitted) -> None:
        self.action_focus_results()

    @work(group="search", exclusive=True)
    async def run_search(self, query: str, generation: int) -> None:
        library = self.library
        library.interrupt_search()  # a newer keystroke: cancel the query in flight
        # the two database threads work at once: tracks in one, artists and albums in the other
        playable, limits = self.playable_only, dict(self.limits)
        track_limit = limits["track"] * (4 if playable else 1)
        (results, items), (named, _) = await asyncio.gather(
            self.app.run_db(library.search, query, ("track",), track_limit),
            self.app.run_db(library.search, query, ("artist", "album"), max(limits["artist"], limits["album"])))
        if generation != self._generation:
            return  # stale
        albums = named.albums[:limits["album"]]
        credits = await self.app.run_db(library.album_credits, [a.rowid for a in albums]) if albums else {}
        if generation != self._generation:
            return
        more_tracks = len(items) >= track_limit
        if playable:
            items = [item for item in items if item.playable][:limits["track"]]
        rows: list = []
        sections: list[tuple[str, str, list]] = [
            ("track", "Tracks", items), ("artist", "Artists", named.artists[:limits["artist"]]),
            ("album", "Albums", named.albums[:limits["album"]])]

        def best(found: list) -> int:  # an exact artist or album comes before 25 looser tracks
            names = [getattr(getattr(f, "track", f), "name", "") for f in found[:limits["track"]]]
            return min((library.match_rank(query, n) for n in names), default=3)
        sections.sort(key=lambda s: best(s[2]))  # stable: tracks, artists, albums on a tie
        for section, title, found in sections:
            if not found:
                continue
            more = more_tracks if section == "track" else len(found) >= limits[section]
            shown = f"first {len(found)}" if more else f"{len(found)}"  # a cap is not a count
            rows.append(Header(f"{title} ({shown}{', playable only' if section == 'track' and playable else ''})"))
            rows += found if section == "track" else [
                NamedRow(section, a.rowid, a.id, a.name, a.popularity, credits.get(a.rowid, "") if section == "album"
                         else "") for a in found]
            if more:
                rows.append(MoreRow(section))
        lst = self.query_one("#results", VirtualList)
        lst.empty = "no results" if query.strip() else "type to search"
        first = next((i for i, r in enumerate(rows) if not isinstance(r, Header)), 0)
        lst.set_source(ListSource(rows), first)
        self.query_one("#search-status", Label).update(results.note or "")
        self.post_message(SearchFinished(query, len(items), len(named.artists), len(named.albums), results.note))

    @on(IndexUpdated)
    def index_progress(self, message: IndexUpdated) -> None:
        progress = message.progress
        query = self.query_one("#query", Input).value
        if query.strip() and (progress.finished or time.monotonic() - self._refreshed > REFRESH_WHILE_INDEXING):
            self._refreshed = time.monotonic()  # the index grew: the same query finds more now
            self._generation += 1
            self.run_search(query, self._generation)
        label = self.query_one("#search-status", Label)
        if progress.finished:
            label.update(progress.error or "")
        else:
            pct = f" {min(99.0, 100 * progress.done / progress.total):.0f}%" if progress.total else ""
            label.update(f"building the search index: {progress.label}{pct} · results cover what is "
                         "indexed so far")

    def action_toggle_playable(self) -> None:
        self.playable_only = not self.playable_only
        self.notify("tracks that can be played (local or fetchable)" if self.playable_only else "every track",
                    timeout=2)
        self._generation += 1
        self.run_search(self.query_one("#query", Input).value, self._generation)

    def action_enqueue(self) -> None:
        self.add_selected(next_up=False)

    def action_enqueue_next(self) -> None:
        self.add_selected(next_up=True)

    @work(group="add", exclusive=True)
    async def add_selected(self, next_up: bool) -> None:
        """A track, or a whole album from an album row."""
        lst = self.query_one("#results", VirtualList)
        row = lst.row_at(lst.cursor)
        if isinstance(row, TrackItem):
            self.app.enqueue_tracks([row.track.id], next_up)
        elif isinstance(row, NamedRow) and row.kind == "album":
            view = await self.app.run_db(self.library.album, row.rowid)
            if view.items:
                self.app.enqueue_tracks([item.track.id for item in view.items], next_up)
        elif isinstance(row, NamedRow):
            self.notify("open the artist (Enter) to add its albums", timeout=3)

    @on(VirtualList.Selected, "#results")
    def selected(self, event: VirtualList.Selected) -> None:
        row = event.row
        if isinstance(row, MoreRow):
            self.limits[row.section] += LIMIT
            self._generation += 1
            self.run_search(self.query_one("#query", Input).value, self._generation)
        elif isinstance(row, TrackItem):
            self.app.play_tracks([row.track.id])
        elif isinstance(row, NamedRow):
            self.open_named(row)

    @work(group="open", exclusive=True)
    async def open_named(self, row: NamedRow) -> None:
        artist_rowid: int | None
        if row.kind == "artist":
            artist_rowid, album_rowid = row.rowid, None
        else:
            artist_rowid, album_rowid = await self.app.run_db(self.library.album_artist, row.rowid), row.rowid
            if artist_rowid is None:
                self.notify("this album has no credited artist to open it under", severity="warning")
                return
        self.app.switch_mode("library")
        self.app.screen.open_artist(artist_rowid, album_rowid)  # type: ignore[attr-defined]
