"""The log file in the state directory: what native libraries and background threads
have to say, kept off the terminal (the TUI owns it; the CLI prints one line)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

_handler: logging.Handler | None = None
_terminal_fd: int | None = None  # the terminal's stderr, moved off fd 2


def log_to(path: Path) -> None:
    """Send longtail's log (and libmpv's, through the engine's log callback) to `path`."""
    global _handler
    logger = logging.getLogger("longtail")
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        _handler = logging.NullHandler()  # a read-only state dir: no log, nothing else lost
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def native_output_to(path: Path) -> None:
    """Point fd 2, where ALSA, JACK, PipeWire and other C code print, at the log file, and keep
    Python's stderr (the CLI's one-line errors, Textual's screen, which it draws on
    sys.__stderr__) on the terminal through a duplicate of the original fd 2."""
    global _terminal_fd
    if _terminal_fd is None and sys.stderr is not sys.__stderr__:
        return  # run inside something that captures stderr (a test runner): leave its streams alone
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)  # a read-only state dir: the noise goes nowhere
    if _terminal_fd is None:
        for stream in (sys.stderr, sys.__stderr__):
            if stream is not None:
                stream.flush()
        _terminal_fd = os.dup(2)
        terminal = os.fdopen(_terminal_fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace")
        sys.stderr = terminal
        setattr(sys, "__stderr__", terminal)  # noqa: B010 - typeshed marks it Final; Textual reads it
    os.dup2(fd, 2)
    os.close(fd)


def keep_native_writes_in(state_root: Path) -> None:
    """libpulse (behind mpv's pulse and pipewire outputs) creates `~/.config/pulse/cookie` when
    the user has none, outside the places longtail may write; point it at the state directory
    instead. A cookie the user already has is left in force: their server may need it."""
    if "PULSE_COOKIE" in os.environ:
        return
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    if (config / "pulse" / "cookie").exists() or (Path.home() / ".pulse-cookie").exists():
        return
    os.environ["PULSE_COOKIE"] = str(state_root / "pulse-cookie")
