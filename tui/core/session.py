"""The session: the one core that owns the work, and its one stream of events.

Faces (the TUI, the CLI, MPRIS, the MPD server) send it typed commands
(`tui.core.commands`) through `send` and subscribe to its bus; none of them reads
another thread's state. The session's mailbox thread owns the player (queue policy,
undo history), the now-playing snapshot and the stream feeder: commands are applied
there in the order they were sent, and mpv's and the swarm's reports are posted there.
Check runs and index builds run on threads of their own and report through the bus.

    key press -> face -> Session.send -> core thread -> engine (mpv)
    mpv thread -> core thread (policy, NowPlaying) -> bus -> face's thread -> face
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.config import Settings, StatePaths
from tui.core.bus import EventBus
from tui.core.checking import CheckRequest, CheckRun
from tui.core.commands import Command, Play, Restore, Save
from tui.core.dispatch import apply
from tui.core.events import CheckFinished, FetchProgress, FileStateChanged, Notice
from tui.core.indexing import IndexReport, build_all
from tui.core.logs import keep_native_writes_in, log_to, native_output_to
from tui.core.lyrics import LyricsService
from tui.core.nowplaying import NowPlayingTracker
from tui.core.services import Location, Services, open_services
from tui.core.sources import MirrorSources
from tui.core.streams import StreamFeeder

if TYPE_CHECKING:  # the swarm's modules (libtorrent's wrappers) load when fetching starts
    from tui.core.scrobbling import Scrobbling
    from tui.core.swarm import FetchReport, Swarm
    from tui.core.sweeping import SweepReport
    from tui.mirror.checks import CheckResult
from tui.core.views import Library
from tui.errors import LongtailError
from tui.mirror.fetch_status import GIVE_UP_SECONDS as FETCH_TIMEOUT  # as `fetch` and `play` wait
from tui.player.engine import Engine
from tui.player.events import PlayerEvent
from tui.player.player import Player
from tui.player.source import SourceError
from tui.threads import Mailbox

SAVE_EVERY = 30.0  # seconds between saves of the queue and position
log = logging.getLogger("longtail")


class Session:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.library = Library(services)
        self.lyrics = LyricsService(services)
        self.bus = EventBus()
        self.player: Player | None = None  # the mailbox's, like everything below
        self._swarm: Swarm | None = None
        self._fetch_with_player: tuple[tuple[str, ...], bool | None] | None = None
        self._tracker = NowPlayingTracker(services.catalogue.track, services.settings.playback.replaygain)
        self._feeder = StreamFeeder(lambda text: self.publish(Notice(text, "warning")))
        self._starting = False  # a player is being made: commands wait for it, in order
        self._waiting: list[Command] = []
        # set once the start-up's Restore (or Play) is applied: a face's edits come after it, never undone by it
        self.queue_settled = threading.Event()
        self._runs = itertools.count(1)
        self._lock = threading.Lock()  # guards _stops, which the UI thread and workers both touch
        self._stops: dict[int, threading.Event] = {}
        self._closed = threading.Event()
        self.mailbox = Mailbox("longtail-core", on_idle=self._save, idle_every=SAVE_EVERY)
        self._scrobbling: Scrobbling | None = None

    @classmethod
    def open(cls, location: Location, settings: Settings, refresh_files: bool = True) -> Session:
        services = open_services(location, settings, refresh_files)
        log_to(services.state.log)
        native_output_to(services.state.log)
        keep_native_writes_in(services.state.root)
        return cls(services)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def healed(self) -> list[str]:
        """Notes on the state files that were damaged and set aside when the session opened."""
        return self.services.healed

    @property
    def state(self) -> StatePaths:
        """Where this mirror's state lives (faces keep their own small files there)."""
        return self.services.state

    def publish(self, event: object) -> None:
        self.bus.publish(event)

    # -- lifecycle ---------------------------------------------------------------------------

    def start_fetching(self, extra_peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
        """The torrent service (and the demo's seeder); once per session."""
        if self._swarm is None:
            from tui.core.swarm import Swarm

            self._swarm = Swarm(self.services, self._from_swarm, extra_peers, seed)

    def start_fetching_with_player(self, extra_peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
        """The torrent service, started by `start_player` on its thread (off the TUI's first
        screen: ~30 ms of libtorrent); a failure is a Notice, and local playback goes on."""
        self._fetch_with_player = (extra_peers, seed)

    def ask_swarm_early(self, track_id: str) -> None:
        """Start fetching a track that is not local now, on a thread of its own, so that its pieces
        travel while the rest of start-up (libmpv, MPRIS) happens; the stream joins that fetch."""
        swarm = self._swarm
        if swarm is None:
            return

        def ask() -> None:
            entry = self.services.files.entry(track_id)
            if entry is not None and entry.info_hash and not (entry.local and entry.is_present()):
                swarm.service.request(entry)

        threading.Thread(target=self._guarded, args=(ask,), daemon=True, name="longtail-ask-swarm").start()

    @property
    def fetching(self) -> bool:
        return self._swarm is not None

    def start_player(self, ao: str | None = None, engine: Engine | None = None,
                     engine_options: dict | None = None, remember: bool = True,
                     after: threading.Event | None = None, first: Command | None = None) -> None:
        """Create the player (libmpv unless an engine is given). Blocks for ~50 ms: call it off the
        UI thread. Commands sent while it starts wait for it and are applied in order, after
        `first` (the start-up's Restore or Play, which they must not be undone by). `after`: the
        heavy part waits for it (at most 2 s): the TUI's first screen is drawn first."""
        if not self.mailbox.call(self._begin_starting):
            return
        if after is not None:
            after.wait(2.0)
        if self._fetch_with_player is not None:
            try:
                self.start_fetching(*self._fetch_with_player)
            except LongtailError as exc:  # browsing and local playback work without it
                self.publish(Notice(f"fetching is off ({exc})", "error"))
        settings = self.settings
        try:
            if engine is None:
                from tui.player.mpv_engine import MpvEngine

                try:
                    engine = MpvEngine(ao=ao or settings.playback.ao, options=engine_options,
                                       replaygain=settings.playback.replaygain, preamp=settings.playback.preamp,
                                       log=_native_log)
                except (SourceError, OSError) as exc:  # PlayerUnavailable says what to do by itself
                    raise LongtailError(f"the player cannot start: {exc}",
                                        "check that libmpv2 is installed and --ao names an output") from None
        except BaseException:
            self.mailbox.call(self._install, None)
            raise
        player = Player(MirrorSources(self.services, self._swarm), engine,
                        self.services.state.player_state if remember else None,
                        settings.playback.replaygain, settings.playback.preamp, mailbox=self.mailbox)
        player.subscribe(self._on_player_event)
        self._start_scrobbling()
        self.mailbox.call(self._install, player, first)

    def _start_scrobbling(self) -> None:
        """One more subscriber of the bus, for every face that plays (TUI, `play`, `serve`)."""
        if self._scrobbling is not None:
            return
        from tui.core.scrobbling import start

        try:
            self._scrobbling = start(self.settings, self.state, self.bus, self.services.catalogue.track,
                                     lambda text, level: self.publish(Notice(text, level)))  # type: ignore[arg-type]
        except LongtailError as exc:  # its queue cannot be opened: playback goes on, and says so
            self.publish(Notice(f"scrobbling is off: {exc}", "error"))

    def _begin_starting(self) -> bool:
        if self.player is not None or self._starting:
            return False
        self._starting = True
        return True

    def _install(self, player: Player | None, first: Command | None = None) -> None:
        self.player, self._starting = player, False
        waiting, self._waiting = ([first] if first is not None and player is not None else []) + self._waiting, []
        for command in waiting:
            self._apply(command)

    def stop_player(self) -> None:
        """Stop and close the player (it saves the queue and position first)."""
        player = self.mailbox.call(self._take_player) if not self.mailbox.closed else self.player
        if player is not None:
            player.close()

    def _take_player(self) -> Player | None:
        player, self.player = self.player, None
        return player

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self.stop_player()
        if self._scrobbling is not None:  # after the player: its last events are scrobbled first
            self._scrobbling.close()
            self._scrobbling = None
        self.mailbox.close()
        if self._swarm is not None:
            self._swarm.close()
            self._swarm = None
        self.lyrics.close()
        self.services.close()

    # -- commands: one ordered channel ----------------------------------------------------------

    def send(self, command: Command) -> None:
        """Apply `command` on the core's thread, after every command sent before it (any thread,
        never blocking)."""
        self.mailbox.post(self._apply, command)

    def sync(self, timeout: float = 5.0) -> None:
        """Wait until every command sent so far has been applied (tests, the CLI)."""
        self.mailbox.sync(timeout)

    def _apply(self, command: Command) -> None:
        player = self.player
        if player is None:
            if self._starting:
                self._waiting.append(command)
            elif not isinstance(command, Save):
                self.publish(Notice("the player is not ready", "warning"))
            return
        apply(command, player, self._feeder)
        if isinstance(command, Restore | Play):
            self.queue_settled.set()

    def _save(self) -> None:
        if self.player is not None:
            self.player.save()

    # -- what the player and the swarm report (on the core's thread) ----------------------------

    def _on_player_event(self, event: PlayerEvent) -> None:
        self._publish_with_snapshot(event)
        # after the command that caused it has finished: the feeder may send the player more
        self.mailbox.post(self._feeder.on_event, event, self.player)

    def _from_swarm(self, event: object) -> None:
        if isinstance(event, FetchProgress):  # the bar shows the current track's fetch: the core's
            self.mailbox.post(self._publish_with_snapshot, event)
        else:
            self.publish(event)

    def _publish_with_snapshot(self, event: object) -> None:
        self.publish(event)
        snapshot = self._tracker.apply(event)
        if snapshot is not None:
            self.publish(snapshot)

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


def _native_log(level: str, prefix: str, text: str) -> None:
    """What libmpv has to say goes to the log file, never to the terminal."""
    logging.getLogger(f"longtail.mpv.{prefix}").log(
        logging.ERROR if level in ("error", "fatal") else logging.WARNING, text.rstrip())

