"""The command group, the options every command takes, and one-line errors."""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tui import __version__
from tui.cli.params import AO, PEER, OneLineGroup, PathText, say
from tui.config import Settings
from tui.core.notes import catalogue_notes
from tui.core.services import Location, demo_paths, resolve_location
from tui.core.session import Session
from tui.errors import LongtailError, Terminated

if TYPE_CHECKING:
    from tui.mpd.server import MpdFace


class Context:
    def __init__(self) -> None:
        self.mirror: Path | None = None
        self.state: Path | None = None
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.load()
        return self._settings

    def use_settings(self, settings: Settings) -> None:
        """Settings this run uses instead of the config's (the demo's scrobble sink)."""
        self._settings = settings

    def location(self, allow_unbuilt_demo: bool = False) -> Location:
        return resolve_location(self.mirror, self.state, self.settings, allow_unbuilt_demo)

    def session(self, refresh_files: bool = True) -> Session:
        session = Session.open(self.location(), self.settings, refresh_files)
        for note in session.healed:
            say(f"note: {note}")
        return session


def _set_mirror(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Context).mirror = value


def _set_state(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Context).state = value


def common_options(fn: Callable) -> Callable:
    """--mirror/--state on the group *and* on each subcommand, wherever users put them."""
    fn = click.option("--state", type=PathText(file_okay=False, path_type=Path),
                      callback=_set_state, expose_value=False, is_eager=True,
                      help="longtail's own state directory (default: per mirror, in the user data dir).")(fn)
    fn = click.option("--mirror", type=PathText(path_type=Path), callback=_set_mirror,
                      expose_value=False, is_eager=True, envvar="LONGTAIL_MIRROR",
                      help="Root of the archive mirror (env LONGTAIL_MIRROR, or `mirror =` in the config).")(fn)
    return fn


def friendly_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LongtailError as exc:
            say(str(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM (tui.entry's signal guard)
            terminated = isinstance(exc, Terminated)
            say("terminated" if terminated else "interrupted")
            sys.exit(143 if terminated else 130)
        finally:
            for note in catalogue_notes():
                say(f"note: {note}")
    return wrapper


@click.group(cls=OneLineGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.option("--ao", type=AO, default=None, help="mpv audio output for the TUI (e.g. null, pulse, alsa).")
@click.option("--peer", "peers", type=PEER, multiple=True, help="A known peer HOST:PORT for fetching (repeatable).")
@click.option("--no-seed", is_flag=True, help="Do not seed fetched files back.")
@click.version_option(__version__, prog_name="longtail")
@click.pass_context
@friendly_errors
def main(ctx: click.Context, ao: str | None, peers: tuple[str, ...], no_seed: bool) -> None:
    """Browse, play and check a local mirror of the archive's music.

    With no command, opens the TUI (on the demo when no mirror is configured).
    """
    ctx.ensure_object(Context)
    if ctx.invoked_subcommand is None:
        obj: Context = ctx.obj
        check_tui_config(obj.settings)  # before a demo is built or a session opened
        if obj.mirror is None and obj.settings.mirror_dir is None and not demo_paths(
                obj.state or obj.settings.state_dir).is_built():
            from tui.cli.maintenance import demo

            ctx.invoke(demo, rebuild=False, no_ui=False, ao=ao)  # no mirror yet: the demo
            return
        run_tui(obj, ao=ao, peers=peers, seed=False if no_seed else None)


def check_tui_config(settings: Settings) -> None:
    from tui.ui.keys import check_tui_config as check

    check(settings, settings.source)


def run_tui(context: Context, ao: str | None = None, play_ids: list[str] | None = None,
            peers: tuple[str, ...] = (), seed: bool | None = None,
            on_session: Callable[[Session], None] | None = None) -> None:
    from tui.mpris import start_mpris
    from tui.ui.app import make_app

    check_tui_config(context.settings)
    if context.settings.art:
        from tui.ui.terminal_graphics import use_terminal_graphics

        use_terminal_graphics()  # what pictures the terminal draws, asked before Textual owns it
    session = context.session(refresh_files=False)
    try:
        if on_session is not None:
            on_session(session)
        session.start_fetching_with_player(peers, seed)  # after the first screen, with the player
        mpris = start_mpris(session, wait=0)
        mpd = start_mpd_in_tui(session)
        app = make_app(session, ao=ao, play_ids=play_ids)
        try:
            app.run()
        finally:
            mpris.stop()
            if mpd is not None:
                mpd.stop()
    finally:
        session.close()


def start_mpd_in_tui(session: Session) -> MpdFace | None:
    """`[mpd] in_tui`: the same MPD face as `serve`, while the TUI is open. It listens at once
    (a port in use is said before the TUI starts) and greets clients once the saved queue is back."""
    settings = session.settings.mpd
    if not settings.in_tui:
        return None
    from tui.mpd.server import MpdFace, loopback

    if not loopback(settings.listen) and not settings.password:
        raise LongtailError(f"[mpd] listen = {settings.listen} reaches beyond this machine: set [mpd] password")
    face = MpdFace(session, settings.listen, settings.password or None, ready=False)

    def greet_when_settled() -> None:
        session.queue_settled.wait()
        face.set_ready()

    threading.Thread(target=greet_when_settled, name="mpd-ready", daemon=True).start()
    return face
