"""Textual messages of the TUI. Core events arrive as `CoreEvent` (posted from the bus's
delivery thread); the app turns them, in one place, into the typed messages below,
which it posts to the screen on top."""

from __future__ import annotations

from textual.message import Message

from tui.core.events import (
    CheckFinished,
    CheckProgress,
    IndexProgress,
    NowPlaying,
    QueueChanged,
    SweepProgress,
    coalesce_key,
)


class CoreEvent(Message):
    """An event from the session core. Snapshots replace older ones still waiting."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        key = coalesce_key(self.event)
        return key is not None and isinstance(message, CoreEvent) and coalesce_key(message.event) == key


class NowPlayingChanged(Message):
    def __init__(self, now: NowPlaying) -> None:
        super().__init__()
        self.now = now


class QueueUpdated(Message):
    def __init__(self, queue: QueueChanged) -> None:
        super().__init__()
        self.queue = queue


class CheckUpdated(Message):
    def __init__(self, event: CheckProgress | CheckFinished | SweepProgress) -> None:
        super().__init__()
        self.event = event


class IndexUpdated(Message):
    def __init__(self, progress: IndexProgress) -> None:
        super().__init__()
        self.progress = progress


class RowsChanged(Message):
    """Fetch progress, verdicts or file states changed: lists on screen redraw."""


class SearchFinished(Message):
    """A search worker finished (functional tests wait on this)."""

    def __init__(self, query: str, tracks: int, artists: int, albums: int, note: str | None) -> None:
        super().__init__()
        self.query = query
        self.tracks = tracks
        self.artists = artists
        self.albums = albums
        self.note = note
