"""What every main screen shares: a header, the now-playing bar and the footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from tui.widgets.now_playing import NowPlayingBar


class MainScreen(Screen):
    """Subclasses implement `compose_body`."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield NowPlayingBar()
        # The footer is mounted just after the first frame: building it costs ~90 ms,
        # which the first screen should not wait for.

    def compose_body(self) -> ComposeResult:
        return iter(())

    def on_screen_resume(self) -> None:
        self.app.refresh_now_playing()

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        if not self.query(Footer):
            await self.mount(Footer())
            self.refresh_bindings()  # the footer missed the first bindings signal
        self.app.refresh_now_playing()

    @property
    def services(self):
        return self.app.services


class TrackListScreen(MainScreen):
    """A screen whose main list holds tracks: `a` queues, `i` shows details, `c` checks."""

    TRACK_LIST_ID = ""  # the VirtualList holding TrackRows

    def selected_track(self):
        from tui.widgets.rows import TrackRow
        from tui.widgets.virtual_list import VirtualList

        lst = self.query_one(f"#{self.TRACK_LIST_ID}", VirtualList)
        row = lst.row_at(lst.cursor)
        return row.track if isinstance(row, TrackRow) else None

    def action_enqueue(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.app.enqueue_tracks([track])

    def action_details(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.app.show_details(track)
