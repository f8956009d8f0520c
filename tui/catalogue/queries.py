"""Every SQL statement longtail runs against the archive's databases, by name.

Built once from the columns that exist (`PRAGMA table_info`), so a copy without
`tracks.external_id_ean` still works. `Catalogue.query_plans()` runs EXPLAIN
QUERY PLAN over all of them and the tests fail on a scan of a large table; that
is why lists, tiers, shuffle and search keep their SQL here rather than beside
their logic. `{marks}` stands for a list of `?` placeholders.

Sorted lists served by position (`Listing`) are keyset queries from anchors:
`scan` reads only the ORDER BY keys (an index scan in the background), `first`
and `after` read a page from the start or after an anchor's key.
"""

from __future__ import annotations

import msgspec

from tui.catalogue.features import PROBE_COLUMNS
from tui.catalogue.schema import Schema


class Listing(msgspec.Struct, frozen=True):
    """A sorted list readable by position: its SQL, by purpose."""

    name: str
    scan: str  # SELECT key1, key2 ... ORDER BY the keys (every row, in order)
    first: str  # the first rows: {"limit"}
    after: str  # rows after a key: {"k1", "k2", "limit"}


def _listing(name: str, table: str, keys: tuple[str, str], columns: str, where: str,
             descending: bool = False, start: str | None = None) -> Listing:
    """`start`: a bound that only lets the first page (and the scan) begin with an index search;
    the pages after an anchor have their own bound, and a second one on the same column
    would make SQLite seek from the first and filter up to the anchor."""
    direction = "DESC" if descending else "ASC"
    k1, k2 = keys
    order = f"{k1} {direction}, {k2} {direction}"
    cmp = "<" if descending else ">"
    first_where = f"{where} AND {start}" if start else where
    base = f"SELECT {columns} FROM {table} WHERE {where}"
    # "After (k1, k2)" as two index seeks: the rest of k1's run, then the runs after it.
    # A row-value comparison `(k1, k2) > (?, ?)` would seek on k1 alone and walk the
    # whole run of equal k1 (200 M rows of popularity 0) to find k2.
    after = (f"SELECT * FROM ({base} AND {k1} = :k1 AND {k2} {cmp} :k2 ORDER BY {k2} {direction} "
             f"LIMIT :limit) UNION ALL SELECT * FROM ({base} AND {k1} {cmp} :k1 ORDER BY {order} "
             f"LIMIT :limit) LIMIT :limit")
    return Listing(name, f"SELECT {k1}, {k2} FROM {table} WHERE {first_where} ORDER BY {order}",
                   f"SELECT {columns} FROM {table} WHERE {first_where} ORDER BY {order} LIMIT :limit", after)


LISTINGS = {
    # `name >= ''` (every name) lets the first page start with an index search instead of a scan.
    "artists": _listing("artists", "artists", ("name", "rowid"), "rowid, id, name, popularity", "1",
                        start="name >= ''"),
    "tier-vorbis": _listing("tier-vorbis", "tracks", ("popularity", "rowid"), "rowid", "popularity > 0",
                            descending=True),
    "tier-opus": _listing("tier-opus", "tracks", ("popularity", "rowid"), "rowid", "popularity = 0"),
}


def track_columns(s: Schema) -> str:
    opt = s.optional
    return ", ".join([
        "rowid", "id", "name", "popularity", "duration_ms", "disc_number", "track_number",
        opt("tracks", "explicit"), opt("tracks", "external_id_isrc"), "album_rowid",
        opt("tracks", "preview_url"), opt("tracks", "external_id_ean"),
        opt("tracks", "external_id_upc"),
    ])


