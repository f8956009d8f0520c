"""One shard of the search index build: the SQL that fills FTS5 from the catalogue.

A shard is one file (`search.sqlite3`, `search-1.sqlite3`, ...) written by one
process; see `search_index` for the order of work and how shards are merged.
Every batch and the cursor that records it commit together, so a build stopped
at any point (Ctrl-C, kill -9) loses at most one batch and resumes.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.catalogue.databases import sqlite_uri
from tui.catalogue.text import DECOMPOSED_GLOBS, SPACELESS_GLOBS, space_out
from tui.catalogue.typed import integer_sql, text_only_sql
from tui.db import stamp_format

TOKENIZE = "unicode61 remove_diacritics 2"
PREFIX = "3"  # measured: "2 3" halves the build rate; 2-letter words match whole instead
POP_SHIFT = 40
ROWID_MASK = (1 << POP_SHIFT) - 1
POPULAR_BATCH = 20_000
BLOCK = 65_536  # rowids per block; blocks are dealt round-robin to the shards
INDEX_VERSION = 4  # 3: detail=column (no phrase queries are used); 4: names composed (NFC) first
TABLES = ("track_fts", "artist_fts", "album_fts")
PREFIX_OPT = f", prefix='{PREFIX}'" if PREFIX else ""

Progress = Callable[[str, int, int], None]


def fts_rowid_sql(pop: str, rowid: str) -> str:
    return f"(((100 - max(0, min(100, {pop}))) << {POP_SHIFT}) | {rowid})"


def decode_rowid(fts_rowid: int) -> tuple[int, int]:
    """(catalogue rowid, popularity) from an FTS rowid."""
    return fts_rowid & ROWID_MASK, 100 - (fts_rowid >> POP_SHIFT)


def text_sql(expr: str) -> str:
    """SQL for a name's index form; pure-ASCII rows (length in chars = in bytes) skip all checks."""
    globs = " OR ".join(f"{expr} GLOB '{g}'" for g in SPACELESS_GLOBS + DECOMPOSED_GLOBS)
    return (f"(CASE WHEN length({expr}) = length(CAST({expr} AS BLOB)) THEN {expr} "
            f"WHEN {globs} THEN lt_space_out({expr}) ELSE {expr} END)")


def shard_path(path: Path, shard: int) -> Path:
    return path if shard == 0 else path.with_name(f"{path.stem}-{shard}{path.suffix}")


