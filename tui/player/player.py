"""The player: a queue played through libmpv, gapless, with ReplayGain and resume.

One worker thread owns every decision (what plays next, what mpv's playlist holds),
so user commands, mpv's event thread and stream callbacks never race. mpv's
playlist always holds the current track and, ahead of time, the next one: that is
what makes the transition gapless. Events reach listeners as plain dataclasses;
the position at most four times a second, everything else at once.

ReplayGain: gains come from the file's tags (mpv reads them), with the ledger's
`prefixed_ogg_packet` values as the per-file fallback. The archive's
REPLAYGAIN_ALBUM_PEAK tag is a copy of the gain, so mpv's own tag-based clipping
guard is turned off and clipping is prevented per file with the ledger's peak.
"""

from __future__ import annotations

import math
import queue as queue_mod
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.player.queue import Queue, SavedState
from tui.player.sources import Source, SourceError, SourceResolver

POSITION_INTERVAL = 0.25  # at most 4 position events a second
PREVIOUS_RESTARTS_AFTER = 3.0  # "previous" past 3 s restarts the track, like every player


@dataclass(frozen=True)
class Started:
    track_id: str
    codec: str | None
    kind: str  # local | stream
    index: int
    duration: float | None


@dataclass(frozen=True)
class Position:
    track_id: str
    seconds: float
    duration: float | None


@dataclass(frozen=True)
class Ended:
    track_id: str
    reason: str  # eof | error | stopped
    played_seconds: float
    message: str | None = None


@dataclass(frozen=True)
class PauseChanged:
    paused: bool


@dataclass(frozen=True)
class Buffering:
    track_id: str
    buffering: bool


@dataclass(frozen=True)
class QueueChanged:
    length: int
    current: int | None


@dataclass(frozen=True)
class QueueFinished:
    pass


PlayerEvent = Started | Position | Ended | PauseChanged | Buffering | QueueChanged | QueueFinished


def replaygain_options(source: Source, mode: str, preamp: float) -> dict[str, str]:
    """Per-file mpv options: the ledger's gain as fallback, clipping kept off with its peak."""
    opts: dict[str, str] = {}
    rg = source.replaygain
    if rg is None or mode == "off":
        return opts
    gain, peak = (rg.album_gain_db, rg.album_peak) if mode == "album" else (rg.track_gain_db, rg.track_peak)
    opts["replaygain-fallback"] = f"{gain:.2f}"
    if peak and peak > 0:
        headroom = -20 * math.log10(peak)  # dB the file can be raised before it clips
        excess = gain + preamp - headroom
        if excess > 0:
            opts["replaygain-preamp"] = f"{preamp - excess:.2f}"
    return opts


