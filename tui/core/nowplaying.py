"""From the player's and the fetcher's events to one `NowPlaying` snapshot.

Runs on the core's thread: it is the only owner of this state. The current
queue entry is known (and shown, with its fetch) before the engine starts it: a
track that streams from a stalled swarm is "loading", not "nothing playing".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from tui.catalogue.records import Track
from tui.core.events import (
    Buffering,
    Ended,
    FetchProgress,
    MixerChanged,
    NowPlaying,
    OutputChanged,
    PauseChanged,
    Position,
    QueueChanged,
    QueueFinished,
    ReplayGainChanged,
    Started,
)


class NowPlayingTracker:
    def __init__(self, lookup: Callable[[str], Track | None], replaygain: str = "track") -> None:
        self.lookup = lookup
        self.track: Track | None = None
        self.current_id: str | None = None  # the queue's current entry, started or not
        self.started = False
        self.stopped = False  # by the user: the queue keeps its place, nothing plays
        self.paused = False
        self.position = 0.0
        self.duration: float | None = None
        self.codec: str | None = None
        self.kbps: int | None = None
        self.kbps_average = False
        self.audio: tuple[int, int] | None = None
        self.kind: Literal["local", "stream"] | None = None
        self.queue_index: int | None = None
        self.queue_length = 0
        self.volume, self.muted = 100.0, False
        self.repeat = "off"
        self.replaygain = replaygain
        self.buffering = False
        self.fetch: FetchProgress | None = None
        self.message: str | None = None
        self.note: str | None = None
        self.output_note: str | None = None

    def _set_current(self, track_id: str | None) -> None:
        if track_id == self.current_id:
            return
        self.current_id = track_id
        self.started, self.stopped, self.fetch, self.note = False, False, None, None
        self.position, self.duration, self.codec, self.kind = 0.0, None, None, None
        self.kbps, self.kbps_average, self.audio = None, False, None
        self.track = self.lookup(track_id) if track_id else None

    def apply(self, event: object) -> NowPlaying | None:
        """Take in one event; returns the new snapshot when it changed what a face shows."""
        if isinstance(event, Started):
            self._set_current(event.track_id)
            if self.track is None:
                self.track = self.lookup(event.track_id)
            self.started, self.stopped = True, False
            self.codec, self.kind, self.duration = event.codec, event.kind, event.duration
            self.kbps, self.kbps_average, self.audio = event.kbps, event.kbps_average, event.audio
            self.position, self.message, self.buffering = 0.0, None, False
            self.queue_index, self.note = event.index, event.note
            if event.kind == "local":
                self.fetch = None
        elif isinstance(event, Position):
            if event.track_id != self.current_id:
                return None
            self.position, self.duration = event.seconds, event.duration or self.duration
        elif isinstance(event, Ended):
            if event.reason == "error":
                self.message = f"{event.track_id}: {event.message}"
            elif event.reason == "stopped" and event.track_id == self.current_id:
                self.stopped, self.started, self.position, self.buffering = True, False, 0.0, False
        elif isinstance(event, PauseChanged):
            self.paused = event.paused
        elif isinstance(event, Buffering):
            self.buffering = event.buffering
        elif isinstance(event, QueueChanged):
            self.queue_length, self.queue_index, self.repeat = event.length, event.current, event.repeat
            current = event.items[event.current] if event.current is not None else None
            if current is not None:
                self._set_current(current)
        elif isinstance(event, QueueFinished):
            self._set_current(None)
            self.queue_index = None
        elif isinstance(event, MixerChanged):
            self.volume, self.muted = event.volume, event.muted
        elif isinstance(event, ReplayGainChanged):
            self.replaygain = event.mode
        elif isinstance(event, OutputChanged):
            self.output_note = event.fallback
        elif isinstance(event, FetchProgress):
            if event.track_id != self.current_id:
                return None
            self.fetch = None if event.state == "done" and self.kind == "local" else event
        else:
            return None
        return self.snapshot()

    def snapshot(self) -> NowPlaying:
        state: Literal["playing", "paused", "stopped", "loading"]
        if self.current_id is None or self.stopped:
            state = "stopped"
        elif not self.started:
            state = "loading"
        else:
            state = "paused" if self.paused else "playing"
        return NowPlaying(self.track, state, self.position, self.duration, self.codec, self.kind,
                          self.queue_index, self.queue_length, self.volume, self.muted, self.repeat,
                          self.replaygain, self.buffering, self.fetch, self.message, self.note,
                          self.output_note, self.kbps, self.kbps_average, self.audio)
