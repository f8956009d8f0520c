"""What the player tells its listeners: frozen snapshots, safe to hand to any thread."""

from __future__ import annotations

from typing import Literal

import msgspec

EndReason = Literal["eof", "error", "stopped"]
EditKind = Literal["replace", "add", "next", "remove", "move", "clear", "undo"]


class Started(msgspec.Struct, frozen=True):
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


class Position(msgspec.Struct, frozen=True):
    track_id: str
    seconds: float
    duration: float | None


class Seeked(msgspec.Struct, frozen=True):
    """A seek landed: the position jumped to `seconds` (MPRIS's Seeked signal, MPD's player idle)."""

    track_id: str
    seconds: float


class Ended(msgspec.Struct, frozen=True):
    track_id: str
    reason: EndReason
    played_seconds: float  # time actually played: seeks skipped over do not count
    message: str | None = None


class PauseChanged(msgspec.Struct, frozen=True):
    paused: bool


class Buffering(msgspec.Struct, frozen=True):
    track_id: str
    buffering: bool


class QueueEdited(msgspec.Struct, frozen=True):
    """A change the listener asked for (not the stream's own feeding): what it did, in words,
    and whether `undo` can take it back. kind: replace | add | next | remove | move | clear | undo."""

    kind: EditKind
    text: str
    can_undo: bool
    refused: bool = False  # nothing was changed: what was asked for cannot play
    left_out: tuple[tuple[str, str], ...] = ()  # (track id, why it cannot play) of each not queued


class QueueChanged(msgspec.Struct, frozen=True):
    items: tuple[str, ...]
    current: int | None
    repeat: str

    @property
    def length(self) -> int:
        return len(self.items)


class QueueFinished(msgspec.Struct, frozen=True):
    unplayable: bool = False  # every track left was skipped: none could be played (absent, unreadable)


class MixerChanged(msgspec.Struct, frozen=True):
    volume: float
    muted: bool


class ReplayGainChanged(msgspec.Struct, frozen=True):
    mode: str  # track | album | off
    preamp: float


class OutputChanged(msgspec.Struct, frozen=True):
    """The audio output in use; `fallback` says why it is not the one asked for."""

    output: str
    fallback: str | None = None


PlayerEvent = (Started | Position | Seeked | Ended | PauseChanged | Buffering | QueueChanged | QueueEdited
               | QueueFinished | MixerChanged | ReplayGainChanged | OutputChanged)
