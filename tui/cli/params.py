"""Command-line values checked where click reads them, and click's own errors as one line."""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tui.config import parse_peer
from tui.config.schema import ao_problem, path_problem
from tui.core.types import SEED_LIMIT, track_id_in
from tui.errors import quoted

F = TypeVar("F", bound=Callable[..., Any])


class PathText(click.Path):
    """A path that the OS can take: not empty, no NUL, not longer than paths and names go."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and (why := path_problem(value)):
            self.fail(f"{quoted(value)} {why}", param, ctx)
        return super().convert(value, param, ctx)


class PeerText(click.ParamType):
    name = "HOST:PORT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            parse_peer(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


class AudioOutput(click.ParamType):
    name = "NAME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "":
            return None  # mpv's own choice
        if why := ao_problem(value):
            self.fail(why, param, ctx)
        return value


class TrackIdText(click.ParamType):
    """A track id, checked as one before anything is opened: 22 base62 characters, or the
    `spotify:track:ID` and open.spotify.com forms people paste (read as the bare id)."""

    name = "TRACK_ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if (track_id := track_id_in(value)) is None:
            self.fail(f"{quoted(value, 20)} is not a track id (22 base62 characters; "
                      "spotify:track: and open.spotify.com links work too)", param, ctx)
        return track_id


class Seconds(click.ParamType):
    """A wait in seconds: finite, above zero and at most a week (`nan`, `inf`, `-1` and `0`
    were taken, and printed "timed out after nan s")."""

    name = "SECONDS"
    LONGEST = 7 * 24 * 3600.0

    def __init__(self, shortest: float = 0.0) -> None:
        self.shortest = shortest

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{quoted(str(value), 20)} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= self.shortest or seconds > self.LONGEST:
            low = f"above {self.shortest:g}" if self.shortest else "above 0"
            self.fail(f"{quoted(str(value), 20)} seconds: give a number {low} and at most "
                      f"{self.LONGEST:,.0f} (a week)", param, ctx)
        return seconds


SECONDS = Seconds()
TRACK_ID = TrackIdText()
PEER = PeerText()
AO = AudioOutput()
SEED = click.IntRange(0, SEED_LIMIT - 1)  # what is printed is read back exactly (JSON numbers are doubles)


def say(text: str) -> None:
    """One line on stderr; on a terminal it first clears a progress bar drawn on that line."""
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    line = " ".join(text.splitlines())  # whatever a message quotes, it stays one line
    # the last guard for what a message echoes unshortened: a huge word loses its middle
    line = " ".join(word if len(word) <= 240 else f"{word[:100]}…{word[-100:]}" for word in line.split(" "))
    click.echo(f"{clear}longtail: {line}", err=True)


class OneLineGroup(click.Group):
    """click prints usage errors as four lines; scripts and users get one, with where to look.
    Its commands' modules are imported when a command is asked for (`command_modules`)."""

    command_modules: dict[str, str] = {}  # command name -> the module that registers it

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.command_modules})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.command_modules:
            importlib.import_module(self.command_modules[cmd_name])
        return super().get_command(ctx, cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            context = getattr(exc, "ctx", None)
            where = f" — see `{context.command_path} --help`" if context is not None else ""
            say(f"{exc.format_message()}{where}")
            sys.exit(exc.exit_code)
        except click.Abort:
            say("interrupted")
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def path_option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(*names, type=PathText(path_type=Path, file_okay=kwargs.pop("file_okay", True)), **kwargs)
