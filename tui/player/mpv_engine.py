"""libmpv as an engine: its playlist holds the current file and, ahead of time, the next
(`gapless-audio`, `prefetch-playlist`), which is what makes transitions gapless.

Streams reach mpv through a stream protocol of our own (`longtail://N`, `mpv_stream.py`: one
memmove per read), registered before `loadfile` because mpv may open it on its own thread at once. mpv's own
terminal output is off; what it logs goes to a callback (the state dir's log).

No sound device is a normal case (servers, containers, ssh): when the output mpv picked
by itself cannot be opened, the engine switches to the `null` output once, says so, and
asks for the track again; an output the user named that fails stops playback instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.errors import LongtailError
from tui.player.engine import Engine, EngineListener, FileGain, clamp_volume
from tui.player.mpv_stream import StreamProtocol
from tui.player.source import ByteStream, Source, SourceError

LogSink = Callable[[str, str, str], None]  # level, prefix, text
AO_FAILED = "audio output initialization failed"  # mpv's MPV_ERROR_AO_INIT_FAILED, as python-mpv words it


class PlayerUnavailable(LongtailError):
    """libmpv is missing, or refuses the options it was given."""


def load_libmpv() -> Any:
    """python-mpv's module (it loads libmpv when imported), or one line saying what to install."""
    try:
        import mpv
    except (OSError, ImportError, AttributeError) as exc:
        raise PlayerUnavailable(f"libmpv cannot be loaded ({str(exc).split('.')[0]})",
                                "install it (Debian: `sudo apt-get install libmpv2`; `./dev` does it)") from None
    return mpv


def _refused(exc: Exception, ao: str | None) -> PlayerUnavailable:
    """python-mpv's `ValueError('Invalid value for mpv option', code, (handle, name, value))`, in words."""
    details = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], tuple) else ()
    name = details[1].decode() if len(details) > 1 and isinstance(details[1], bytes) else None
    if name == "ao":
        return PlayerUnavailable(f"mpv has no audio output {ao!r}",
                                 "name one it has: pipewire, pulse, alsa, jack, sdl or null (`mpv --ao=help`)")
    return PlayerUnavailable(f"libmpv refused to start ({exc.args[0] if exc.args else exc}"
                             + (f": option {name}" if name else "") + ")", "check the `mpv` settings in the config")


def mpv_gain_options(gain: FileGain) -> dict[str, str]:
    """Per-file mpv options for a ReplayGain decision."""
    opts: dict[str, str] = {}
    if gain.mode == "off" or gain.fallback_db is None:
        return opts
    opts["replaygain-fallback"] = f"{gain.fallback_db:.2f}"
    if gain.preamp_db is not None:
        opts["replaygain-preamp"] = f"{gain.preamp_db:.2f}"
    return opts


