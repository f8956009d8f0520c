"""Choices made in the TUI that outlive it (the theme picked in the palette), kept in the
state directory; the config file is the user's and is never written."""

from __future__ import annotations

import json
import os
from pathlib import Path


def load(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: the defaults
    return doc if isinstance(doc, dict) else {}


def remember(path: Path, **choices: object) -> None:
    """Merge `choices` in, written whole and renamed into place (never half a file)."""
    doc = {**load(path), **choices}
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only or full state dir: the choice lasts this session only
