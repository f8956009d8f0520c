"""The `longtail` command's entry point, kept apart from the commands: importing them takes
a few hundred milliseconds, and a Ctrl-C in that time must end as any other interruption
does (one line, exit 130), not in a traceback from inside an import.

It also installs the signal guard: the first SIGINT or SIGTERM starts a clean shutdown (the
queue and position saved, the torrents and mpv closed, in their order); the signals that
follow while it runs are ignored, so a second Ctrl-C cannot cut the shutdown half way."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from tui.errors import Terminated


def _stop(signum: int, _frame: FrameType | None) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def run() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    try:
        from tui.cli import main
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        sys.stderr.write(f"longtail: {'terminated' if terminated else 'interrupted'}\n")
        sys.exit(143 if terminated else 130)
    main()
