"""The Textual application: screens, global keys, and the player's glue.

Kept thin: screens live in `tui/screens/`, widgets in `tui/widgets/`, styles in
`tui/styles/*.tcss`. Every binding has an id, so `[keymap]` in the config file can
rebind any of them. Blocking work runs on a small pool of database threads (so
the number of SQLite connections stays bounded) and comes back as messages.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.catalogue.records import Track
from tui.messages import IndexProgress, PlayerReady, PlayerUpdate
from tui.player.player import (
    Buffering,
    Ended,
    PauseChanged,
    Position,
    QueueChanged,
    QueueFinished,
    Started,
)
from tui.screens.library import LibraryScreen
from tui.services import Services
from tui.widgets.now_playing import NowPlaying, NowPlayingBar

STYLES = Path(__file__).parent / "styles"


class LongtailApp(App):
    TITLE = "longtail"
    CSS_PATH = [STYLES / "app.tcss"]
    MODES = {
        "library": LibraryScreen,
        # Imported when first shown: the first screen should not wait for the others' imports.
        "search": lambda: _screen("search", "SearchScreen"),
        "shuffle": lambda: _screen("shuffle", "ShuffleScreen"),
        "tiers": lambda: _screen("tiers", "TiersScreen"),
        "queue": lambda: _screen("queue", "QueueScreen"),
    }
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("slash", "search", "Search", id="app.search"),
        Binding("1", "mode('library')", "Library", show=False, id="app.library"),
        Binding("2", "search", "Search", show=False, id="app.search_screen"),
        Binding("3", "mode('shuffle')", "Shuffle", show=False, id="app.shuffle"),
        Binding("4", "mode('tiers')", "Tiers", show=False, id="app.tiers"),
        Binding("5", "mode('queue')", "Queue", show=False, id="app.queue"),
        Binding("space", "toggle_pause", "Pause", id="player.pause"),
        Binding("n", "next", "Next", show=False, id="player.next"),
        Binding("p", "previous", "Previous", show=False, id="player.previous"),
        Binding("right_square_bracket", "seek(5)", "+5 s", show=False, id="player.seek_forward"),
        Binding("left_square_bracket", "seek(-5)", "-5 s", show=False, id="player.seek_back"),
        Binding("right_curly_bracket", "seek(30)", "+30 s", show=False, id="player.seek_far_forward"),
        Binding("left_curly_bracket", "seek(-30)", "-30 s", show=False, id="player.seek_far_back"),
        Binding("plus,equals_sign", "volume(5)", "Vol +", show=False, id="player.volume_up"),
        Binding("minus", "volume(-5)", "Vol -", show=False, id="player.volume_down"),
        Binding("m", "mute", "Mute", show=False, id="player.mute"),
        Binding("r", "repeat", "Repeat", show=False, id="player.repeat"),
        Binding("R", "replaygain", "ReplayGain", show=False, id="player.replaygain"),
        Binding("I", "build_index", "Build the search index", show=False, id="app.build_index"),
    ]

    def __init__(self, services: Services, ao: str | None = None,
                 play_ids: list[str] | None = None, start_player: bool = True,
                 mpv_options: dict | None = None) -> None:
        super().__init__()
        self.services = services
        self.ao = ao or services.settings.ao
        self.play_ids = play_ids or []
        self.start_player = start_player
        self.mpv_options = mpv_options or {}
        self.player = None
        self.now_playing = NowPlaying(replaygain=services.settings.replaygain)
        self.db = ThreadPoolExecutor(max_workers=2, thread_name_prefix="longtail-db")
        self._track_cache: dict[str, Track] = {}
        self.stream_feed = None  # a Shuffle feeding the queue, set by the shuffle screen

    # -- lifecycle ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.services.settings.theme:
            try:
                self.theme = self.services.settings.theme
            except Exception:  # noqa: BLE001 - an unknown theme name keeps the default
                pass
        if self.services.settings.keymap:
            self.set_keymap(self.services.settings.keymap)
        if self.start_player:
            self.create_player()
        self.set_interval(30, self._save_player_state)
        from tui.widgets import rows

        rows.live_fetch = self._live_fetch
        rows.live_verdict = self.services.verdicts.peek
        self._load_verdicts()
        self.set_interval(0.5, self._poll_fetches)

    @work(thread=True, group="verdicts")
    def _load_verdicts(self) -> None:
        """Read the stored verdicts off the UI thread; the lists' badges appear once loaded."""
        self.services.verdicts.get("")
        self.call_from_thread(self._refresh_lists)

    def _live_fetch(self, track_id: str) -> str | None:
        """A short fetch state for track lists: percent and rate, stalled, failed, or local."""
        fetcher = self.services.fetcher
        status = fetcher.service.status.get(track_id) if fetcher is not None else None
        if status is None:
            return None
        if status.state == "done":
            return "local"
        if status.state in ("fetching", "queued", "verifying"):
            return f"{status.percent:3.0f}% {status.rate / 1e6:.1f}MB/s {status.peers}p"
        return status.state  # stalled, failed, cancelled

    def _poll_fetches(self) -> None:
        """While something streams, keep the bar and the lists' fetch columns current."""
        fetcher = self.services.fetcher
        if fetcher is None:
            return
        active = [s for s in fetcher.service.status.values()
                  if s.state in ("fetching", "queued", "stalled", "verifying")]
        np = self.now_playing
        changed = False
        if np.track is not None and np.kind == "stream":
            status = fetcher.status(np.track.id)
            line = status.line() if status is not None else None
            if line != np.fetch:
                np.fetch, changed = line, True
        elif np.fetch is not None:
            np.fetch, changed = None, True
        if changed:
            self.refresh_now_playing()
        if active or changed:
            self._refresh_lists()

    def _refresh_lists(self) -> None:
        """Redraw the current screen's lists (their live fetch and verdict columns)."""
        from tui.widgets.virtual_list import VirtualList

        for lst in self.screen.query(VirtualList):
            lst.refresh()

    @work(thread=True, group="player", exit_on_error=False)
    def create_player(self) -> None:
        from tui.player.player import Player
        from tui.player.sources import MirrorSources, SourceError

        try:
            fetcher = getattr(self.services, "fetcher", None)
            player = Player(MirrorSources(self.services, fetcher), ao=self.ao,
                            state_path=self.services.state.player_state,
                            replaygain=self.services.settings.replaygain,
                            preamp=self.services.settings.replaygain_preamp,
                            mpv_options=self.mpv_options)
        except (SourceError, OSError) as exc:
            self.post_message(PlayerReady(str(exc)))
            return
        player.subscribe(lambda event: self.post_message(PlayerUpdate(event)))
        self.player = player
        self.post_message(PlayerReady())

    def on_player_ready(self, message: PlayerReady) -> None:
        if message.error:
            self.now_playing.player_error = message.error
            self.refresh_now_playing()
            return
        if self.play_ids:
            self.player.play(self.play_ids)
        else:
            self.player.restore()

    def _save_player_state(self) -> None:
        if self.player is not None:
            self.player.save()

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        player, self.player = self.player, None
        if player is not None:
            await asyncio.get_running_loop().run_in_executor(None, player.close)
        self.db.shutdown(wait=False, cancel_futures=True)

    # -- database work off the UI thread -----------------------------------------------------------

    async def run_db(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.db, fn, *args)

    def remember_tracks(self, tracks: list[Track]) -> None:
        for t in tracks:
            self._track_cache[t.id] = t
        if len(self._track_cache) > 5000:
            self._track_cache.clear()

    # -- player events -------------------------------------------------------------------------------

    @on(PlayerUpdate)
    def on_player_update(self, message: PlayerUpdate) -> None:
        event, np = message.event, self.now_playing
        if isinstance(event, Started):
            np.fetch = None
            np.track = self._track_cache.get(event.track_id)
            if np.track is None:
                self._load_now_playing_track(event.track_id)
            np.codec, np.kind, np.duration = event.codec, event.kind, event.duration
            np.position, np.message, np.buffering = 0.0, None, False
            np.queue_index = event.index
        elif isinstance(event, Position):
            np.position, np.duration = event.seconds, event.duration or np.duration
        elif isinstance(event, Ended):
            if event.reason == "error":
                np.message = f"{event.track_id}: {event.message}"
                self.notify(event.message or "cannot play this track", title="Skipped",
                            severity="warning", timeout=4)
        elif isinstance(event, PauseChanged):
            np.paused = event.paused
        elif isinstance(event, Buffering):
            np.buffering = event.buffering
        elif isinstance(event, QueueChanged):
            np.queue_length, np.queue_index = event.length, event.current
            self._feed_stream()
        elif isinstance(event, QueueFinished):
            np.track, np.kind, np.codec, np.position = None, None, None, 0.0
        if self.player is not None:
            np.volume, np.muted = self.player.volume, self.player.muted
            np.repeat, np.replaygain = self.player.queue.repeat, self.player.replaygain
        self.refresh_now_playing()
        screen = self.screen
        if hasattr(screen, "on_player_event"):
            screen.on_player_event(event)

    @work(group="now-playing", exclusive=True)
    async def _load_now_playing_track(self, track_id: str) -> None:
        track = await self.run_db(self.services.catalogue.track, track_id)
        if track is not None and self.now_playing.queue_index is not None:
            self._track_cache[track.id] = track
            if self.now_playing.track is None:
                self.now_playing.track = track
                self.refresh_now_playing()

    def refresh_now_playing(self) -> None:
        for bar in self.screen.query(NowPlayingBar):
            bar.show(self.now_playing)

    def _feed_stream(self) -> None:
        """The shuffle stream feeds the queue: keep a few tracks ahead of the current one."""
        player = self.player
        if self.stream_feed is None or player is None:
            return
        q = player.queue
        ahead = len(q.items) - (q.current or 0) - 1
        if ahead < 5:
            self._extend_from_stream()

    @work(group="stream-feed", exclusive=True)
    async def _extend_from_stream(self) -> None:
        feed = self.stream_feed
        if feed is None or self.player is None:
            return
        tracks = await self.run_db(feed.take, 20)
        self.remember_tracks(tracks)
        if tracks and self.player is not None:
            self.player.enqueue([t.id for t in tracks])

    # -- playback commands (used by every screen) ---------------------------------------------------

    def play_tracks(self, tracks: list[Track], start: int = 0) -> None:
        self.remember_tracks(tracks)
        if self.player is None:
            self.notify("the player is not ready", severity="warning")
            return
        self.player.play([t.id for t in tracks], start)

    def enqueue_tracks(self, tracks: list[Track], next_up: bool = False) -> None:
        self.remember_tracks(tracks)
        if self.player is None:
            return
        ids = [t.id for t in tracks]
        (self.player.insert_next if next_up else self.player.enqueue)(ids)
        self.notify(f"{len(ids)} track{'s' if len(ids) != 1 else ''} "
                    f"{'next up' if next_up else 'added to the queue'}", timeout=2)

    def _with_player(self, fn) -> None:
        if self.player is not None:
            fn(self.player)

    def action_toggle_pause(self) -> None:
        self._with_player(lambda p: p.toggle_pause())

    def action_next(self) -> None:
        self._with_player(lambda p: p.next())

    def action_previous(self) -> None:
        self._with_player(lambda p: p.previous())

    def action_seek(self, seconds: float) -> None:
        self._with_player(lambda p: p.seek(float(seconds)))

    def action_volume(self, delta: float) -> None:
        self._with_player(lambda p: p.change_volume(float(delta)))
        self.set_timer(0.1, self._refresh_player_status)

    def action_mute(self) -> None:
        self._with_player(lambda p: p.toggle_mute())
        self.set_timer(0.1, self._refresh_player_status)

    def action_repeat(self) -> None:
        self._with_player(lambda p: p.cycle_repeat())

    def action_replaygain(self) -> None:
        if self.player is None:
            return
        modes = ("track", "album", "off")
        mode = modes[(modes.index(self.player.replaygain) + 1) % 3]
        self.player.set_replaygain(mode)
        self.now_playing.replaygain = mode
        self.notify(f"ReplayGain: {mode}", timeout=2)
        self.refresh_now_playing()

    def _refresh_player_status(self) -> None:
        if self.player is not None:
            self.now_playing.volume, self.now_playing.muted = self.player.volume, self.player.muted
            self.refresh_now_playing()

    # -- navigation -----------------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_search(self) -> None:
        if self.current_mode == "search":
            self.screen.focus_input()
        else:
            self.switch_mode("search")  # the screen focuses its input when shown

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def check_tracks(self, track_ids: list[str], title: str | None = None) -> None:
        from tui.screens.check import CheckScreen

        self.push_screen(CheckScreen(title or f"Checking {len(track_ids)} file(s)", track_ids))

    def check_sample(self, tier: str | None, n: int = 50) -> None:
        """A uniformly random sample of the local files (of a tier)."""
        from tui.catalogue.shuffle import ShuffleFilter
        from tui.screens.check import CheckScreen

        def draw() -> list[str]:
            return [t.id for t in self.services.shuffle(ShuffleFilter(tier=tier, local_only=True)).take(n)]

        label = f"the {tier} tier" if tier else "the mirror"
        self.push_screen(CheckScreen(f"Checking {n} random local files of {label}", draw=draw))

    def show_details(self, track: Track) -> None:
        from tui.screens.details import TrackDetailsScreen

        self.push_screen(TrackDetailsScreen(track))

    def action_build_index(self) -> None:
        """Build (or carry on building) the search index in the background; search uses
        what is indexed so far and says so."""
        self.notify("building the search index in the background; search improves as it goes",
                    timeout=4)
        self._build_index()

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_index(self) -> None:
        from tui.catalogue.search_index import SearchIndexBuilder
        from tui.errors import LongtailError

        services = self.services
        try:
            histogram = services.tiers.histogram()
            # Inside the app: in this thread, shard after shard; `longtail index` uses every core.
            status = SearchIndexBuilder(services.catalogue, services.state.search_index).build(
                lambda label, done, total: self.post_message(IndexProgress(label, done, total)),
                histogram, inline=True)
            self.post_message(IndexProgress("done", status.tracks, status.tracks, finished=True))
        except LongtailError as exc:
            self.post_message(IndexProgress("failed", 0, 0, finished=True, error=str(exc)))

    def on_index_progress(self, message: IndexProgress) -> None:
        if message.error:
            self.notify(message.error, title="Search index", severity="error", timeout=8)
        elif message.finished:
            self.notify(f"search index complete: {message.done:,} tracks", timeout=4)
        screen = self.screen
        if hasattr(screen, "show_index_progress"):
            screen.show_index_progress(message)

    def get_system_commands(self, screen: Screen):
        """The command palette reaches every action, with its key."""
        yield from super().get_system_commands(screen)
        seen = set()
        for bindings in (screen.BINDINGS, self.BINDINGS):
            for b in bindings:
                if not isinstance(b, Binding) or b.id in seen or b.action in ("quit", "help"):
                    continue
                seen.add(b.id)
                target = screen if b in screen.BINDINGS else self
                yield SystemCommand(f"{b.description}  [{b.key}]", b.tooltip or b.id or b.action,
                                    _action_runner(target, b.action))


def _screen(module: str, name: str) -> Screen:
    import importlib

    return getattr(importlib.import_module(f"tui.screens.{module}"), name)()


def _action_runner(target, action: str):
    async def run() -> None:
        await target.run_action(action)
    return run


def make_app(services: Services, ao: str | None = None, play_ids: list[str] | None = None,
             **kwargs) -> LongtailApp:
    """The app factory the CLI and the tests build the app from."""
    return LongtailApp(services, ao=ao, play_ids=play_ids, **kwargs)
