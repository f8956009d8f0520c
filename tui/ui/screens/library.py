"""Library: artists (a virtual list over the whole catalogue) → albums → tracks."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import Label

from tui.core.checking import CheckRequest
from tui.core.types import ListSource, Track
from tui.core.views import ArtistList, TrackItem
from tui.ui.messages import NowPlayingChanged
from tui.ui.screens.base import MainScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.lyrics_view import LyricsView
from tui.ui.widgets.pictures import show_picture
from tui.ui.widgets.rows import Header, NamedRow
from tui.ui.widgets.virtual_list import VirtualList


class LibraryScreen(MainScreen):
    BINDINGS = [
        Binding("l,right", "focus_next_pane", "Next pane", show=False, id="library.next_pane",
                tooltip="Artists, then albums, then tracks"),
        Binding("h,left", "focus_previous_pane", "Previous pane", show=False, id="library.previous_pane",
                tooltip="Tracks, then albums, then artists"),
        track_key("library", "enqueue"),
        track_key("library", "enqueue_next"),
        track_key("library", "details"),
        Binding("c", "check", "Check", id="library.check",
                tooltip="Check the selected track (album, artist) against the ledger and the torrents"),
        Binding("apostrophe", "jump_by_name", "Jump to a name", id="library.jump",
                tooltip="Type the first letters of a name to jump the artists list there"),
        track_key("library", "playable"),
    ]
    playable_only = False  # albums and tracks that are local or fetchable (absent ones hidden)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="library"):
            with Vertical(id="artists-pane", classes="pane"):
                yield Label("Artists", id="artists-title", classes="pane-title")
                yield VirtualList(self.renderer(), id="artists", empty="no artists", placeholder="…")
            with Vertical(id="albums-pane", classes="pane"):
                yield Label("Albums", id="albums-title", classes="pane-title")
                yield VirtualList(self.renderer(), id="albums", empty="")
            with Vertical(id="tracks-pane", classes="pane"):
                yield Label("Tracks", id="tracks-title", classes="pane-title")
                yield Container(id="album-cover")  # the album's cover, when there is room and a local file
                yield VirtualList(self.renderer(numbered=True), id="tracks", empty="")
            yield LyricsView(id="lyrics-pane", classes="pane", can_focus=False)  # wide enough, and playing

    def on_mount(self) -> None:
        super().on_mount()
        artists = self.query_one("#artists", VirtualList)
        self._all_artists = self.library.artists(lambda: self.app.call_from_thread(self._artists_grew))
        artists.set_source(self._all_artists)
        self._artists_grew()
        artists.focus()
        # where open_artist wants the cursors: (artist, album, track), kept until that artist's
        # releases and that album's tracks are shown, so a load that started earlier cannot take it
        self._pending: tuple[int, int | None, int | None] | None = None
        self._album_tracks: list[Track] = []

    def _artists_grew(self) -> None:
        artists = self.query_one("#artists", VirtualList)
        artists.update_count()
        source = artists.source
        more = "" if source.complete else "+ (counting…)"
        which = " · playable (P)" if self.playable_only else ""
        self.query_one("#artists-title", Label).update(f"Artists {source.count():,}{more}{which}")

    # -- artist → albums ------------------------------------------------------------------------

    @on(VirtualList.Highlighted, "#artists")
    def artist_highlighted(self, event: VirtualList.Highlighted) -> None:
        if not self.app.first_screen.is_set():  # rows on the screen: the player may load
            self.app.call_after_refresh(self.app.first_screen.set)
        row = event.row
        if row is None or row.rowid == self._disco_artist:
            return  # already shown or on its way (a jump moved the cursor here and loads it)
        if event.index != event.list.cursor:
            return  # the cursor has moved on since (a jump landed first): that row is not wanted
        self.load_discography(row.rowid, row.name)

    def action_toggle_playable(self) -> None:
        self.playable_only = not self.playable_only
        self.notify("only what can be played (local or fetchable)" if self.playable_only else "everything",
                    timeout=2)
        self.show_artists()

    @work(group="artists-source", exclusive=True)
    async def show_artists(self) -> None:
        """Every artist, or (`P`) those with a release that can play, from a sidecar list built
        off this thread; the artist under the cursor stays there when it is in both."""
        artists = self.query_one("#artists", VirtualList)
        row = artists.row_at(artists.cursor)
        if self.playable_only:
            self.query_one("#artists-title", Label).update("Artists · finding what can play…")
            source: ArtistList = await self.app.run_db(self.library.playable_artists)
            if not self.playable_only:  # P again meanwhile
                source.close()
                return
        else:
            source = self._all_artists
        position = None
        if row is not None:
            position, _name = await self.app.run_db(self.library.locate_artist, source, row.rowid)
        artists.empty = ("nothing can play yet: no local or fetchable track (P shows every artist)"
                         if self.playable_only else "no artists")
        artists.set_source(source, close_previous=not self.playable_only)  # keep the full list
        if position:
            artists.jump_to(position)  # in view, in the middle
        self._artists_grew()
        if row is not None and position is not None:
            self.load_discography(row.rowid, row.name)  # the same artist: its releases filtered again

    _disco_artist: int | None = None  # the artist whose releases are shown (or loading)

    @work(group="discography", exclusive=True)
    async def load_discography(self, artist_rowid: int, name: str) -> None:
        self._disco_artist = artist_rowid
        disco = await self.app.run_db(self.library.discography, artist_rowid)
        playable = (await self.app.run_db(self.library.playable_albums, disco)) if self.playable_only else None
        rows: list = []
        for title, all_albums in disco.groups():
            albums = [a for a in all_albums if playable is None or a.rowid in playable]
            if albums:
                rows.append(Header(f"{title} ({len(albums)})"))
                rows += [NamedRow("album", a.rowid, a.id, a.name, None, a.year or "----") for a in albums]
        if not self.query("#albums") or not self.query("#tracks"):
            return  # the app closed while the releases were read
        albums_list = self.query_one("#albums", VirtualList)
        cursor = next((i for i, r in enumerate(rows) if isinstance(r, NamedRow)), 0)
        pending = self._pending
        if pending is not None and pending[0] == artist_rowid:
            wanted = next((i for i, r in enumerate(rows) if isinstance(r, NamedRow)
                           and r.rowid == pending[1]), None)
            if wanted is None:
                self._pending = None  # no album asked for, or it is hidden: nothing more to place
            cursor = cursor if wanted is None else wanted
        albums_list.empty = "nothing playable here (P shows everything)" if self.playable_only else "no releases"
        albums_list.set_source(ListSource(rows), cursor)
        if not rows:  # no album to highlight: its tracks must not linger
            self._album_tracks = []
            self.query_one("#tracks", VirtualList).set_source(ListSource([]))
            self.query_one("#tracks-title", Label).update("")
        self.query_one("#albums-title", Label).update(f"{name or '(no name)'}"
                                                      + (" · playable only (P)" if self.playable_only else ""))

    # -- album → tracks -------------------------------------------------------------------------

    ROOM_FOR_COVER = (44, 22)  # the tracks pane's width and height below which the list keeps it all

    def on_resize(self) -> None:
        self._place_lyrics()
        # the cover keeps its room only while the pane has it to give (after the new layout)
        if self._album_tracks:
            self.call_after_refresh(self.show_album_cover, self._album_tracks[0])

    # -- the playing track's lyrics beside the tracks -------------------------------------------

    LYRICS_PANE_WIDTH = 160  # below it the three lists need the room (`y` still opens the lyrics)

    @on(NowPlayingChanged)
    def lyrics_follow(self, _message: NowPlayingChanged) -> None:
        self._place_lyrics()

    def _place_lyrics(self) -> None:
        pane = self.query_one("#lyrics-pane", LyricsView)
        now = self.app.now_playing
        wanted = (self.session.settings.lyrics_pane and self.size.width >= self.LYRICS_PANE_WIDTH
                  and now.track is not None)
        if wanted and now.track is not None:
            if pane.track is None:
                pane.show(now.track)  # a track paused at start-up, too
            pane.now_playing(now)
        pane.display = wanted

    @work(group="album-cover", exclusive=True)
    async def show_album_cover(self, track: Track | None) -> None:
        holder = self.query_one("#album-cover", Container)
        pane = self.query_one("#tracks-pane").size
        path = None
        if track is not None and self.app.session.settings.art and \
                pane.width >= self.ROOM_FOR_COVER[0] and pane.height >= self.ROOM_FOR_COVER[1]:
            path = await self.app.run_db(self.library.cover, track)
        await show_picture(holder, path)

    @on(VirtualList.Highlighted, "#albums")
    def album_highlighted(self, event: VirtualList.Highlighted) -> None:
        if isinstance(event.row, NamedRow):
            self.load_tracks(event.row.rowid)

    @work(group="album-tracks", exclusive=True)
    async def load_tracks(self, album_rowid: int) -> None:
        view = await self.app.run_db(self.library.album, album_rowid)
        if not self.query("#tracks"):
            return  # the app closed while the album was read
        items = list(view.items)
        if self.playable_only:
            items = [i for i in items if i.playable]
        self._album_tracks = [i.track for i in items]
        self.show_album_cover(view.items[0].track if view.items else None)
        cursor = 0
        pending = self._pending
        if pending is not None and pending[1] == album_rowid:
            if pending[2] is not None:
                cursor = next((i for i, item in enumerate(items) if item.track.rowid == pending[2]), 0)
            self._pending = None
        track_list = self.query_one("#tracks", VirtualList)
        track_list.empty = "no tracks"
        track_list.set_source(ListSource(items), cursor)
        album = view.album
        if album is not None:
            local = sum(1 for i in items if i.file == "local")
            fetchable = sum(1 for i in items if i.file == "fetchable")
            damaged = sum(1 for i in items if i.file == "damaged")
            artists = ", ".join(a.name for a in album.artists) or "—"
            self.query_one("#tracks-title", Label).update(
                f"{album.name or '(no title)'} · {artists} · {album.release_date[:4]} {album.album_type}"
                f" · {len(items)} tracks, {local} local, {fetchable} fetchable"
                + (f", {damaged} damaged" if damaged else ""))

    # -- selecting ------------------------------------------------------------------------------

    @on(VirtualList.Selected, "#artists")
    def artist_selected(self, _event: VirtualList.Selected) -> None:
        self.query_one("#albums", VirtualList).focus()

    @on(VirtualList.Selected, "#albums")
    def album_selected(self, event: VirtualList.Selected) -> None:
        if isinstance(event.row, NamedRow):
            self.query_one("#tracks", VirtualList).focus()

    @on(VirtualList.Selected, "#tracks")
    def track_selected(self, event: VirtualList.Selected) -> None:
        """Enter plays the album from this track."""
        self.app.play_tracks([t.id for t in self._album_tracks], event.index)

    def _panes(self) -> list[VirtualList]:
        return [self.query_one(f"#{n}", VirtualList) for n in ("artists", "albums", "tracks")]

    def action_focus_next_pane(self) -> None:
        panes = self._panes()
        current = next((i for i, p in enumerate(panes) if p.has_focus), 0)
        panes[min(len(panes) - 1, current + 1)].focus()

    def action_focus_previous_pane(self) -> None:
        panes = self._panes()
        current = next((i for i, p in enumerate(panes) if p.has_focus), 0)
        panes[max(0, current - 1)].focus()

    def selected_track(self) -> Track | None:
        focused = self.focused
        if isinstance(focused, VirtualList) and focused.id == "tracks":
            row = focused.row_at(focused.cursor)
            return row.track if isinstance(row, TrackItem) else None
        return None

    def _selected_tracks(self) -> list:
        if isinstance(self.focused, VirtualList) and self.focused.id == "tracks":
            track = self.selected_track()
            return [track] if track is not None else []
        return list(self._album_tracks)

    def action_enqueue(self) -> None:
        tracks = self._selected_tracks()
        if tracks:
            self.app.enqueue_tracks([t.id for t in tracks])

    def action_enqueue_next(self) -> None:
        tracks = self._selected_tracks()
        if tracks:
            self.app.enqueue_tracks([t.id for t in tracks], next_up=True)

    def action_check(self) -> None:
        """The selected track, or (from the artists or albums pane) the whole album."""
        tracks = self._selected_tracks()
        if tracks:
            title = (f"Checking {tracks[0].name or tracks[0].id}" if len(tracks) == 1
                     else f"Checking the album {tracks[0].album.name or '(no title)'}")
            self.app.check(CheckRequest(tuple(t.id for t in tracks)), title)

    def action_details(self) -> None:
        tracks = self._selected_tracks()
        if tracks:
            self.app.show_details(tracks[0])

    def action_jump_by_name(self) -> None:
        from tui.ui.screens.jump import JumpScreen

        artists = self.query_one("#artists", VirtualList)
        artists.focus()
        self.app.push_screen(JumpScreen("artist", self.jump_to_name))

    @work(group="jump-name", exclusive=True)
    async def jump_to_name(self, prefix: str) -> None:
        artists = self.query_one("#artists", VirtualList)
        position = await self.app.run_db(self.library.locate_artist_name, artists.source, prefix)
        if position is not None:
            artists.jump_to(position)

    # -- opening from elsewhere (search results) -------------------------------------------------

    def open_artist(self, artist_rowid: int, album_rowid: int | None = None,
                    track_rowid: int | None = None) -> None:
        self._pending = (artist_rowid, album_rowid, track_rowid)
        self.jump_to_artist(artist_rowid)

    @work(group="jump", exclusive=True)
    async def jump_to_artist(self, artist_rowid: int) -> None:
        """Put the artists cursor on this artist: its position by name, via the anchors."""
        artists = self.query_one("#artists", VirtualList)
        to_a_track = self._pending is not None and self._pending[2] is not None
        position, name = await self.app.run_db(self.library.locate_artist, artists.source, artist_rowid)
        if position is not None:
            artists.jump_to(position)
        self.load_discography(artist_rowid, name)
        target = "#tracks" if to_a_track else "#albums"
        self.query_one(target, VirtualList).focus()
