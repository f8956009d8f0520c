"""The artists with something that can play (a local or fetchable track on one of their
releases): what the library's artists pane lists under `P`.

As with the playable tiers, what can play is the file index's to say: the playable ids are
read once, the artists of their albums looked up in batches (the albums an artist's
discography shows, so every artist listed has a release `P` keeps), and the artists'
rows written in the catalogue's own name order into a sidecar table read by position. It
is kept until the catalogue or the file index changes; the artists pane never scans.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.lists import RowSource
from tui.catalogue.playable_tiers import batches, kept_list, marks
from tui.catalogue.records import NamedHit
from tui.db import read_only_connections

TABLE = "playable_artists"
ARTISTS_OF_TRACKS = ("SELECT DISTINCT aa.artist_rowid FROM tracks AS t "
                     "JOIN artist_albums AS aa ON aa.album_rowid = t.album_rowid WHERE t.id IN ({marks})")
ARTISTS = "SELECT rowid, id, name, popularity FROM artists WHERE rowid IN ({marks})"
COLUMNS = "artist_rowid, id, name, popularity"


class PlayableArtists(RowSource[NamedHit]):
    """The sidecar's rows by position, and where a name or an artist sits among them."""

    def __init__(self, path: Path, size: int) -> None:
        self.size = size
        self._conns = read_only_connections(path)

    def count(self) -> int:
        return self.size

    def fetch(self, start: int, n: int) -> list[NamedHit]:
        return [NamedHit(*r) for r in self._conns.get().execute(
            f"SELECT {COLUMNS} FROM {TABLE} WHERE i >= ? AND i < ? ORDER BY i", (start, start + n))]

    def position_of(self, key: tuple, matches: Callable[[NamedHit], bool]) -> int | None:
        """The position of the first row at or after the (name, rowid) key, if it matches."""
        name, rowid = key
        row = self._conns.get().execute(
            f"SELECT i, {COLUMNS} FROM {TABLE} WHERE name > ? OR (name = ? AND artist_rowid >= ?) "
            "ORDER BY name, artist_rowid LIMIT 1", (name, name, rowid)).fetchone()
        return row[0] if row is not None and matches(NamedHit(*row[1:])) else None

    def close(self) -> None:
        self._conns.close_all()


def playable_artists(catalogue: Catalogue, playable_ids: Iterable[str], db_path: Path,
                     signature: str) -> PlayableArtists:
    """The playable artists' list, built first when the catalogue or the files changed (seconds
    at 10^7 playable files: call it off the UI thread)."""
    size = kept_list(db_path, TABLE, signature, lambda conn: _build(conn, catalogue, playable_ids))
    return PlayableArtists(db_path, size)


def _build(conn: sqlite3.Connection, catalogue: Catalogue, playable_ids: Iterable[str]) -> int:
    source = catalogue.conn()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS artist_rowids (artist_rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM artist_rowids")
    for batch in batches(playable_ids):
        rows = source.execute(marks(ARTISTS_OF_TRACKS, len(batch)), batch).fetchall()
        conn.executemany("INSERT OR IGNORE INTO artist_rowids VALUES (?)", rows)
    conn.execute("DROP TABLE IF EXISTS artists_unsorted")
    conn.execute("CREATE TEMP TABLE artists_unsorted (artist_rowid INTEGER, id TEXT, name TEXT, popularity INTEGER)")
    rowids = (r[0] for r in conn.execute("SELECT artist_rowid FROM artist_rowids"))  # streamed, not held
    for chunk in batches(rowids):
        found = source.execute(marks(ARTISTS, len(chunk)), chunk).fetchall()
        conn.executemany("INSERT INTO artists_unsorted VALUES (?, ?, ?, ?)", found)
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"CREATE TABLE {TABLE} (i INTEGER PRIMARY KEY, artist_rowid INTEGER, id TEXT, name TEXT, "
                 "popularity INTEGER)")
    conn.execute(f"INSERT INTO {TABLE} (i, {COLUMNS}) SELECT row_number() OVER (ORDER BY name, artist_rowid) - 1, "
                 f"{COLUMNS} FROM artists_unsorted")  # the catalogue's own order: name, then rowid
    conn.execute(f"CREATE INDEX {TABLE}_name ON {TABLE}(name, artist_rowid)")
    size = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]  # once, while building
    conn.execute("DROP TABLE artists_unsorted")
    conn.execute("DROP TABLE artist_rowids")
    return size
