"""The shuffle stream (and radio's): an endless stream of tracks that the queue follows.

One `ShuffleStream` is both what the shuffle screen lists and what feeds the
queue, so the two always agree: playing from row `i` queues rows `i...` and the
feed continues exactly after the last row queued. It is shared between the list's
loader thread and the core's thread, so every access goes through its lock.
"""

from __future__ import annotations

import threading
from typing import Protocol

from tui.catalogue.records import Track


class TrackDraws(Protocol):
    """A shuffle or a radio: tracks drawn n at a time."""

    @property
    def seed(self) -> int | str: ...

    @property
    def strategy(self) -> str: ...

    def take(self, n: int) -> list[Track]: ...


class ShuffleStream:
    GROW = 100  # tracks drawn at a time

    def __init__(self, shuffle: TrackDraws) -> None:
        self.shuffle = shuffle
        self._tracks: list[Track] = []
        self._exhausted = False
        self._fed_until = 0  # rows before this have gone to the queue
        self._lock = threading.Lock()

    @property
    def seed(self) -> int | str:
        return self.shuffle.seed

    @property
    def strategy(self) -> str:
        return self.shuffle.strategy

    def _grow_to(self, n: int) -> None:
        while not self._exhausted and len(self._tracks) < n:
            more = self.shuffle.take(self.GROW)
            if not more:
                self._exhausted = True
            self._tracks.extend(more)

    def tracks(self, start: int, n: int) -> list[Track]:
        """Rows [start, start + n) of the stream, drawing more as needed."""
        with self._lock:
            self._grow_to(start + n)
            return self._tracks[start:start + n]

    def count(self) -> int:
        """Rows drawn so far, plus one while more can come (the list's "more…" row)."""
        with self._lock:
            return len(self._tracks) + (0 if self._exhausted else 1)

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def start_at(self, index: int, n: int) -> list[Track]:
        """Play from row `index`: its first `n` tracks; the feed continues after them."""
        with self._lock:
            self._grow_to(index + n)
            out = self._tracks[index:index + n]
            self._fed_until = index + len(out)
            return out

    def feed(self, n: int) -> list[Track]:
        """The next `n` tracks after the last ones queued."""
        with self._lock:
            self._grow_to(self._fed_until + n)
            out = self._tracks[self._fed_until:self._fed_until + n]
            self._fed_until += len(out)
            return out
