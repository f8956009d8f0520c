"""The artists with something that can play (a local or fetchable track on one of their
releases): what the library's artists pane lists under `P`.

As with the playable tiers, what can play is the file index's to say: the playable ids are
read once, the artists of their albums looked up (the albums an artist's discography
shows, so every artist listed has a release `P` keeps), each step in the rowid order of the
table it reads (rowid_sets.py), and the artists'
rows written in the catalogue's own name order into a sidecar table read by position. It
is kept until the catalogue or the file index changes; the artists pane never scans.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.lists import RowSource
from tui.catalogue.playable_tiers import kept_list, playable_rowids
from tui.catalogue.records import NamedHit
from tui.catalogue.rowid_sets import rowid_set, rows_in_batches
from tui.db import read_only_connections

TABLE = "playable_artists"
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
    # track rowids -> their albums -> those albums' artist_albums rows -> their artists: each
    # step read in the rowid order of the table it reads (rowid_sets.py), so none is random
    source, sql = catalogue.conn(), catalogue.sql
    tracks = playable_rowids(conn, catalogue, playable_ids)
    albums = rowid_set(source, "albums", conn)
    albums.add_many(r[0] for r in rows_in_batches(source, sql["album_rowids_by_track_rowids"], tracks))
    links = rowid_set(source, "artist_albums", conn)
    links.add_many(r[0] for r in rows_in_batches(source, sql["artist_album_rowids_by_albums"], albums))
    artists = rowid_set(source, "artists", conn)
    artists.add_many(r[0] for r in rows_in_batches(source, sql["artist_rowids_by_artist_album_rowids"], links))
    conn.execute("DROP TABLE IF EXISTS artists_unsorted")
    conn.execute("CREATE TEMP TABLE artists_unsorted (artist_rowid INTEGER, id TEXT, name TEXT, popularity INTEGER)")
    conn.executemany("INSERT INTO artists_unsorted VALUES (?, ?, ?, ?)",
                     rows_in_batches(source, sql["artists_by_rowids"], artists))
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"CREATE TABLE {TABLE} (i INTEGER PRIMARY KEY, artist_rowid INTEGER, id TEXT, name TEXT, "
                 "popularity INTEGER)")
    conn.execute(f"INSERT INTO {TABLE} (i, {COLUMNS}) SELECT row_number() OVER (ORDER BY name, artist_rowid) - 1, "
                 f"{COLUMNS} FROM artists_unsorted")  # the catalogue's own order: name, then rowid
    conn.execute(f"CREATE INDEX {TABLE}_name ON {TABLE}(name, artist_rowid)")
    size = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]  # once, while building
    conn.execute("DROP TABLE artists_unsorted")
    return size