def default_shards() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def connect_shard(path: Path, catalogue_path: Path | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    stamp_format(conn)
    conn.create_function("lt_space_out", 1, space_out, deterministic=True)
    if catalogue_path is not None:
        conn.execute("ATTACH DATABASE ? AS cat", (sqlite_uri(catalogue_path),))
    conn.executescript(f"""
        BEGIN;
        CREATE TABLE IF NOT EXISTS build_state (key TEXT PRIMARY KEY, value);
        CREATE VIRTUAL TABLE IF NOT EXISTS track_fts USING fts5(
            name, artists, album, content='', columnsize=0, detail=column, tokenize='{TOKENIZE}'{PREFIX_OPT});
        CREATE VIRTUAL TABLE IF NOT EXISTS artist_fts USING fts5(
            name, content='', columnsize=0, detail=column, tokenize='{TOKENIZE}'{PREFIX_OPT});
        CREATE VIRTUAL TABLE IF NOT EXISTS album_fts USING fts5(
            name, content='', columnsize=0, detail=column, tokenize='{TOKENIZE}'{PREFIX_OPT});
        COMMIT;
    """)
    return conn


def get_state(conn: sqlite3.Connection, key: str, default: object = None) -> Any:
    row = conn.execute("SELECT value FROM build_state WHERE key = ?", (key,)).fetchone()
    return default if row is None else row[0]


def set_state(conn: sqlite3.Connection, **values: object) -> None:
    conn.executemany("INSERT OR REPLACE INTO build_state (key, value) VALUES (?, ?)", list(values.items()))


def bump_state(conn: sqlite3.Connection, key: str, n: int) -> None:
    conn.execute("INSERT INTO build_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                 "DO UPDATE SET value = value + excluded.value", (key, n))


class ShardWorker:
    """Indexes one shard; runs in its own process (or inline when there is one shard)."""

    def __init__(self, catalogue_path: Path, index_path: Path, shard: int, shards: int) -> None:
        self.catalogue_path = catalogue_path
        self.shard, self.shards = shard, shards
        self.path = shard_path(index_path, shard)
        # The shard's phases, in order; artists and albums go to different shards when there are two.
        self.phases = ["popular"]
        if shard == 0:
            self.phases.append("artists")
        if shard == min(1, shards - 1):
            self.phases.append("albums")
        self.phases += ["longtail", "done"]

    def _mine(self, column: str) -> str:
        return f"(({column} / {BLOCK}) % {self.shards}) = {self.shard}" if self.shards > 1 else "1"

    def run(self, progress: Progress, histogram: dict[int, int] | None,
            should_stop: Callable[[], bool]) -> None:
        # One writer per shard, ever: an orphaned worker of a killed build finishes its batch
        # before the next build's worker for the same shard may start.
        import fcntl

        lock = open(str(self.path) + ".lock", "w")  # noqa: SIM115 - held for the whole run, closed below
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = connect_shard(self.path, self.catalogue_path)
        try:
            if get_state(conn, "phase") is None:
                set_state(conn, phase=self.phases[0], shard=self.shard, shards=self.shards)
            started = time.perf_counter()
            while not should_stop():
                phase = get_state(conn, "phase")
                if phase == "popular":
                    self._popular(conn, progress, histogram, should_stop)
                elif phase in ("artists", "albums"):
                    self._names(conn, phase, progress, should_stop)
                elif phase == "longtail":
                    self._longtail(conn, progress, should_stop)
                elif phase == "append":
                    self._append(conn, progress, should_stop)
                else:
                    break
            set_state(conn, seconds=float(get_state(conn, "seconds", 0.0)) + time.perf_counter() - started)
        finally:
            conn.close()
            lock.close()

    def _advance(self, conn: sqlite3.Connection, phase: str) -> None:
        set_state(conn, phase=self.phases[self.phases.index(phase) + 1])

    def _insert_tracks(self, conn: sqlite3.Connection, where: str, params: tuple) -> int:
        # MATERIALIZED: the CASE in text_sql() names each column several times; without it
        # SQLite would re-run the correlated artists subquery for every mention.
        conn.execute(
            f"WITH src AS MATERIALIZED (SELECT {fts_rowid_sql(integer_sql('t.popularity'), 't.rowid')} AS rid, "
            f"{text_only_sql('t.name')} AS n, (SELECT group_concat({text_only_sql('a.name')}, ' / ') "
            f"FROM cat.track_artists AS ta "
            f"JOIN cat.artists AS a ON a.rowid = ta.artist_rowid WHERE ta.track_rowid = t.rowid) AS ar, "
            f"{text_only_sql('al.name')} AS al "
            f"FROM cat.tracks AS t LEFT JOIN cat.albums AS al ON al.rowid = t.album_rowid "
            f"WHERE {where} AND {self._mine('t.rowid')}) "
            f"INSERT INTO track_fts (rowid, name, artists, album) "
            f"SELECT rid, {text_sql('n')}, {text_sql('ar')}, {text_sql('al')} FROM src", params)
        return conn.execute("SELECT changes()").fetchone()[0]

    def _popular(self, conn: sqlite3.Connection, progress: Progress, histogram: dict[int, int] | None,
                 should_stop: Callable[[], bool]) -> None:
        level = int(get_state(conn, "pop_level", 100))
        last = int(get_state(conn, "pop_last_rowid", 0))
        total = sum(v for k, v in (histogram or {}).items() if k > 0) // self.shards
        while level >= 1 and not should_stop():
            # The index gives this level's rowids in order; the batch's range bounds the insert.
            rowids = [r[0] for r in conn.execute(
                "SELECT rowid FROM cat.tracks WHERE popularity = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                (level, last, POPULAR_BATCH))]
            conn.execute("BEGIN")
            if rowids:
                n = self._insert_tracks(conn, "t.popularity = ? AND t.rowid BETWEEN ? AND ?",
                                        (level, rowids[0], rowids[-1]))
                bump_state(conn, "tracks", n)
                last = rowids[-1]
            if len(rowids) < POPULAR_BATCH:
                level, last = level - 1, 0
            set_state(conn, pop_level=level, pop_last_rowid=last)
            if level < 1:
                self._advance(conn, "popular")
            conn.execute("COMMIT")
            progress("popular tracks", int(get_state(conn, "tracks", 0)), total)

    def _names(self, conn: sqlite3.Connection, phase: str, progress: Progress,
               should_stop: Callable[[], bool]) -> None:
        table, fts = ("artists", "artist_fts") if phase == "artists" else ("albums", "album_fts")
        last = int(get_state(conn, f"{phase}_last", 0))
        top = conn.execute(f"SELECT max(rowid) FROM cat.{table}").fetchone()[0] or 0
        while last < top and not should_stop():
            end = last + 4 * BLOCK
            conn.execute("BEGIN")
            conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql(integer_sql('popularity'), 'rowid')}, "
                         f"{text_sql(text_only_sql('name'))} FROM cat.{table} WHERE rowid > ? AND rowid <= ?",
                         (last, end))
            bump_state(conn, phase, conn.execute("SELECT changes()").fetchone()[0])
            last = end
            set_state(conn, **{f"{phase}_last": last})
            conn.execute("COMMIT")
            progress(phase, min(last, top), top)
        if last >= top:
            self._advance(conn, phase)

    def _longtail(self, conn: sqlite3.Connection, progress: Progress, should_stop: Callable[[], bool]) -> None:
        block = int(get_state(conn, "longtail_block", self.shard))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        while block * BLOCK <= top and not should_stop():
            conn.execute("BEGIN")
            n = self._insert_tracks(conn, "t.rowid >= ? AND t.rowid < ? AND coalesce(t.popularity, 0) <= 0",
                                    (block * BLOCK, (block + 1) * BLOCK))
            bump_state(conn, "tracks", n)
            block += self.shards
            set_state(conn, longtail_block=block)
            conn.execute("COMMIT")
            progress("long tail", min(block * BLOCK, top), top)
        if block * BLOCK > top:
            self._advance(conn, "longtail")

    def _append(self, conn: sqlite3.Connection, progress: Progress, should_stop: Callable[[], bool]) -> None:
        """The catalogue grew: index rowids past the old maxima (shard 0 does it all)."""
        for table, fts, key in (("artists", "artist_fts", "artist"), ("albums", "album_fts", "album")):
            start = int(get_state(conn, f"append_from_{key}", 0))
            conn.execute("BEGIN")
            conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql(integer_sql('popularity'), 'rowid')}, "
                         f"{text_sql(text_only_sql('name'))} FROM cat.{table} WHERE rowid > ?", (start,))
            bump_state(conn, table, conn.execute("SELECT changes()").fetchone()[0])
            set_state(conn, **{f"append_from_{key}": 1 << 62})
            conn.execute("COMMIT")
        start = int(get_state(conn, "append_from_track", 0))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        saved, self.shards = self.shards, 1  # every new rowid, whatever its block
        try:
            while start < top and not should_stop():
                end = start + BLOCK
                conn.execute("BEGIN")
                bump_state(conn, "tracks", self._insert_tracks(conn, "t.rowid > ? AND t.rowid <= ?", (start, end)))
                start = end
                set_state(conn, append_from_track=start)
                conn.execute("COMMIT")
                progress("new tracks", start, top)
        finally:
            self.shards = saved
        if start >= top:
            set_state(conn, phase="done")


def worker_main(catalogue_path: str, index_path: str, shard: int, shards: int,
                 histogram: dict | None, messages: Any, stop_event: Any) -> None:
    """Entry point of a shard process: progress and errors go back through `messages`."""
    def progress(label: str, done: int, total: int) -> None:
        messages.put(("progress", shard, label, done, total))

    parent = os.getppid()

    def should_stop() -> bool:
        # kill -9 of `longtail index` leaves no one to set the event: notice the orphaning.
        return stop_event.is_set() or os.getppid() != parent

    try:
        ShardWorker(Path(catalogue_path), Path(index_path), shard, shards).run(
            progress, histogram, should_stop)
        messages.put(("done", shard, None, 0, 0))
    except KeyboardInterrupt:
        messages.put(("done", shard, None, 0, 0))
    except sqlite3.Error as exc:
        messages.put(("error", shard, str(exc), 0, 0))


