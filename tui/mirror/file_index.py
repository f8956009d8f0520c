"""Which track's audio is where, and what state it is in.

Kept in the state directory (never in the mirror). Each `.torrent` is parsed once;
later refreshes re-read a torrent only when its size or mtime changed, and look at
its data folder again only when the folder's mtime changed. Start-up never hashes
audio. A track's file is, in this order of truth:

* `partial`: a fetch is writing it (libtorrent makes it full-size at once, sparse),
  so its size proves nothing until it is verified;
* `damaged`: something is at its path but it is not the file: the wrong size, not a
  regular file (a symlink, a FIFO), or its last integrity check failed;
* `local`: a regular file of the torrent's size is at its path;
* `fetchable`: not here, and a known torrent holds it;
* `absent`: none of the above.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tui.catalogue.file_states import FileState
from tui.db import PerThread, process_lock, stamp_format, state_error
from tui.mirror import file_schema
from tui.mirror.file_entry import DISK_MISSING, DISK_OK, DISK_WRONG, PLAYABLE_SQL, FileEntry, disk_kind, file_state
from tui.mirror.layout import MirrorLayout

__all__ = ["DISK_MISSING", "DISK_OK", "DISK_WRONG", "KEY_SHIFT", "PLAYABLE_SQL", "FileEntry", "FileIndex",
           "disk_kind", "file_state"]

if TYPE_CHECKING:
    from tui.mirror.file_scan import RefreshReport

KEY_SHIFT = 24  # files.key = torrent_id << 24 | file_index


_ENTRY_SQL = ("SELECT f.track_id, f.torrent_id, t.torrent_path, t.info_hash, t.save_path, "
              "f.file_index, CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END, "
              "f.size, f.offset, f.disk, f.bad FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id ")
_ENTRY_PRESENT_SQL = _ENTRY_SQL.replace("FROM files AS f ", "FROM files AS f INDEXED BY files_present ") + \
    "WHERE f.disk > 0 AND "


@functools.lru_cache(maxsize=1024)
def _folder_path(text: str) -> Path:
    """The Path of a save path or .torrent: a few per mirror, shared by its files' entries."""
    return Path(text)


_PREFERENCE = {"local": 0, "partial": 1, "damaged": 2, "fetchable": 3, "absent": 4}
_COUNTED_AS = {"local": "local", "partial": "fetchable", "damaged": "damaged", "fetchable": "fetchable",
               "absent": "none"}


def _category(disk: int, bad: bool, fetchable: bool) -> str:
    """A file's state as the kept counts file it (file_schema's triggers, in Python)."""
    if disk == DISK_OK and not bad:
        return "local"
    if disk > 0:
        return "damaged"
    return "fetchable" if fetchable else "none"


def _rank(entry: FileEntry) -> tuple[bool, int]:
    """Which copy of a track in several torrents counts: one that can play, the best state first."""
    return not entry.playable, _PREFERENCE[entry.state]