class Player:
    def __init__(self, resolver: SourceResolver, ao: str | None = None,
                 state_path: Path | None = None, replaygain: str = "track", preamp: float = 0.0,
                 mpv_options: dict | None = None) -> None:
        import mpv  # python-mpv loads libmpv here; keep import errors out of module import

        self.resolver = resolver
        self.state_path = state_path
        self.queue = Queue()
        self.replaygain = replaygain if replaygain in ("track", "album", "off") else "track"
        self.preamp = preamp
        self._listeners: list[Callable[[PlayerEvent], None]] = []
        self._tasks: queue_mod.Queue = queue_mod.Queue()
        self._entries: dict[int, tuple[int, Source]] = {}  # mpv playlist entry id -> (queue index, source)
        self._playing_entry: int | None = None
        self._next_entry: int | None = None
        self._position = 0.0
        self._duration: float | None = None
        self._last_position_event = 0.0
        self._closed = False
        self._paused = False
        self._announced = False  # Started sent for the playing entry; positions wait for it
        options = {
            "video": False, "idle": "yes", "input_default_bindings": False, "input_vo_keyboard": False,
            "gapless_audio": "yes", "prefetch_playlist": "yes", "keep_open": "no", "config": False,
            "load_scripts": False, "ytdl": False, "audio_display": "no", "replaygain_clip": "no",
            "replaygain": "no" if self.replaygain == "off" else self.replaygain,
            "replaygain_preamp": str(preamp), "cache": "yes", "demuxer_max_bytes": "32MiB",
        }
        if ao:
            options["ao"] = ao
        options.update(mpv_options or {})
        try:
            self.mpv = mpv.MPV(**options)
        except Exception as exc:  # noqa: BLE001 - libmpv reports bad options as generic errors
            raise SourceError(f"libmpv refused to start ({exc}); check --ao") from None
        self._streams: dict[str, object] = {}
        self.mpv.register_stream_protocol("longtail", self._open_stream)
        self.mpv.observe_property("time-pos", self._on_time_pos)
        self.mpv.observe_property("pause", self._on_pause)
        self.mpv.observe_property("paused-for-cache", self._on_buffering)
        self.mpv.event_callback("start-file")(self._on_start_file)
        self.mpv.event_callback("end-file")(self._on_end_file)
        self.mpv.event_callback("file-loaded")(self._on_file_loaded)
        self._worker = threading.Thread(target=self._run, name="longtail-player", daemon=True)
        self._worker.start()

    # -- listeners and the worker ---------------------------------------------------------

    def subscribe(self, listener: Callable[[PlayerEvent], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, event: PlayerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a broken listener must not stop playback
                pass

    def _submit(self, fn: Callable, *args) -> None:
        if not self._closed:
            self._tasks.put((fn, args))

    def _run(self) -> None:
        while True:
            fn, args = self._tasks.get()
            if fn is None:
                return
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - keep the player alive
                self._emit(Ended(self.queue.current_id or "", "error", 0.0, f"player error: {exc}"))

    def sync(self, timeout: float = 5.0) -> None:
        """Wait until every command submitted so far has been carried out (tests, CLI)."""
        done = threading.Event()
        self._submit(done.set)
        done.wait(timeout)

    # -- public commands (thread-safe, non-blocking) ------------------------------------------

    def play(self, track_ids: list[str], start_index: int = 0) -> None:
        self._submit(self._do_replace, list(track_ids), start_index)

    def enqueue(self, track_ids: list[str]) -> None:
        self._submit(self._do_edit, lambda q: q.add(*track_ids))

    def insert_next(self, track_ids: list[str]) -> None:
        self._submit(self._do_edit, lambda q: q.insert_next(*track_ids))

    def remove(self, index: int) -> None:
        self._submit(self._do_remove, index)

    def move(self, src: int, dst: int) -> None:
        self._submit(self._do_edit, lambda q: q.move(src, dst))

    def clear(self) -> None:
        self._submit(self._do_clear)

    def play_index(self, index: int) -> None:
        self._submit(self._do_play_index, index, 0.0, False)

    def next(self) -> None:
        self._submit(self._do_step, +1)

    def previous(self) -> None:
        self._submit(self._do_step, -1)

    def toggle_pause(self) -> None:
        self._submit(self._do_toggle_pause)

    def set_paused(self, paused: bool) -> None:
        self._submit(self._set_property, "pause", paused)

    def seek(self, seconds: float, relative: bool = True) -> None:
        self._submit(self._do_seek, seconds, relative)

    def set_volume(self, volume: float) -> None:
        self._submit(self._set_property, "volume", max(0.0, min(130.0, volume)))

    def change_volume(self, delta: float) -> None:
        self._submit(self._do_change_volume, delta)

    def toggle_mute(self) -> None:
        self._submit(self._do_toggle_mute)

    def cycle_repeat(self) -> None:
        self._submit(self._do_cycle_repeat)

    def set_replaygain(self, mode: str, preamp: float | None = None) -> None:
        self._submit(self._do_replaygain, mode, self.preamp if preamp is None else preamp)

    def stop(self) -> None:
        self._submit(self._do_stop)

    def restore(self) -> SavedState | None:
        """Bring back the saved queue, track and position (paused there)."""
        if self.state_path is None:
            return None
        state = SavedState.load(self.state_path)
        self._submit(self._do_restore, state)
        return state

    def save(self) -> None:
        self._submit(self._do_save)

    # -- read-only state -----------------------------------------------------------------------

    @property
    def position(self) -> float:
        return self._position

    @property
    def duration(self) -> float | None:
        return self._duration

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def volume(self) -> float:
        try:
            return float(self.mpv.volume)
        except Exception:  # noqa: BLE001
            return 100.0

    @property
    def muted(self) -> bool:
        try:
            return bool(self.mpv.mute)
        except Exception:  # noqa: BLE001
            return False

    @property
    def current_source(self) -> Source | None:
        if self._playing_entry is None:
            return None
        entry = self._entries.get(self._playing_entry)
        return entry[1] if entry else None

    # -- worker-side implementation --------------------------------------------------------------

    def _load_options(self, source: Source, start: float = 0.0) -> dict[str, str]:
        opts = replaygain_options(source, self.replaygain, self.preamp)
        if start > 0:
            opts["start"] = f"{start:.3f}"
        return opts

    def _resolve(self, index: int) -> Source | None:
        track_id = self.queue.items[index]
        try:
            return self.resolver.resolve(track_id)
        except SourceError as exc:
            self._emit(Ended(track_id, "error", 0.0, str(exc)))
            return None

    def _playlist_ids(self) -> list[int]:
        try:
            return [e.get("id") for e in self.mpv.playlist]
        except Exception:  # noqa: BLE001
            return []

    def _do_play_index(self, index: int, start: float = 0.0, paused: bool = False,
                       tries: int = 0) -> None:
        """Make queue[index] the current track (skipping unplayable ones forward)."""
        if not 0 <= index < len(self.queue.items):
            return
        source = self._resolve(index)
        if source is None:
            self.queue.current = index
            nxt = self.queue.index_after(index, manual=True)
            if nxt is not None and nxt != index and tries < len(self.queue.items):
                self._do_play_index(nxt, 0.0, paused, tries + 1)
            else:
                self._finish_queue()
            return
        self._forget_entries()
        self.queue.current = index
        self._announced = False
        self._position, self._duration = start, None
        self._set_property("pause", paused)
        self._register_stream(source)
        self.mpv.loadfile(source.url, "replace", **self._load_options(source, start))
        ids = self._playlist_ids()
        if ids:
            self._entries[ids[-1]] = (index, source)
            self._playing_entry = ids[-1]
        self._next_entry = None
        self._emit(QueueChanged(len(self.queue.items), index))

    def _register_stream(self, source: Source) -> None:
        # before loadfile: mpv may open the stream on its own thread at once
        if source.stream is not None:
            self._streams[source.url] = source.stream

    def _forget_entries(self) -> None:
        for _, source in self._entries.values():
            source.close()
            self._streams.pop(source.url, None)
        self._entries.clear()
        self._playing_entry = None
        self._next_entry = None

    def _append_next(self) -> None:
        """Put the following track into mpv's playlist now, so the transition is gapless.

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
        except SourceError:
            return
        self._register_stream(source)
        self.mpv.loadfile(source.url, "append", **self._load_options(source))
        ids = self._playlist_ids()
        if ids:
            self._entries[ids[-1]] = (nxt, source)
            self._next_entry = ids[-1]
        following = self.queue.index_after(nxt)
        if following is not None:
            self.resolver.prefetch(self.queue.items[following])

    def _drop_next(self) -> None:
        """The queue changed: take the pre-appended next track back out of mpv's playlist."""
        if self._next_entry is None:
            return
        ids = self._playlist_ids()
        if self._next_entry in ids:
            try:
                self.mpv.command("playlist-remove", ids.index(self._next_entry))
            except Exception:  # noqa: BLE001 - it may have just started playing
                pass
        entry = self._entries.pop(self._next_entry, None)
        if entry and self._next_entry != self._playing_entry:
            entry[1].close()
        self._next_entry = None

    def _do_replace(self, track_ids: list[str], start_index: int) -> None:
        self._stop_mpv()
        self.queue.items = list(track_ids)
        self.queue.current = None
        self._emit(QueueChanged(len(self.queue.items), None))
        if track_ids:
            self._do_play_index(max(0, min(start_index, len(track_ids) - 1)))

    def _do_edit(self, edit: Callable[[Queue], None]) -> None:
        self._drop_next()
        edit(self.queue)
        self._emit(QueueChanged(len(self.queue.items), self.queue.current))
        if self._playing_entry is not None:
            self._append_next()  # (queued while idle: playback starts when the user asks)

    def _do_remove(self, index: int) -> None:
        if index == self.queue.current:
            self.queue.remove(index)
            self._stop_mpv()
            if self.queue.current is not None:
                self._do_play_index(self.queue.current)
            self._emit(QueueChanged(len(self.queue.items), self.queue.current))
            return
        self._do_edit(lambda q: q.remove(index))
        self._remap_indexes()

    def _remap_indexes(self) -> None:
        if self._playing_entry in self._entries and self.queue.current is not None:
            source = self._entries[self._playing_entry][1]
            self._entries[self._playing_entry] = (self.queue.current, source)

    def _do_clear(self) -> None:
        self._stop_mpv()
        self.queue.clear()
        self._emit(QueueChanged(0, None))

    def _do_step(self, direction: int) -> None:
        if direction < 0 and self._position > PREVIOUS_RESTARTS_AFTER and self.queue.current is not None:
            self._do_seek(0.0, False)
            return
        current = self.queue.current
        target = (self.queue.index_after(current, manual=True) if direction > 0
                  else self.queue.index_before(current))
        if target is None:
            if direction > 0:
                self._stop_mpv()
                self._finish_queue()
            return
        self._do_play_index(target, 0.0, self._paused)

    def _do_toggle_pause(self) -> None:
        if self._playing_entry is None and self.queue.items:
            self._do_play_index(self.queue.current or 0)
            return
        self._set_property("pause", not self._paused)

    def _do_seek(self, seconds: float, relative: bool) -> None:
        if self._playing_entry is None:
            return
        try:
            self.mpv.seek(seconds, "relative" if relative else "absolute")
        except Exception:  # noqa: BLE001 - seeking before the file is loaded
            pass

    def _do_change_volume(self, delta: float) -> None:
        self._set_property("volume", max(0.0, min(130.0, self.volume + delta)))

    def _do_toggle_mute(self) -> None:
        self._set_property("mute", not self.muted)

    def _do_cycle_repeat(self) -> None:
        self._drop_next()
        self.queue.cycle_repeat()
        self._append_next()
        self._emit(QueueChanged(len(self.queue.items), self.queue.current))

    def _do_replaygain(self, mode: str, preamp: float) -> None:
        self.replaygain, self.preamp = mode, preamp
        self._set_property("replaygain", "no" if mode == "off" else mode)
        self._set_property("replaygain-preamp", preamp)
        self._drop_next()  # re-append with the new per-file options
        self._append_next()

    def _set_property(self, name: str, value) -> None:
        try:
            self.mpv[name] = value
        except Exception:  # noqa: BLE001
            pass

    def _stop_mpv(self) -> None:
        if self._playing_entry is not None:
            try:
                self.mpv.command("stop")
            except Exception:  # noqa: BLE001
                pass
        self._forget_entries()

    def _do_stop(self) -> None:
        self._stop_mpv()

    def _finish_queue(self) -> None:
        self._emit(QueueFinished())

    def _do_restore(self, state: SavedState) -> None:
        self.queue.items = list(state.items)
        self.queue.repeat = state.repeat if state.repeat in ("off", "queue", "track") else "off"
        self._set_property("volume", state.volume)
        if state.replaygain in ("track", "album", "off"):
            self._do_replaygain(state.replaygain, self.preamp)
        self._emit(QueueChanged(len(self.queue.items), state.current))
        if state.current is not None:
            self._do_play_index(state.current, state.position, paused=True)

    def _do_save(self) -> None:
        if self.state_path is None:
            return
        SavedState(list(self.queue.items), self.queue.current, round(self._position, 2),
                   self.queue.repeat, self.volume, self.replaygain).save(self.state_path)

    # -- mpv callbacks (mpv's event thread: only hand work to the worker) ---------------------------

    def _open_stream(self, url: str):
        stream = self._streams.get(url)
        if stream is None:
            raise ValueError(url)  # mpv reports "loading failed"
        return stream

    def _on_time_pos(self, _name: str, value) -> None:
        if value is None:
            return
        self._position = float(value)
        now = time.monotonic()
        if self._announced and now - self._last_position_event >= POSITION_INTERVAL:
            self._last_position_event = now
            track_id = self.queue.current_id
            if track_id:
                self._emit(Position(track_id, self._position, self._duration))

    def _on_pause(self, _name: str, value) -> None:
        self._paused = bool(value)
        self._emit(PauseChanged(self._paused))

    def _on_buffering(self, _name: str, value) -> None:
        track_id = self.queue.current_id
        if track_id and value is not None:
            self._emit(Buffering(track_id, bool(value)))

    def _on_start_file(self, event) -> None:
        entry_id = _event_field(event, "playlist_entry_id")
        self._submit(self._started, entry_id)

    def _started(self, entry_id: int | None) -> None:
        if entry_id is None or entry_id not in self._entries:
            return
        index, _source = self._entries[entry_id]
        if entry_id == self._next_entry:
            self._next_entry = None  # mpv moved on by itself: the gapless path
        self._playing_entry = entry_id
        self._announced = False
        self.queue.current = index

    def _on_file_loaded(self, _event) -> None:
        try:
            duration = self.mpv.duration
        except Exception:  # noqa: BLE001
            duration = None
        self._submit(self._loaded, duration)

    def _loaded(self, duration: float | None) -> None:
        source = self.current_source
        if source is None or self.queue.current is None:
            return
        self._duration = float(duration) if duration else (source.duration_ms or 0) / 1000 or None
        self._emit(Started(source.track_id, source.codec, source.kind, self.queue.current, self._duration))
        self._announced = True
        self._append_next()

    def _on_end_file(self, event) -> None:
        entry_id = _event_field(event, "playlist_entry_id")
        reason = _event_field(event, "reason")
        error = _event_field(event, "file_error")
        self._submit(self._ended, entry_id, reason, error, self._position)

    def _ended(self, entry_id: int | None, reason, error, position: float) -> None:
        entry = self._entries.get(entry_id) if entry_id is not None else None
        if entry is None:
            return
        index, source = entry
        reason_name = _reason_name(reason)
        message = None
        if reason_name == "error":
            message = f"mpv could not play it ({_error_text(error)})"
        if reason_name == "eof" and self._duration:
            position = max(position or 0.0, self._duration)  # time-pos lags the very end
        self._emit(Ended(source.track_id, reason_name, round(position or 0.0, 3), message))
        if entry_id != self._next_entry:
            self._entries.pop(entry_id, None)
            source.close()
            self._streams.pop(source.url, None)
        if entry_id == self._playing_entry:
            self._playing_entry = None
        self._position = 0.0
        if reason_name == "stopped":
            return
        # mpv continues by itself when the next track was pre-appended (gapless);
        # otherwise pick up the queue here.
        if self._next_entry is not None and self._next_entry in self._playlist_ids():
            return
        nxt = self.queue.index_after(index)
        if nxt is None:
            self.queue.current = None
            self._finish_queue()
        else:
            self._do_play_index(nxt)

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._do_save_sync()
        self._closed = True
        self._tasks.put((None, ()))
        self._worker.join(timeout=5)
        for _, source in list(self._entries.values()):
            source.close()
        try:
            self.mpv.terminate()
        except Exception:  # noqa: BLE001
            pass

    def _do_save_sync(self) -> None:
        if self.state_path is not None and not self._closed:
            self.sync()
            self._do_save()


def _event_field(event, name: str):
    """A field of a python-mpv event (its as_dict() decodes the C struct)."""
    try:
        value = event.as_dict().get(name)
    except Exception:  # noqa: BLE001
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _reason_name(reason) -> str:
    if isinstance(reason, bytes):
        reason = reason.decode()
    if isinstance(reason, int):
        return {0: "eof", 2: "stopped", 3: "stopped", 4: "error", 5: "eof"}.get(reason, "eof")
    text = str(reason or "eof").lower()
    if "error" in text:
        return "error"
    if text in ("stop", "quit"):
        return "stopped"
    return "eof"


def _error_text(error) -> str:
    return str(error) if error else "unknown error"
