"""The audio engine seen by the queue policy: a small playlist it plays gaplessly.

An engine holds the current entry and, ahead of time, the next one; it reports
what happens through an `EngineListener`, from whatever thread it likes (the
player posts every report to the thread that owns it). libmpv is one engine
(`MpvEngine`); the tests also run the policy on a fake one.

ReplayGain: the player decides, per file, the gain to fall back on (the ledger's,
for files without tags) and a preamp lowered so that the file cannot clip (the
archive's REPLAYGAIN_ALBUM_PEAK tag is a copy of the gain, so the ledger's peak
is used); an engine applies what it is told.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import msgspec

from tui.catalogue.records import ReplayGain
from tui.player.source import Source

REPLAYGAIN_MODES = ("track", "album", "off")
VOLUME_MAX = 130.0  # mpv's own volume-max: above 100 it amplifies


def clamp_volume(volume: float) -> float:
    """The one rule for a volume any face asks for: 0 to VOLUME_MAX, NaN as 0."""
    return max(0.0, min(VOLUME_MAX, volume)) if volume == volume else 0.0


class FileGain(msgspec.Struct, frozen=True):
    mode: str  # track | album | off
    fallback_db: float | None  # used when the file has no ReplayGain tags
    preamp_db: float | None  # this file's preamp, lowered so it cannot clip (None: the global one)


def file_gain(rg: ReplayGain | None, mode: str, preamp: float) -> FileGain:
    if rg is None or mode == "off":
        return FileGain(mode, None, None)
    gain, peak = (rg.album_gain_db, rg.album_peak) if mode == "album" else (rg.track_gain_db, rg.track_peak)
    if peak and peak > 0:
        headroom = -20 * math.log10(peak)  # dB the file can be raised before it clips
        excess = gain + preamp - headroom
        if excess > 0:
            return FileGain(mode, gain, preamp - excess)
    return FileGain(mode, gain, None)


class EngineListener(Protocol):
    def engine_started(self, entry: int) -> None:
        """An entry began to play (after a load, or by itself: the gapless path)."""

    def engine_loaded(self, entry: int, duration: float | None) -> None: ...

    def engine_position(self, seconds: float) -> None: ...

    def engine_seeking(self) -> None:
        """A seek began: the next position is a jump, not time played."""

    def engine_ended(self, entry: int, reason: str, error: str | None) -> None:
        """reason: eof | stopped | error (the file) | output (the audio output failed) | retry
        (it failed, and the engine switched to another output: play the track again)."""

    def engine_paused(self, paused: bool) -> None: ...

    def engine_buffering(self, buffering: bool) -> None: ...

    def engine_mixer(self, volume: float, muted: bool) -> None: ...

    def engine_output(self, output: str, fallback: str | None) -> None:
        """The audio output in use (and why, when it is not the one asked for)."""


class PostedReports:
    """The listener an engine calls on its own threads: it changes nothing, it posts each report
    to the owner of `target` (in the order they came), where `target` handles it."""

    def __init__(self, target: EngineListener, post: Callable[..., None]) -> None:
        self._target, self._post = target, post

    def engine_started(self, entry: int) -> None:
        self._post(self._target.engine_started, entry)

    def engine_loaded(self, entry: int, duration: float | None) -> None:
        self._post(self._target.engine_loaded, entry, duration)

    def engine_position(self, seconds: float) -> None:
        self._post(self._target.engine_position, seconds)

    def engine_seeking(self) -> None:
        self._post(self._target.engine_seeking)

    def engine_ended(self, entry: int, reason: str, error: str | None) -> None:
        self._post(self._target.engine_ended, entry, reason, error)

    def engine_paused(self, paused: bool) -> None:
        self._post(self._target.engine_paused, paused)

    def engine_buffering(self, buffering: bool) -> None:
        self._post(self._target.engine_buffering, buffering)

    def engine_mixer(self, volume: float, muted: bool) -> None:
        self._post(self._target.engine_mixer, volume, muted)

    def engine_output(self, output: str, fallback: str | None) -> None:
        self._post(self._target.engine_output, output, fallback)


class Engine(ABC):
    @abstractmethod
    def attach(self, listener: EngineListener) -> None: ...

    @abstractmethod
    def load(self, source: Source, gain: FileGain, start: float = 0.0, paused: bool = False) -> int:
        """Play `source` now, replacing everything; returns its entry id."""

    @abstractmethod
    def append(self, source: Source, gain: FileGain) -> int:
        """Queue `source` after the current entry (gapless); returns its entry id."""

    @abstractmethod
    def remove(self, entry: int) -> None: ...

    @abstractmethod
    def entries(self) -> list[int]:
        """Entry ids still in the engine's playlist, in order."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def set_paused(self, paused: bool) -> None: ...

    @abstractmethod
    def seek(self, seconds: float, relative: bool) -> None: ...

    @abstractmethod
    def set_volume(self, volume: float) -> None: ...

    @abstractmethod
    def set_muted(self, muted: bool) -> None: ...

    @abstractmethod
    def set_replaygain(self, mode: str, preamp: float) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class Decoder(Protocol):
    """Decodes a whole file as fast as it can; returns the decoder's complaints."""

    def decode_errors(self, path: Path) -> list[str]: ...
