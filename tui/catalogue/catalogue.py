"""Read-only access to the archive's metadata databases.

Every query here is served by an index the real schema has (tests run EXPLAIN
QUERY PLAN on each); none scans a large table. Connections are opened read-only
and immutable, one per thread, so background workers never share a cursor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from tui.catalogue import queries, typed
from tui.catalogue import rows as rows_
from tui.catalogue.databases import CataloguePaths, check_sqlite_file, open_readonly
from tui.catalogue.lists import AnchoredSource, MappedSource
from tui.catalogue.queries import LISTINGS
from tui.catalogue.records import (
    Album,
    AlbumRef,
    Artist,
    ArtistRef,
    AudioFeatures,
    Discography,
    Image,
    LedgerEntry,
    NamedHit,
    Tier,
    Track,
    TrackDetails,
    parse_replaygain,
)
from tui.catalogue.schema import (
    FEATURES_DB,
    LEDGER_DB,
    MAIN_DB,
    OPTIONAL_MAIN,
    PLAYLISTS_DB,
    REQUIRED_FEATURES,
    REQUIRED_LEDGER,
    REQUIRED_MAIN,
    REQUIRED_PLAYLISTS,
    Schema,
    check_required,
    read_columns,
)
from tui.db import PerThread
from tui.errors import MirrorError

MAX_DISCOGRAPHY_ROWS = 20_000  # "Various Artists" can appear on millions of albums
ISRC_SIBLINGS_LIMIT = 50
BATCH = 500  # SQLite's default host-parameter limit is far above this


class Catalogue:
    """The metadata of the whole archive, as typed records."""

    def __init__(self, paths: CataloguePaths) -> None:
        self.paths = paths
        self.schema = Schema()
        self._conns = PerThread(self._open)
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
        """This thread's read-only connection."""
        return self._conns.get()

    def connect(self) -> sqlite3.Connection:
        """A new read-only connection (for a long-lived thread that owns it)."""
        return self._open()

    def _open(self) -> sqlite3.Connection:
        return open_readonly(self.paths)

    def signature(self, path: Path | None = None) -> str:
        """Changes whenever the catalogue file (or another of its databases) does: the key of
        every cache built from it."""
        st = (path or self.paths.main).stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def close(self) -> None:
        self._conns.close_all()

    def interrupt_all(self) -> None:
        """Cancel whatever query any thread is running."""
        self._conns.interrupt_all()

    def interrupt_threads(self, idents: set[int]) -> None:
        """Cancel the queries of these threads only (a search gone stale)."""
        self._conns.interrupt_threads(idents)

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

    def _build_sql(self) -> None:
        self.track_columns = queries.track_columns(self.schema)
        self.sql = queries.build(self.schema, self.has_features, self.has_ledger, self.has_playlists)

    def query_plans(self) -> dict[str, list[str]]:
        """EXPLAIN QUERY PLAN of every query above, for the index-usage test."""
        plans = {}
        conn = self.conn()
        for name, text in self.sql.items():
            text = text.replace("{marks}", "?,?,?")
            params: list | dict = [None] * text.count("?")
            if ":limit" in text:
                params = {"k1": None, "k2": None, "limit": None}
            rows = conn.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
            plans[name] = [row[-1] for row in rows]
        return plans

    # -- tracks ----------------------------------------------------------------

    def max_track_rowid(self) -> int:
        return self.conn().execute(self.sql["max_track_rowid"]).fetchone()[0] or 0

    def max_rowids(self) -> dict[str, int]:
        """The highest rowid of tracks, artists and albums (what an index has covered)."""
        conn = self.conn()
        return {kind: conn.execute(self.sql[f"max_{kind}_rowid"]).fetchone()[0] or 0
                for kind in ("track", "artist", "album")}

    def track(self, track_id: str) -> Track | None:
        row = self.conn().execute(self.sql["track_by_id"], (track_id,)).fetchone()
        return next(iter(self._hydrate([row])), None) if row else None

    def track_facts(self, track_id: str) -> tuple[int, int] | None:
        """(duration in ms, popularity) without building the record (integrity sweeps)."""
        row = self.conn().execute(self.sql["track_facts"], (track_id,)).fetchone()
        return (row[0] or 0, row[1] or 0) if row else None

    def track_by_rowid(self, rowid: int) -> Track | None:
        row = self.conn().execute(self.sql["track_by_rowid"], (rowid,)).fetchone()
        return next(iter(self._hydrate([row])), None) if row else None

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

    def popularity_by_ids(self, track_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(list(track_ids), BATCH):
            q = self.sql["popularity_by_ids"].format(marks=",".join("?" * len(chunk)))
            out.update(self.conn().execute(q, chunk).fetchall())  # fetchall: rows in C, not one guarded step each
        return out

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
                albums[rowid] = rows_.album_ref(rowid, id_, name, album_type, release_date)
        artists: dict[int, list[ArtistRef]] = {}
        track_rowids = [r[0] for r in rows]
        for chunk in _chunks(track_rowids, BATCH):
            q = self.sql["track_artists_by_track_rowids"].format(marks=",".join("?" * len(chunk)))
            for track_rowid, a_rowid, a_id, a_name in conn.execute(q, chunk):
                artists.setdefault(track_rowid, []).append(rows_.artist_ref(a_rowid, a_id, a_name))
        made = (rows_.track(row, albums, artists) for row in rows)
        return [t for t in made if t is not None]

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
        key, mode, time_signature = _ints(row[1:4])
        danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness, valence = row[4:12]
        return AudioFeatures(tempo, key, mode, time_signature, danceability, energy, loudness, speechiness,
                             acousticness, instrumentalness, liveness, valence, row[12])

    def ledger(self, track_id: str) -> LedgerEntry | None:
        if "ledger" not in self.sql:
            return None
        row = self.conn().execute(self.sql["ledger"], (track_id,)).fetchone()
        if row is None:
            return None
        (status, kbit, sha_meta, sha_orig, size, filename, packet, original_title,
         version_title, lang, roles, licensor) = row
        codec: Tier | None = None
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
        a = "artists"
        name, pop = typed.text(name, a, "name", id_), typed.integer(pop, a, "popularity", id_)
        followers = typed.integer(followers, a, "followers_total", id_)
        images: tuple[Image, ...] = ()
        if "artist_images" in self.sql:
            images = tuple(rows_.image(r, "artist_images", rowid)
                           for r in self.conn().execute(self.sql["artist_images"], (rowid,)))
        return Artist(rowid, id_, name, pop, followers, tuple(self.artist_genres(rowid)), images)

    def artist(self, artist_id: str) -> Artist | None:
        return self._artist(self.conn().execute(self.sql["artist_by_id"], (artist_id,)).fetchone())

    def artist_by_rowid(self, rowid: int) -> Artist | None:
        return self._artist(self.conn().execute(self.sql["artist_by_rowid"], (rowid,)).fetchone())

    def artist_genres(self, artist_rowid: int) -> list[str]:
        if "artist_genres" not in self.sql:
            return []
        return [r[0] for r in self.conn().execute(self.sql["artist_genres"], (artist_rowid,))]

    def has_genre(self, genre: str) -> bool | None:
        """Whether any artist has this genre (None: this catalogue has no genres at all)."""
        if "genre_exists" not in self.sql:
            return None
        return self.conn().execute(self.sql["genre_exists"], (genre,)).fetchone() is not None

    def artists_by_prefix(self, prefix: str, limit: int = 50) -> list[NamedHit]:
        """(rowid, id, name, popularity) of artists whose name starts with `prefix`.

        Served by the `artists_name` index (binary collation), so it tries the
        prefix as typed and in its common capitalisations.
        """
        return self._by_prefix("artists_by_name_range", prefix, limit)

    def albums_by_prefix(self, prefix: str, limit: int = 50) -> list[NamedHit]:
        return self._by_prefix("albums_by_name_range", prefix, limit)

    def _by_prefix(self, query: str, prefix: str, limit: int) -> list[NamedHit]:
        if not prefix:
            return []
        seen: dict[int, NamedHit] = {}
        variants = dict.fromkeys([prefix, prefix[:1].upper() + prefix[1:], prefix.title(),
                                  prefix.lower(), prefix.upper()])
        for variant in variants:
            for row in self.conn().execute(self.sql[query], (variant, variant + "\U0010ffff",
                                                             limit)):
                seen.setdefault(row[0], rows_.named_hit(row, query.partition("_")[0]))
        rows = sorted(seen.values(), key=lambda r: (-r.popularity, r.name))
        return rows[:limit]

    def artists_page(self, after_name: str | None, after_rowid: int, limit: int) -> list[NamedHit]:
        """Keyset page of all artists by name (never OFFSET)."""
        if after_name is None:
            rows = self.conn().execute(self.sql["artists.first"], {"limit": limit})
        else:
            rows = self.conn().execute(self.sql["artists.after"],
                                       {"k1": after_name, "k2": after_rowid, "limit": limit})
        return [rows_.named_hit(r, "artists") for r in rows]

    def named_by_rowids(self, kind: str, rowids: Sequence[int]) -> list[NamedHit]:
        """Artists or albums (kind) by rowid, in no particular order (search results)."""
        query = self.sql["artists_by_rowids" if kind == "artist" else "albums_by_rowids"]
        out: list[NamedHit] = []
        for chunk in _chunks(list(rowids), BATCH):
            out += [rows_.named_hit(r, f"{kind}s") for r in self.conn().execute(
                query.format(marks=",".join("?" * len(chunk))), chunk)]
        return out

    # -- long sorted lists, by position ---------------------------------------------

    def artists_by_name(self, anchors: Path | None = None,
                        on_grow: Callable[[], None] | None = None) -> AnchoredSource[NamedHit]:
        """Every artist sorted by name, readable by position (the library's first pane)."""
        return AnchoredSource(self.connect, LISTINGS["artists"], lambda r: rows_.named_hit(r, "artists"),
                              anchors, self.signature(), on_grow)

    def tier_tracks(self, tier: str, anchors: Path | None = None,
                    on_grow: Callable[[], None] | None = None) -> MappedSource[int, Track]:
        """A tier's tracks, most popular first (the Opus tier in rowid order)."""
        rowids: AnchoredSource[int] = AnchoredSource(self.connect, LISTINGS[f"tier-{tier}"], lambda r: r[0],
                                                     anchors, self.signature(), on_grow)
        return MappedSource(rowids, self.tracks_by_rowids)

    def discography(self, artist_rowid: int) -> Discography:
        rows = self.conn().execute(self.sql["artist_discography"],
                                   (artist_rowid, MAX_DISCOGRAPHY_ROWS + 1)).fetchall()
        truncated = len(rows) > MAX_DISCOGRAPHY_ROWS
        return Discography.from_rows(rows_.discography_rows(rows[:MAX_DISCOGRAPHY_ROWS]), truncated)

    # -- albums ----------------------------------------------------------------

    def _album(self, row: tuple | None) -> Album | None:
        if row is None:
            return None
        conn = self.conn()
        rowid = row[0]
        artists = tuple(rows_.artist_ref(*r) for r in conn.execute(self.sql["album_artists"], (rowid,)))
        images: tuple[Image, ...] = ()
        if "album_images" in self.sql:
            images = tuple(sorted((rows_.image(r, "album_images", rowid)
                                   for r in conn.execute(self.sql["album_images"], (rowid,))),
                                  key=lambda i: -i.width))
        return rows_.album(row, artists, images)

    def album(self, album_id: str) -> Album | None:
        return self._album(self.conn().execute(self.sql["album_by_id"], (album_id,)).fetchone())

    def album_by_rowid(self, rowid: int) -> Album | None:
        return self._album(self.conn().execute(self.sql["album_by_rowid"], (rowid,)).fetchone())


def _ints(values: Iterable) -> list[int | None]:
    return [int(v) if v is not None else None for v in values]


def _chunks(seq: Sequence, size: int) -> Iterator[list]:
    for i in range(0, len(seq), size):
        yield list(seq[i:i + size])

