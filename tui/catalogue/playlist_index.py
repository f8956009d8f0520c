"""The playlists' sidecar in the state directory: names to search, and track → playlists.

`playlist_tracks` has no index on `track_rowid`: "which playlists hold this track" would
scan 1.7 billion rows. The build reads the playlists most-followed first (through the
`followers_total` index), each one's tracks in one clustered range, and numbers them in
that order (`rank`). Rows are keyed by rank, so the answers come most-followed first and
are useful long before the build is complete. Each batch commits with its progress:
after kill -9 the next build carries on from the last batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tui.catalogue.search_shard import TOKENIZE
from tui.catalogue.text import match_expression, space_out
from tui.db import open_state_db, read_only_connections

Progress = Callable[[str, int, int], None]
BATCH = 2_000  # playlists per transaction (~500,000 entries)
BUILD_CACHE_KIB = 262_144  # the holds tree takes random inserts: keep its hot pages in memory
VERSION = "1"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS ranked (rank INTEGER PRIMARY KEY, playlist_rowid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS holds (track_rowid INTEGER, rank INTEGER,
    PRIMARY KEY (track_rowid, rank)) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS names USING fts5(name, content='', columnsize=0, detail=column,
    tokenize='{TOKENIZE}', prefix='3');
"""


class PlaylistIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._readers = read_only_connections(path)

    def close(self) -> None:
        self._readers.close_all()

    def _connect(self) -> sqlite3.Connection:
        conn = open_state_db(self.path)
        conn.executescript(SCHEMA)
        return conn

    def exists(self) -> bool:
        return self.path.exists()

    # -- reading (UI path: index lookups only) -------------------------------------------------

    def _read(self) -> sqlite3.Connection | None:
        """This thread's read-only connection, kept (None while nothing is built)."""
        return self._readers.get() if self.path.exists() else None

    def containing(self, track_rowid: int, limit: int) -> list[int]:
        """Playlist rowids that hold the track, most-followed first (as far as built)."""
        conn = self._read()
        if conn is None:
            return []
        try:
            return [r[0] for r in conn.execute(
                "SELECT r.playlist_rowid FROM holds AS h JOIN ranked AS r ON r.rank = h.rank "
                "WHERE h.track_rowid = ? ORDER BY h.rank LIMIT ?", (track_rowid, limit))]
        except sqlite3.OperationalError:
            return []  # an index being created right now: nothing yet

    def search(self, query: str, limit: int) -> list[int]:
        """Playlist rowids whose name has the query's words (the last as a prefix), most-followed first."""
        conn = self._read()
        if conn is None:
            return []
        try:
            found: list[int] = []
            for prefix in (False, True):  # whole words stream in rank order; prefixes fill up
                expr = match_expression(query, prefix=prefix)
                if expr is None or len(found) >= limit:
                    break
                for (rank,) in conn.execute("SELECT rowid FROM names(?) ORDER BY rowid LIMIT ?", (expr, limit)):
                    if rank not in found:
                        found.append(rank)
            ranks = sorted(found)[:limit]
            if not ranks:
                return []
            marks = ",".join("?" * len(ranks))
            by_rank = dict(conn.execute(f"SELECT rank, playlist_rowid FROM ranked WHERE rank IN ({marks})", ranks))
            return [by_rank[r] for r in ranks if r in by_rank]
        except sqlite3.OperationalError:
            return []

    def status(self) -> dict:
        conn = self._read()
        if conn is None:
            return {"playlists": 0, "complete": False}
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
        except sqlite3.OperationalError:
            meta = {}
        return {"playlists": int(meta.get("done", 0)), "complete": meta.get("phase") == "done"}

    # -- building ------------------------------------------------------------------------------

    def build(self, source: sqlite3.Connection, sql: dict[str, str], signature: str,
              progress: Progress | None = None, should_stop: Callable[[], bool] = lambda: False) -> dict:
        """Carry on building from where the last build stopped; returns status()."""
        conn = self._connect()
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("signature") != signature or meta.get("version") != VERSION:
                conn.executescript("DELETE FROM ranked; DELETE FROM holds; DELETE FROM meta; "
                                   "INSERT INTO names (names) VALUES ('delete-all');")  # contentless FTS5
                meta = {"signature": signature, "version": VERSION, "phase": "followed", "done": "0"}
                conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
                conn.commit()
            total = source.execute(sql["playlists_max_rowid"]).fetchone()[0] or 0
            done = int(meta["done"])
            while meta["phase"] != "done" and not should_stop():
                if meta["phase"] == "followed":
                    rows = source.execute(sql["playlists_by_followers_after"], (
                        int(meta.get("followers", 1 << 62)), int(meta.get("rowid", 1 << 62)), BATCH)).fetchall()
                else:
                    rows = source.execute(sql["playlists_unfollowed_after"],
                                          (int(meta.get("rowid", 0)), BATCH)).fetchall()
                if rows:
                    self._add(conn, source, sql, rows, done)
                    done += len(rows)
                    meta.update(done=str(done), followers=str(rows[-1][1]), rowid=str(rows[-1][0]))
                else:
                    meta.update(phase="unfollowed", rowid="0") if meta["phase"] == "followed" \
                        else meta.update(phase="done")
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
                conn.commit()  # the batch and where it ended, together
                if progress:
                    progress("playlists", done, max(total, done))
        finally:
            conn.close()
        return self.status()

    @staticmethod
    def _add(conn: sqlite3.Connection, source: sqlite3.Connection, sql: dict[str, str],
             rows: list[tuple], first_rank: int) -> None:
        holds: list[tuple[int, int]] = []
        for offset, (rowid, _followers, name) in enumerate(rows):
            rank = first_rank + offset
            conn.execute("INSERT INTO ranked VALUES (?, ?)", (rank, rowid))
            conn.execute("INSERT INTO names (rowid, name) VALUES (?, ?)", (rank, space_out(name)))
            holds += ((t, rank) for (t,) in source.execute(sql["playlist_track_rowids"], (rowid,)))
        holds.sort()  # in key order, the batch's inserts walk the tree once instead of jumping
        conn.executemany("INSERT OR IGNORE INTO holds VALUES (?, ?)", holds)
