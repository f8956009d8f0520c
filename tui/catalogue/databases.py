"""Where the archive's metadata databases are, and how longtail opens them: read-only
and immutable (no journal is ever created beside a 125 GB file), the optional ones
attached as `af` (audio features), `tf` (the ledger) and `pl` (playlists)."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import msgspec

from tui.catalogue import typed
from tui.catalogue.schema import FEATURES_DB, LEDGER_DB, MAIN_DB, PLAYLISTS_DB
from tui.errors import MirrorError
from tui.files import read_head

SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_uri(path: Path) -> str:
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"


def check_sqlite_file(path: Path, label: str) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise MirrorError(f"cannot read {path} ({exc.strerror})",
                          "check the file's permissions") from None
    if head != SQLITE_MAGIC:
        raise MirrorError(
            f"{path} is not an SQLite database" + (" (empty file)" if not head else ""),
            f"replace it with the archive's {label} (unpack the .zst with `longtail unpack`)",
        )
    check_unfinished_writes(path)


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
WAL_MAGICS = (bytes.fromhex("377f0682"), bytes.fromhex("377f0683"))
WAL_HEADER, WAL_FRAME_HEADER = 32, 24


def check_unfinished_writes(path: Path) -> None:
    """A database is read immutable, as its own file alone: right only when no write is left
    beside it. A hot rollback journal means the file holds half of a transaction (refused:
    its pages would be read half old, half new); a WAL with frames holds committed changes the
    file lacks (said once: what is read is the database as it was before them)."""
    journal = read_head(Path(f"{path}-journal"), 8)
    if journal == JOURNAL_MAGIC:
        raise MirrorError(f"{path.name} has an unfinished write ({path.name}-journal is beside it): "
                          "its pages are part old, part new",
                          f"let the program writing it finish, or roll the write back: sqlite3 {path} "
                          "'PRAGMA quick_check' (longtail never writes to your databases)")
    wal = Path(f"{path}-wal")
    if read_head(wal, 4) in WAL_MAGICS:
        size = wal.stat().st_size
        if size > WAL_HEADER + WAL_FRAME_HEADER:
            typed.notice(f"wal:{path}", f"{path.name} has {size:,} bytes of changes in {wal.name} not yet written "
                         "into it; longtail reads it without them (to include them: "
                         f"sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)')")


class CataloguePaths(msgspec.Struct, frozen=True):
    main: Path
    features: Path | None = None
    ledger: Path | None = None
    playlists: Path | None = None

    @classmethod
    def from_databases(cls, dbs: dict[str, Path]) -> CataloguePaths:
        if MAIN_DB not in dbs:
            raise MirrorError(f"no {MAIN_DB} found", "point --mirror at the metadata folder")
        return cls(dbs[MAIN_DB], dbs.get(FEATURES_DB), dbs.get(LEDGER_DB), dbs.get(PLAYLISTS_DB))


class _Guarded:
    """Turns SQLite's errors on the user's databases (a damaged page, an unreadable file) into
    one line naming them, wherever a query meets them: at execute or at a later row."""

    files: str = "the metadata databases"

    def _damaged(self, exc: sqlite3.DatabaseError) -> Exception:
        unreadable = type(exc) is sqlite3.DatabaseError or any(
            words in str(exc) for words in ("disk I/O error", "unable to open", "malformed"))
        if not unreadable:  # a write attempt, a bad query: a bug, not the user's file
            return exc
        return MirrorError(f"a metadata database ({self.files}) cannot be read ({exc})",
                           "the file is damaged or changed while longtail read it: re-download and unpack it "
                           "(longtail never writes it)")


class GuardedCursor(sqlite3.Cursor, _Guarded):
    def execute(self, *args: Any) -> GuardedCursor:
        try:
            return super().execute(*args)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None


class GuardedConnection(sqlite3.Connection):
    files = "the metadata databases"

    def cursor(self, factory: Any = None) -> Any:  # execute() comes through here
        cursor = super().cursor(factory or GuardedCursor)
        cursor.files = self.files
        return cursor

    def execute(self, *args: Any) -> Any:
        return self.cursor().execute(*args)


def open_readonly(paths: CataloguePaths) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(sqlite_uri(paths.main), uri=True, check_same_thread=False,
                               factory=GuardedConnection)
        conn.files = ", ".join(p.name for p in (paths.main, paths.features, paths.ledger, paths.playlists)
                               if p is not None)
        conn.execute("PRAGMA query_only = 1")
        for alias, path in (("af", paths.features), ("tf", paths.ledger), ("pl", paths.playlists)):
            if path is not None:
                conn.execute("ATTACH DATABASE ? AS " + alias, (sqlite_uri(path),))
    except sqlite3.DatabaseError as exc:
        raise MirrorError(f"cannot open the metadata databases ({exc})",
                          "check that the files are complete, unpacked SQLite files") from None
    return conn
