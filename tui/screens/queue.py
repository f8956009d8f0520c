"""The play queue: what plays now and next; reorder, remove, clear."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from tui.catalogue.lists import ListSource
from tui.player.player import QueueChanged, Started
from tui.screens.base import MainScreen
from tui.widgets.rows import TrackRow, render_track
from tui.widgets.virtual_list import VirtualList


class QueueScreen(MainScreen):
    BINDINGS = [
        Binding("d,delete", "remove", "Remove", id="queue.remove"),
        Binding("J", "move(1)", "Move down", id="queue.move_down"),
        Binding("K", "move(-1)", "Move up", id="queue.move_up"),
        Binding("c", "clear", "Clear", id="queue.clear"),
        Binding("i", "details", "Details", id="queue.details"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Label("Queue", id="queue-title", classes="pane-title")
        yield VirtualList(self.render_queue_row, id="queue", empty="the queue is empty: press a on any track to add it")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#queue", VirtualList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()

    def on_player_event(self, event) -> None:
        if isinstance(event, (QueueChanged, Started)):
            self.reload()

    def render_queue_row(self, row, width: int, selected: bool):
        index, track_row = row
        text = render_track(track_row, width - 2, selected)
        player = self.app.player
        marker = "▶ " if player is not None and player.queue.current == index else "  "
        return text.__class__(marker) + text

    @work(group="queue", exclusive=True)
    async def reload(self) -> None:
        player = self.app.player
        ids = list(player.queue.items) if player is not None else []

        def load():
            return self.services.catalogue.tracks_by_ids(ids), self.services.files.states(ids)

        found, states = await self.app.run_db(load)
        rows = [(i, TrackRow(found[t], states.get(t, "absent"), number=False))
                for i, t in enumerate(ids) if t in found]
        lst = self.query_one("#queue", VirtualList)
        lst.set_source(ListSource(rows), lst.cursor)
        total_ms = sum(r[1].track.duration_ms for r in rows)
        repeat = player.queue.repeat if player else "off"
        self.query_one("#queue-title", Label).update(
            f"Queue · {len(rows)} tracks · {total_ms // 60000} min · repeat {repeat}")

    @on(VirtualList.Selected, "#queue")
    def selected(self, event: VirtualList.Selected) -> None:
        if self.app.player is not None:
            self.app.player.play_index(event.row[0])

    def _cursor_index(self) -> int | None:
        lst = self.query_one("#queue", VirtualList)
        row = lst.row_at(lst.cursor)
        return row[0] if row else None

    def action_remove(self) -> None:
        index = self._cursor_index()
        if index is not None and self.app.player is not None:
            self.app.player.remove(index)

    def action_move(self, delta: int) -> None:
        index = self._cursor_index()
        player = self.app.player
        if index is None or player is None:
            return
        target = index + int(delta)
        if 0 <= target < len(player.queue.items):
            player.move(index, target)
            self.query_one("#queue", VirtualList).move_cursor(target)

    def action_clear(self) -> None:
        if self.app.player is not None:
            self.app.player.clear()
            self.app.stream_feed = None

    def action_details(self) -> None:
        lst = self.query_one("#queue", VirtualList)
        row = lst.row_at(lst.cursor)
        if row:
            self.app.show_details(row[1].track)
