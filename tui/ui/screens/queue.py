"""The play queue: what plays now and next; reorder, remove, clear."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from tui.core.commands import Clear, Move, PlayIndex, Remove
from tui.core.types import ListSource, Track
from tui.ui.messages import QueueUpdated
from tui.ui.screens.base import MainScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.rows import render_track
from tui.ui.widgets.virtual_list import VirtualList


class QueueScreen(MainScreen):
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
        text = render_track(item, width - 2, selected, self.app.live, mark_playing=False)
        marker = "▶ " if self.app.queue.current == index else "  "
        return Text(marker) + text

    @work(group="queue", exclusive=True)
    async def reload(self) -> None:
        queue = self.app.queue  # the last QueueChanged the core sent: this thread's copy
        rows = await self.app.run_db(self.library.queue_items, list(queue.items))
        lst = self.query_one("#queue", VirtualList)
        lst.set_source(ListSource(rows), lst.cursor)
        total_ms = sum(item.track.duration_ms for _, item in rows)
        self.query_one("#queue-title", Label).update(
            f"Queue · {len(rows)} tracks · {total_ms // 60000} min · repeat {queue.repeat}")

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
        return row[1].track if row else None

    def action_details(self) -> None:
        if (track := self.selected_track()) is not None:
            self.app.show_details(track)
