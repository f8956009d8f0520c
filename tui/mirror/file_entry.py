"""One track's file as the file index knows it, and the rules from what is known to what users see:
its state (`file_state`) and whether it can play (`can_play`, here also as SQL)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.file_states import FileState, can_play

DISK_MISSING, DISK_OK, DISK_WRONG = 0, 1, 2


def file_state(disk: int, bad: bool, partial: bool, fetchable: bool) -> FileState:
    """The one rule from what is known about a file to the state users see. A fetch mark with
    nothing at the path is no partial file: a fetch that failed before writing (or a process
    killed then) leaves the state it found."""
    if partial and disk != DISK_MISSING:
        return FileState.PARTIAL
    if disk == DISK_WRONG or (disk == DISK_OK and bad):
        return FileState.DAMAGED
    if disk == DISK_OK:
        return FileState.LOCAL
    return FileState.FETCHABLE if fetchable else FileState.ABSENT


def _playable_sql() -> str:
    """`can_play` as SQL over (files.disk, files.bad, torrent has an info hash), generated from
    the rule itself so that the two can never disagree (a file being fetched has a torrent)."""
    rows = [(disk, int(bad), int(fetchable))
            for disk in (DISK_MISSING, DISK_OK, DISK_WRONG) for bad in (False, True) for fetchable in (False, True)
            if can_play(file_state(disk, bad, False, fetchable), fetchable)]
    values = ", ".join(f"({d}, {b}, {f})" for d, b, f in rows)
    return f"(f.disk, f.bad, t.info_hash IS NOT NULL) IN (VALUES {values})"


PLAYABLE_SQL = _playable_sql()


def disk_kind(path: Path, size: int) -> int:
    """What is at `path` now, without following a symlink (one lstat)."""
    try:
        st = os.lstat(path)
    except OSError:
        return DISK_MISSING
    return DISK_OK if stat.S_ISREG(st.st_mode) and st.st_size == size else DISK_WRONG


@dataclass(frozen=True, slots=True)
class FileEntry:
    track_id: str
    torrent_id: int
    torrent_path: Path | None  # None for a data folder that has no .torrent
    info_hash: str | None
    save_path: Path
    file_index: int
    rel_path: str
    size: int
    offset: int
    disk: int = DISK_MISSING
    bad: bool = False  # the last integrity check found it corrupt
    partial: bool = False  # a fetch is writing it

    @property
    def path(self) -> Path:
        return self.save_path / self.rel_path

    @property
    def state(self) -> FileState:
        return file_state(self.disk, self.bad, self.partial, self.info_hash is not None)

    @property
    def local(self) -> bool:
        return self.state == FileState.LOCAL

    @property
    def playable(self) -> bool:
        return can_play(self.state, self.info_hash is not None)

    @property
    def present(self) -> bool:
        """Something is at its path (the right file or not)."""
        return self.disk != DISK_MISSING

    def is_present(self) -> bool:
        """Re-checked on disk now: a regular file of the torrent's size, not known bad."""
        return not self.partial and not self.bad and disk_kind(self.path, self.size) == DISK_OK

    def on_disk_now(self) -> FileEntry:
        """The same entry with what is at its path now (one lstat)."""
        from dataclasses import replace

        return replace(self, disk=disk_kind(self.path, self.size))

    def damage(self) -> str | None:
        """Why a present file is not the archive's, in words (None when nothing is known wrong)."""
        try:
            st = os.lstat(self.path)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            return "a symlink, not the file itself (longtail never reads or writes through it)"
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file (a FIFO, socket, device or directory)"
        if st.st_size != self.size:
            return f"{st.st_size:,} bytes on disk, the torrent says {self.size:,}"
        if self.bad:
            return "the last integrity check found it corrupt"
        return None
