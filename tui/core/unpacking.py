"""`longtail unpack` for the faces: which databases are still compressed, and unpacking one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui.mirror.layout import discover
from tui.mirror.unpack import unpack


def compressed_databases(mirror: Path) -> tuple[dict[str, Path], list[str]]:
    """(name -> .zst with no unpacked twin, the names of the databases already unpacked)."""
    layout = discover(mirror)
    return dict(sorted(layout.compressed_only.items())), sorted(layout.databases)


def unpack_database(zst: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Decompress one database beside itself (resumable); returns the unpacked file."""
    return unpack(zst, progress)
