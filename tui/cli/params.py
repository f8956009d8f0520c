"""Command-line values checked where click reads them, and click's own errors as one line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.config import parse_peer
from tui.config.schema import ao_problem, path_problem
from tui.core.types import SEED_LIMIT


class PathText(click.Path):
    """A path that the OS can take: not empty, no NUL, not longer than paths and names go."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and (why := path_problem(value)):
            self.fail(f"{value[:60]!r}{'…' if len(value) > 60 else ''} {why}", param, ctx)
        return super().convert(value, param, ctx)


class PeerText(click.ParamType):
    name = "HOST:PORT"

    def convert(self, value, param, ctx):
        try:
            parse_peer(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


class AudioOutput(click.ParamType):
    name = "NAME"

    def convert(self, value, param, ctx):
        if value == "":
            return None  # mpv's own choice
        if why := ao_problem(value):
            self.fail(why, param, ctx)
        return value


PEER = PeerText()
AO = AudioOutput()
SEED = click.IntRange(0, SEED_LIMIT - 1)  # what is printed is read back exactly (JSON numbers are doubles)


def say(text: str) -> None:
    """One line on stderr; on a terminal it first clears a progress bar drawn on that line."""
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    line = " ".join(text.splitlines())  # whatever a message quotes, it stays one line
    click.echo(f"{clear}longtail: {line}", err=True)


class OneLineGroup(click.Group):
    """click prints usage errors as four lines; scripts and users get one, with where to look."""

    def main(self, *args, **kwargs):
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


def path_option(*names: str, **kwargs):
    return click.option(*names, type=PathText(path_type=Path, file_okay=kwargs.pop("file_okay", True)), **kwargs)