class MpvEngine(Engine):
    def __init__(self, ao: str | None = None, options: dict | None = None,
                 replaygain: str = "track", preamp: float = 0.0, log: LogSink | None = None) -> None:
        mpv = load_libmpv()  # here, not at module import: the rest of longtail works without it
        self._listener: EngineListener | None = None
        self._streams: dict[str, ByteStream] = {}
        self._serial = 0
        self._lock = threading.Lock()
        # mpv's event thread reads properties in its callbacks; close() destroys the handle from
        # another thread. A read that began before close() finishes first, and none begins after
        # (a read racing terminate() was a segfault: exit 139 after a fetch that failed fast).
        self._alive = threading.Lock()
        self._closing = False
        self._log = log
        self._output_chosen = bool(ao)  # by the user: never replaced behind their back
        self._fell_back = False
        self._loading_entry = -1  # mpv's event thread only
        opts = {
            "video": False, "idle": "yes", "input_default_bindings": False, "input_vo_keyboard": False,
            "gapless_audio": "yes", "prefetch_playlist": "yes", "keep_open": "no", "config": False,
            "load_scripts": False, "ytdl": False, "audio_display": "no", "replaygain_clip": "no",
            "replaygain": "no" if replaygain == "off" else replaygain,
            "replaygain_preamp": str(preamp), "cache": "yes", "demuxer_max_bytes": "32MiB",
            "terminal": False,
        }
        if ao:
            opts["ao"] = ao
        opts.update(options or {})
        try:
            self.mpv = mpv.MPV(log_handler=self._on_log, loglevel="warn", **opts)
        except Exception as exc:  # noqa: BLE001 - libmpv reports bad options as generic errors
            raise _refused(exc, ao) from None
        self._protocol = StreamProtocol(mpv, self.mpv.handle, "longtail", self._open_stream)
        self.mpv.observe_property("time-pos", self._on_time_pos)
        self.mpv.observe_property("pause", lambda _n, v: self._tell("engine_paused", bool(v)))
        self.mpv.observe_property("paused-for-cache", self._on_buffering)
        self.mpv.observe_property("volume", self._on_mixer)
        self.mpv.observe_property("mute", self._on_mixer)
        self.mpv.event_callback("start-file")(self._on_start_file)
        self.mpv.event_callback("end-file")(self._on_end_file)
        self.mpv.event_callback("file-loaded")(self._on_file_loaded)
        self.mpv.event_callback("seek")(lambda _event: self._tell("engine_seeking"))

    def attach(self, listener: EngineListener) -> None:
        self._listener = listener

    def _tell(self, method: str, *args: object) -> None:
        listener = self._listener
        if listener is not None:
            getattr(listener, method)(*args)

    # -- the playlist ---------------------------------------------------------------------

    def _target(self, source: Source) -> str:
        if source.stream is None:
            if source.path is None:
                raise SourceError(f"nothing to play for {source.track_id}")
            return str(source.path)
        with self._lock:
            self._serial += 1
            url = f"longtail://{self._serial}"
            self._streams[url] = source.stream
        return url

    def _last_entry(self) -> int:
        ids = self.entries()
        return ids[-1] if ids else -1

    def load(self, source: Source, gain: FileGain, start: float = 0.0, paused: bool = False) -> int:
        self._forget_streams()
        self._set("pause", paused)
        opts = mpv_gain_options(gain)
        if start > 0:
            opts["start"] = f"{start:.3f}"
        self.mpv.loadfile(self._target(source), "replace", **opts)
        return self._last_entry()

    def append(self, source: Source, gain: FileGain) -> int:
        self.mpv.loadfile(self._target(source), "append", **mpv_gain_options(gain))
        return self._last_entry()

    def remove(self, entry: int) -> None:
        ids = self.entries()
        if entry in ids:
            try:
                self.mpv.command("playlist-remove", ids.index(entry))
            except Exception:  # noqa: BLE001 - it may have just started playing
                pass

    def entries(self) -> list[int]:
        try:
            return [e.get("id") for e in self.mpv.playlist]
        except Exception:  # noqa: BLE001
            return []

    def stop(self) -> None:
        try:
            self.mpv.command("stop")
        except Exception:  # noqa: BLE001
            pass
        self._forget_streams()

    def _forget_streams(self) -> None:
        with self._lock:
            self._streams.clear()

    # -- controls -----------------------------------------------------------------------------

    def _set(self, name: str, value: object) -> None:
        try:
            self.mpv[name] = value
        except Exception:  # noqa: BLE001 - a property mpv refuses right now
            pass

    def set_paused(self, paused: bool) -> None:
        self._set("pause", paused)

    def seek(self, seconds: float, relative: bool) -> None:
        try:
            self.mpv.seek(seconds, "relative" if relative else "absolute")
        except Exception:  # noqa: BLE001 - seeking before the file is loaded
            pass

    def set_volume(self, volume: float) -> None:
        self._set("volume", clamp_volume(volume))

    def set_muted(self, muted: bool) -> None:
        self._set("mute", muted)

    def set_replaygain(self, mode: str, preamp: float) -> None:
        self._set("replaygain", "no" if mode == "off" else mode)
        self._set("replaygain-preamp", preamp)

    def close(self) -> None:
        self._listener = None
        with self._alive:
            self._closing = True
        try:
            self.mpv.terminate()
        except Exception:  # noqa: BLE001
            pass

    # -- mpv's threads: only translate and hand on ---------------------------------------------

    def _on_log(self, level: str, prefix: str, text: str) -> None:
        if self._log is not None:
            self._log(level, prefix, text)

    def _open_stream(self, url: str) -> ByteStream | None:
        with self._lock:
            return self._streams.pop(url, None)  # None: mpv reports "loading failed"

    def _on_time_pos(self, _name: str, value: float | None) -> None:
        if value is not None:
            self._tell("engine_position", float(value))

    def _on_buffering(self, _name: str, value: bool | None) -> None:
        if value is not None:
            self._tell("engine_buffering", bool(value))

    def _on_mixer(self, _name: str, _value: object) -> None:
        with self._alive:
            if self._closing:
                return
            try:
                volume, muted = float(self.mpv.volume), bool(self.mpv.mute)
            except Exception:  # noqa: BLE001 - shutting down
                return
        self._tell("engine_mixer", volume, muted)

    def _on_start_file(self, event: Any) -> None:
        entry = _event_field(event, "playlist_entry_id")
        self._loading_entry = -1 if entry is None else int(entry)
        if entry is not None:
            self._tell("engine_started", int(entry))

    def _on_file_loaded(self, _event: Any) -> None:
        # file-loaded carries no entry: it is the one whose start-file came last (events arrive in
        # order on this thread; reading the playlist position here races a fast output)
        duration = None
        with self._alive:
            if self._closing:
                return
            try:
                duration = self.mpv.duration
            except Exception:  # noqa: BLE001
                pass
        self._tell("engine_loaded", self._loading_entry, float(duration) if duration else None)

    def _on_end_file(self, event: Any) -> None:
        entry = _event_field(event, "playlist_entry_id")
        reason = _reason_name(_event_field(event, "reason"))
        error = _event_field(event, "file_error")
        text = str(error) if error else None
        if reason == "error" and text and AO_FAILED in text:
            reason = "output"
            if not self._output_chosen and not self._fell_back:
                self._fell_back = True
                with self._alive:
                    if self._closing:
                        return
                    self._set("ao", "null")
                self._tell("engine_output", "null", "no sound device: playing silently (set `ao` to choose one)")
                reason = "retry"
        if entry is not None:
            self._tell("engine_ended", int(entry), reason, text)


