"""An engine that plays nothing: the test says when a file loads, advances or ends.

It keeps a playlist of entries like mpv's, so the player's gapless logic (append the
next entry ahead of time, let the engine move on by itself) runs exactly as with mpv.
"""

from __future__ import annotations

import threading

from tui.player.engine import Engine, EngineListener, FileGain
from tui.player.source import Source


class FakeEngine(Engine):
    def __init__(self, durations: dict[str, float] | None = None) -> None:
        self.listener: EngineListener | None = None
        self.durations = durations or {}
        self.playlist: list[tuple[int, Source]] = []
        self.current: int | None = None
        self.loads = 0  # "replace" loads: a gapless transition needs none
        self.paused = False
        self.volume, self.muted = 100.0, False
        self.gains: dict[str, FileGain] = {}
        self._serial = 0
        self.lock = threading.Lock()

    def attach(self, listener: EngineListener) -> None:
        self.listener = listener

    def _new(self, source: Source, gain: FileGain) -> int:
        self._serial += 1
        self.playlist.append((self._serial, source))
        self.gains[source.track_id] = gain
        return self._serial

    def load(self, source: Source, gain: FileGain, start: float = 0.0, paused: bool = False) -> int:
        with self.lock:
            self.playlist.clear()
            self.loads += 1
            entry = self._new(source, gain)
            self.current = entry
            self.paused = paused
        self._begin(entry, source, start)
        return entry

    def _begin(self, entry: int, source: Source, start: float = 0.0) -> None:
        assert self.listener is not None
        self.listener.engine_started(entry)
        self.listener.engine_loaded(entry, self.durations.get(source.track_id, 60.0))
        self.listener.engine_position(start)

    def append(self, source: Source, gain: FileGain) -> int:
        with self.lock:
            return self._new(source, gain)

    def remove(self, entry: int) -> None:
        with self.lock:
            self.playlist = [(e, s) for e, s in self.playlist if e != entry]

    def entries(self) -> list[int]:
        with self.lock:
            return [e for e, _ in self.playlist]

    def stop(self) -> None:
        with self.lock:
            ended = self.current
            self.playlist.clear()
            self.current = None
        if ended is not None and self.listener is not None:
            self.listener.engine_ended(ended, "stopped", None)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self.listener is not None:
            self.listener.engine_paused(paused)

    def seek(self, seconds: float, relative: bool) -> None:
        assert self.listener is not None
        self.listener.engine_seeking()
        self.seek_to = seconds
        self.seek_relative = relative

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        if self.listener is not None:
            self.listener.engine_mixer(volume, self.muted)

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        if self.listener is not None:
            self.listener.engine_mixer(self.volume, muted)

    def set_replaygain(self, mode: str, preamp: float) -> None:
        self.replaygain = (mode, preamp)

    def close(self) -> None:
        self.listener = None

    # -- what the test drives -------------------------------------------------------------

    def at(self, seconds: float) -> None:
        """Playback reached `seconds`."""
        assert self.listener is not None
        self.listener.engine_position(seconds)

    def finish(self, reason: str = "eof", error: str | None = None) -> None:
        """The current entry ends; like mpv, the next entry in the playlist starts by itself."""
        with self.lock:
            ended = self.current
            self.playlist = [(e, s) for e, s in self.playlist if e != ended]
            nxt = self.playlist[0] if self.playlist and reason != "stopped" else None
            self.current = nxt[0] if nxt else None
        assert self.listener is not None and ended is not None
        self.listener.engine_ended(ended, reason, error)
        if nxt is not None:
            self._begin(nxt[0], nxt[1])

    def playing_id(self) -> str | None:
        with self.lock:
            return next((s.track_id for e, s in self.playlist if e == self.current), None)
