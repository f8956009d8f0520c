"""Playlists: search the archive's playlists by name as you type, open one, play it,
shuffle it, or add it to the queue."""

from __future__ import annotations

import random

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input, Label

from tui.core.types import ListSource, PlaylistEntry
from tui.core.views import TrackItem
from tui.ui.screens.base import TrackListScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.ordered_input import OrderedInput
from tui.ui.widgets.rows import NamedRow
from tui.ui.widgets.virtual_list import VirtualList

DEBOUNCE = 0.05
LIMIT = 100


class PlaylistsScreen(TrackListScreen):
    TRACK_LIST_ID = "playlist-rows"
    BINDINGS = [
        Binding("escape", "leave", "Back", id="playlists.back",
                tooltip="Leave the query for the results; a second Escape goes back"),
        Binding("down", "focus_rows", "Results", show=False, id="playlists.results", tooltip="Into the results"),
        track_key("playlists", "enqueue"),
        track_key("playlists", "enqueue_next"),
        Binding("s", "shuffle_playlist", "Shuffle it", id="playlists.shuffle",
                tooltip="Play the open playlist shuffled"),
        track_key("playlists", "details"),
    ]

    def compose_body(self) -> ComposeResult:
        yield OrderedInput(placeholder="search playlists by name…", id="playlist-query", select_on_focus=False)
        yield Label("", id="playlists-title", classes="pane-title")
        yield VirtualList(self.renderer(), id="playlist-rows", empty="type a playlist's name")

    def on_mount(self) -> None:
        super().on_mount()
        self._timer: Timer | None = None
        self._generation = 0
        self.opened: str | None = None  # the open playlist's id
        self._hits: list[NamedRow] = []
        self._hit_cursor = 0
        self.query_one("#playlist-query", Input).focus()
        self.run_search("", self._generation)  # a browse starts at the most-followed

    @property
    def rows(self) -> VirtualList:
        return self.query_one("#playlist-rows", VirtualList)

    def action_focus_rows(self) -> None:
        self.rows.focus()

    def action_leave(self) -> None:
        """Escape: from an open playlist back to the results; from the query to the list;
        from the list back to the screen before."""
        if self.opened is not None:
            self.opened = None
            self._show_hits(self._hit_cursor)
        elif self.focused is not self.rows and self.rows.count:
            self.rows.focus()
        else:
            self.app.go_back()

    # -- searching -----------------------------------------------------------------------------

    @on(Input.Changed, "#playlist-query")
    def query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._generation += 1
        generation = self._generation
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(event.value, generation))

    @on(Input.Submitted, "#playlist-query")
    def query_submitted(self, _event: Input.Submitted) -> None:
        self.rows.focus()

    @work(group="playlist-search", exclusive=True)
    async def run_search(self, query: str, generation: int) -> None:
        library = self.library
        if not library.playlists_available:
            self.query_one("#playlists-title", Label).update(
                "this mirror has no playlists database (spotify_clean_playlists.sqlite3)")
            return
        hits = await self.app.run_db(library.playlist_search, query, LIMIT)
        status = await self.app.run_db(library.playlist_index_status)
        if generation != self._generation:
            return
        self._hits = [NamedRow("playlist", h.rowid, h.id, h.name, None,
                               f"{h.followers:>9,} followers · {h.tracks_total:>5} tracks") for h in hits]
        self.opened = None
        note = "" if status["complete"] else " · names match from their start until `longtail index` (or I) is done"
        self.query_one("#playlists-title", Label).update(
            f"Playlists ({len(hits)}{'+' if len(hits) >= LIMIT else ''}){note}" if query.strip()
            else "The most-followed playlists · type to search by name")
        self._show_hits(0)

    def _show_hits(self, cursor: int) -> None:
        self.rows.empty = "no playlist has that name" if self._hits else "type a playlist's name"
        self.rows.set_source(ListSource(self._hits), cursor)

    # -- one playlist --------------------------------------------------------------------------

    @on(VirtualList.Selected, "#playlist-rows")
    def selected(self, event: VirtualList.Selected) -> None:
        row = event.row
        if isinstance(row, NamedRow):
            self._hit_cursor = self.rows.cursor
            self.open_playlist(row.id)
        elif isinstance(row, TrackItem) and self.opened is not None:
            if not row.playable:
                self.notify(f"{row.track.name or row.track.id} cannot play: {row.why_not_playable}", timeout=3)
                return
            self.play_from(self.opened, row.track.id)
        elif isinstance(row, PlaylistEntry):
            self.notify("a playlist entry that is not a catalogue track cannot be played", timeout=3)

    @work(group="playlist-open", exclusive=True)
    async def open_playlist(self, playlist_id: str) -> None:
        found = await self.app.run_db(self.library.playlist_rows, playlist_id)
        if found is None:
            self.notify("that playlist is gone from the database", severity="warning")
            return
        hit, rows = found
        self.opened = playlist_id
        self.query_one("#playlists-title", Label).update(
            f"{hit.name} · {hit.owner or '—'} · {hit.followers:,} followers · {rows.count():,} entries · "
            "Enter plays from here, s shuffles, a adds it all, Esc back")
        self.rows.empty = "an empty playlist"
        self.rows.set_source(rows, 0)  # read page by page as it scrolls
        self.rows.focus()

    async def _playable(self, playlist_id: str) -> list[str]:
        """What of a playlist can be played (local or fetchable): absent tracks would only
        stop the queue with an error, so they are left out, and the count says so."""
        view = await self.app.run_db(self.library.playlist, playlist_id)
        if view is None:
            return []
        items = view.items()
        playable = [i.track.id for i in items if i.playable]
        if len(playable) < len(items):
            self.notify(f"{len(playable)} of {len(items)} tracks can be played (local or fetchable); "
                        "the others are left out", timeout=4)
        return playable

    @work(group="playlist-play", exclusive=True)
    async def play_from(self, playlist_id: str, track_id: str) -> None:
        tracks = await self._playable(playlist_id)
        if track_id in tracks:
            self.app.play_tracks(tracks, tracks.index(track_id))

    @work(group="playlist-play", exclusive=True)
    async def action_shuffle_playlist(self) -> None:
        if self.opened is None:
            self.notify("open a playlist first (Enter)", timeout=2)
            return
        tracks = await self._playable(self.opened)
        if tracks:
            self.app.play_tracks(random.sample(tracks, len(tracks)))

    def action_enqueue(self) -> None:
        self._add(next_up=False)

    def action_enqueue_next(self) -> None:
        self._add(next_up=True)

    def _add(self, next_up: bool) -> None:
        row = self.rows.row_at(self.rows.cursor)
        if isinstance(row, TrackItem):
            self.app.enqueue_tracks([row.track.id], next_up)
        elif isinstance(row, NamedRow):
            self.add_playlist(row.id, next_up)

    @work(group="playlist-add", exclusive=True)
    async def add_playlist(self, playlist_id: str, next_up: bool) -> None:
        tracks = await self._playable(playlist_id)
        if tracks:
            self.app.enqueue_tracks(tracks, next_up)
