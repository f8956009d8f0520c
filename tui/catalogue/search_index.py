"""The sidecar full-text index (FTS5) over track, artist and album names.

Built into the state directory, never into the catalogue. Order of work, so
that search is useful within seconds:

1. popular tracks (popularity > 0, about a fifth of the catalogue), read through
   the `tracks_popularity` index, most popular first;
2. artists, then albums, in rowid order (sequential reads);
3. the long tail (popularity 0) in rowid order, which reads the 125 GB table
   sequentially instead of seeking around it.

Each batch and the cursor that records it commit in one transaction, so Ctrl-C
or kill -9 at any point loses at most one batch and the next run carries on.
All the text work happens inside SQLite (INSERT ... SELECT against the attached,
read-only catalogue); Python is called only for rows in spaceless scripts (CJK, Thai).

FTS rowids encode popularity: `(100 - popularity) << 40 | rowid`. Iterating
matches in rowid order therefore yields the most popular first, so a query with
LIMIT stops early instead of ranking every match.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.catalogue import Catalogue, sqlite_uri
from tui.catalogue.text import SPACELESS_GLOBS, space_out
from tui.errors import LongtailError

TOKENIZE = "unicode61 remove_diacritics 2"
PREFIX = "3"  # measured: "2 3" halves the build rate; 2-letter prefixes merge terms instead
POP_SHIFT = 40
ROWID_MASK = (1 << POP_SHIFT) - 1
POPULAR_BATCH = 20_000
RANGE_BATCH = 100_000
INDEX_VERSION = 1
PHASES = ("popular", "artists", "albums", "longtail", "done")


def fts_rowid_sql(pop: str, rowid: str) -> str:
    return f"(((100 - max(0, min(100, {pop}))) << {POP_SHIFT}) | {rowid})"


def decode_rowid(fts_rowid: int) -> tuple[int, int]:
    """(catalogue rowid, popularity) from an FTS rowid."""
    return fts_rowid & ROWID_MASK, 100 - (fts_rowid >> POP_SHIFT)


def text_sql(expr: str) -> str:
    """SQL for a name's index form; pure-ASCII rows (length in chars = in bytes) skip all checks."""
    globs = " OR ".join(f"{expr} GLOB '{g}'" for g in SPACELESS_GLOBS)
    return (f"(CASE WHEN length({expr}) = length(CAST({expr} AS BLOB)) THEN {expr} "
            f"WHEN {globs} THEN lt_space_out({expr}) ELSE {expr} END)")


@dataclass
class IndexStatus:
    exists: bool
    phase: str  # one of PHASES, or "absent"
    tracks: int
    artists: int
    albums: int
    complete: bool

    @property
    def note(self) -> str | None:
        if not self.exists:
            return "no search index yet (run `longtail index`): artist and album names by prefix only"
        if not self.complete:
            return (f"search index is still being built ({self.phase}): results cover the "
                    f"{self.tracks:,} tracks indexed so far")
        return None


def catalogue_signature(catalogue: Catalogue) -> dict[str, int]:
    st = catalogue.paths.main.stat()
    conn = catalogue.conn()
    return {
        "size": st.st_size, "mtime_ns": st.st_mtime_ns,
        "max_track": conn.execute("SELECT max(rowid) FROM tracks").fetchone()[0] or 0,
        "max_artist": conn.execute("SELECT max(rowid) FROM artists").fetchone()[0] or 0,
        "max_album": conn.execute("SELECT max(rowid) FROM albums").fetchone()[0] or 0,
    }


def _full_error(exc: sqlite3.Error, path: Path) -> LongtailError:
    text = str(exc)
    if "full" in text or "disk" in text:
        return LongtailError(f"the disk under {path.parent} is full; the search index build stopped",
                             "free some space and run `longtail index` again (it resumes); "
                             "browsing works without the index")
    return LongtailError(f"the search index {path} cannot be written ({text})",
                         "delete it and run `longtail index` again")


