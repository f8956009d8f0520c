"""The play queue: what plays now and next; reorder, remove, clear."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label
from textual.worker import get_current_worker

from tui.assets import SCREENS_CSS
from tui.core.commands import Clear, Move, PlayIndex, Remove
from tui.core.events import QueueChanged
from tui.core.types import Track
from tui.ui.messages import QueueUpdated
from tui.ui.screens.base import MainScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.rows import render_track
from tui.ui.widgets.virtual_list import VirtualList

MINUTES_AFTER = 0.5  # seconds: the visible rows are read first


class QueueScreen(MainScreen):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("d,delete", "remove", "Remove", id="queue.remove", tooltip="Remove the selected track from the queue"),
        Binding("J", "move(1)", "Move down", id="queue.move_down", tooltip="Move the selected track down the queue"),
        Binding("K", "move(-1)", "Move up", id="queue.move_up", tooltip="Move the selected track up the queue"),
        Binding("c", "clear", "Clear", id="queue.clear", tooltip="Empty the queue (u undoes it)"),
        track_key("queue", "details"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Label("Queue", id="queue-title", classes="pane-title")
        yield VirtualList(self.render_queue_row, id="queue",
                          empty="the queue is empty: press a on any track to add it")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#queue", VirtualList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()

    @on(QueueUpdated)
    def queue_updated(self, _message: QueueUpdated) -> None:
        self.reload()

    def render_queue_row(self, row: Any, width: int, selected: bool) -> Text:
        index, item = row
        marker = "▶ " if self.app.queue.current == index else "  "
        if item is None:  # a saved queue from another catalogue
            return Text(marker) + Text("(a track this catalogue does not have)", style="dim")
        return Text(marker) + render_track(item, width - 2, selected, self.app.live, mark_playing=False)

    def reload(self) -> None:
        queue = self.app.queue  # the last QueueChanged the core sent: this thread's copy
        lst = self.query_one("#queue", VirtualList)
        lst.set_source(self.library.queue_rows(queue.items), lst.cursor)  # rows read a page at a time
        self._show_title(queue)
        self._count_minutes(queue)

    def _show_title(self, queue: QueueChanged, minutes: int | None = None) -> None:
        length = f" · {minutes} min" if minutes is not None else ""
        self.query_one("#queue-title", Label).update(f"Queue · {queue.length} tracks{length} · repeat {queue.repeat}")

    @work(thread=True, group="queue-minutes", exclusive=True, exit_on_error=False)
    def _count_minutes(self, queue: QueueChanged) -> None:
        """On a thread of its own, after the rows in view are read (both read the catalogue's
        disk): at 50,000 tracks the sum takes a second, and the database threads stay free."""
        time.sleep(MINUTES_AFTER)
        if get_current_worker().is_cancelled:  # the queue changed again meanwhile
            return
        minutes = self.library.queue_minutes(queue.items)
        self.app.call_from_thread(self._show_title, queue, minutes)

    @on(VirtualList.Selected, "#queue")
    def selected(self, event: VirtualList.Selected) -> None:
        self.session.send(PlayIndex(event.row[0]))

    def _cursor_index(self) -> int | None:
        lst = self.query_one("#queue", VirtualList)
        row = lst.row_at(lst.cursor)
        return row[0] if row else None

    def action_remove(self) -> None:
        index = self._cursor_index()
        if index is not None:
            self.session.send(Remove(index))

    def action_move(self, delta: int) -> None:
        index = self._cursor_index()
        if index is None:
            return
        target = index + int(delta)
        if 0 <= target < self.app.queue.length:
            self.session.send(Move(index, target))
            self.query_one("#queue", VirtualList).move_cursor(target)

    def action_clear(self) -> None:
        self.session.send(Clear())

    def selected_track(self) -> Track | None:
        """The queued track under the cursor (`y`, `w` and `i` start there)."""
        lst = self.query_one("#queue", VirtualList)
        row = lst.row_at(lst.cursor)
        return row[1].track if row and row[1] is not None else None

    def action_details(self) -> None:
        if (track := self.selected_track()) is not None:
            self.app.show_details(track)
