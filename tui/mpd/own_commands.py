"""The MPD protocol's own commands (what the server is and can do), a part of `Handlers`."""

from __future__ import annotations

from tui.mpd.connection import TAG_TYPES, Connection
from tui.mpd.protocol import ACK_ARG, MpdError, parse_int


class OwnCommands:
    def ping(self, conn: Connection, args: list[str]) -> list[str]:
        return []

    def tagtypes(self, conn: Connection, args: list[str]) -> list[str]:
        if not args:
            return [f"tagtype: {t}" for t in TAG_TYPES if t in conn.tagtypes]
        if args[0] == "clear":
            conn.tagtypes.clear()
        elif args[0] == "all":
            conn.tagtypes = set(TAG_TYPES)
        elif args[0] in ("enable", "disable"):
            names = {a.lower() for a in args[1:]}
            chosen = {t for t in TAG_TYPES if t.lower() in names}
            conn.tagtypes = conn.tagtypes | chosen if args[0] == "enable" else conn.tagtypes - chosen
        return []

    def outputs(self, conn: Connection, args: list[str]) -> list[str]:
        return ["outputid: 0", "outputname: libmpv", "plugin: mpv", "outputenabled: 1"]

    def decoders(self, conn: Connection, args: list[str]) -> list[str]:
        return ["plugin: mpv", "suffix: ogg", "mime_type: audio/ogg"]

    def urlhandlers(self, conn: Connection, args: list[str]) -> list[str]:
        return ["handler: longtail:"]

    def binarylimit(self, conn: Connection, args: list[str]) -> list[str]:
        if not args:
            raise MpdError(ACK_ARG, "too few arguments")
        limit = parse_int(args[0])
        if limit < 64:
            raise MpdError(ACK_ARG, "Value too small")
        conn.binary_limit = limit
        return []

    def commands(self, conn: Connection, args: list[str]) -> list[str]:
        from tui.mpd.handlers import COMMANDS

        names = [*COMMANDS, "close", "command_list_begin", "command_list_end", "command_list_ok_begin", "idle",
                 "noidle", "password"]
        return [f"command: {name}" for name in sorted(names)]

    def notcommands(self, conn: Connection, args: list[str]) -> list[str]:
        return []
