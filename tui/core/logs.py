"""The log file in the state directory: what native libraries and background threads
have to say, kept off the terminal (the TUI owns it; the CLI prints one line)."""

from __future__ import annotations

import logging
from pathlib import Path

_handler: logging.Handler | None = None


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
