"""The one stream of events the core publishes: frozen, safe to keep on any thread.

Player events and fetch progress come from their packages unchanged; the core adds
what only it knows: the `NowPlaying` snapshot, check runs, index builds, file
states that changed, and notices for the user.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tui.catalogue.records import Track
from tui.mirror.fetch_status import FetchProgress
from tui.mirror.problems import CheckCode, Verdict
from tui.player.events import (
    Buffering,
    Ended,
    MixerChanged,
    OutputChanged,
    PauseChanged,
    PlayerEvent,
    Position,
    QueueChanged,
    QueueEdited,
    QueueFinished,
    ReplayGainChanged,
    Seeked,
    Started,
)

__all__ = [
    "Buffering", "CheckFinished", "CheckProgress", "Ended", "Event", "FetchProgress", "FileStateChanged",
    "IndexProgress", "MixerChanged", "Notice", "NowPlaying", "OutputChanged", "PauseChanged",
    "PlayerEvent", "Position", "QueueChanged", "QueueEdited", "QueueFinished", "ReplayGainChanged", "Seeked", "Started",
    "SweepProgress", "coalesce_key",
]


class NowPlaying(msgspec.Struct, frozen=True):
    """Everything a face shows about playback, in one snapshot."""

    track: Track | None
    state: Literal["playing", "paused", "stopped", "loading"]
    position: float
    duration: float | None
    codec: str | None
    kind: Literal["local", "stream"] | None
    queue_index: int | None
    queue_length: int
    volume: float
    muted: bool
    repeat: str
    replaygain: str
    buffering: bool = False
    fetch: FetchProgress | None = None  # the current track's fetch, while it streams
    message: str | None = None  # the last error, until the next track starts
    note: str | None = None  # how the current track is played, when that is not obvious
    output_note: str | None = None  # e.g. "no sound device: playing silently"
    kbps: int | None = None  # the file's bitrate (its header's, the ledger's, or size over length)
    kbps_average: bool = False  # an average: shown as "~75k"
    audio: tuple[int, int] | None = None  # (sample rate, channels) from the file's header

    @property
    def quality(self) -> str | None:
        """"vorbis 160k", "opus ~75k": the codec and the file's bitrate, as far as known."""
        if not self.codec:
            return None
        if self.kbps is None:
            return self.codec
        return f"{self.codec} {'~' if self.kbps_average else ''}{self.kbps}k"

    @property
    def track_id(self) -> str | None:
        return self.track.id if self.track is not None else None


class IndexProgress(msgspec.Struct, frozen=True):
    label: str
    done: int
    total: int
    finished: bool = False
    error: str | None = None


class CheckProgress(msgspec.Struct, frozen=True):
    """One file of a check run has its verdict."""

    run: int
    done: int
    total: int
    track_id: str
    name: str
    verdict: Verdict
    codes: tuple[CheckCode, ...]
    detail: str | None


class SweepProgress(msgspec.Struct, frozen=True):
    """`check --all` moved on (a snapshot: a newer one replaces it)."""

    run: int
    done: int
    total: int
    corrupt: int
    bytes_read: int
    seconds: float


class CheckFinished(msgspec.Struct, frozen=True):
    run: int
    checked: int
    ok: int
    missing: int
    corrupt: int
    error: str | None = None


class FileStateChanged(msgspec.Struct, frozen=True):
    """A track's file changed state (fetched and verified, moved aside...)."""

    track_id: str
    state: str


class Notice(msgspec.Struct, frozen=True):
    text: str
    level: Literal["info", "warning", "error"] = "info"


Event = (PlayerEvent | FetchProgress | NowPlaying | IndexProgress | CheckProgress | SweepProgress
         | CheckFinished | FileStateChanged | Notice)


def coalesce_key(event: object) -> tuple | None:
    """Events that replace an older, undelivered one with the same key (a slow subscriber
    gets the latest snapshot, not a backlog); None for events that must all arrive."""
    if isinstance(event, (Position, NowPlaying, MixerChanged, SweepProgress)):
        return (type(event),)
    if isinstance(event, FetchProgress) and event.active:
        return (FetchProgress, event.track_id, event.state)
    if isinstance(event, IndexProgress) and not event.finished:
        return (IndexProgress,)
    return None
