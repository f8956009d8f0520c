"""The `longtail` command: the TUI by default, and scriptable subcommands.

A face of the core like the TUI and MPRIS: every command opens a session, drives
it, and prints what it reports. Commands live by purpose in `library`,
`playback`, `playlists` and `maintenance`; importing one registers its commands on
`main`, and a module is imported when one of its commands is asked for (the bare
`longtail`, the TUI, imports none of them: ~60 ms less before its first screen).
"""

from tui.cli.main import main

main.command_modules = {
    **dict.fromkeys(("art", "info", "radio", "search", "shuffle", "tiers"), "tui.cli.library"),
    **dict.fromkeys(("check", "config", "demo", "index", "unpack"), "tui.cli.maintenance"),
    **dict.fromkeys(("fetch", "play"), "tui.cli.playback"),
    **dict.fromkeys(("playlist", "playlists"), "tui.cli.playlists"),
    "lyrics": "tui.cli.lyrics",
    "scrobble": "tui.cli.scrobble",
    "serve": "tui.cli.serve",
}

__all__ = ["main"]