class MpvDecoder:
    """A whole-file decode through libmpv (ao=null, as fast as it goes), for integrity checks."""

    WARN_PREFIXES = ("ffmpeg/audio", "ffmpeg/demuxer", "lavf", "ad", "demux")

    def __init__(self) -> None:
        load_libmpv()  # fail now, in one line, rather than once per file

    def decode_errors(self, path: Path, timeout: float = 120.0) -> list[str]:
        mpv = load_libmpv()

        errors: list[str] = []
        done = threading.Event()
        reason: list = []

        def log(level: str, prefix: str, text: str) -> None:
            if level in ("error", "fatal") or (level == "warn" and prefix in self.WARN_PREFIXES):
                errors.append(f"{prefix}: {text.strip()}")

        player = mpv.MPV(ao="null", video=False, ao_null_untimed="yes", config=False, load_scripts=False,
                         ytdl=False, terminal=False, log_handler=log, loglevel="warn")

        @player.event_callback("end-file")
        def ended(event: Any) -> None:
            reason.append(_reason_name(_event_field(event, "reason")))
            done.set()

        player.loadfile(str(path))
        done.wait(timeout)
        player.terminate()
        if reason and reason[0] == "error":
            errors.insert(0, "mpv could not play it")
        return errors


def _event_field(event: Any, name: str) -> Any:
    """A field of a python-mpv event (its as_dict() decodes the C struct)."""
    try:
        value = event.as_dict().get(name)
    except Exception:  # noqa: BLE001
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _reason_name(reason: object) -> str:
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