class FileIndex:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._conns = PerThread(self._open)
        self._ensure_schema()

    def _open(self) -> sqlite3.Connection:
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.db_path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            stamp_format(conn)
        except (sqlite3.Error, OSError) as exc:
            raise state_error(exc, self.db_path) from None
        return conn

    def conn(self) -> sqlite3.Connection:
        return self._conns.get()

    def close(self) -> None:
        self._conns.close_all()

    def _schema_version(self) -> str | None:
        try:
            row = self.conn().execute("SELECT value FROM sqlite_master AS m, meta "
                                      "WHERE m.name = 'files' AND meta.key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            row = None
        return None if row is None else str(row[0])

    def _schema_current(self) -> bool:
        return self._schema_version() == str(file_schema.SCHEMA_VERSION)

    @property
    def _lock_path(self) -> Path:
        return self.db_path.with_name(self.db_path.name + ".lock")

    def _ensure_schema(self) -> None:
        if self._schema_current():
            return  # already set up: skip importing sqlite-utils on the start-up path
        with process_lock(self._lock_path):  # two first runs: one builds, the other finds it built
            if not self._schema_current():
                self._create_schema()

    def _create_schema(self) -> None:
        try:
            conn = self.conn()
            if not file_schema.migrate(conn, self._schema_version()):
                file_schema.create(conn)
            conn.commit()
        except sqlite3.Error as exc:
            raise state_error(exc, self.db_path) from None

    def refresh(self, layout: MirrorLayout, progress: Callable[[int, int, str], None] | None = None,
                tier_of: Callable[[list[str]], dict[str, int]] | None = None,
                should_stop: Callable[[], bool] = lambda: False, workers: int | None = None) -> RefreshReport:
        """Bring the index up to date with the mirror's torrents and data folders; `tier_of`
        tells each track's tier (1 popularity > 0, 0 popularity 0) for the counts."""
        from tui.mirror.file_scan import refresh_index

        with process_lock(self._lock_path):
            return refresh_index(self, layout, progress, tier_of, should_stop, workers)

    # -- writes ---------------------------------------------------------------------

    def _write(self, sql: str, params: Iterable = ()) -> int:
        try:
            conn = self.conn()
            changed = conn.execute(sql, tuple(params)).rowcount
            if changed:
                self._bump_generation()
            conn.commit()
            return changed
        except sqlite3.Error as exc:
            raise state_error(exc, self.db_path) from None

    def mark_incomplete(self, rel_path: str, track_id: str | None = None) -> None:
        """A fetch is about to write this file: it is `partial` until verified."""
        self._write("INSERT OR IGNORE INTO incomplete (rel_path, track_id) VALUES (?, ?)", (rel_path, track_id))

    def clear_incomplete(self, rel_path: str) -> None:
        self._write("DELETE FROM incomplete WHERE rel_path = ?", (rel_path,))

    def incomplete_paths(self) -> set[str]:
        return {r[0] for r in self.conn().execute("SELECT rel_path FROM incomplete")}

    def set_disk(self, track_id: str, torrent_id: int, disk: int) -> None:
        """What is at the file's path now (after a fetch verified it, or it was moved aside)."""
        self._write("UPDATE files SET disk = ? WHERE key >= ? AND key < ? AND track_id = ?",  # the torrent's range:
                    (disk, torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT, track_id))  # no track index needed

    def set_bad(self, track_ids: Iterable[str], bad: bool) -> None:
        """The last integrity check's word on these tracks' files."""
        ids = list(track_ids)
        if not ids:
            return
        try:
            conn = self.conn()
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                if bad:
                    conn.executemany("INSERT OR IGNORE INTO bad (track_id) VALUES (?)", [(t,) for t in chunk])
                else:
                    conn.execute(f"DELETE FROM bad WHERE track_id IN ({marks})", chunk)
                conn.execute(f"UPDATE files SET bad = ? WHERE track_id IN ({marks})", [int(bad), *chunk])
            self.bump_generation(playable=True)
            conn.commit()
        except sqlite3.Error as exc:
            raise state_error(exc, self.db_path) from None

    def apply_bad_flags(self, torrent_id: int) -> None:
        """A torrent's rows, just written: the files a check found corrupt are marked again."""
        self.conn().execute("UPDATE files SET bad = 1 WHERE key >= ? AND key < ? AND track_id IN "
                            "(SELECT track_id FROM bad)", (torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT))

    def bad_track_ids(self) -> set[str]:
        return {r[0] for r in self.conn().execute("SELECT track_id FROM bad")}

    def _bump_generation(self) -> None:
        self.bump_generation()

    def bump_generation(self, playable: bool = False) -> None:
        """Something changed (caller commits); `playable`: what can play may have changed too."""
        keys = ("generation", "playable_generation") if playable else ("generation",)
        self.conn().execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key IN "
                            f"({','.join('?' * len(keys))})", keys)

    def generation(self) -> int:
        """Changes whenever any file's state changes (for caches built on this index)."""
        return self._meta_int("generation")

    def playable_generation(self) -> int:
        """Changes when which tracks can play may have (not when a fetchable track became local)."""
        return self._meta_int("playable_generation")

    def _meta_int(self, key: str) -> int:
        row = self.conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    # -- reads ----------------------------------------------------------------------

    @staticmethod
    def _entry(row: tuple, incomplete: set[str]) -> FileEntry:
        torrent_path = None if row[2].startswith("folder:") else _folder_path(row[2])
        return FileEntry(row[0], row[1], torrent_path, row[3], _folder_path(row[4]), row[5], row[6],
                         row[7], row[8], row[9], bool(row[10]), row[6] in incomplete)

    def entry(self, track_id: str) -> FileEntry | None:
        """The track's file; where a track is in several torrents, the best copy."""
        return self.entries([track_id]).get(track_id)

    def entries(self, track_ids: Iterable[str]) -> dict[str, FileEntry]:
        out: dict[str, FileEntry] = {}
        ids = list(dict.fromkeys(track_ids))
        incomplete = self.incomplete_paths()
        # While a first index writes without its track index (file_schema.defer_track_index), a
        # lookup by track would read every row: only the files on disk are found (their own
        # small index), the rest show absent until the index is built, as those of torrents not
        # read yet do.
        sql = _ENTRY_PRESENT_SQL if file_schema.track_index_deferred(self.conn()) else _ENTRY_SQL + "WHERE "
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = sql + f"f.track_id IN ({','.join('?' * len(chunk))})"
            for row in self.conn().execute(q, chunk):
                e = self._entry(row, incomplete)
                best = out.get(e.track_id)
                if best is None or _rank(e) < _rank(best):
                    out[e.track_id] = e
        return out

    def indexed_all(self) -> bool:
        """The last refresh read every torrent (a first index stopped half way, or running, has
        not: a track it has no row for may be in a torrent not read yet)."""
        return self._meta_int("complete") == 1

    def missing_state(self) -> FileState:
        """What a track with no row is: absent, or not known yet while the index is incomplete."""
        return FileState.ABSENT if self.indexed_all() else FileState.INDEXING

    def state(self, track_id: str) -> FileState:
        entry = self.entry(track_id)
        return entry.state if entry is not None else self.missing_state()

    def playable(self, track_id: str) -> bool:
        entry = self.entry(track_id)
        return entry is not None and entry.playable

    def states(self, track_ids: Iterable[str]) -> dict[str, FileState]:
        ids = list(track_ids)
        found = self.entries(ids)
        missing = self.missing_state() if len(found) < len(set(ids)) else FileState.ABSENT
        return {t: (found[t].state if t in found else missing) for t in ids}

    def files_of(self, track_ids: Iterable[str]) -> dict[str, tuple[FileState, bool]]:
        """(state, can play) of each track's best copy."""
        ids = list(track_ids)
        found = self.entries(ids)
        missing = self.missing_state() if len(found) < len(set(ids)) else FileState.ABSENT
        return {t: (found[t].state, found[t].playable) if t in found else (missing, False) for t in ids}

    def torrent_files(self, torrent_id: int) -> Iterator[tuple[int, str, int, int, int, bool]]:
        """(file_index, track_id, size, offset, disk, bad) of one torrent, by file index."""
        for row in self.conn().execute(
                "SELECT file_index, track_id, size, offset, disk, bad FROM files WHERE key >= ? AND key < ? "
                "ORDER BY key", (torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT)):
            yield row[0], row[1], row[2], row[3], row[4], bool(row[5])

    def complete_files(self, torrent_id: int, indexes: Iterable[int]) -> set[int]:
        """Which of these files of a torrent are here and right (local, not being fetched)."""
        keys = [torrent_id << KEY_SHIFT | i for i in indexes]
        if not keys:
            return set()
        incomplete = self.incomplete_paths()
        rows = self.conn().execute(
            "SELECT f.file_index, CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END "
            "FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id "
            f"WHERE f.key IN ({','.join('?' * len(keys))}) AND f.disk = 1 AND f.bad = 0", keys)
        return {index for index, rel in rows if rel not in incomplete}

    def torrent_entries(self, torrent_id: int, first: int = 0, last: int = (1 << KEY_SHIFT) - 1
                        ) -> Iterator[FileEntry]:
        """One torrent's files (those with file index first..last), in file order."""
        incomplete = self.incomplete_paths()
        base = torrent_id << KEY_SHIFT
        for row in self.conn().execute(_ENTRY_SQL + "WHERE f.key >= ? AND f.key <= ? ORDER BY f.key",
                                       (base + first, base + last)):
            yield self._entry(row, incomplete)

    def torrents(self) -> list[tuple[int, str, Path, Path | None]]:
        """(id, folder name, save path, .torrent path or None) of every torrent and bare folder."""
        return [(r[0], r[1], Path(r[2]), None if r[3].startswith("folder:") else Path(r[3]))
                for r in self.conn().execute("SELECT id, name, save_path, torrent_path FROM torrents ORDER BY id")]

    def present_track_ids(self) -> Iterator[str]:
        """Tracks with anything at their file's path, right or wrong (what checks sample)."""
        for (track_id,) in self.conn().execute(
                "SELECT DISTINCT track_id FROM files WHERE disk > 0 ORDER BY track_id"):
            yield track_id

    def playable_track_ids(self) -> Iterator[str]:
        """Tracks that can play (`can_play`): local, or a known torrent can fetch them."""
        # NOT INDEXED: through files_track, each id's row was a random read (108 s at 10^7
        # files); a forward pass over the table with SQLite sorting the ids takes 15 s
        for (track_id,) in self.conn().execute(
                "SELECT DISTINCT f.track_id FROM files AS f NOT INDEXED JOIN torrents AS t ON t.id = f.torrent_id "
                f"WHERE {PLAYABLE_SQL} ORDER BY f.track_id"):
            yield track_id

    def all_states(self) -> Iterator[tuple[str, FileState]]:
        """(track id, state) of every track the index knows, by track id."""
        incomplete = self.incomplete_paths()
        rows = self.conn().execute(
            "SELECT f.track_id, f.disk, f.bad, t.info_hash IS NOT NULL, "
            "CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END "
            "FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id ORDER BY f.track_id")
        current, best = None, FileState.ABSENT
        for track_id, disk, bad, fetchable, rel in rows:
            state = file_state(disk, bool(bad), rel in incomplete, bool(fetchable))
            if track_id != current:
                if current is not None:
                    yield current, best
                current, best = track_id, state
            elif _PREFERENCE[state] < _PREFERENCE[best]:
                best = state
        if current is not None:
            yield current, best

    def counts(self) -> dict[str, int]:
        """Files known, present (anything at its path) and local: from the kept counts, never a scan."""
        by_state = dict.fromkeys(file_schema.STATES, 0)
        for state, n in self.conn().execute("SELECT state, sum(n) FROM file_counts GROUP BY state"):
            by_state[state] = n
        torrents = self.conn().execute("SELECT count(*) FROM torrents WHERE info_hash IS NOT NULL").fetchone()[0]
        return {"files": sum(by_state.values()), "present": by_state["local"] + by_state["damaged"],
                "local": by_state["local"], "torrents": torrents}

    def coverage(self) -> dict[int, dict[str, int]]:
        """Tracks per tier (1: popularity > 0, 0: popularity 0) that are local, damaged or
        fetchable, each track counted once by its best copy (a file being fetched counts as
        fetchable): the kept counts, corrected for the few tracks with several copies or a
        fetch under way."""
        out = {tier: dict.fromkeys(("local", "damaged", "fetchable", "none"), 0) for tier in (1, 0, -1)}
        conn = self.conn()
        for tier, state, n in conn.execute("SELECT tier, state, n FROM file_counts"):
            out[tier][state] += n
        special = [r[0] for r in conn.execute("SELECT track_id FROM multi UNION SELECT track_id FROM incomplete "
                                              "WHERE track_id IS NOT NULL")]
        incomplete = self.incomplete_paths()
        for track_id in special:
            rows = conn.execute(
                "SELECT f.disk, f.bad, f.tier, t.info_hash IS NOT NULL, "
                "CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END "
                "FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id WHERE f.track_id = ?",
                (track_id,)).fetchall()
            if not rows:
                continue
            best = FileState.ABSENT
            for disk, bad, tier, fetchable, _rel in rows:
                out[-1 if tier is None else tier][_category(disk, bool(bad), bool(fetchable))] -= 1
            for disk, bad, _tier, fetchable, rel in rows:
                state = file_state(disk, bool(bad), rel in incomplete, bool(fetchable))
                if _PREFERENCE[state] < _PREFERENCE[best]:
                    best = state
            tier = rows[0][2]
            out[-1 if tier is None else tier][_COUNTED_AS[best]] += 1
        return out

    def is_empty(self) -> bool:
        return self.conn().execute("SELECT 1 FROM torrents LIMIT 1").fetchone() is None
