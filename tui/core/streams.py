"""The shuffle stream (and radio's): an endless stream of tracks that the queue follows.

One `ShuffleStream` is both what the shuffle screen lists and what feeds the
queue, so the two always agree: playing from row `i` queues rows `i...` and the
feed continues exactly after the last row queued. It is shared between the list's
loader thread and the core's thread, so every access goes through its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from tui.catalogue.records import Track
from tui.player.events import QueueChanged, QueueFinished, Started

if TYPE_CHECKING:
    from tui.player.player import Player


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


STREAM_AHEAD = 5  # keep at least this many stream tracks queued after the current one
STREAM_BATCH = 20
UNPLAYABLE_BATCHES = 10  # batches in a row with nothing playable before the feed gives up


class StreamFeeder:
    """What the queue follows while a stream plays: it keeps a few of the stream's tracks
    queued after the current one, and carries on past a run of tracks that cannot play (on a
    mirror that holds a part of the audio, most of a whole-catalogue shuffle is absent) until
    one plays or `UNPLAYABLE_BATCHES` batches in a row did not; then it says what to do.

    The core thread's alone: it learns the queue's length from the player's events, never
    by reading the player's state."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.stream: ShuffleStream | None = None
        self._say = say
        self._queue_length = 0
        self._fruitless = 0  # batches fed in a row since something last started

    def attach(self, stream: ShuffleStream | None) -> None:
        self.stream, self._fruitless = stream, 0

    def on_event(self, event: object, player: Player | None) -> None:
        if isinstance(event, QueueChanged):
            self._queue_length = event.length
            ahead = event.length - (event.current or 0) - 1
            if ahead < STREAM_AHEAD and self.stream is not None and player is not None:
                tracks = self.stream.feed(STREAM_BATCH)
                if tracks:
                    player.enqueue([t.id for t in tracks], undoable=False)
        elif isinstance(event, Started):
            self._fruitless = 0
        elif isinstance(event, QueueFinished) and event.unplayable:
            self._carry_on(player)

    def _carry_on(self, player: Player | None) -> None:
        stream = self.stream
        if stream is None or player is None or stream.exhausted:
            return
        self._fruitless += 1
        if self._fruitless > UNPLAYABLE_BATCHES:
            self.stream = None
            self._say(f"nothing playable in {UNPLAYABLE_BATCHES * STREAM_BATCH} tracks in a row of this stream: "
                      "turn on `playable` (or widen the filters)")
            return
        tracks = stream.feed(STREAM_BATCH)
        if tracks:
            start = self._queue_length
            player.enqueue([t.id for t in tracks], undoable=False)
            player.play_index(start)  # after the enqueue: the player runs its commands in order
