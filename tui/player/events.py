"""What the player tells its listeners: frozen snapshots, safe to hand to any thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EndReason = Literal["eof", "error", "stopped"]
EditKind = Literal["replace", "add", "next", "remove", "move", "clear", "undo"]


@dataclass(frozen=True)
class Started:
    track_id: str
    codec: str | None
    kind: Literal["local", "stream"]
    index: int
    duration: float | None
    note: str | None = None  # how it is being played, when that is not obvious
    via: str | None = None  # the ISRC sibling whose file plays instead
    kbps: int | None = None  # the file's bitrate, when known
    kbps_average: bool = False
    audio: tuple[int, int] | None = None  # (sample rate, channels), when known


@dataclass(frozen=True)
class Position:
    track_id: str
    seconds: float
    duration: float | None


@dataclass(frozen=True)
class Seeked:
    """A seek landed: the position jumped to `seconds` (MPRIS's Seeked signal, MPD's player idle)."""

    track_id: str
    seconds: float


@dataclass(frozen=True)
class Ended:
    track_id: str
    reason: EndReason
    played_seconds: float  # time actually played: seeks skipped over do not count
    message: str | None = None


@dataclass(frozen=True)
class PauseChanged:
    paused: bool


@dataclass(frozen=True)
class Buffering:
    track_id: str
    buffering: bool


@dataclass(frozen=True)
class QueueEdited:
    """A change the listener asked for (not the stream's own feeding): what it did, in words,
    and whether `undo` can take it back. kind: replace | add | next | remove | move | clear | undo."""

    kind: EditKind
    text: str
    can_undo: bool
    refused: bool = False  # nothing was changed: what was asked for cannot play
    left_out: tuple[tuple[str, str], ...] = ()  # (track id, why it cannot play) of each not queued


@dataclass(frozen=True)
class QueueChanged:
    items: tuple[str, ...]
    current: int | None
    repeat: str

    @property
    def length(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class QueueFinished:
    unplayable: bool = False  # every track left was skipped: none could be played (absent, unreadable)


@dataclass(frozen=True)
class MixerChanged:
    volume: float
    muted: bool


@dataclass(frozen=True)
class ReplayGainChanged:
    mode: str  # track | album | off
    preamp: float


@dataclass(frozen=True)
class OutputChanged:
    """The audio output in use; `fallback` says why it is not the one asked for."""

    output: str
    fallback: str | None = None


PlayerEvent = (Started | Position | Seeked | Ended | PauseChanged | Buffering | QueueChanged | QueueEdited
               | QueueFinished | MixerChanged | ReplayGainChanged | OutputChanged)
