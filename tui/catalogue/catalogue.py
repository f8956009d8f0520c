"""Read-only access to the archive's metadata databases.

Every query here is served by an index the real schema has (tests run EXPLAIN
QUERY PLAN on each); none scans a large table. Connections are opened read-only
and immutable, one per thread, so background workers never share a cursor.
"""

from __future__ import annotations

import sqlite3
import struct
import threading
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.records import (
    Album,
    AlbumRef,
    Artist,
    ArtistRef,
    AudioFeatures,
    Discography,
    Image,
    LedgerEntry,
    ReplayGain,
    Track,
    TrackDetails,
)
from tui.catalogue.schema import (
    OPTIONAL_MAIN,
    REQUIRED_FEATURES,
    REQUIRED_LEDGER,
    REQUIRED_MAIN,
    REQUIRED_PLAYLISTS,
    Schema,
    check_required,
    read_columns,
)
from tui.errors import MirrorError
from tui.mirror.layout import FEATURES_DB, LEDGER_DB, MAIN_DB, PLAYLISTS_DB

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_DISCOGRAPHY_ROWS = 20_000  # "Various Artists" can appear on millions of albums
ISRC_SIBLINGS_LIMIT = 50
BATCH = 500  # SQLite's default host-parameter limit is far above this


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


@dataclass(frozen=True)
class CataloguePaths:
    main: Path
    features: Path | None = None
    ledger: Path | None = None
    playlists: Path | None = None

    @classmethod
    def from_databases(cls, dbs: dict[str, Path]) -> "CataloguePaths":
        if MAIN_DB not in dbs:
            raise MirrorError(f"no {MAIN_DB} found", "point --mirror at the metadata folder")
        return cls(dbs[MAIN_DB], dbs.get(FEATURES_DB), dbs.get(LEDGER_DB), dbs.get(PLAYLISTS_DB))