class SearchIndexBuilder:
    def __init__(self, catalogue: Catalogue, path: Path) -> None:
        self.catalogue = catalogue
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")
        conn.create_function("lt_space_out", 1, space_out, deterministic=True)
        conn.execute("ATTACH DATABASE ? AS cat", (sqlite_uri(self.catalogue.paths.main),))
        return conn

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.executescript(f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS build_state (key TEXT PRIMARY KEY, value);
            CREATE VIRTUAL TABLE IF NOT EXISTS track_fts USING fts5(
                name, artists, album, content='', columnsize=0, tokenize='{TOKENIZE}', prefix='{PREFIX}');
            CREATE VIRTUAL TABLE IF NOT EXISTS artist_fts USING fts5(
                name, content='', columnsize=0, tokenize='{TOKENIZE}', prefix='{PREFIX}');
            CREATE VIRTUAL TABLE IF NOT EXISTS album_fts USING fts5(
                name, content='', columnsize=0, tokenize='{TOKENIZE}', prefix='{PREFIX}');
            COMMIT;
        """)

    @staticmethod
    def _get(conn: sqlite3.Connection, key: str, default=None):
        row = conn.execute("SELECT value FROM build_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    @staticmethod
    def _set(conn: sqlite3.Connection, **values) -> None:
        conn.executemany("INSERT OR REPLACE INTO build_state (key, value) VALUES (?, ?)",
                         list(values.items()))

    def build(self, progress: Callable[[str, int, int], None] | None = None,
              histogram: dict[int, int] | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> IndexStatus:
        """Build or continue building; returns the status when done or stopped."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = self._connect()
            try:
                self._create(conn)
                self._check_signature(conn)
                self._run(conn, progress or (lambda *a: None), histogram, should_stop)
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            raise _full_error(exc, self.path) from None
        return read_status(self.path)

    def _check_signature(self, conn: sqlite3.Connection) -> None:
        sig = catalogue_signature(self.catalogue)
        old = {k: self._get(conn, "sig_" + k) for k in sig}
        version = self._get(conn, "version")
        if version is None or old["size"] is None:
            self._set(conn, version=INDEX_VERSION, phase=PHASES[0],
                      **{"sig_" + k: v for k, v in sig.items()})
            return
        if version != INDEX_VERSION or any(sig[k] < (old[k] or 0) for k in ("max_track", "max_artist", "max_album")):
            # A different catalogue, not a grown one: start over.
            conn.executescript("BEGIN; DELETE FROM track_fts; DELETE FROM artist_fts; "
                               "DELETE FROM album_fts; DELETE FROM build_state; COMMIT;")
            self._set(conn, version=INDEX_VERSION, phase=PHASES[0],
                      **{"sig_" + k: v for k, v in sig.items()})
            return
        if sig != old and self._get(conn, "phase") == "done":
            # The catalogue grew: index only what is new (rowids past the old maxima).
            self._set(conn, phase="append", append_from_track=old["max_track"],
                      append_from_artist=old["max_artist"], append_from_album=old["max_album"],
                      **{"sig_" + k: v for k, v in sig.items()})

    def _run(self, conn, progress, histogram, should_stop) -> None:
        started = time.perf_counter()
        while not should_stop():
            phase = self._get(conn, "phase")
            if phase == "popular":
                self._popular(conn, progress, histogram, should_stop)
            elif phase == "artists":
                self._by_range(conn, "artists", "artist_fts", "artists", progress, should_stop)
            elif phase == "albums":
                self._by_range(conn, "albums", "album_fts", "albums", progress, should_stop)
            elif phase == "longtail":
                self._longtail(conn, progress, should_stop)
            elif phase == "append":
                self._append(conn, progress, should_stop)
            else:
                break
        self._set(conn, seconds=float(self._get(conn, "seconds", 0.0)) + time.perf_counter() - started)

    def _insert_tracks(self, conn: sqlite3.Connection, where: str, params: tuple) -> int:
        # MATERIALIZED: the CASE in text_sql() names each column several times; without it
        # SQLite would re-run the correlated artists subquery for every mention.
        conn.execute(
            f"WITH src AS MATERIALIZED (SELECT {fts_rowid_sql('t.popularity', 't.rowid')} AS rid, "
            f"t.name AS n, (SELECT group_concat(a.name, ' / ') FROM cat.track_artists AS ta "
            f"JOIN cat.artists AS a ON a.rowid = ta.artist_rowid WHERE ta.track_rowid = t.rowid) AS ar, "
            f"al.name AS al FROM cat.tracks AS t LEFT JOIN cat.albums AS al ON al.rowid = t.album_rowid "
            f"WHERE {where}) "
            f"INSERT INTO track_fts (rowid, name, artists, album) "
            f"SELECT rid, {text_sql('n')}, {text_sql('ar')}, {text_sql('al')} FROM src", params)
        return conn.execute("SELECT changes()").fetchone()[0]

    def _bump(self, conn: sqlite3.Connection, key: str, n: int) -> None:
        conn.execute("INSERT INTO build_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                     "DO UPDATE SET value = value + excluded.value", (key, n))

    def _popular(self, conn, progress, histogram, should_stop) -> None:
        level = int(self._get(conn, "pop_level", 100))
        last = int(self._get(conn, "pop_last_rowid", 0))
        total = sum(v for k, v in (histogram or {}).items() if k > 0) or 0
        while level >= 1 and not should_stop():
            rowids = [r[0] for r in conn.execute(
                "SELECT rowid FROM cat.tracks WHERE popularity = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                (level, last, POPULAR_BATCH))]
            conn.execute("BEGIN")
            if rowids:
                n = self._insert_tracks(conn, "t.popularity = ? AND t.rowid BETWEEN ? AND ?",
                                        (level, rowids[0], rowids[-1]))
                self._bump(conn, "tracks", n)
                last = rowids[-1]
            if len(rowids) < POPULAR_BATCH:
                level, last = level - 1, 0
            self._set(conn, pop_level=level, pop_last_rowid=last)
            if level < 1:
                self._set(conn, phase="artists")
            conn.execute("COMMIT")
            progress("popular tracks", int(self._get(conn, "tracks", 0)), total)

    def _by_range(self, conn, table, fts, key, progress, should_stop, upto_phase=None) -> None:
        last = int(self._get(conn, f"{key}_last", 0))
        top = conn.execute(f"SELECT max(rowid) FROM cat.{table}").fetchone()[0] or 0
        while last < top and not should_stop():
            end = last + RANGE_BATCH
            conn.execute("BEGIN")
            cur = conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql('popularity', 'rowid')}, "
                               f"{text_sql('name')} FROM cat.{table} WHERE rowid > ? AND rowid <= ?", (last, end))
            self._bump(conn, key, cur.rowcount)
            last = end
            self._set(conn, **{f"{key}_last": last})
            conn.execute("COMMIT")
            progress(key, min(last, top), top)
        if last >= top:
            self._set(conn, phase="albums" if key == "artists" else "longtail")

    def _longtail(self, conn, progress, should_stop) -> None:
        last = int(self._get(conn, "longtail_last", 0))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        while last < top and not should_stop():
            end = last + RANGE_BATCH
            conn.execute("BEGIN")
            n = self._insert_tracks(conn, "t.rowid > ? AND t.rowid <= ? AND t.popularity <= 0", (last, end))
            self._bump(conn, "tracks", n)
            last = end
            self._set(conn, longtail_last=last)
            conn.execute("COMMIT")
            progress("long tail", min(last, top), top)
        if last >= top:
            self._set(conn, phase="done")

    def _append(self, conn, progress, should_stop) -> None:
        for table, fts, key in (("artists", "artist_fts", "artist"), ("albums", "album_fts", "album")):
            start = int(self._get(conn, f"append_from_{key}", 0))
            conn.execute("BEGIN")
            cur = conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql('popularity', 'rowid')}, "
                               f"{text_sql('name')} FROM cat.{table} WHERE rowid > ?", (start,))
            self._bump(conn, table, cur.rowcount)
            self._set(conn, **{f"append_from_{key}": 1 << 62})
            conn.execute("COMMIT")
        start = int(self._get(conn, "append_from_track", 0))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        while start < top and not should_stop():
            end = start + RANGE_BATCH
            conn.execute("BEGIN")
            self._bump(conn, "tracks", self._insert_tracks(conn, "t.rowid > ? AND t.rowid <= ?", (start, end)))
            start = end
            self._set(conn, append_from_track=start)
            conn.execute("COMMIT")
            progress("new tracks", start, top)
        if start >= top:
            self._set(conn, phase="done")


def read_status(path: Path) -> IndexStatus:
    if not path.exists():
        return IndexStatus(False, "absent", 0, 0, 0, False)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = dict(conn.execute("SELECT key, value FROM build_state"))
        finally:
            conn.close()
    except sqlite3.Error:
        return IndexStatus(False, "absent", 0, 0, 0, False)
    phase = rows.get("phase", "absent")
    tracks = int(rows.get("tracks", 0))
    exists = tracks > 0 or int(rows.get("artists", 0)) > 0
    return IndexStatus(exists, phase, tracks, int(rows.get("artists", 0)),
                       int(rows.get("albums", 0)), phase == "done")
