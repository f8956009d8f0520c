"""The queue policy: what plays now and next, decided on its owner's thread only.

The engine always holds the current track and, ahead of time, the next one: that is
what makes the transition gapless. Unplayable tracks are skipped forward, each with
one `Ended(error)`; a dead audio output is no track's fault: it stops the queue (or,
after the engine fell back to another output, plays the track again). Engine reports
come on its threads and are posted to the owner: nothing here is touched anywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tui.player.engine import REPLAYGAIN_MODES, Engine, FileGain, clamp_volume, file_gain
from tui.player.events import (
    Buffering,
    Ended,
    EndReason,
    MixerChanged,
    OutputChanged,
    PauseChanged,
    PlayerEvent,
    Position,
    QueueChanged,
    QueueFinished,
    ReplayGainChanged,
    Seeked,
    Started,
)
from tui.player.played import PlayedTime
from tui.player.queue import Queue, SavedState
from tui.player.source import Source, SourceError, SourceResolver

POSITION_INTERVAL = 0.25  # at most 4 position events a second
PREVIOUS_RESTARTS_AFTER = 3.0  # "previous" past 3 s restarts the track, like every player


class QueuePolicy:
    def __init__(self, resolver: SourceResolver, engine: Engine, state_path: Path | None,
                 replaygain: str, preamp: float, emit: Callable[[PlayerEvent], None]) -> None:
        self.resolver = resolver
        self.engine = engine
        self.state_path = state_path
        self.queue = Queue()
        self.replaygain = replaygain if replaygain in REPLAYGAIN_MODES else "track"
        self.preamp = preamp
        self._emit = emit
        self._entries: dict[int, tuple[int, Source]] = {}  # engine entry -> (queue index, source)
        self._playing_entry: int | None = None
        self._next_entry: int | None = None
        self.position = 0.0
        self.duration: float | None = None
        self.paused = False
        self.volume, self.muted = 100.0, False
        self.played = PlayedTime()
        self._last_position_event = 0.0
        self._announced = False  # Started sent for the playing entry; positions wait for it

    def _emit_queue(self) -> None:
        self._emit(QueueChanged(tuple(self.queue.items), self.queue.current, self.queue.repeat))

    @property
    def current_source(self) -> Source | None:
        if self._playing_entry is None:
            return None
        entry = self._entries.get(self._playing_entry)
        return entry[1] if entry else None

    def close_sources(self) -> None:
        for _, source in list(self._entries.values()):
            source.close()

    def _gain(self, source: Source) -> FileGain:
        return file_gain(source.replaygain, self.replaygain, self.preamp)

    def _resolve(self, index: int) -> Source | None:
        track_id = self.queue.items[index]
        try:
            return self.resolver.resolve(track_id)
        except SourceError as exc:
            self._emit(Ended(track_id, "error", 0.0, str(exc)))
            return None

    def play_index(self, index: int, start: float = 0.0, paused: bool = False,
                       tries: int = 0) -> None:
        """Make queue[index] the current track (skipping unplayable ones forward)."""
        if not 0 <= index < len(self.queue.items):
            return
        source = self._resolve(index)
        if source is None:
            self.queue.current = index
            nxt = self.queue.index_after(index, manual=True)
            if nxt is not None and nxt != index and tries < len(self.queue.items):
                self.play_index(nxt, 0.0, paused, tries + 1)
            else:
                self._emit(QueueFinished(unplayable=True))
            return
        self._forget_entries()
        self.queue.current = index
        self._announced = False
        self.position, self.played.closed, self.duration = start, 0.0, None
        self.paused = paused
        try:
            entry = self.engine.load(source, self._gain(source), start, paused)
        except SourceError as exc:
            source.close()
            self._emit(Ended(source.track_id, "error", 0.0, str(exc)))
            return
        self._entries[entry] = (index, source)
        self._playing_entry = entry
        self._next_entry = None
        self._emit_queue()

    def _forget_entries(self) -> None:
        self.close_sources()
        self._entries.clear()
        self._playing_entry = self._next_entry = None

    def _append_next(self) -> None:
        """Put the following track into the engine now, so the transition is gapless.

        A next track that cannot be resolved is left alone here: its error is reported
        when its turn comes (in `_ended`), not while the current one is still playing.
        """
        if self._next_entry is not None or self.queue.current is None:
            return
        nxt = self.queue.index_after(self.queue.current)
        if nxt is None:
            return
        try:
            source = self.resolver.resolve(self.queue.items[nxt])
            entry = self.engine.append(source, self._gain(source))
        except SourceError:
            return
        self._entries[entry] = (nxt, source)
        self._next_entry = entry
        following = self.queue.index_after(nxt)
        if following is not None:
            self.resolver.prefetch(self.queue.items[following])

    def _drop_next(self) -> None:
        """The queue changed: take the pre-appended next track back out of the engine."""
        if self._next_entry is None:
            return
        self.engine.remove(self._next_entry)
        entry = self._entries.pop(self._next_entry, None)
        if entry and self._next_entry != self._playing_entry:
            entry[1].close()
        self._next_entry = None

    def replace(self, track_ids: list[str], start_index: int) -> None:
        self._stop_engine()
        self.queue.items = list(track_ids)
        self.queue.current = None
        self._emit_queue()
        if track_ids:
            self.play_index(max(0, min(start_index, len(track_ids) - 1)))

    def edit(self, edit: Callable[[Queue], None]) -> None:
        self._drop_next()
        try:
            edit(self.queue)
        except IndexError:
            return  # a stale index from a list that has since changed
        self._remap_indexes()
        self._emit_queue()
        if self._playing_entry is not None:
            self._append_next()  # (queued while idle: playback starts when the user asks)

    def remove(self, index: int) -> None:
        if index == self.queue.current:
            self.queue.remove(index)
            self._stop_engine()
            if self.queue.current is not None:
                self.play_index(self.queue.current)
            self._emit_queue()
            return
        self.edit(lambda q: q.remove(index))

    def restore_queue(self, items: list[str], current: int | None, resume_at: float | None = None) -> None:
        playing = self.queue.current_id if self._playing_entry is not None else None
        if playing is not None and current is not None and 0 <= current < len(items) \
                and items[current] == playing:
            def put_back(q: Queue) -> None:
                q.items, q.current = items, current
            self.edit(put_back)  # the playing track stays where it is, uninterrupted
            return
        self._stop_engine()
        self.queue.items, self.queue.current = items, None
        self._emit_queue()
        if current is not None and (playing is not None or resume_at is not None):  # a clear stopped it: resume
            self.play_index(current, resume_at or 0.0)

    def _remap_indexes(self) -> None:
        if self._playing_entry in self._entries and self.queue.current is not None:
            source = self._entries[self._playing_entry][1]
            self._entries[self._playing_entry] = (self.queue.current, source)

    def clear(self) -> None:
        self._stop_engine()
        self.queue.clear()
        self._emit_queue()

    def step(self, direction: int) -> None:
        if direction < 0 and self.position > PREVIOUS_RESTARTS_AFTER and self.queue.current is not None:
            self.seek(0.0, False)
            return
        current = self.queue.current
        target = (self.queue.index_after(current, manual=True) if direction > 0
                  else self.queue.index_before(current))
        if target is None:
            if direction > 0:
                self._stop_engine()
                self._emit(QueueFinished())
            return
        self.play_index(target, 0.0, self.paused)

    def toggle_pause(self) -> None:
        if self._playing_entry is None and self.queue.items:
            self.play_index(self.queue.current or 0)
            return
        self.set_paused(not self.paused)

    def set_paused(self, paused: bool) -> None:
        if not paused and self._playing_entry is None and self.queue.items:
            self.play_index(self.queue.current or 0)  # "play" with nothing loaded starts the queue
            return
        self.engine.set_paused(paused)

    def seek(self, seconds: float, relative: bool) -> None:
        if self._playing_entry is not None:
            self.engine.seek(seconds, relative)

    def change_volume(self, delta: float) -> None:
        self.engine.set_volume(clamp_volume(self.volume + delta))

    def toggle_mute(self) -> None:
        self.engine.set_muted(not self.muted)

    def set_repeat(self, mode: str | None) -> None:
        self._drop_next()
        if mode is None:
            self.queue.cycle_repeat()
        elif mode in ("off", "queue", "track"):
            self.queue.repeat = mode  # type: ignore[assignment]
        self._append_next()
        self._emit_queue()

    def cycle_replaygain(self) -> None:
        modes = REPLAYGAIN_MODES
        self.set_replaygain(modes[(modes.index(self.replaygain) + 1) % len(modes)], self.preamp)

    def set_replaygain(self, mode: str, preamp: float) -> None:
        if mode not in REPLAYGAIN_MODES:
            return
        self.replaygain, self.preamp = mode, preamp
        self.engine.set_replaygain(mode, preamp)
        self._drop_next()  # re-append with the new per-file gains
        self._append_next()
        self._emit(ReplayGainChanged(mode, preamp))

    def _stop_engine(self) -> None:
        if self._playing_entry is not None or self._next_entry is not None:
            self.engine.stop()
        self._forget_entries()

    def stop(self) -> None:
        """Stop playing and keep the queue and its place (cmus's `v`, MPD's `stop`); said as the
        playing track's Ended("stopped"), which the engine's own report no longer can (forgotten)."""
        playing = self._entries.get(self._playing_entry) if self._playing_entry is not None else None
        position, stretch = self.position, self.played.snapshot()
        self._stop_engine()
        if playing is not None:
            self._emit(Ended(playing[1].track_id, "stopped", round(stretch.total(position), 3)))

    def restore(self, state: SavedState) -> None:
        self.queue.items = list(state.items)
        self.queue.repeat = state.repeat if state.repeat in ("off", "queue", "track") else "off"  # type: ignore[assignment]
        self.engine.set_volume(state.volume)
        self.engine.set_muted(state.muted)
        if state.replaygain in REPLAYGAIN_MODES:
            self.set_replaygain(state.replaygain, self.preamp)
        self.queue.current = state.current
        self._emit_queue()
        if state.current is not None:
            self.play_index(state.current, state.position, paused=True)

    def save(self) -> None:
        if self.state_path is None:
            return
        SavedState(list(self.queue.items), self.queue.current, round(self.position, 2),
                   self.queue.repeat, self.volume, self.replaygain, self.muted).save(self.state_path)

    # -- engine reports, on the owner (posted there by `PostedReports`) --------------------------

    def engine_seeking(self) -> None:
        self.played.seek_began(self.position)

    def engine_position(self, seconds: float) -> None:
        landed = self.played.moved_to(seconds)
        self.position = max(0.0, seconds)  # mpv reports a hair below 0 at a track's start
        now = time.monotonic()
        track_id = self.queue.current_id
        if not (self._announced and track_id):
            return
        if landed:
            self._emit(Seeked(track_id, self.position))
        # Throttled while playing; where a seek lands, or anything while paused, always goes out
        # (no later position would correct a dropped one).
        if landed or self.paused or now - self._last_position_event >= POSITION_INTERVAL:
            self._last_position_event = now
            self._emit(Position(track_id, self.position, self.duration))

    def engine_paused(self, paused: bool) -> None:
        self.paused = paused
        self._emit(PauseChanged(paused))

    def engine_buffering(self, buffering: bool) -> None:
        track_id = self.queue.current_id
        if track_id:
            self._emit(Buffering(track_id, buffering))

    def engine_mixer(self, volume: float, muted: bool) -> None:
        if (volume, muted) != (self.volume, self.muted):
            self.volume, self.muted = volume, muted
            self._emit(MixerChanged(volume, muted))

    def engine_output(self, output: str, fallback: str | None) -> None:
        self._emit(OutputChanged(output, fallback))

    def _output_failed(self, index: int, source: Source, retry: bool, error: str | None, position: float,
                       played: float) -> None:
        self._stop_engine()  # never race through the queue on a dead output
        if retry:  # the engine fell back to another output: this track again, from here
            return self.play_index(index, position, self.paused)
        self._emit(Ended(source.track_id, "error", round(played, 3),
                         f"the audio output could not be opened ({error or 'unknown error'}): choose one "
                         "with --ao or `ao` in the config (`ao = \"null\"` plays silently)"))
        self._emit(QueueFinished())

    def engine_started(self, entry_id: int) -> None:
        self.played.restart()
        if entry_id not in self._entries:
            return
        index, _source = self._entries[entry_id]
        if entry_id == self._next_entry:
            self._next_entry = None  # the engine moved on by itself: the gapless path
        self._playing_entry = entry_id
        self._announced = False
        self.queue.current = index

    def engine_loaded(self, entry: int, duration: float | None) -> None:
        source = self.current_source
        if source is None or self.queue.current is None or entry not in (-1, self._playing_entry):
            return  # (an entry that was already dropped: mpv moved on before it was told)
        self.duration = float(duration) if duration else (source.duration_ms or 0) / 1000 or None
        self._emit(Started(source.track_id, source.codec, source.kind, self.queue.current, self.duration,
                           source.note, source.via, source.kbps, source.kbps_average, source.audio))
        self._emit_queue()
        self._announced = True
        self._append_next()

    def engine_ended(self, entry_id: int, reason: str, error: str | None) -> None:
        position, stretch = self.position, self.played.snapshot()
        entry = self._entries.get(entry_id)
        if entry is None:
            return
        index, source = entry
        if reason in ("retry", "output"):  # the audio device failed, not the file
            self._output_failed(index, source, reason == "retry", error, position, stretch.total(position))
            return
        if failure := getattr(source.stream, "failure", None):  # a stream that gave up ends as if at eof
            reason, error = "error", failure
        ended: EndReason = "error" if reason == "error" else "stopped" if reason == "stopped" else "eof"
        message = f"could not play it ({error or 'unknown error'})" if ended == "error" else None
        # at the end of the file the last position reported may lag the end itself
        end = self.duration if ended == "eof" and self.duration else position
        self._emit(Ended(source.track_id, ended, round(stretch.total(end), 3), message))
        if entry_id != self._next_entry:
            self._entries.pop(entry_id, None)
            source.close()
        if entry_id == self._playing_entry:
            self._playing_entry = None
        if reason == "stopped":
            return
        # The engine continues by itself when the next track was pre-appended (gapless);
        # otherwise pick up the queue here.
        if self._next_entry is not None and self._next_entry in self.engine.entries():
            return
        nxt = self.queue.index_after(index)
        if nxt is None:
            self.queue.current = None
            self._emit_queue()
            self._emit(QueueFinished())
        else:
            self.play_index(nxt)