class Catalogue:
    """The metadata of the whole archive, as typed records."""

    def __init__(self, paths: CataloguePaths) -> None:
        self.paths = paths
        self.schema = Schema()
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        check_sqlite_file(paths.main, MAIN_DB)
        for p, label in ((paths.features, FEATURES_DB), (paths.ledger, LEDGER_DB),
                         (paths.playlists, PLAYLISTS_DB)):
            if p is not None:
                check_sqlite_file(p, label)
        conn = self.conn()  # validates the schema on first open
        self._validate(conn)
        self._build_sql()

    # -- connections ---------------------------------------------------------

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all_conns.append(conn)
        return conn

    def connect(self) -> sqlite3.Connection:
        """A new read-only connection (for a long-lived thread that owns it)."""
        return self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(sqlite_uri(self.paths.main), uri=True,
                                   check_same_thread=False)
            conn.execute("PRAGMA query_only = 1")
            for alias, path in (("af", self.paths.features), ("tf", self.paths.ledger),
                                ("pl", self.paths.playlists)):
                if path is not None:
                    conn.execute("ATTACH DATABASE ? AS " + alias, (sqlite_uri(path),))
        except sqlite3.DatabaseError as exc:
            raise MirrorError(f"cannot open the metadata databases ({exc})",
                              "check that the files are complete, unpacked SQLite files") from None
        return conn

    def signature(self) -> str:
        st = self.paths.main.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def close(self) -> None:
        with self._lock:
            for conn in self._all_conns:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all_conns.clear()
        self._local = threading.local()

    def interrupt_all(self) -> None:
        """Cancel whatever query any thread is running (stale searches)."""
        with self._lock:
            for conn in self._all_conns:
                conn.interrupt()

    @property
    def has_features(self) -> bool:
        return self.schema.has("af.track_audio_features")

    @property
    def has_ledger(self) -> bool:
        return self.schema.has("tf.track_files")

    @property
    def has_playlists(self) -> bool:
        return self.schema.has("pl.playlists")

    def _validate(self, conn: sqlite3.Connection) -> None:
        try:
            check_required(conn, "main", REQUIRED_MAIN, MAIN_DB, self.schema)
            for table in OPTIONAL_MAIN:
                cols = read_columns(conn, "main", table)
                if cols is not None:
                    self.schema.columns[table] = cols
            if self.paths.features:
                check_required(conn, "af", REQUIRED_FEATURES, FEATURES_DB, self.schema, "af.")
            if self.paths.ledger:
                check_required(conn, "tf", REQUIRED_LEDGER, LEDGER_DB, self.schema, "tf.")
            if self.paths.playlists:
                check_required(conn, "pl", REQUIRED_PLAYLISTS, PLAYLISTS_DB, self.schema, "pl.")
        except sqlite3.DatabaseError as exc:
            raise MirrorError(f"the metadata databases cannot be read ({exc})",
                              "the file is damaged or truncated; re-download or re-unpack it") from None

    # -- SQL, built once from the columns that exist ----------------------------

    def _build_sql(self) -> None:
        s = self.schema
        opt = s.optional
        self.track_columns = ", ".join([
            "rowid", "id", "name", "popularity", "duration_ms", "disc_number", "track_number",
            opt("tracks", "explicit"), opt("tracks", "external_id_isrc"), "album_rowid",
            opt("tracks", "preview_url"), opt("tracks", "external_id_ean"),
            opt("tracks", "external_id_upc"),
        ])
        album_cols = [
            "rowid", "id", "name", "album_type", "popularity", "release_date",
            opt("albums", "release_date_precision"), opt("albums", "total_tracks"),
            opt("albums", "label"), opt("albums", "external_id_upc"),
            opt("albums", "copyright_c"), opt("albums", "copyright_p"),
        ]
        artist_cols = ["rowid", "id", "name", "popularity", opt("artists", "followers_total")]
        sql: dict[str, str] = {
            "track_by_id": f"SELECT {self.track_columns} FROM tracks WHERE id = ?",
            "track_by_rowid": f"SELECT {self.track_columns} FROM tracks WHERE rowid = ?",
            "tracks_by_rowids": f"SELECT {self.track_columns} FROM tracks WHERE rowid IN ({{marks}})",
            "album_refs_by_rowids": "SELECT rowid, id, name, album_type, release_date FROM albums "
                                    "WHERE rowid IN ({marks})",
            "track_artists_by_track_rowids":
                "SELECT ta.track_rowid, a.rowid, a.id, a.name FROM track_artists AS ta "
                "JOIN artists AS a ON a.rowid = ta.artist_rowid "
                "WHERE ta.track_rowid IN ({marks}) ORDER BY ta.track_rowid, ta.rowid",
            "album_tracks": f"SELECT {self.track_columns} FROM tracks WHERE album_rowid = ? "
                            "ORDER BY disc_number, track_number, rowid",
            "artist_by_id": f"SELECT {', '.join(artist_cols)} FROM artists WHERE id = ?",
            "artist_by_rowid": f"SELECT {', '.join(artist_cols)} FROM artists WHERE rowid = ?",
            "artists_by_name_range": "SELECT rowid, id, name, popularity FROM artists "
                                     "WHERE name >= ? AND name < ? ORDER BY name, rowid LIMIT ?",
            "artists_page_after": "SELECT rowid, id, name, popularity FROM artists "
                                  "WHERE (name, rowid) > (?, ?) "
                                  "ORDER BY name, rowid LIMIT ?",
            "artist_discography":
                "SELECT aa.album_rowid, aa.is_appears_on, aa.is_implicit_appears_on, "
                "al.id, al.name, al.album_type, al.release_date FROM artist_albums AS aa "
                "JOIN albums AS al ON al.rowid = aa.album_rowid WHERE aa.artist_rowid = ? LIMIT ?",
            "album_by_id": f"SELECT {', '.join(album_cols)} FROM albums WHERE id = ?",
            "album_by_rowid": f"SELECT {', '.join(album_cols)} FROM albums WHERE rowid = ?",
            "albums_by_name_range": "SELECT rowid, id, name, popularity FROM albums "
                                    "WHERE name >= ? AND name < ? ORDER BY name, rowid LIMIT ?",
            "album_artists":
                "SELECT a.rowid, a.id, a.name FROM artist_albums AS aa "
                "JOIN artists AS a ON a.rowid = aa.artist_rowid "
                "WHERE aa.album_rowid = ? AND aa.index_in_album IS NOT NULL "
                "AND aa.is_appears_on = 0 AND aa.is_implicit_appears_on = 0 "
                "ORDER BY aa.index_in_album",
            "isrc_siblings": "SELECT rowid FROM tracks WHERE external_id_isrc = ? AND rowid != ? "
                             "LIMIT ?",
            "max_track_rowid": "SELECT max(rowid) FROM tracks",
            "tier_vorbis_first": "SELECT rowid FROM tracks WHERE popularity > 0 "
                                 "ORDER BY popularity DESC, rowid DESC LIMIT ?",
            "tier_vorbis_after": "SELECT rowid FROM tracks WHERE popularity > 0 AND "
                                 "(popularity, rowid) < (?, ?) ORDER BY popularity DESC, rowid DESC LIMIT ?",
            "tier_opus_after": "SELECT rowid FROM tracks WHERE popularity = 0 AND rowid > ? "
                               "ORDER BY rowid LIMIT ?",
            "popularity_level_count": "SELECT count(*) FROM tracks WHERE popularity = ?",
            "shuffle_probe": "SELECT popularity, id, album_rowid FROM tracks WHERE rowid = ?",
            "track_rowids_by_ids": "SELECT rowid FROM tracks WHERE id IN ({marks})",
        }
        if s.has("artist_genres"):
            sql["artist_genres"] = "SELECT genre FROM artist_genres WHERE artist_rowid = ?"
        if s.has("artist_images"):
            sql["artist_images"] = ("SELECT width, height, url FROM artist_images "
                                    "WHERE artist_rowid = ?")
        if s.has("album_images"):
            sql["album_images"] = "SELECT width, height, url FROM album_images WHERE album_rowid = ?"
        if self.has_features:
            f = "af.track_audio_features"
            fo = lambda c: opt(f, c)  # noqa: E731
            sql["audio_features"] = (
                "SELECT " + ", ".join(fo(c) for c in (
                    "tempo", "key", "mode", "time_signature", "danceability", "energy",
                    "loudness", "speechiness", "acousticness", "instrumentalness", "liveness",
                    "valence", "duration_ms")) +
                f" FROM {f} WHERE track_id = ? AND null_response = 0")
        if self.has_ledger:
            t = "tf.track_files"
            to = lambda c: opt(t, c)  # noqa: E731
            sql["ledger"] = (
                "SELECT status, " + ", ".join(to(c) for c in (
                    "reencoded_kbit_vbr", "sha256_with_embedded_meta", "sha256_original",
                    "filesize_bytes", "filename", "prefixed_ogg_packet", "original_title",
                    "version_title", "language_of_performance", "artist_roles", "licensor")) +
                f" FROM {t} WHERE track_id = ?")
        self.sql = sql

    def query_plans(self) -> dict[str, list[str]]:
        """EXPLAIN QUERY PLAN of every query above, for the index-usage test."""
        plans = {}
        conn = self.conn()
        for name, text in self.sql.items():
            text = text.replace("{marks}", "?,?,?")
            params = [None] * text.count("?")
            rows = conn.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
            plans[name] = [row[-1] for row in rows]
        return plans

    # -- tracks ----------------------------------------------------------------

    def max_track_rowid(self) -> int:
        return self.conn().execute(self.sql["max_track_rowid"]).fetchone()[0] or 0

    def track(self, track_id: str) -> Track | None:
        row = self.conn().execute(self.sql["track_by_id"], (track_id,)).fetchone()
        return self._hydrate([row])[0] if row else None

    def track_by_rowid(self, rowid: int) -> Track | None:
        row = self.conn().execute(self.sql["track_by_rowid"], (rowid,)).fetchone()
        return self._hydrate([row])[0] if row else None

    def tracks_by_rowids(self, rowids: Sequence[int]) -> list[Track]:
        """Tracks in the order given; rowids that do not exist are skipped."""
        rows_by_rowid: dict[int, tuple] = {}
        for chunk in _chunks(rowids, BATCH):
            q = self.sql["tracks_by_rowids"].format(marks=",".join("?" * len(chunk)))
            for row in self.conn().execute(q, chunk):
                rows_by_rowid[row[0]] = row
        ordered = [rows_by_rowid[r] for r in rowids if r in rows_by_rowid]
        return self._hydrate(ordered)

    def rowids_for_ids(self, track_ids: Sequence[str]) -> list[int]:
        """Catalogue rowids of these track ids (unknown ids are skipped), by tracks_id_unique."""
        rowids: list[int] = []
        for chunk in _chunks(list(track_ids), BATCH):
            q = self.sql["track_rowids_by_ids"].format(marks=",".join("?" * len(chunk)))
            rowids += [r[0] for r in self.conn().execute(q, chunk)]
        return rowids

    def tracks_by_ids(self, track_ids: Sequence[str]) -> dict[str, Track]:
        return {t.id: t for t in self.tracks_by_rowids(self.rowids_for_ids(track_ids))}

    def album_tracks(self, album_rowid: int) -> list[Track]:
        rows = self.conn().execute(self.sql["album_tracks"], (album_rowid,)).fetchall()
        return self._hydrate(rows)

    def isrc_siblings(self, track: Track) -> list[Track]:
        if not track.isrc:
            return []
        rowids = [r[0] for r in self.conn().execute(
            self.sql["isrc_siblings"], (track.isrc, track.rowid, ISRC_SIBLINGS_LIMIT))]
        siblings = self.tracks_by_rowids(rowids)
        siblings.sort(key=lambda t: (-t.popularity, t.rowid))
        return siblings

    def _hydrate(self, rows: list[tuple]) -> list[Track]:
        """Turn track rows into records with album and credited artists (3 queries)."""
        if not rows:
            return []
        conn = self.conn()
        album_rowids = list({r[9] for r in rows})
        albums: dict[int, AlbumRef] = {}
        for chunk in _chunks(album_rowids, BATCH):
            q = self.sql["album_refs_by_rowids"].format(marks=",".join("?" * len(chunk)))
            for rowid, id_, name, album_type, release_date in conn.execute(q, chunk):
                albums[rowid] = AlbumRef(rowid, id_, name, album_type, release_date)
        artists: dict[int, list[ArtistRef]] = {}
        track_rowids = [r[0] for r in rows]
        for chunk in _chunks(track_rowids, BATCH):
            q = self.sql["track_artists_by_track_rowids"].format(marks=",".join("?" * len(chunk)))
            for track_rowid, a_rowid, a_id, a_name in conn.execute(q, chunk):
                artists.setdefault(track_rowid, []).append(ArtistRef(a_rowid, a_id, a_name))
        out = []
        for (rowid, id_, name, pop, dur, disc, num, explicit, isrc, album_rowid, preview,
             ean, upc) in rows:
            album = albums.get(album_rowid) or AlbumRef(album_rowid, "", "")
            out.append(Track(rowid, id_, name, pop, dur, disc, num, bool(explicit), isrc or None,
                             album, tuple(artists.get(rowid, ())), preview, ean, upc))
        return out

    def track_details(self, track: Track) -> TrackDetails:
        genres: list[str] = []
        for artist in track.artists:
            for g in self.artist_genres(artist.rowid):
                if g not in genres:
                    genres.append(g)
        return TrackDetails(track, self.audio_features(track.id), self.ledger(track.id),
                            tuple(self.isrc_siblings(track)), tuple(genres))

    # -- audio features and ledger ---------------------------------------------

    def audio_features(self, track_id: str) -> AudioFeatures | None:
        if "audio_features" not in self.sql:
            return None
        row = self.conn().execute(self.sql["audio_features"], (track_id,)).fetchone()
        if row is None:
            return None
        tempo = float(row[0]) if row[0] is not None else None  # declared integer, stored REAL
        return AudioFeatures(tempo, *_ints(row[1:4]), *row[4:12], row[12])

    def ledger(self, track_id: str) -> LedgerEntry | None:
        if "ledger" not in self.sql:
            return None
        row = self.conn().execute(self.sql["ledger"], (track_id,)).fetchone()
        if row is None:
            return None
        (status, kbit, sha_meta, sha_orig, size, filename, packet, original_title,
         version_title, lang, roles, licensor) = row
        codec = None
        if status == "success":
            codec = "opus" if kbit not in (None, "") else "vorbis"
        return LedgerEntry(status, codec, kbit if kbit not in ("",) else None, sha_meta,
                           sha_orig, size, filename, parse_replaygain(packet), original_title,
                           version_title, lang, roles, licensor)

    # -- artists ---------------------------------------------------------------

    def _artist(self, row: tuple | None) -> Artist | None:
        if row is None:
            return None
        rowid, id_, name, pop, followers = row
        images = ()
        if "artist_images" in self.sql:
            images = tuple(Image(*r) for r in self.conn().execute(self.sql["artist_images"],
                                                                    (rowid,)))
        return Artist(rowid, id_, name, pop, followers, tuple(self.artist_genres(rowid)), images)

    def artist(self, artist_id: str) -> Artist | None:
        return self._artist(self.conn().execute(self.sql["artist_by_id"], (artist_id,)).fetchone())

    def artist_by_rowid(self, rowid: int) -> Artist | None:
        return self._artist(self.conn().execute(self.sql["artist_by_rowid"], (rowid,)).fetchone())

    def artist_genres(self, artist_rowid: int) -> list[str]:
        if "artist_genres" not in self.sql:
            return []
        return [r[0] for r in self.conn().execute(self.sql["artist_genres"], (artist_rowid,))]

    def artists_by_prefix(self, prefix: str, limit: int = 50) -> list[tuple[int, str, str, int]]:
        """(rowid, id, name, popularity) of artists whose name starts with `prefix`.

        Served by the `artists_name` index (binary collation), so it tries the
        prefix as typed and in its common capitalisations.
        """
        return self._by_prefix("artists_by_name_range", prefix, limit)

    def albums_by_prefix(self, prefix: str, limit: int = 50) -> list[tuple[int, str, str, int]]:
        return self._by_prefix("albums_by_name_range", prefix, limit)

    def _by_prefix(self, query: str, prefix: str, limit: int) -> list[tuple[int, str, str, int]]:
        if not prefix:
            return []
        seen: dict[int, tuple] = {}
        variants = dict.fromkeys([prefix, prefix[:1].upper() + prefix[1:], prefix.title(),
                                  prefix.lower(), prefix.upper()])
        for variant in variants:
            for row in self.conn().execute(self.sql[query], (variant, variant + "\U0010ffff",
                                                             limit)):
                seen.setdefault(row[0], row)
        rows = sorted(seen.values(), key=lambda r: (-r[3], r[2]))
        return rows[:limit]

    def artists_page(self, after_name: str | None, after_rowid: int, limit: int
                     ) -> list[tuple[int, str, str, int]]:
        """Keyset page of all artists by name (never OFFSET)."""
        if after_name is None:
            return self.conn().execute(self.sql["artists_by_name_range"],
                                       ("", "\U0010ffff", limit)).fetchall()
        return self.conn().execute(self.sql["artists_page_after"],
                                   (after_name, after_rowid, limit)).fetchall()

    def discography(self, artist_rowid: int) -> Discography:
        rows = self.conn().execute(self.sql["artist_discography"],
                                   (artist_rowid, MAX_DISCOGRAPHY_ROWS + 1)).fetchall()
        truncated = len(rows) > MAX_DISCOGRAPHY_ROWS
        groups: dict[str, dict[int, AlbumRef]] = {
            "album": {}, "single": {}, "compilation": {}, "appears_on": {}}
        own: set[int] = set()
        for album_rowid, appears, implicit, id_, name, album_type, release in rows:
            if not appears and not implicit:
                own.add(album_rowid)
        for album_rowid, appears, implicit, id_, name, album_type, release in rows:
            ref = AlbumRef(album_rowid, id_, name, album_type, release)
            if album_rowid in own:
                key = album_type if album_type in ("album", "single", "compilation") else "album"
            else:
                key = "appears_on"
            groups[key].setdefault(album_rowid, ref)

        def newest_first(d: dict[int, AlbumRef]) -> tuple[AlbumRef, ...]:
            return tuple(sorted(d.values(), key=lambda a: (a.release_date, a.rowid), reverse=True))

        return Discography(newest_first(groups["album"]), newest_first(groups["single"]),
                           newest_first(groups["compilation"]), newest_first(groups["appears_on"]),
                           truncated)

    # -- albums ----------------------------------------------------------------

    def _album(self, row: tuple | None) -> Album | None:
        if row is None:
            return None
        conn = self.conn()
        (rowid, id_, name, album_type, pop, release, precision, total, label, upc, c_c,
         c_p) = row
        artists = tuple(ArtistRef(*r) for r in conn.execute(self.sql["album_artists"], (rowid,)))
        images: tuple[Image, ...] = ()
        if "album_images" in self.sql:
            images = tuple(sorted((Image(*r) for r in conn.execute(self.sql["album_images"],
                                                                     (rowid,))),
                                  key=lambda i: -i.width))
        return Album(rowid, id_, name, album_type, pop, release, precision, total, label, upc,
                     c_c, c_p, artists, images)

    def album(self, album_id: str) -> Album | None:
        return self._album(self.conn().execute(self.sql["album_by_id"], (album_id,)).fetchone())

    def album_by_rowid(self, rowid: int) -> Album | None:
        return self._album(self.conn().execute(self.sql["album_by_rowid"], (rowid,)).fetchone())


def parse_replaygain(packet: bytes | None) -> ReplayGain | None:
    """ReplayGain floats (little-endian float32) at offsets 144/148/152/156 of the packet."""
    if not isinstance(packet, (bytes, bytearray)) or len(packet) < 160:
        return None
    track_gain, track_peak, album_gain, album_peak = struct.unpack_from("<4f", packet, 144)
    values = (track_gain, track_peak, album_gain, album_peak)
    if any(v != v or abs(v) > 1e4 for v in values):  # NaN or nonsense: not a gain block
        return None
    return ReplayGain(*values)


def _ints(values: Iterable) -> list[int | None]:
    return [int(v) if v is not None else None for v in values]


def _chunks(seq: Sequence, size: int):
    for i in range(0, len(seq), size):
        yield list(seq[i:i + size])
