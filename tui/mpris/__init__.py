"""MPRIS2 on the session bus: media keys, `playerctl`, desktop widgets. A face of the core
like the TUI and the CLI: it subscribes to the session's events and sends it commands."""

from tui.mpris.face import MprisFace, start_mpris

__all__ = ["MprisFace", "start_mpris"]
