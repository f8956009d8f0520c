"""The Textual app: one face of the session core.

Kept thin: screens live in `screens/`, widgets in `widgets/`, styles and themes in
`assets/` (top level). The app subscribes to the core's bus and turns its events into
Textual messages in one place (`on_core_event`); commands go to the session. Every
binding has an id, so `[keymap]` in the config file can rebind any of them.
Catalogue reads run on a small pool of database threads (so the number of SQLite
connections stays bounded) and come back as awaited results.
"""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from tui.assets import STYLES
from tui.core import commands as cmd
from tui.core.bus import Subscription
from tui.core.checking import CheckRequest
from tui.core.events import (
    CheckFinished,
    CheckProgress,
    Ended,
    IndexProgress,
    Notice,
    NowPlaying,
    QueueChanged,
    QueueEdited,
    SweepProgress,
)
from tui.core.session import Session
from tui.core.types import Engine, Track
from tui.core.views import Library
from tui.errors import LongtailError
from tui.ui import remembered
from tui.ui.cells import use_terminal_widths
from tui.ui.keymaps import keymap_in_force
from tui.ui.live import LiveState
from tui.ui.messages import CheckUpdated, CoreEvent, IndexUpdated, NowPlayingChanged, QueueUpdated, RowsChanged
from tui.ui.navigation import NAVIGATION_BINDINGS
from tui.ui.notes import say_catalogue_notes, say_state_notes
from tui.ui.playback import PLAYER_BINDINGS, PlaybackActions
from tui.ui.screens.base import MainScreen
from tui.ui.screens.library import LibraryScreen
from tui.ui.themes import shipped_themes
from tui.ui.widgets.virtual_list import FIRST_PAGES, PAGE

use_terminal_widths()  # before anything is measured: spacing marks take a cell, as terminals draw them
T = TypeVar("T")  # what a database call run off the UI thread gives back


