"""Covers from the archive's cover-art torrent (`annas_archive_spotify_2025_07_coverart.tar`),
for albums with no local audio file to take the embedded picture from.

Its files are named after the last segment of `album_images.url` and filed in directories of
name prefixes, but how many prefix characters and levels is unconfirmed (docs/archive.md,
"Cover art"), and so is whether a name keeps the 16-character size variant in front of the image hash.
So nothing about the layout is assumed: the index maps each member's own file name (without a
suffix) to where its bytes sit in the tar, and a lookup tries the URL's segment whole, then
without its variant. Covers are read in place at their offset: nothing is unpacked, and no
member name is ever used as a path.

The tar may still be downloading: the index goes as far as the headers are there (a gap of
zeros reads as the end), says it is incomplete, and carries on from there next time.
"""

from __future__ import annotations

import sqlite3
import tarfile
from collections.abc import Callable
from pathlib import Path

from tui.db import open_state_db, read_only_connections, state_error, transaction
from tui.errors import LongtailError

COVERART_SUFFIX = "coverart.tar"
VARIANT_LENGTH = 16  # `ab67616d0000b273` (640 px), `ab67616d00001e02` (300 px)...
MAX_COVER_BYTES = 16 * 1024 * 1024
BATCH = 20_000  # members a transaction (and how far a stopped build goes back)
TAR_END_SLACK = 20 * 1024  # two zero blocks and the record padding after the last member

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (name TEXT PRIMARY KEY, offset INTEGER NOT NULL,
                                    size INTEGER NOT NULL) WITHOUT ROWID;
"""


def member_key(member_name: str) -> str:
    """A member's file name without its directories and suffix (`ab/cd/ab67…` → `ab67…`)."""
    base = member_name.rsplit("/", 1)[-1]
    return base.split(".", 1)[0]


def url_keys(url: str) -> list[str]:
    """The names a cover of this URL may have in the tar: the segment, then its image hash."""
    segment = member_key(url.split("?", 1)[0].rstrip("/"))
    keys = [segment]
    if len(segment) > VARIANT_LENGTH:
        keys.append(segment[VARIANT_LENGTH:])
    return keys


class CoverArtIndex:
    """Member name → (offset, size) in one cover-art tar, in the state directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._readers = read_only_connections(path)

    def close(self) -> None:
        self._readers.close_all()

    # -- reading (index lookups only) -----------------------------------------------------------

    def status(self) -> dict:
        if not self.path.exists():
            return _summary(None)
        try:
            return _summary(self._readers.get())
        except sqlite3.Error:
            return _summary(None)

    def locate(self, urls: list[str]) -> tuple[int, int] | None:
        """Where the first of these cover URLs (widest first) that the tar holds sits in it."""
        if not self.path.exists():
            return None
        try:
            conn = self._readers.get()
            for url in urls:
                for key in url_keys(url):
                    row = conn.execute("SELECT offset, size FROM members WHERE name = ?", (key,)).fetchone()
                    if row is not None:
                        return int(row[0]), int(row[1])
        except sqlite3.Error:
            return None  # a damaged index is no cover; `longtail index` says so and rebuilds
        return None

    # -- building -------------------------------------------------------------------------------

    def build(self, tar_path: Path, progress: Callable[[str, int, int], None] | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> dict:
        """Index the tar's members, from where the last build stopped when it is the same tar."""
        try:
            stat = tar_path.stat()
        except OSError as exc:
            raise LongtailError(f"cannot read {tar_path} ({exc.strerror})",
                                "check that the cover-art torrent's file is readable") from None
        conn = open_state_db(self.path, autocommit=True)
        try:
            conn.executescript(SCHEMA)
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            signature = f"{stat.st_size}:{stat.st_mtime_ns}"
            if meta.get("tar") != tar_path.name or int(meta.get("size", 0)) > stat.st_size:
                with transaction(conn):  # another tar, or this one shrank: from the start
                    conn.execute("DELETE FROM members")
                    conn.execute("DELETE FROM meta")
                meta = {}
            if meta.get("signature") == signature and meta.get("complete"):
                return _summary(conn)
            return self._scan(conn, tar_path, stat.st_size, signature, int(meta.get("resume", 0)),
                              int(meta.get("members", 0)), progress, should_stop)
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None
        finally:
            conn.close()

    def _scan(self, conn: sqlite3.Connection, tar_path: Path, size: int, signature: str, resume: int,
              members: int, progress: Callable[..., None] | None, should_stop: Callable[[], bool]) -> dict:
        batch: list[tuple[str, int, int]] = []
        end = resume
        stopped = False
        try:
            with open(tar_path, "rb") as raw:
                raw.seek(resume)  # past what is indexed: tarfile starts at the file's position
                with tarfile.open(fileobj=raw, mode="r:") as tar:
                    while True:
                        info = tar.next()
                        if info is None:
                            end = tar.offset
                            break
                        if info.isreg():
                            batch.append((member_key(info.name), info.offset_data, info.size))
                        end = tar.offset
                        tar.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every header it read
                        if len(batch) >= BATCH:
                            members = self._commit(conn, batch, members, end, False, tar_path, signature, size)
                            batch = []
                            if progress:
                                progress("covers", end, size)
                            if should_stop():
                                stopped = True
                                break
        except (tarfile.TarError, OSError, EOFError) as exc:
            if not resume and not members and not batch:
                raise LongtailError(f"{tar_path} has no tar header at its start ({exc})",
                                    "if it is still downloading, index again later; "
                                    "else move it out of the mirror") from None
            stopped = True  # what was read stays indexed; the rest is read next time
        complete = not stopped and size - end <= TAR_END_SLACK
        self._commit(conn, batch, members, end, complete, tar_path, signature, size)
        if progress:
            progress("covers", size if complete else end, size)
        return _summary(conn)

    @staticmethod
    def _commit(conn: sqlite3.Connection, batch: list[tuple[str, int, int]], members: int, resume: int,
                complete: bool, tar_path: Path, signature: str, size: int) -> int:
        members += len(batch)
        with transaction(conn):
            conn.executemany("INSERT OR REPLACE INTO members VALUES (?, ?, ?)", batch)
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("tar", tar_path.name), ("size", size), ("resume", resume), ("members", members),
                ("complete", int(complete)), ("signature", signature)])
        return members


def _summary(conn: sqlite3.Connection | None) -> dict:
    """What an index holds, from its meta (nothing yet without a connection)."""
    meta = dict(conn.execute("SELECT key, value FROM meta")) if conn is not None else {}
    return {"members": int(meta.get("members", 0)), "complete": bool(meta.get("complete", 0)),
            "bytes_read": int(meta.get("resume", 0)), "tar": meta.get("tar")}


def read_member(tar_path: Path, offset: int, size: int) -> bytes | None:
    """A cover's bytes, read in place; None when they are not (all) there yet. (A tar that
    is a symlink to another disk is read where it points; a FIFO never is.)"""
    if size <= 0 or size > MAX_COVER_BYTES:
        return None
    from tui.mirror.pieces import read_regular

    return read_regular(tar_path.resolve(), offset, size)
