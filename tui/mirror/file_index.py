"""Which track's audio is where: track id -> torrent, file index, path, size, local.

Kept in the state directory (never in the mirror). Each `.torrent` is parsed once
with libtorrent; on later refreshes a torrent is re-read only when its size or
mtime changed, and its local flags are re-checked only when its data folder's
mtime changed. Start-up never hashes audio: "local" means a file of the
torrent's size is at its path; whether its bytes are right is the integrity
checker's job.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui.errors import LongtailError
from tui.mirror.layout import MirrorLayout

if TYPE_CHECKING:
    from tui.mirror.file_scan import RefreshReport

FileState = Literal["local", "fetchable", "absent"]
SCHEMA_VERSION = 4
KEY_SHIFT = 24  # files.key = torrent_id << 24 | file_index


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
    local: bool
    incomplete: bool = False  # a fetch is writing it: its size proves nothing

    @property
    def path(self) -> Path:
        return self.save_path / self.rel_path

    @property
    def state(self) -> FileState:
        if self.local:
            return "local"
        return "fetchable" if self.info_hash else "absent"

    def is_present(self) -> bool:
        """Re-check on disk (cheap: one stat)."""
        if self.incomplete:
            return False
        try:
            st = self.path.stat()
        except OSError:
            return False
        return st.st_size == self.size


def disk_full_error(exc: BaseException, where: Path) -> LongtailError:
    return LongtailError(f"cannot write {where}: {exc}",
                         "free some space (or pass --state on another disk) and run it again")


class FileIndex:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        self._ensure_schema()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _ensure_schema(self) -> None:
        try:
            row = self.conn().execute("SELECT value FROM sqlite_master AS m, meta "
                                      "WHERE m.name = 'files' AND meta.key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is not None and row[0] == str(SCHEMA_VERSION):
            return  # already set up: skip importing sqlite-utils on the start-up path
        import sqlite_utils

        try:
            db = sqlite_utils.Database(self.conn())
            if "files" in db.table_names() and "meta" in db.table_names():
                # an older layout: the index is a cache of the torrents, so rebuild it
                for table in ("files", "torrents"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
            db.table("torrents").create({
                "id": int, "torrent_path": str, "size": int, "mtime_ns": int, "info_hash": str,
                "name": str, "save_path": str, "piece_length": int, "num_pieces": int,
                "num_files": int, "total_size": int, "ignored": int, "data_mtime_ns": int,
            }, pk="id", if_not_exists=True)
            db.table("torrents").create_index(["torrent_path"], unique=True, if_not_exists=True)
            if "files" not in db.table_names():
                # WITHOUT ROWID keyed by track id: one B-tree lookup per track.
                # Keyed by (torrent, file index): a torrent's 60,000 rows go in as one sequential
                # append; the name is stored without the torrent's folder (half the bytes).
                db.execute("""CREATE TABLE files (
                    key INTEGER PRIMARY KEY, track_id TEXT NOT NULL, torrent_id INTEGER NOT NULL,
                    file_index INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
                    offset INTEGER NOT NULL, local INTEGER NOT NULL)""")
                db.execute("CREATE INDEX files_track ON files(track_id)")
                db.execute("CREATE INDEX files_local ON files(track_id) WHERE local = 1")
            db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
            # Files a fetch is writing: libtorrent makes them full-size at once (sparse), so
            # "a file of the right size" would lie about them until they are verified.
            db.table("incomplete").create({"rel_path": str}, pk="rel_path", if_not_exists=True)
            db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
            self.conn().commit()
        except sqlite3.OperationalError as exc:
            raise disk_full_error(exc, self.db_path) from None

    # -- refresh -----------------------------------------------------------------

    def refresh(self, layout: MirrorLayout,
                progress: Callable[[int, int, str], None] | None = None) -> RefreshReport:
        """Bring the index up to date with the mirror's torrents and data folders."""
        from tui.mirror.file_scan import refresh_index

        return refresh_index(self, layout, progress)

    # -- queries -------------------------------------------------------------------

    _ENTRY_SQL = ("SELECT f.track_id, f.torrent_id, t.torrent_path, t.info_hash, t.save_path, "
                  "f.file_index, CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END, "
                  "f.size, f.offset, f.local FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id ")

    @staticmethod
    def _entry(row: tuple, incomplete: set[str]) -> FileEntry:
        torrent_path = None if row[2].startswith("folder:") else Path(row[2])
        partial = row[6] in incomplete
        return FileEntry(row[0], row[1], torrent_path, row[3], Path(row[4]), row[5], row[6],
                         row[7], row[8], bool(row[9]) and not partial, partial)

    def mark_incomplete(self, rel_path: str, track_id: str | None = None) -> None:
        try:
            conn = self.conn()
            conn.execute("INSERT OR IGNORE INTO incomplete (rel_path) VALUES (?)", (rel_path,))
            if track_id is not None and conn.execute(
                    "UPDATE files SET local = 0 WHERE track_id = ? AND local = 1", (track_id,)).rowcount:
                self._bump_generation()
            conn.commit()
        except sqlite3.OperationalError as exc:
            raise disk_full_error(exc, self.db_path) from None

    def clear_incomplete(self, rel_path: str) -> None:
        try:
            conn = self.conn()
            conn.execute("DELETE FROM incomplete WHERE rel_path = ?", (rel_path,))
            conn.commit()
        except sqlite3.OperationalError as exc:
            raise disk_full_error(exc, self.db_path) from None

    def incomplete_paths(self) -> set[str]:
        return {r[0] for r in self.conn().execute("SELECT rel_path FROM incomplete")}

    def entry(self, track_id: str) -> FileEntry | None:
        row = self.conn().execute(self._ENTRY_SQL + "WHERE f.track_id = ? ORDER BY f.local DESC "
                                  "LIMIT 1", (track_id,)).fetchone()
        return self._entry(row, self.incomplete_paths()) if row else None

    def entries(self, track_ids: Iterable[str]) -> dict[str, FileEntry]:
        out: dict[str, FileEntry] = {}
        ids = list(dict.fromkeys(track_ids))
        incomplete = self.incomplete_paths()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = self._ENTRY_SQL + f"WHERE f.track_id IN ({','.join('?' * len(chunk))})"
            for row in self.conn().execute(q, chunk):
                e = self._entry(row, incomplete)
                if e.track_id not in out or (e.local and not out[e.track_id].local):
                    out[e.track_id] = e
        return out

    def state(self, track_id: str) -> FileState:
        entry = self.entry(track_id)
        return entry.state if entry is not None else "absent"

    def states(self, track_ids: Iterable[str]) -> dict[str, FileState]:
        ids = list(track_ids)
        found = self.entries(ids)
        return {t: (found[t].state if t in found else "absent") for t in ids}

    def torrent_files(self, torrent_id: int) -> Iterator[tuple[int, str, int, int, bool]]:
        """(file_index, track_id, size, offset, local) of one torrent, by file index."""
        for row in self.conn().execute(
                "SELECT file_index, track_id, size, offset, local FROM files WHERE key >= ? AND key < ? "
                "ORDER BY key", (torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT)):
            yield row[0], row[1], row[2], row[3], bool(row[4])

    def _bump_generation(self) -> None:
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def generation(self) -> int:
        """Changes whenever any file's state changes (for caches built on this index)."""
        row = self.conn().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def set_local(self, track_id: str, torrent_id: int, local: bool) -> None:
        try:
            conn = self.conn()
            conn.execute("UPDATE files SET local = ? WHERE track_id = ? AND torrent_id = ?",
                         (1 if local else 0, track_id, torrent_id))
            self._bump_generation()
            conn.commit()
        except sqlite3.OperationalError as exc:
            raise disk_full_error(exc, self.db_path) from None

    def local_track_ids(self) -> Iterator[str]:
        for (track_id,) in self.conn().execute(
                "SELECT track_id FROM files WHERE local = 1 ORDER BY track_id"):
            yield track_id

    def playable_track_ids(self) -> Iterator[str]:
        """Tracks that are local or that a known torrent can fetch."""
        for (track_id,) in self.conn().execute(
                "SELECT DISTINCT f.track_id FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id "
                "WHERE f.local = 1 OR t.info_hash IS NOT NULL ORDER BY f.track_id"):
            yield track_id

    def all_states(self) -> Iterator[tuple[str, FileState]]:
        """(track id, state) of every track the index knows, by track id."""
        for track_id, local, fetchable in self.conn().execute(
                "SELECT f.track_id, max(f.local), max(t.info_hash IS NOT NULL) FROM files AS f "
                "JOIN torrents AS t ON t.id = f.torrent_id GROUP BY f.track_id"):
            yield track_id, ("local" if local else ("fetchable" if fetchable else "absent"))

    def counts(self) -> dict[str, int]:
        files, local = self.conn().execute(
            "SELECT count(*), coalesce(sum(local), 0) FROM files").fetchone()
        torrents = self.conn().execute(
            "SELECT count(*) FROM torrents WHERE info_hash IS NOT NULL").fetchone()[0]
        return {"files": files, "local": local, "torrents": torrents}

    def is_empty(self) -> bool:
        return self.conn().execute("SELECT 1 FROM torrents LIMIT 1").fetchone() is None


