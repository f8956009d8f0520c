"""What counts as a listen, as ListenBrainz and Last.fm both publish it: "now playing" when
a track starts; a listen once it has played half its length or 4 minutes, whichever comes
first, counting time actually played (a seek forward earns nothing). Last.fm also skips
tracks of 30 s or less (`Service.accepts`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.player.events import Ended, Position, Seeked, Started

LISTEN_AFTER_MAX = 240.0  # seconds: "or 4 minutes, whichever comes first"
MAX_STEP = 2.0  # a position step longer than this is a jump (a seek, a stall), not play


def listen_point(duration: float) -> float:
    return min(duration / 2, LISTEN_AFTER_MAX)


@dataclass(frozen=True)
class NowPlayingDue:
    track_id: str
    duration: float


@dataclass(frozen=True)
class ListenDue:
    track_id: str
    listened_at: int  # unix seconds when it started, as both services want
    duration: float


class ListenRules:
    """Fed the player's events in order (one thread); returns what is due."""

    def __init__(self, duration_of: Callable[[str], float | None], clock: Callable[[], float] = time.time) -> None:
        self.duration_of = duration_of
        self.clock = clock
        self.track_id: str | None = None
        self.started_at = 0.0
        self.duration = 0.0
        self.played = 0.0
        self.last_position: float | None = None
        self.listened = False

    def apply(self, event: object) -> list[NowPlayingDue | ListenDue]:
        if isinstance(event, Started):
            self.track_id, self.started_at = event.track_id, self.clock()
            self.duration = event.duration or self.duration_of(event.track_id) or 0.0
            self.played, self.last_position, self.listened = 0.0, None, False
            return [NowPlayingDue(event.track_id, self.duration)]
        if self.track_id is None:
            return []
        if isinstance(event, Position) and event.track_id == self.track_id:
            if self.last_position is not None and 0.0 < event.seconds - self.last_position <= MAX_STEP:
                self.played += event.seconds - self.last_position
            self.last_position = event.seconds
            return self._due(self.played)
        if isinstance(event, Seeked) and event.track_id == self.track_id:
            self.last_position = event.seconds  # from here on; the jump itself is not play
            return []
        if isinstance(event, Ended) and event.track_id == self.track_id:
            due = self._due(max(self.played, event.played_seconds))  # the player's own count, exact
            self.track_id = None
            return due
        return []

    def _due(self, played: float) -> list[NowPlayingDue | ListenDue]:
        if self.listened or self.track_id is None or self.duration <= 0 or played < listen_point(self.duration):
            return []
        self.listened = True
        return [ListenDue(self.track_id, int(self.started_at), self.duration)]
