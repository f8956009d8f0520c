"""One track's lyrics, the line being sung highlighted and kept in the middle as the position
moves; a new track brings its own (ncmpcpp's lyrics screen). The lyrics popup and the
library's pane beside the tracks are both this view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.events import NowPlaying
from tui.core.types import Lyrics, Track
from tui.errors import LongtailError

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp

SOURCES = {"tags": "from the file's tags", "lrc": "from the .lrc beside the file", "lrclib": "from the LRCLIB dump"}


class LyricsView(VerticalScroll):
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    def __init__(self, *, id: str, classes: str = "", can_focus: bool = True) -> None:
        super().__init__(id=id, classes=classes)
        self.can_focus = can_focus
        self.track: Track | None = None
        self.lyrics: Lyrics | None = None
        self.current: int | None = None  # the synced line highlighted
        self.drawn = False

    def compose(self) -> ComposeResult:
        yield Static("", classes="lyrics-title")
        yield Static("", classes="lyrics-body")

    def show(self, track: Track) -> None:
        if self.track is not None and track.id == self.track.id:
            return
        self.track, self.lyrics, self.current, self.drawn = track, None, None, False
        artists = ", ".join(a.name for a in track.artists if a.name)
        self.query_one(".lyrics-title", Static).update(Text.assemble(
            (track.name or "(no title)", "bold"), (f" — {artists}" if artists else "", "dim")))
        self.query_one(".lyrics-body", Static).update(Text("looking for lyrics…", style="dim"))
        self.load(track)

    @work(exclusive=True, group="lyrics")
    async def load(self, track: Track) -> None:
        try:  # on the db pool: a dump not yet indexed may take a second
            found = await self.app.run_db(self.app.session.lyrics.lyrics, track.id)
        except LongtailError as exc:
            self.query_one(".lyrics-body", Static).update(Text(str(exc), style="yellow"))
            return
        if self.track is None or track.id != self.track.id:
            return  # another track came on meanwhile
        self.lyrics = found
        self.follow(self.app.now_playing.position if self.app.now_playing.track_id == track.id else None)

    def now_playing(self, now: NowPlaying) -> None:
        """The player moved: the next track's lyrics, or the sung line of this one."""
        if now.track is not None and now.state != "stopped" and (self.track is None or now.track.id != self.track.id):
            self.show(now.track)
        elif self.track is not None and now.track_id == self.track.id:
            self.follow(now.position)

    def follow(self, position: float | None) -> None:
        lyrics = self.lyrics
        if lyrics is None:
            return
        line = lyrics.line_at(position) if position is not None and lyrics.synced else None
        if self.drawn and line == self.current:
            return  # most position ticks: the same line
        self.current, self.drawn = line, True
        self.query_one(".lyrics-body", Static).update(self.render_lyrics(lyrics, line))
        if line is not None:
            self.scroll_to(y=max(0, line + 2 - self.size.height // 2), animate=False)

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
        if lyrics.synced and self.track is not None and self.app.now_playing.track_id != self.track.id:
            note += " · synced: play the track to follow it"
        return body.append(f"\n{note}", style="dim italic")
