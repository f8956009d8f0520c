"""Messages posted across the app (from workers and the player's threads)."""

from __future__ import annotations

from textual.message import Message

from tui.player.player import PlayerEvent, Position


class PlayerUpdate(Message):
    """Something happened in the player. Position updates replace each other in the queue."""

    def __init__(self, event: PlayerEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        return (isinstance(message, PlayerUpdate) and isinstance(self.event, Position)
                and isinstance(message.event, Position))


class PlayerReady(Message):
    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class SearchFinished(Message):
    """A search worker finished (functional tests wait on this)."""

    def __init__(self, query: str, tracks: int, artists: int, albums: int, note: str | None) -> None:
        super().__init__()
        self.query = query
        self.tracks = tracks
        self.artists = artists
        self.albums = albums
        self.note = note


class IndexProgress(Message):
    """The search index build running in the background moved on (replaces older ones)."""

    def __init__(self, label: str, done: int, total: int, finished: bool = False,
                 error: str | None = None) -> None:
        super().__init__()
        self.label = label
        self.done = done
        self.total = total
        self.finished = finished
        self.error = error

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress) and not message.finished
