"""The lyrics popup: the playing track's (else the selected one's), following the song; a new
track brings its own lyrics (ncmpcpp's). The view itself is shared with the library's pane."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from tui.assets import SCREENS_CSS
from tui.core.types import Lyrics, Track
from tui.ui.messages import NowPlayingChanged
from tui.ui.navigation import NAVIGATION_BINDINGS, aimed_at_app
from tui.ui.playback import PLAYER_BINDINGS_IN_MODALS
from tui.ui.widgets.lyrics_view import LyricsView

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp


class LyricsScreen(ModalScreen):
    CSS_PATH = SCREENS_CSS
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [Binding("escape,q,y", "close", "Close", id="lyrics.close", tooltip="Back to the screen before"),
                *aimed_at_app(NAVIGATION_BINDINGS),
                *PLAYER_BINDINGS_IN_MODALS]  # pause, seek, volume: the song goes on under its words

    def __init__(self, track: Track) -> None:
        super().__init__()
        self.first = track

    def compose(self) -> ComposeResult:
        yield LyricsView(id="lyrics-box")

    @property
    def view(self) -> LyricsView:
        return self.query_one("#lyrics-box", LyricsView)

    @property
    def track(self) -> Track:
        return self.view.track or self.first

    @property
    def lyrics(self) -> Lyrics | None:
        return self.view.lyrics

    @property
    def current(self) -> int | None:
        return self.view.current

    def on_mount(self) -> None:
        self.view.show(self.first)

    def on_now_playing_changed(self, message: NowPlayingChanged) -> None:
        self.view.now_playing(message.now)

    def action_close(self) -> None:
        self.app.pop_screen()
