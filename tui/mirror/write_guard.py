"""Where a fetch may write: the wanted file's own path, inside its torrent's data folder,
never through a symlink. Whatever is at that path and is not the file (the wrong size,
a symlink, a FIFO, a copy a check found bad) is moved aside into the state
directory's quarantine first, never overwritten in place; the move is reported."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tui.mirror.fetch_status import FetchError
from tui.mirror.file_index import FileEntry
from tui.mirror.verify import MoveError, move_aside


def data_folder(entry: FileEntry) -> Path:
    top = entry.rel_path.split("/", 1)[0]
    return entry.save_path / top


def prepare_target(entry: FileEntry, quarantine: Path) -> Path | None:
    """Make the file's path safe to write; returns where a damaged copy was moved, if one was."""
    folder = data_folder(entry)
    try:
        entry.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"cannot create {entry.path.parent} ({exc.strerror})") from None
    inside = os.path.realpath(entry.path.parent)
    root = os.path.realpath(folder)
    if inside != root and not inside.startswith(root + os.sep):
        raise FetchError(f"{entry.path.parent} leads outside the data folder {folder} (a symlink?): "
                         "longtail does not write there")
    try:
        st = os.lstat(entry.path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FetchError(f"cannot look at {entry.path} ({exc.strerror})") from None
    if stat.S_ISREG(st.st_mode) and st.st_size == entry.size and not entry.bad and not entry.partial:
        return None  # the file itself (still to be verified as fetched): nothing to move
    if entry.partial and stat.S_ISREG(st.st_mode):
        return None  # our own unfinished fetch: libtorrent carries on with it
    try:
        return move_aside(entry.path, quarantine, entry.track_id, "damaged")
    except MoveError as exc:
        raise FetchError(f"{entry.path} is not the archive's file and {exc.strerror}: "
                         "longtail will not overwrite it") from None
