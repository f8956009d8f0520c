"""A .torrent that moved or was renamed is the same torrent: it is known by its bytes (a
digest of them, kept by the file index), whatever its file name, so its 60,000 rows stay as they are
and only its path is written again. Without this, tidying a mirror's torrents into a folder
re-read every one of them (parse, rows, counts: about 20 minutes at the archive's size)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from tui.files import UnreadableFile, read_capped
from tui.mirror.layout import MirrorLayout
from tui.mirror.torrents import MAX_TORRENT_BYTES, content_digest

# The columns of a known torrent's row, as the refresh selects them
KNOWN_COLUMNS = "id, torrent_path, size, mtime_ns, data_mtime_ns, save_path, name, content_digest"
SIZE, DIGEST = 2, 7


def adopt_moved(conn: sqlite3.Connection, layout: MirrorLayout, todo: list[str], known: dict[str, tuple],
                seen: Iterable[str]) -> tuple[list[str], list[tuple[tuple, bool]]]:
    """Of the torrents to read (`todo`), each new path whose bytes are those of a known path
    that is gone takes that torrent's row (`known` is re-keyed). Returns the paths still to
    read, and the adopted rows as they are now, each with whether its data folder's place
    changed (the caller looks at the folder again if so, or if it changed meanwhile). A
    new path is read only when a vanished torrent has its size: a refresh where nothing
    moved reads nothing more."""
    present = set(seen)
    gone: dict[tuple[int, str], list[str]] = {}
    for key, row in known.items():
        if key not in present and not key.startswith("folder:") and row[DIGEST]:
            gone.setdefault((row[SIZE], row[DIGEST]), []).append(key)
    if not gone:
        return todo, []
    sizes = {size for size, _digest in gone}
    remaining: list[str] = []
    adopted: list[tuple[tuple, bool]] = []
    for key in todo:
        path = Path(key)
        try:
            st = path.stat()
        except OSError:
            st = None
        if key in known or st is None or st.st_size not in sizes:
            remaining.append(key)  # changed in place, or no vanished torrent of its size
            continue
        try:
            digest = content_digest(read_capped(path, MAX_TORRENT_BYTES))
        except UnreadableFile:
            remaining.append(key)  # its read says why
            continue
        olds = gone.get((st.st_size, digest))
        if not olds:
            remaining.append(key)
            continue
        row = known.pop(olds.pop())
        folder = layout.data_folders.get(row[6])
        save_path = str(folder.parent if folder is not None else path.parent)
        conn.execute("UPDATE torrents SET torrent_path = ?, mtime_ns = ?, save_path = ? WHERE id = ?",
                     (key, st.st_mtime_ns, save_path, row[0]))
        known[key] = (row[0], key, row[SIZE], st.st_mtime_ns, row[4], save_path, row[6], row[DIGEST])
        adopted.append((known[key], save_path != row[5]))
    return remaining, adopted