class LongtailApp(PlaybackActions, App):
    TITLE = "longtail"
    CSS_PATH = [STYLES / "app.tcss"]  # assets/styles: what the app ships besides code
    MODES = {
        "library": LibraryScreen,
        # Imported when first shown: the first screen should not wait for the others' imports.
        "search": lambda: _screen("search", "SearchScreen"),
        "shuffle": lambda: _screen("shuffle", "ShuffleScreen"),
        "tiers": lambda: _screen("tiers", "TiersScreen"),
        "queue": lambda: _screen("queue", "QueueScreen"),
        "playlists": lambda: _screen("playlists", "PlaylistsScreen"),
    }
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (asks once while music plays)"),
        *NAVIGATION_BINDINGS,
        Binding("I", "build_index", "Build the search index", show=False, id="app.build_index",
                tooltip="Build or carry on the search and file indexes in the background"),
        Binding("C", "check_all", "Check the whole mirror", show=False, id="app.check_all",
                tooltip="Check every file of the mirror against the ledger and the torrents"),
        Binding("o", "jump_to_playing", "Go to the playing track", show=False, id="app.jump_to_playing",
                tooltip="Show the playing track in the library: its artist, album and row"),
        Binding("w", "radio", "Radio from this track", show=False, id="app.radio",
                tooltip="An endless stream of tracks near the selected (else the playing) track"),
        Binding("y", "lyrics", "Lyrics", show=False, id="app.lyrics",
                tooltip="The playing track's lyrics (else the selected one's), following the song"),
        *PLAYER_BINDINGS,
    ]

    def __init__(self, session: Session, ao: str | None = None, play_ids: list[str] | None = None,
                 start_player: bool = True, engine: Engine | None = None,
                 engine_options: dict | None = None) -> None:
        super().__init__()
        self.session = session
        self.ao = ao
        self.play_ids, self.start_player = play_ids or [], start_player
        self.engine, self.engine_options = engine, engine_options
        # What the UI thread knows, from core events only:
        self.now_playing = NowPlaying(None, "stopped", 0.0, None, None, None, None, 0, 100.0, False, "off",
                                      session.settings.playback.replaygain)
        self.queue = QueueChanged((), None, "off")
        self.live = LiveState()
        self.player_error: str | None = None
        self.db = ThreadPoolExecutor(max_workers=2, thread_name_prefix="longtail-db")
        self.previous_mode = "library"
        self.rows_generation = 0  # bumped when what every row shows changed (files indexed)
        self._subscription: Subscription | None = None
        self.first_screen = threading.Event()  # set once the library's first rows are drawn

    @property
    def library(self) -> Library:
        return self.session.library

    # -- lifecycle ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        for theme in shipped_themes():
            self.register_theme(theme)
        settings = self.session.settings
        remembered_theme = remembered.load(self.session.state.ui_state).get("theme")
        if settings.theme:
            self.theme = settings.theme  # make_app checked it; the config's word comes first
        elif isinstance(remembered_theme, str) and remembered_theme in self.available_themes:
            self.theme = remembered_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if keymap := keymap_in_force(settings.keymap_preset, settings.keymap):
            self.set_keymap(keymap)
        say_state_notes(self, self.session.healed)
        self.set_interval(2.0, lambda: say_catalogue_notes(self))  # values of the wrong type met while reading
        def deliver(event: object) -> None:  # on the bus's delivery thread: post, nothing more
            self.post_message(CoreEvent(event))

        self._subscription = self.session.bus.subscribe(deliver, name="tui")
        if self.start_player:  # now, so that commands wait for it; libmpv and libtorrent load once drawn
            self._start_player()
        self._index_if_never_indexed()

    @work(group="first-index", exit_on_error=False)
    async def _index_if_never_indexed(self) -> None:
        """A mirror opened for the first time: its file index is built in the background, and
        the listener told, rather than every track shown absent with no word why."""
        if await self.run_db(self.library.never_indexed):
            self.notify("first look at this mirror: indexing its torrents and data folders in the "
                        "background (I builds the search index too)", timeout=8)
            self.session.start_build_indexes(files_only=True)

    def _remember_theme(self, theme: Theme) -> None:
        path, name = self.session.state.ui_state, theme.name
        self.db.submit(remembered.remember, path, theme=name)  # a small file, off the UI thread

    @work(thread=True, group="player", exit_on_error=False)
    def _start_player(self) -> None:
        try:
            first = cmd.Play(tuple(self.play_ids)) if self.play_ids else cmd.Restore()
            self.session.start_player(ao=self.ao, engine=self.engine, engine_options=self.engine_options,
                                      after=self.first_screen, first=first)
        except LongtailError as exc:
            self.call_from_thread(self._player_failed, str(exc))

    def _player_failed(self, error: str) -> None:
        self.player_error = error
        self.screen.post_message(NowPlayingChanged(self.now_playing))

    async def action_quit(self) -> None:
        from tui.ui.screens.quit import ConfirmQuitScreen

        if self.session.settings.confirm_quit and self.now_playing.state in ("playing", "loading") \
                and not isinstance(self.screen, ConfirmQuitScreen):
            self.push_screen(ConfirmQuitScreen(), self._quit_answered)
            return
        await self.shutdown()
        self.exit()

    async def _quit_answered(self, quit_now: bool | None) -> None:
        if quit_now:
            await self.shutdown()
            self.exit()

    async def shutdown(self) -> None:
        # workers first, while their screens exist: a query landing after would end in NoMatches
        self.workers.cancel_all()
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        await asyncio.get_running_loop().run_in_executor(None, self.session.stop_player)
        self.db.shutdown(wait=False, cancel_futures=True)

    # -- database work off the UI thread -----------------------------------------------------------

    async def run_db(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a database thread. A query cancelled under it (a newer keystroke, the
        app closing) cancels the worker that awaited it: a normal event, never a traceback."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self.db, fn, *args)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise asyncio.CancelledError() from None
            raise

    # -- the one place core events become messages --------------------------------------------------

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        if not self.screen_stack:
            return  # closing: an event still on its way has no screen to show on
        screen = self.screen
        if self.live.apply(event):
            screen.post_message(RowsChanged())
        if isinstance(event, NowPlaying):
            if event.output_note and event.output_note != self.now_playing.output_note:
                self.notify(event.output_note, severity="warning", timeout=6)  # once; the bar keeps it if room
            self.now_playing = event
            if self.live.playing != event.track_id:
                self.live.playing = event.track_id
                screen.post_message(RowsChanged())
            for shown in self._screens_in_view():
                shown.post_message(NowPlayingChanged(event))
        elif isinstance(event, QueueChanged):
            self.queue = event
            screen.post_message(QueueUpdated(event))
        elif isinstance(event, (CheckProgress, CheckFinished, SweepProgress)):
            screen.post_message(CheckUpdated(event))
        elif isinstance(event, IndexProgress):
            self._index_progress(event)
            screen.post_message(IndexUpdated(event))
        elif isinstance(event, Ended) and event.reason == "error":
            self.notify(event.message or "cannot play this track", title="Skipped", severity="warning",
                        timeout=4)
        elif isinstance(event, QueueEdited) and event.kind != "move":
            undo = self.get_key_display_for("player.undo")
            hint = f" · {undo} to undo" if event.can_undo and event.kind != "undo" else ""
            self.notify(f"{event.text}{hint}", severity="warning" if event.refused else "information", timeout=4)
        elif isinstance(event, Notice):
            severity = {"warning": "warning", "error": "error"}.get(event.level, "information")
            self.notify(event.text, severity=severity, timeout=6 if event.level == "error" else 3)  # type: ignore[arg-type]

    def _screens_in_view(self) -> list[Screen]:
        """The top screen and, under a modal one, those it is drawn over (their bars move on)."""
        shown = []
        for screen in reversed(self.screen_stack):
            shown.append(screen)
            if not screen.is_modal:
                break
        return shown

    def _index_progress(self, event: IndexProgress) -> None:
        if event.error:
            self.notify(event.error, title="Search index", severity="error", timeout=8)
        elif event.finished and event.label == "files-done":
            self.rows_generation += 1  # every list shows file states: fetched again
            self.screen.post_message(RowsChanged())
            self.notify(f"file index ready: {event.done:,} files", timeout=4)
        elif event.finished:
            self.rows_generation += 1
            self.screen.post_message(RowsChanged())
            self.notify(f"indexes complete: {event.done:,} tracks searchable", timeout=4)

    # -- playback commands (used by every screen) ---------------------------------------------------

    def action_jump_to_playing(self) -> None:
        """The playing track in the library: its artist, album and row (ncmpcpp's `o`)."""
        track = self.now_playing.track
        if track is None:
            self.notify("nothing is playing", timeout=2)
            return
        if not track.artists:
            self.notify("the playing track has no credited artist to find it under", timeout=3)
            return
        self.action_mode("library")
        self.screen.open_artist(track.artists[0].rowid, track.album.rowid, track.rowid)  # type: ignore[attr-defined]

    def action_radio(self) -> None:
        """An endless stream of tracks near the selected track (else the playing one)."""
        screen = self.screen
        track = (screen.selected_track() if isinstance(screen, MainScreen) else None) or self.now_playing.track
        if track is None:
            self.notify("select a track (or play one) to start a radio from it", timeout=3)
            return
        self._start_radio(track)

    def action_lyrics(self) -> None:
        from tui.ui.screens.lyrics import LyricsScreen

        if isinstance(self.screen, LyricsScreen):
            return
        screen = self.screen
        track = self.now_playing.track if self.now_playing.state != "stopped" else None
        track = track or (screen.selected_track() if isinstance(screen, MainScreen) else None) \
            or getattr(screen, "track", None) or self.now_playing.track
        if track is None:
            self.notify("play a track (or select one) to see its lyrics", timeout=3)
            return
        self.push_screen(LyricsScreen(track))

    @work(group="radio", exclusive=True)
    async def _start_radio(self, track: Track) -> None:
        from tui.core.streams import ShuffleStream

        self.notify(f"radio from {track.name or track.id}: finding what is near it…", timeout=3)
        try:
            radio = await self.run_db(self.library.radio, track, True)  # what can be played: a queue that plays
        except LongtailError as exc:
            self.notify(str(exc), severity="warning", timeout=6)
            return
        self.session.send(cmd.PlayStream(ShuffleStream(radio), 0))

    def get_key_display_for(self, binding_id: str) -> str:
        """The key a binding answers to now (the keymap may have moved it), for hints."""
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id == binding_id:
                keys = self._keymap.get(binding_id, binding.key) if binding_id in self._keymap else binding.key
                return keys.split(",")[0]
        return binding_id

    # -- navigation -----------------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        while self.screen.is_modal and len(self.screen_stack) > 1:
            self.pop_screen()  # a digit from lyrics or details leaves them, as in ncmpcpp
        if mode != self.current_mode:
            self.previous_mode = self.current_mode  # where a second Escape goes back to
        self.switch_mode(mode)

    def action_search(self) -> None:
        """`/`: the search screen, its query ready for typing (its text kept, not selected)."""
        self.action_mode("search")
        self.call_after_refresh(lambda: self.screen.focus_input())  # type: ignore[attr-defined]

    def go_back(self) -> None:
        """Back to the screen before this one (a second Escape)."""
        self.action_mode(self.previous_mode if self.previous_mode != self.current_mode else "library")

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def check(self, request: CheckRequest | None, title: str) -> None:
        """A check screen for `request`, or for the whole mirror (None)."""
        from tui.ui.screens.check import CheckScreen

        self.push_screen(CheckScreen(title, request))

    def action_check_all(self) -> None:
        self.check(None, "Checking every file of the mirror (stopped by closing; the next run carries on)")

    def show_details(self, track: Track) -> None:
        from tui.ui.screens.details import TrackDetailsScreen

        self.push_screen(TrackDetailsScreen(track))

    def action_build_index(self) -> None:
        """Build (or carry on building) the indexes in the background; search uses what is
        indexed so far and says so."""
        self.notify("building the search index in the background; search improves as it goes", timeout=4)
        self.session.start_build_indexes()

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
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
    return getattr(importlib.import_module(f"tui.ui.screens.{module}"), name)()


def _action_runner(target: Screen | App, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await target.run_action(action)
    return run


def make_app(session: Session, ao: str | None = None, play_ids: list[str] | None = None,
             **kwargs: Any) -> LongtailApp:
    """The app factory of the CLI and the tests; the config's keymap and theme are checked
    before anything is drawn. The first artists are read then, while nothing else runs (~2 ms
    on the demo; read beside Textual's start-up, each row waited for the GIL: ~50 ms), so the
    first frame shows them instead of placeholders (bench/RESULTS.md)."""
    from tui.ui.keys import check_tui_config

    settings = session.settings
    check_tui_config(settings, settings.source)
    session.library.warm_artists(FIRST_PAGES * PAGE, wait=0.05)
    return LongtailApp(session, ao=ao, play_ids=play_ids, **kwargs)
