"""Choices made in the TUI that outlive it (the theme picked in the palette), kept in the
state directory; the config file is the user's and is never written."""

from __future__ import annotations

import json
from pathlib import Path

from tui.files import write_atomically


def load(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: the defaults
    return doc if isinstance(doc, dict) else {}


def remember(path: Path, **choices: object) -> None:
    """Merge `choices` in, written whole and renamed into place (never half a file)."""
    doc = {**load(path), **choices}
    try:
        write_atomically(path, json.dumps(doc, indent=1).encode("utf-8"))
    except OSError:
        pass  # a read-only or full state dir: the choice lasts this session only
