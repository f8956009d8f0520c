"""The `longtail` command: the TUI by default, and scriptable subcommands.

A face of the core like the TUI and MPRIS: every command opens a session, drives
it, and prints what it reports. Commands live by purpose in `library`,
`playback`, `playlists` and `maintenance`; importing them registers them on `main`.
"""

from tui.cli import library, lyrics, maintenance, playback, playlists, scrobble, serve  # noqa: F401  (registers the commands)
from tui.cli.main import main

__all__ = ["main"]
