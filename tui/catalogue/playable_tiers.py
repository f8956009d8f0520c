"""A tier's playable tracks (local or fetchable), most popular first: what `P` lists in the
tiers screen.

What is playable is what the file index knows, which the catalogue cannot filter on: the
playable ids are read once, turned into rowids by the id index, their popularity read in
rowid order (a forward pass over the table, not a random read each: rowid_sets.py), and the tier's rows
written, sorted by SQLite (memory stays bounded however many files the mirror has), into a
sidecar table that is then read by position. The table is kept until the catalogue or the
file index changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.lists import MappedSource, RowSource
from tui.catalogue.records import Track
from tui.catalogue.rowid_sets import RowidSet, rowid_set, rows_in_batches
from tui.db import open_state_db, read_only_connections


class _Positions(RowSource[int]):
    def __init__(self, path: Path, table: str, size: int) -> None:
        self.table, self.size = table, size
        self._conns = read_only_connections(path)

    def count(self) -> int:
        return self.size

    def fetch(self, start: int, n: int) -> list[int]:
        return [r[0] for r in self._conns.get().execute(
            f"SELECT track_rowid FROM {self.table} WHERE i >= ? AND i < ? ORDER BY i", (start, start + n))]

    def close(self) -> None:
        self._conns.close_all()


def kept_list(db_path: Path, name: str, signature: str, build: Callable[[sqlite3.Connection], int]) -> int:
    """The size of the sidecar list `name`, built first (`build` writes its table and returns
    its size) when it is missing or was built for another signature; the signature row is
    written last, in the build's transaction, so a killed build is built again whole."""
    conn = open_state_db(db_path)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS playable_lists (name TEXT PRIMARY KEY, size INTEGER, "
                     "signature TEXT)")
        row = conn.execute("SELECT size, signature FROM playable_lists WHERE name = ?", (name,)).fetchone()
        if row is not None and row[1] == signature:
            return int(row[0])
        size = build(conn)
        conn.execute("INSERT OR REPLACE INTO playable_lists VALUES (?, ?, ?)", (name, size, signature))
        conn.commit()
        return size
    finally:
        conn.close()


def _kind(tier: str) -> str:
    return "vorbis" if tier == "vorbis" else "opus"


def _table(tier: str) -> str:
    return f"playable_{_kind(tier)}"


def playable_tier_tracks(catalogue: Catalogue, tier: str, playable_ids: Iterable[str], db_path: Path,
                         signature: str) -> MappedSource[int, Track]:
    table = _table(tier)
    size = kept_list(db_path, table, signature, lambda conn: _build(conn, catalogue, tier, playable_ids, signature))
    return MappedSource(_Positions(db_path, table, size), catalogue.tracks_by_rowids)


def playable_rowids(conn: sqlite3.Connection, catalogue: Catalogue, playable_ids: Iterable[str]) -> RowidSet:
    """The catalogue rowids of the playable ids: the id index alone (the ids come sorted, so it
    is read forward), never the table; `conn` sorts them if the bitmap cannot."""
    source = catalogue.conn()
    rowids = rowid_set(source, "tracks", conn)
    rowids.add_many(r[0] for r in rows_in_batches(source, catalogue.sql["track_rowids_by_ids"], playable_ids))
    return rowids


def _build(conn: sqlite3.Connection, catalogue: Catalogue, tier: str, playable_ids: Iterable[str],
           signature: str) -> int:
    """Both tiers' lists in one pass (the read is the cost; `t` then switches at once); the
    other tier's is recorded here, in the same transaction, and this one's size returned."""
    rows = rows_in_batches(catalogue.conn(), catalogue.sql["rowid_popularity_by_rowids"],
                         playable_rowids(conn, catalogue, playable_ids))
    conn.execute("DROP TABLE IF EXISTS playable_unsorted")
    conn.execute("CREATE TEMP TABLE playable_unsorted (vorbis INTEGER, popularity INTEGER, track_rowid INTEGER)")
    conn.executemany("INSERT INTO playable_unsorted VALUES (?, ?, ?)", ((pop > 0, pop, rowid) for rowid, pop in rows))
    sizes = {}
    for each in ("vorbis", "opus"):
        table = _table(each)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (i INTEGER PRIMARY KEY, track_rowid INTEGER NOT NULL)")
        conn.execute(f"INSERT INTO {table} (i, track_rowid) SELECT row_number() OVER "
                     "(ORDER BY popularity DESC, track_rowid) - 1, track_rowid FROM playable_unsorted "
                     "WHERE vorbis = ?", (each == "vorbis",))
        sizes[each] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # once, while building
    conn.execute("DROP TABLE playable_unsorted")
    other = "opus" if _kind(tier) == "vorbis" else "vorbis"
    conn.execute("INSERT OR REPLACE INTO playable_lists VALUES (?, ?, ?)", (_table(other), sizes[other], signature))
    return sizes[_kind(tier)]
