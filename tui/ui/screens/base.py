"""What every main screen shares: a header, the now-playing bar, the key bar, and the
keys of screens that list tracks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual._context import NoActiveAppError
from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.screen import Screen

from tui.assets import SCREENS_CSS
from tui.core.session import Session
from tui.core.types import Track
from tui.core.views import Library, TrackItem
from tui.ui.messages import NowPlayingChanged, RowsChanged
from tui.ui.widgets.key_bar import KeyBar
from tui.ui.widgets.now_playing import NowPlayingBar
from tui.ui.widgets.pictures import show_picture
from tui.ui.widgets.rows import RowRenderer, renderer
from tui.ui.widgets.title_bar import TitleBar
from tui.ui.widgets.virtual_list import FIRST_PAGES, PAGE, VirtualList

OTHER_SCREENS_AFTER = 0.5  # seconds after the first screen's first frame
FIRST_TIER = "vorbis"  # the tier the tiers screen opens on

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp


class MainScreen(Screen):
    """Subclasses implement `compose_body`."""

    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Textual (8.2) re-parses every stylesheet and restyles every node when a mode's screen is
        # first made (App._init_mode), as though the CSS had changed since: ~40 ms of the first `4`
        # (bench/RESULTS.md). It has not: a theme change restyles the screens then, or will in a
        # refresh already queued. A screen made later only needs restyling once the CSS changes.
        try:
            self._css_update_count = self.app._css_update_count
        except NoActiveAppError:
            pass

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield from self.compose_body()
        with Horizontal(id="now-playing"):
            yield Container(id="now-art")  # the playing album's cover, small
            yield NowPlayingBar()
        yield KeyBar()  # one line from the start: Textual's Footer was mounted later (~90 ms), moving the rows up

    def compose_body(self) -> ComposeResult:
        return iter(())

    _rows_seen = 0  # the app's rows generation these lists were fetched at

    def on_screen_resume(self) -> None:
        self._show_now_playing()
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Redraw the lists (their live fetch, verdict and playing columns); fetch their rows
        again when what rows show has changed underneath (the file index was built)."""
        reload = self._rows_seen != self.app.rows_generation
        self._rows_seen = self.app.rows_generation
        for lst in self.query(VirtualList):
            if reload:
                lst.reload()
            else:
                lst.refresh()

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_frame)

    _frame_held = False

    def _compositor_refresh(self) -> None:
        # Textual (8.2) renders a screen laid out during its start-up batch, and App._display then
        # drops the frame unseen: ~30 ms of the first screen's (bench/RESULTS.md). Not rendered
        # while a batch is open; the screen is refreshed once it has closed.
        if getattr(self.app, "_batch_count", 0):
            if not self._frame_held:
                self._frame_held = True
                self.set_timer(1 / 120, self._refresh_after_batch)
            return
        super()._compositor_refresh()

    def _refresh_after_batch(self) -> None:
        if getattr(self.app, "_batch_count", 0):
            self.set_timer(1 / 120, self._refresh_after_batch)
            return
        self._frame_held = False
        self.refresh()

    _first_frame_seen = False

    def _after_first_frame(self) -> None:
        if not self._first_frame_seen:
            self._first_frame_seen = True
            self.set_timer(OTHER_SCREENS_AFTER, self._prepare_other_screens)
        self._show_now_playing()

    def _prepare_other_screens(self) -> None:
        """Once the app is idle rather than when the first of them opens: the other screens'
        stylesheet (its rules name only their own widgets, so nothing shown changes), and the
        tiers screen's first rows, read in the background."""
        stylesheet = self.app.stylesheet
        if stylesheet.has_source(str(SCREENS_CSS), ""):
            return
        stylesheet.read(SCREENS_CSS)
        stylesheet.parse()  # the sources parsed before come from the stylesheet's cache
        try:
            self.app.db.submit(self.library.warm_tier, FIRST_TIER, FIRST_PAGES * PAGE)
        except RuntimeError:  # the app is closing: its database threads are gone
            pass

    _art_for: str | None = None  # the album whose cover the bar shows

    def _show_now_playing(self) -> None:
        now = self.app.now_playing
        for bar in self.query(NowPlayingBar):
            bar.show(now, self.app.player_error)
        album = now.track.album.id if now.track is not None else None
        if album != self._art_for and self.app.session.settings.art:
            self._art_for = album
            self.show_now_art(now.track)

    @work(group="now-art", exclusive=True)
    async def show_now_art(self, track: Track | None) -> None:
        holder = self.query_one("#now-art", Container)
        path = await self.app.run_db(self.library.cover, track) if track is not None else None
        await show_picture(holder, path)
        holder.display = path is not None

    @on(NowPlayingChanged)
    def now_playing_changed(self, _message: NowPlayingChanged) -> None:
        self._show_now_playing()

    @on(RowsChanged)
    def rows_changed(self, _message: RowsChanged) -> None:
        self.refresh_lists()


    def renderer(self, numbered: bool = False) -> RowRenderer:
        return renderer(self.app.live, numbered)

    @property
    def session(self) -> Session:
        return self.app.session

    @property
    def library(self) -> Library:
        return self.app.session.library

    def selected_track(self) -> Track | None:
        """The track under the cursor, if the screen has one selected (radio starts there)."""
        return None


class TrackListScreen(MainScreen):
    """A screen whose main list holds tracks: `a` queues, `i` shows details, `c` checks."""

    CSS_PATH = SCREENS_CSS

    TRACK_LIST_ID = ""  # the VirtualList holding TrackItems

    def selected_track(self) -> Track | None:
        lst = self.query_one(f"#{self.TRACK_LIST_ID}", VirtualList)
        row = lst.row_at(lst.cursor)
        return row.track if isinstance(row, TrackItem) else None

    def action_enqueue(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.app.enqueue_tracks([track.id])

    def action_enqueue_next(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.app.enqueue_tracks([track.id], next_up=True)

    def action_details(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.app.show_details(track)
