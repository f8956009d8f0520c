"""The session: the one core that owns the work, and its one stream of events.

Faces (the TUI, the CLI, MPRIS) send it typed commands and subscribe to its bus;
none of them reads another thread's state. The core's own thread turns player and
fetch events into `NowPlaying` snapshots and keeps the shuffle stream feeding the
queue; check runs and index builds run on threads of their own and report through
the bus too.

    key press -> face -> Session command -> player worker -> engine (mpv)
    engine -> player events -> bus -> core thread -> NowPlaying -> bus -> faces
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.config import Settings
from tui.core.bus import EventBus, Subscription
from tui.core.checking import CheckRequest, CheckRun
from tui.core.events import CheckFinished, FetchProgress, FileStateChanged, Notice
from tui.core.indexing import IndexReport, build_all
from tui.core.logs import log_to, native_output_to
from tui.core.nowplaying import NowPlayingTracker
from tui.core.services import Location, Services, open_services
from tui.core.sources import MirrorSources
from tui.core.streams import STREAM_BATCH, ShuffleStream, StreamFeeder
from tui.core.swarm import FETCH_TIMEOUT, FetchReport, Swarm

if TYPE_CHECKING:
    from tui.core.sweeping import SweepReport
from tui.core.views import Library
from tui.errors import LongtailError
from tui.mirror.checks import CheckResult
from tui.player import events as player_events
from tui.player.engine import Engine
from tui.player.player import Player
from tui.player.source import SourceError

SAVE_EVERY = 30.0  # seconds between saves of the queue and position
log = logging.getLogger("longtail")

_CORE_EVENTS = (player_events.Started, player_events.Position, player_events.Ended,
                player_events.PauseChanged, player_events.Buffering, player_events.QueueChanged,
                player_events.QueueFinished, player_events.MixerChanged, player_events.ReplayGainChanged,
                player_events.OutputChanged, FetchProgress)


class Session:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.library = Library(services)
        self.bus = EventBus()
        self.player: Player | None = None
        self._swarm: Swarm | None = None
        self._tracker = NowPlayingTracker(services.catalogue.track, services.settings.replaygain)
        self._feeder = StreamFeeder(lambda text: self.publish(Notice(text, "warning")))  # the core thread's
        self._runs = itertools.count(1)
        self._lock = threading.Lock()  # guards _stops, which the UI thread and workers both touch
        self._stops: dict[int, threading.Event] = {}
        self._inbox: queue.Queue = queue.Queue()
        self._closed = threading.Event()
        self._events: Subscription = self.bus.subscribe(self._inbox.put, _CORE_EVENTS, name="core-in")
        self._thread = threading.Thread(target=self._run, daemon=True, name="longtail-core")
        self._thread.start()

    @classmethod
    def open(cls, location: Location, settings: Settings, refresh_files: bool = True) -> Session:
        services = open_services(location, settings, refresh_files)
        log_to(services.state.log)
        native_output_to(services.state.log)
        return cls(services)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def publish(self, event: object) -> None:
        self.bus.publish(event)

    # -- lifecycle ---------------------------------------------------------------------------

    def start_fetching(self, extra_peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
        """The torrent service (and the demo's seeder); once per session."""
        if self._swarm is None:
            self._swarm = Swarm(self.services, self.publish, extra_peers, seed)

    @property
    def fetching(self) -> bool:
        return self._swarm is not None

    def start_player(self, ao: str | None = None, engine: Engine | None = None,
                     engine_options: dict | None = None, remember: bool = True) -> None:
        """Create the player (libmpv unless an engine is given). Blocks for ~50 ms: call it off the UI thread."""
        if self.player is not None:
            return
        settings = self.settings
        if engine is None:
            from tui.player.mpv_engine import MpvEngine

            try:
                engine = MpvEngine(ao=ao or settings.ao, options=engine_options,
                                   replaygain=settings.replaygain, preamp=settings.replaygain_preamp,
                                   log=_native_log)
            except (SourceError, OSError) as exc:  # PlayerUnavailable says what to do by itself
                raise LongtailError(f"the player cannot start: {exc}",
                                    "check that libmpv2 is installed and --ao names an output") from None
        player = Player(MirrorSources(self.services, self._swarm), engine,
                        self.services.state.player_state if remember else None,
                        settings.replaygain, settings.replaygain_preamp)
        player.subscribe(self.publish)
        self.player = player

    def stop_player(self) -> None:
        """Stop and close the player (it saves the queue and position first)."""
        player, self.player = self.player, None
        if player is not None:
            player.close()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._inbox.put(None)
        self._thread.join(timeout=5)
        self._events.close()
        self.stop_player()
        if self._swarm is not None:
            self._swarm.close()
            self._swarm = None
        self.services.close()

    # -- playback commands (any thread, never blocking) -----------------------------------------

    def _with_player(self, fn: Callable[[Player], None]) -> None:
        player = self.player
        if player is None:
            self.publish(Notice("the player is not ready", "warning"))
            return
        fn(player)

    def _on_core(self, fn: Callable[[], None]) -> None:
        self._inbox.put(fn)

    def play(self, track_ids: list[str], start: int = 0) -> None:
        """Replace the queue with these tracks and play from `start` (the stream stops)."""
        def run() -> None:
            self._feeder.attach(None)
            self._with_player(lambda p: p.play(list(track_ids), start))
        self._on_core(run)

    def play_stream(self, stream: ShuffleStream, index: int) -> None:
        """Play the shuffle stream from row `index`; it keeps feeding the queue from there."""
        def run() -> None:
            tracks = stream.start_at(index, STREAM_BATCH)
            if tracks:
                self._feeder.attach(stream)
                self._with_player(lambda p: p.play([t.id for t in tracks]))
        self._on_core(run)

    def enqueue(self, track_ids: list[str], next_up: bool = False) -> None:
        ids = list(track_ids)
        self._with_player(lambda p: (p.insert_next if next_up else p.enqueue)(ids))

    def remove(self, index: int) -> None:
        self._with_player(lambda p: p.remove(index))

    def move(self, src: int, dst: int) -> None:
        self._with_player(lambda p: p.move(src, dst))

    def clear(self) -> None:
        def run() -> None:
            self._feeder.attach(None)
            self._with_player(lambda p: p.clear())
        self._on_core(run)

    def undo(self) -> None:
        """Take back the last queue change the listener made."""
        self._with_player(lambda p: p.undo())

    def restore_queue(self, items: list[str], current: int | None) -> None:
        self._with_player(lambda p: p.restore_queue(items, current))

    def play_index(self, index: int) -> None:
        self._with_player(lambda p: p.play_index(index))

    def next(self) -> None:
        self._with_player(lambda p: p.next())

    def previous(self) -> None:
        self._with_player(lambda p: p.previous())

    def toggle_pause(self) -> None:
        self._with_player(lambda p: p.toggle_pause())

    def set_paused(self, paused: bool) -> None:
        self._with_player(lambda p: p.set_paused(paused))

    def stop(self) -> None:
        self._with_player(lambda p: p.stop())

    def seek(self, seconds: float, relative: bool = True) -> None:
        self._with_player(lambda p: p.seek(seconds, relative))

    def set_volume(self, volume: float) -> None:
        self._with_player(lambda p: p.set_volume(volume))

    def change_volume(self, delta: float) -> None:
        self._with_player(lambda p: p.change_volume(delta))

    def toggle_mute(self) -> None:
        self._with_player(lambda p: p.toggle_mute())

    def cycle_repeat(self) -> None:
        self._with_player(lambda p: p.cycle_repeat())

    def set_repeat(self, mode: str) -> None:
        self._with_player(lambda p: p.set_repeat(mode))

    def cycle_replaygain(self) -> None:
        self._with_player(lambda p: p.cycle_replaygain())

    def restore(self) -> None:
        """Bring back the saved queue and position (paused there)."""
        self._with_player(lambda p: _ignore(p.restore()))

    # -- work: checks, fetches, index builds ----------------------------------------------------

    def _fetch_again(self, track_id: str, timeout: float = FETCH_TIMEOUT) -> str | None:
        try:
            self.start_fetching()
        except LongtailError as exc:
            return str(exc)
        assert self._swarm is not None
        report = self._swarm.fetch([track_id], timeout)[0]
        if report.ok:
            self.publish(FileStateChanged(track_id, "local"))
        return report.error

    def check(self, request: CheckRequest, should_stop: Callable[[], bool] = lambda: False) -> list[CheckResult]:
        """Run a check here and now (the CLI); progress goes to the bus."""
        return self._check_run(next(self._runs), request.decode).execute(request, should_stop)

    def _check_run(self, run: int, decode: bool) -> CheckRun:
        decoder = None
        if decode:  # libmpv only when asked for: checks work without it
            from tui.player.mpv_engine import MpvDecoder

            decoder = MpvDecoder().decode_errors
        return CheckRun(self.services, self.publish, run, decoder, self._fetch_again)

    def start_check(self, request: CheckRequest) -> int:
        """Run a check in the background; returns its run number (see CheckProgress.run)."""
        run, stopped = self._new_run()
        checker = self._check_run(run, request.decode)
        threading.Thread(target=self._guarded, args=(lambda: checker.execute(request, stopped),),
                         daemon=True, name=f"longtail-check-{run}").start()
        return run

    def sweep(self, decode: bool = False) -> SweepReport:
        """`check --all`: every file of every data folder, over every core; resumes a stopped run."""
        from tui.core.sweeping import sweep

        return sweep(self.services, self.publish, next(self._runs), decode, should_stop=self._closed.is_set)

    def start_sweep(self) -> int:
        """`check --all` in the background: SweepProgress, a CheckProgress per file that is not
        ok, then CheckFinished. `stop_run` stops it; the next sweep carries on from there."""
        from tui.core.sweeping import sweep

        run, stopped = self._new_run()

        def job() -> None:
            try:
                report = sweep(self.services, self.publish, run, should_stop=stopped)
            except LongtailError as exc:
                self.publish(CheckFinished(run, 0, 0, 0, 0, str(exc)))
                return
            except Exception as exc:
                self.publish(CheckFinished(run, 0, 0, 0, 0, f"internal error: {exc}"))
                raise  # logged by _guarded
            totals = report.summary
            self.publish(CheckFinished(run, report.checked, totals.get("ok", 0), totals.get("missing", 0),
                                       totals.get("corrupt", 0)))

        threading.Thread(target=self._guarded, args=(job,), daemon=True, name=f"longtail-sweep-{run}").start()
        return run

    def _new_run(self) -> tuple[int, Callable[[], bool]]:
        run = next(self._runs)
        stop = threading.Event()
        with self._lock:
            self._stops[run] = stop
        return run, lambda: stop.is_set() or self._closed.is_set()

    def stop_run(self, run: int) -> None:
        """Stop a background check or sweep (its screen was closed)."""
        with self._lock:
            stop = self._stops.pop(run, None)
        if stop is not None:
            stop.set()

    def fetch(self, track_ids: list[str], timeout: float = FETCH_TIMEOUT) -> list[FetchReport]:
        self.start_fetching()
        assert self._swarm is not None
        reports = self._swarm.fetch(track_ids, timeout)
        for r in reports:
            if r.ok:
                self.publish(FileStateChanged(r.id, "local"))
        return reports

    def build_indexes(self, files_only: bool = False, inline: bool = False) -> IndexReport:
        return build_all(self.services, self.publish, files_only, inline, self._closed.is_set)

    def start_build_indexes(self, files_only: bool = False) -> None:
        """Build what is missing in the background, in this process (the TUI's `I`; on a mirror
        with no file index yet, the file index alone, at start)."""
        threading.Thread(target=self._guarded, args=(lambda: self.build_indexes(files_only, inline=True),),
                         daemon=True, name="longtail-index").start()

    def _guarded(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except LongtailError as exc:
            self.publish(Notice(str(exc), "error"))
        except Exception as exc:
            log.exception("background job failed")
            self.publish(Notice(f"internal error: {exc}", "error"))

    # -- the core thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                item = self._inbox.get(timeout=SAVE_EVERY)
            except queue.Empty:
                if self.player is not None:
                    self.player.save()
                continue
            if item is None:
                return
            try:
                if callable(item):
                    item()
                else:
                    self._on_event(item)
            except Exception:
                log.exception("core thread")

    def _on_event(self, event: object) -> None:
        snapshot = self._tracker.apply(event)
        if snapshot is not None:
            self.publish(snapshot)
        self._feeder.on_event(event, self.player)


def _native_log(level: str, prefix: str, text: str) -> None:
    """What libmpv has to say goes to the log file, never to the terminal."""
    logging.getLogger(f"longtail.mpv.{prefix}").log(
        logging.ERROR if level in ("error", "fatal") else logging.WARNING, text.rstrip())


def _ignore(_value: object) -> None:
    return None
