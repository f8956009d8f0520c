"""Errors that reach the user as one line: what is wrong, then what to do."""

from __future__ import annotations


def quoted(value: str, limit: int = 60) -> str:
    """A user's input as an error echoes it: quoted, and cut with `…` past `limit` characters
    so that the message stays on one terminal line (a 100,000-character id was echoed whole)."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT raises KeyboardInterrupt: the same clean shutdown."""


class LongtailError(Exception):
    """A problem with the user's input or environment, never a bug.

    The CLI prints `str(error)` as a single line on stderr and exits with
    `exit_code`; nothing else is printed and nothing has been changed.
    """

    exit_code = 1

    def __init__(self, what: str, todo: str | None = None) -> None:
        self.what = what
        self.todo = todo
        super().__init__(f"{what} — {todo}" if todo else what)


class UsageError(LongtailError):
    exit_code = 2


class MirrorError(LongtailError):
    """The mirror directory or one of its databases is missing or foreign."""


class SchemaError(MirrorError):
    """A metadata database lacks a table or column that longtail needs."""


class TorrentError(LongtailError):
    """A .torrent file is truncated, garbage, or hostile."""


class UnknownTrack(LongtailError):
    pass
