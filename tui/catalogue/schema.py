"""What longtail needs from each metadata database, checked at open time.

Real copies differ (for example `tracks.external_id_ean` exists in the blog's DDL
but not in copies read from the real file), so the columns are read with
`PRAGMA table_info` and queries select only what exists.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from tui.errors import SchemaError

# The archive's metadata databases, by file name (the mirror finds them by these names).
MAIN_DB = "spotify_clean.sqlite3"
FEATURES_DB = "spotify_clean_audio_features.sqlite3"
LEDGER_DB = "spotify_clean_track_files.sqlite3"
PLAYLISTS_DB = "spotify_clean_playlists.sqlite3"
DATABASE_NAMES = (MAIN_DB, FEATURES_DB, LEDGER_DB, PLAYLISTS_DB)

# table -> columns longtail cannot work without
REQUIRED_MAIN: dict[str, set[str]] = {
    "tracks": {"rowid", "id", "name", "album_rowid", "track_number", "disc_number",
               "popularity", "duration_ms"},
    "albums": {"rowid", "id", "name", "album_type", "popularity", "release_date"},
    "artists": {"rowid", "id", "name", "popularity"},
    "track_artists": {"track_rowid", "artist_rowid"},
    "artist_albums": {"artist_rowid", "album_rowid", "is_appears_on",
                      "is_implicit_appears_on", "index_in_album"},
}
OPTIONAL_MAIN = ("artist_genres", "album_images", "artist_images", "available_markets")

REQUIRED_FEATURES = {"track_audio_features": {"track_id", "null_response"}}
REQUIRED_LEDGER = {"track_files": {"track_id", "status"}}
REQUIRED_PLAYLISTS = {"playlists": {"rowid", "id", "name"},
                      "playlist_tracks": {"playlist_rowid", "position", "track_rowid"}}

# Tables whose full scan is unacceptable on the UI path (tens of millions of rows or more).
LARGE_TABLES = frozenset({
    "tracks", "albums", "artists", "track_artists", "artist_albums", "artist_genres",
    "album_images", "artist_images", "track_audio_features", "track_files",
    "playlist_tracks", "playlists",
})


@dataclass
class Schema:
    """Columns present per table, keyed as `schema.table` (main tables unprefixed)."""

    columns: dict[str, set[str]] = field(default_factory=dict)

    def has(self, table: str, column: str | None = None) -> bool:
        cols = self.columns.get(table)
        if cols is None:
            return False
        return column is None or column in cols

    def optional(self, table: str, column: str, alias: str | None = None,
                 prefix: str = "") -> str:
        """`prefix.column` when present, else `NULL` (with the same result name)."""
        name = alias or column
        if self.has(table, column):
            return f"{prefix}{column} AS {name}" if (prefix or alias) else column
        return f"NULL AS {name}"


def read_columns(conn: sqlite3.Connection, schema_name: str, table: str) -> set[str] | None:
    rows = conn.execute(f"PRAGMA {schema_name}.table_info({table})").fetchall()
    if not rows:
        return None
    return {row[1] for row in rows}


def check_required(conn: sqlite3.Connection, schema_name: str, required: dict[str, set[str]],
                   file_label: str, schema: Schema, key_prefix: str = "") -> None:
    for table, needed in required.items():
        cols = read_columns(conn, schema_name, table)
        if cols is None:
            raise SchemaError(
                f"{file_label} has no table {table!r}; it is not the archive's database",
                "point --mirror at a mirror of annas_archive_spotify_2025_07_metadata",
            )
        missing = sorted(needed - cols)
        if missing:
            raise SchemaError(
                f"{file_label}: table {table!r} lacks column(s) {', '.join(missing)}",
                "this copy differs from the archive's schema; re-download or re-unpack it",
            )
        schema.columns[key_prefix + table] = cols