def build(s: Schema, has_features: bool, has_ledger: bool, has_playlists: bool = False) -> dict[str, str]:
    opt = s.optional
    tracks = track_columns(s)
    album_cols = ", ".join([
        "rowid", "id", "name", "album_type", "popularity", "release_date",
        opt("albums", "release_date_precision"), opt("albums", "total_tracks"),
        opt("albums", "label"), opt("albums", "external_id_upc"),
        opt("albums", "copyright_c"), opt("albums", "copyright_p"),
    ])
    artist_cols = ", ".join(["rowid", "id", "name", "popularity", opt("artists", "followers_total")])
    sql: dict[str, str] = {
        # tracks and their records
        "track_by_id": f"SELECT {tracks} FROM tracks WHERE id = ?",
        "track_by_rowid": f"SELECT {tracks} FROM tracks WHERE rowid = ?",
        "track_facts": "SELECT duration_ms, popularity FROM tracks WHERE id = ?",
        "tracks_by_rowids": f"SELECT {tracks} FROM tracks WHERE rowid IN ({{marks}})",
        "track_rowids_by_ids": "SELECT rowid FROM tracks WHERE id IN ({marks})",
        "album_refs_by_rowids": "SELECT rowid, id, name, album_type, release_date FROM albums "
                                "WHERE rowid IN ({marks})",
        "track_artists_by_track_rowids":
            "SELECT ta.track_rowid, a.rowid, a.id, a.name FROM track_artists AS ta "
            "JOIN artists AS a ON a.rowid = ta.artist_rowid "
            "WHERE ta.track_rowid IN ({marks}) ORDER BY ta.track_rowid, ta.rowid",
        "album_tracks": f"SELECT {tracks} FROM tracks WHERE album_rowid = ? "
                        "ORDER BY disc_number, track_number, rowid",
        "isrc_siblings": "SELECT rowid FROM tracks WHERE external_id_isrc = ? AND rowid != ? LIMIT ?",
        "max_track_rowid": "SELECT max(rowid) FROM tracks",
        "max_artist_rowid": "SELECT max(rowid) FROM artists",
        "max_album_rowid": "SELECT max(rowid) FROM albums",
        # artists and albums
        "artist_by_id": f"SELECT {artist_cols} FROM artists WHERE id = ?",
        "artist_by_rowid": f"SELECT {artist_cols} FROM artists WHERE rowid = ?",
        "artists_by_rowids": "SELECT rowid, id, name, popularity FROM artists WHERE rowid IN ({marks})",
        "artists_by_name_range": "SELECT rowid, id, name, popularity FROM artists "
                                 "WHERE name >= ? AND name < ? ORDER BY name, rowid LIMIT ?",
        "artist_discography":
            "SELECT aa.album_rowid, aa.is_appears_on, aa.is_implicit_appears_on, "
            "al.id, al.name, al.album_type, al.release_date FROM artist_albums AS aa "
            "JOIN albums AS al ON al.rowid = aa.album_rowid WHERE aa.artist_rowid = ? LIMIT ?",
        "album_by_id": f"SELECT {album_cols} FROM albums WHERE id = ?",
        "album_by_rowid": f"SELECT {album_cols} FROM albums WHERE rowid = ?",
        "albums_by_rowids": "SELECT rowid, id, name, popularity FROM albums WHERE rowid IN ({marks})",
        "albums_by_name_range": "SELECT rowid, id, name, popularity FROM albums "
                                "WHERE name >= ? AND name < ? ORDER BY name, rowid LIMIT ?",
        "album_artists":
            "SELECT a.rowid, a.id, a.name FROM artist_albums AS aa "
            "JOIN artists AS a ON a.rowid = aa.artist_rowid "
            "WHERE aa.album_rowid = ? AND aa.index_in_album IS NOT NULL "
            "AND aa.is_appears_on = 0 AND aa.is_implicit_appears_on = 0 "
            "ORDER BY aa.index_in_album",
        # tiers: counted once in the background through the popularity index, then cached
        "popularity_level_count": "SELECT count(*) FROM tracks WHERE popularity = ?",
        "popularity_zero_count_range": "SELECT count(*) FROM tracks WHERE popularity = 0 "
                                       "AND rowid > ? AND rowid <= ?",
        "popularity_below_range_count": "SELECT count(*) FROM tracks WHERE popularity < 0",
        "popularity_above_range_count": "SELECT count(*) FROM tracks WHERE popularity > 100",
        "popularity_by_ids": "SELECT id, popularity FROM tracks WHERE id IN ({marks})",
        "duration_of_ids": "SELECT sum(t.duration_ms) FROM json_each(?) AS j JOIN tracks AS t ON t.id = j.value",
        # the playable lists (rowid_sets.py): ids to rowids by the id index alone, then rows by rowid
        "rowid_popularity_by_rowids": "SELECT rowid, popularity FROM tracks WHERE rowid IN ({marks})",
        "album_rowids_by_track_rowids": "SELECT album_rowid FROM tracks WHERE rowid IN ({marks})",
        "artist_album_rowids_by_albums": "SELECT rowid FROM artist_albums WHERE album_rowid IN ({marks})",
        "artist_rowids_by_artist_album_rowids": "SELECT artist_rowid FROM artist_albums WHERE rowid IN ({marks})",
        # shuffle: one probe per draw; a sparse filter's set is listed once into a sidecar
        "shuffle_probe": "SELECT popularity, id, album_rowid FROM tracks WHERE rowid = ?",
        "album_release_date": "SELECT release_date FROM albums WHERE rowid = ?",
        "track_artist_rowids": "SELECT artist_rowid FROM track_artists WHERE track_rowid = ?",
        "popularity_range_rowids": "SELECT rowid FROM tracks WHERE popularity BETWEEN ? AND ?",
    }
    for listing in LISTINGS.values():
        sql[f"{listing.name}.scan"] = listing.scan
        sql[f"{listing.name}.first"] = listing.first
        sql[f"{listing.name}.after"] = listing.after
    if s.has("artist_genres"):
        sql["artist_genres"] = "SELECT genre FROM artist_genres WHERE artist_rowid = ?"
        sql["genre_track_rowids"] = (
            "SELECT DISTINCT ta.track_rowid FROM artist_genres AS g "
            "JOIN track_artists AS ta ON ta.artist_rowid = g.artist_rowid WHERE g.genre = ?")
        sql["genre_exists"] = "SELECT 1 FROM artist_genres WHERE genre = ? LIMIT 1"
    if s.has("artist_images"):
        sql["artist_images"] = "SELECT width, height, url FROM artist_images WHERE artist_rowid = ?"
    if s.has("album_images"):
        sql["album_images"] = "SELECT width, height, url FROM album_images WHERE album_rowid = ?"
    if has_features:
        f = "af.track_audio_features"
        sql["audio_features"] = (
            "SELECT " + ", ".join(_numeric(opt(f, c)) for c in (
                "tempo", "key", "mode", "time_signature", "danceability", "energy",
                "loudness", "speechiness", "acousticness", "instrumentalness", "liveness",
                "valence", "duration_ms")) +
            f" FROM {f} WHERE track_id = ? AND null_response = 0")
        # shuffle's feature filters and radio: one probe per candidate (null_response decides)
        sql["features_probe"] = ("SELECT " + ", ".join(_numeric(opt(f, c)) for c in PROBE_COLUMNS) +
                                 f" FROM {f} WHERE track_id = ?")
        # radio's vector sidecar: read once in rowid order; its rows name tracks by this rowid
        sql["features_scan"] = ("SELECT rowid, " + ", ".join(_numeric(opt(f, c)) for c in PROBE_COLUMNS[1:]) +
                                f" FROM {f} WHERE rowid > ? AND null_response = 0 ORDER BY rowid LIMIT ?")
        sql["features_track_ids"] = f"SELECT rowid, track_id FROM {f} WHERE rowid IN ({{marks}})"
        sql["features_max_rowid"] = f"SELECT max(rowid) FROM {f}"
    if has_ledger:
        t = "tf.track_files"
        sql["ledger"] = (
            "SELECT status, " + ", ".join(opt(t, c) for c in (
                "reencoded_kbit_vbr", "sha256_with_embedded_meta", "sha256_original",
                "filesize_bytes", "filename", "prefixed_ogg_packet", "original_title",
                "version_title", "language_of_performance", "artist_roles", "licensor")) +
            f" FROM {t} WHERE track_id = ?")
        sql["ledger_max_rowid"] = f"SELECT max(rowid) FROM {t}"
        sql["ledger_archived_by_tier"] = (
            f"SELECT t.popularity > 0, count(*) FROM {t} AS f JOIN tracks AS t ON t.id = f.track_id "
            "WHERE f.rowid > ? AND f.rowid <= ? AND f.status = 'success' GROUP BY 1")
    if has_playlists:
        hit = "rowid, id, name, owner_display_name, followers_total, tracks_total"
        sql["playlist_by_id"] = f"SELECT {hit}, description FROM pl.playlists WHERE id = ?"
        sql["playlists_by_rowids"] = f"SELECT {hit} FROM pl.playlists WHERE rowid IN ({{marks}})"
        # an empty query's answer, through the followers_total index (archive-format.md §6)
        sql["playlists_most_followed"] = (f"SELECT {hit} FROM pl.playlists WHERE followers_total IS NOT NULL "
                                          "ORDER BY followers_total DESC, rowid DESC LIMIT ?")
        sql["playlists_by_name_range"] = (f"SELECT {hit} FROM pl.playlists WHERE name >= ? AND name < ? "
                                          "ORDER BY name LIMIT ?")
        # clustered on (playlist_rowid, position): a playlist reads in order, page by page
        sql["playlist_entries"] = (
            "SELECT position, is_episode, is_local, track_rowid, id_if_not_in_tracks_table, "
            "name_if_is_local FROM pl.playlist_tracks WHERE playlist_rowid = ? AND position >= ? "
            "ORDER BY position LIMIT ?")
        sql["playlist_length"] = "SELECT max(position) + 1 FROM pl.playlist_tracks WHERE playlist_rowid = ?"
        # the reverse index's build: most-followed first, each playlist's tracks in one range
        # (followers, rowid) below the last one done; then those with no follower count
        sql["playlists_by_followers_after"] = (
            "SELECT rowid, followers_total, name FROM pl.playlists "
            "WHERE followers_total IS NOT NULL AND (followers_total, rowid) < (?, ?) "
            "ORDER BY followers_total DESC, rowid DESC LIMIT ?")
        sql["playlists_unfollowed_after"] = (
            "SELECT rowid, 0, name FROM pl.playlists WHERE followers_total IS NULL AND rowid > ? "
            "ORDER BY rowid LIMIT ?")
        sql["playlist_track_rowids"] = ("SELECT track_rowid FROM pl.playlist_tracks "
                                        "WHERE playlist_rowid = ? AND track_rowid IS NOT NULL")
        sql["playlists_max_rowid"] = "SELECT max(rowid) FROM pl.playlists"
    return sql


def _numeric(column: str) -> str:
    """An audio feature read as a number or NULL: text or a blob where a number belongs counts
    as that feature missing for that track (it ended radio and feature filters in tracebacks)."""
    if column.startswith("NULL AS "):
        return column
    return f"(CASE WHEN typeof({column}) IN ('integer', 'real') THEN {column} END) AS {column}"
