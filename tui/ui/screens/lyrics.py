"""Lyrics of the playing track (else the selected one), the line being sung highlighted and
kept in the middle as the position moves; a new track brings its own lyrics (ncmpcpp's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.types import Lyrics, Track
from tui.errors import LongtailError
from tui.ui.messages import NowPlayingChanged
from tui.ui.navigation import NAVIGATION_BINDINGS, aimed_at_app
from tui.ui.playback import PLAYER_BINDINGS_IN_MODALS

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp

SOURCES = {"tags": "from the file's tags", "lrc": "from the .lrc beside the file", "lrclib": "from the LRCLIB dump"}


class LyricsScreen(ModalScreen):
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [Binding("escape,q,y", "close", "Close", id="lyrics.close", tooltip="Back to the screen before"),
                *aimed_at_app(NAVIGATION_BINDINGS),
                *PLAYER_BINDINGS_IN_MODALS]  # pause, seek, volume: the song goes on under its words

    def __init__(self, track: Track) -> None:
        super().__init__()
        self.track = track
        self.lyrics: Lyrics | None = None
        self.current: int | None = None  # the synced line highlighted
        self.drawn = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lyrics-box"):
            yield Static("", id="lyrics-title")
            yield Static("looking for lyrics…", id="lyrics-body")

    def on_mount(self) -> None:
        self.show(self.track)

    def show(self, track: Track) -> None:
        self.track, self.lyrics, self.current, self.drawn = track, None, None, False
        artists = ", ".join(a.name for a in track.artists if a.name)
        self.query_one("#lyrics-title", Static).update(Text.assemble(
            (track.name or "(no title)", "bold"), (f" — {artists}" if artists else "", "dim")))
        self.query_one("#lyrics-body", Static).update(Text("looking for lyrics…", style="dim"))
        self.load(track)

    @work(exclusive=True, group="lyrics")
    async def load(self, track: Track) -> None:
        try:  # on the db pool: a dump not yet indexed may take a second
            found = await self.app.run_db(self.app.session.lyrics.lyrics, track.id)
        except LongtailError as exc:
            self.query_one("#lyrics-body", Static).update(Text(str(exc), style="yellow"))
            return
        if track.id != self.track.id:
            return  # another track came on meanwhile
        self.lyrics = found
        self.follow(self.app.now_playing.position if self.app.now_playing.track_id == track.id else None)

    def follow(self, position: float | None) -> None:
        lyrics = self.lyrics
        if lyrics is None:
            return
        line = lyrics.line_at(position) if position is not None and lyrics.synced else None
        if self.drawn and line == self.current:
            return  # most position ticks: the same line
        self.current, self.drawn = line, True
        self.query_one("#lyrics-body", Static).update(self.render_lyrics(lyrics, line))
        if line is not None:
            box = self.query_one("#lyrics-box", VerticalScroll)
            box.scroll_to(y=max(0, line + 2 - box.size.height // 2), animate=False)

    def render_lyrics(self, lyrics: Lyrics, current: int | None) -> Text:
        if lyrics.instrumental:
            body = Text("♪ instrumental ♪", style="italic")
        elif lyrics.synced:
            body = Text(no_wrap=True, overflow="ellipsis")  # one line a row: the scroll follows the index
            for i, (_t, line) in enumerate(lyrics.synced):
                style = "bold reverse" if i == current else ("dim" if current is not None and i < current else "")
                body.append((line or "♪") + "\n", style=style)
        elif lyrics.plain:
            body = Text(lyrics.plain + "\n")
        else:
            return Text("no lyrics: none in the file's tags, no .lrc beside it, and "
                        + ("the LRCLIB dump has none for this track"
                           if self.app.session.lyrics.dump_path else
                           "no LRCLIB dump (lrclib-db-dump-*.sqlite3) in the mirror"), style="dim")
        note = SOURCES.get(lyrics.source, lyrics.source)
        if lyrics.synced and self.app.now_playing.track_id != self.track.id:
            note += " · synced: play the track to follow it"
        return body.append(f"\n{note}", style="dim italic")

    def on_now_playing_changed(self, message: NowPlayingChanged) -> None:
        now = message.now
        if now.track is not None and now.track.id != self.track.id and now.state != "stopped":
            self.show(now.track)  # the next track: its lyrics, as a lyrics pane does
        elif now.track_id == self.track.id:
            self.follow(now.position)

    def action_close(self) -> None:
        self.app.pop_screen()
