"""The sidecar full-text index (FTS5) over track, artist and album names.

Built into the state directory, never into the catalogue. Order of work, so
that search is useful within seconds:

1. popular tracks (popularity > 0, about a fifth of the catalogue), read through
   the `tracks_popularity` index, most popular first;
2. artists, then albums, in rowid order (sequential reads);
3. the long tail (popularity 0) in rowid order, which reads the 125 GB table
   sequentially instead of seeking around it.

The work is split over one process per core: the catalogue's rowid space is cut
into blocks, and shard `w` indexes the blocks `b` with `b % shards == w` into its
own file (`search.sqlite3`, `search-1.sqlite3`, ...), so the writers never wait
for each other. Queries read all shards and merge.

Each batch and the cursor that records it commit in one transaction, so Ctrl-C
or kill -9 at any point loses at most one batch per shard and the next run
carries on. All the text work happens inside SQLite (INSERT ... SELECT against
the attached, read-only catalogue); Python is called only for rows in spaceless
scripts (CJK, Thai).

FTS rowids encode popularity: `(100 - popularity) << 40 | rowid`. Iterating
matches in rowid order therefore yields the most popular first, so a query with
LIMIT stops early instead of ranking every match.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.catalogue import Catalogue, sqlite_uri
from tui.catalogue.text import SPACELESS_GLOBS, space_out
from tui.errors import LongtailError

TOKENIZE = "unicode61 remove_diacritics 2"
PREFIX = "3"  # measured: "2 3" halves the build rate; 2-letter words match whole instead
POP_SHIFT = 40
ROWID_MASK = (1 << POP_SHIFT) - 1
POPULAR_BATCH = 20_000
BLOCK = 65_536  # rowids per block; blocks are dealt round-robin to the shards
INDEX_VERSION = 3  # 3: detail=column (no phrase queries are used)
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
    globs = " OR ".join(f"{expr} GLOB '{g}'" for g in SPACELESS_GLOBS)
    return (f"(CASE WHEN length({expr}) = length(CAST({expr} AS BLOB)) THEN {expr} "
            f"WHEN {globs} THEN lt_space_out({expr}) ELSE {expr} END)")


def shard_path(path: Path, shard: int) -> Path:
    return path if shard == 0 else path.with_name(f"{path.stem}-{shard}{path.suffix}")


def default_shards() -> int:
    return max(1, min(8, os.cpu_count() or 1))


@dataclass
class IndexStatus:
    exists: bool
    phase: str  # "absent", "building", or "done"
    tracks: int
    artists: int
    albums: int
    complete: bool
    shards: int = 1

    @property
    def note(self) -> str | None:
        if not self.exists:
            return ("no search index yet (run `longtail index`, or press I): artist and album "
                    "names by prefix only")
        if not self.complete:
            return (f"search index is still being built: results cover the "
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


def _connect(path: Path, catalogue_path: Path | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
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


def _get(conn: sqlite3.Connection, key: str, default=None):
    row = conn.execute("SELECT value FROM build_state WHERE key = ?", (key,)).fetchone()
    return default if row is None else row[0]


def _set(conn: sqlite3.Connection, **values) -> None:
    conn.executemany("INSERT OR REPLACE INTO build_state (key, value) VALUES (?, ?)", list(values.items()))


def _bump(conn: sqlite3.Connection, key: str, n: int) -> None:
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

        lock = open(str(self.path) + ".lock", "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = _connect(self.path, self.catalogue_path)
        try:
            if _get(conn, "phase") is None:
                _set(conn, phase=self.phases[0], shard=self.shard, shards=self.shards)
            started = time.perf_counter()
            while not should_stop():
                phase = _get(conn, "phase")
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
            _set(conn, seconds=float(_get(conn, "seconds", 0.0)) + time.perf_counter() - started)
        finally:
            conn.close()
            lock.close()

    def _advance(self, conn: sqlite3.Connection, phase: str) -> None:
        _set(conn, phase=self.phases[self.phases.index(phase) + 1])

    def _insert_tracks(self, conn: sqlite3.Connection, where: str, params: tuple) -> int:
        # MATERIALIZED: the CASE in text_sql() names each column several times; without it
        # SQLite would re-run the correlated artists subquery for every mention.
        conn.execute(
            f"WITH src AS MATERIALIZED (SELECT {fts_rowid_sql('t.popularity', 't.rowid')} AS rid, "
            f"t.name AS n, (SELECT group_concat(a.name, ' / ') FROM cat.track_artists AS ta "
            f"JOIN cat.artists AS a ON a.rowid = ta.artist_rowid WHERE ta.track_rowid = t.rowid) AS ar, "
            f"al.name AS al FROM cat.tracks AS t LEFT JOIN cat.albums AS al ON al.rowid = t.album_rowid "
            f"WHERE {where} AND {self._mine('t.rowid')}) "
            f"INSERT INTO track_fts (rowid, name, artists, album) "
            f"SELECT rid, {text_sql('n')}, {text_sql('ar')}, {text_sql('al')} FROM src", params)
        return conn.execute("SELECT changes()").fetchone()[0]

    def _popular(self, conn, progress, histogram, should_stop) -> None:
        level = int(_get(conn, "pop_level", 100))
        last = int(_get(conn, "pop_last_rowid", 0))
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
                _bump(conn, "tracks", n)
                last = rowids[-1]
            if len(rowids) < POPULAR_BATCH:
                level, last = level - 1, 0
            _set(conn, pop_level=level, pop_last_rowid=last)
            if level < 1:
                self._advance(conn, "popular")
            conn.execute("COMMIT")
            progress("popular tracks", int(_get(conn, "tracks", 0)), total)

    def _names(self, conn, phase: str, progress, should_stop) -> None:
        table, fts = ("artists", "artist_fts") if phase == "artists" else ("albums", "album_fts")
        last = int(_get(conn, f"{phase}_last", 0))
        top = conn.execute(f"SELECT max(rowid) FROM cat.{table}").fetchone()[0] or 0
        while last < top and not should_stop():
            end = last + 4 * BLOCK
            conn.execute("BEGIN")
            conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql('popularity', 'rowid')}, "
                         f"{text_sql('name')} FROM cat.{table} WHERE rowid > ? AND rowid <= ?", (last, end))
            _bump(conn, phase, conn.execute("SELECT changes()").fetchone()[0])
            last = end
            _set(conn, **{f"{phase}_last": last})
            conn.execute("COMMIT")
            progress(phase, min(last, top), top)
        if last >= top:
            self._advance(conn, phase)

    def _longtail(self, conn, progress, should_stop) -> None:
        block = int(_get(conn, "longtail_block", self.shard))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        while block * BLOCK <= top and not should_stop():
            conn.execute("BEGIN")
            n = self._insert_tracks(conn, "t.rowid >= ? AND t.rowid < ? AND t.popularity <= 0",
                                    (block * BLOCK, (block + 1) * BLOCK))
            _bump(conn, "tracks", n)
            block += self.shards
            _set(conn, longtail_block=block)
            conn.execute("COMMIT")
            progress("long tail", min(block * BLOCK, top), top)
        if block * BLOCK > top:
            self._advance(conn, "longtail")

    def _append(self, conn, progress, should_stop) -> None:
        """The catalogue grew: index rowids past the old maxima (shard 0 does it all)."""
        for table, fts, key in (("artists", "artist_fts", "artist"), ("albums", "album_fts", "album")):
            start = int(_get(conn, f"append_from_{key}", 0))
            conn.execute("BEGIN")
            conn.execute(f"INSERT INTO {fts} (rowid, name) SELECT {fts_rowid_sql('popularity', 'rowid')}, "
                         f"{text_sql('name')} FROM cat.{table} WHERE rowid > ?", (start,))
            _bump(conn, table, conn.execute("SELECT changes()").fetchone()[0])
            _set(conn, **{f"append_from_{key}": 1 << 62})
            conn.execute("COMMIT")
        start = int(_get(conn, "append_from_track", 0))
        top = conn.execute("SELECT max(rowid) FROM cat.tracks").fetchone()[0] or 0
        saved, self.shards = self.shards, 1  # every new rowid, whatever its block
        try:
            while start < top and not should_stop():
                end = start + BLOCK
                conn.execute("BEGIN")
                _bump(conn, "tracks", self._insert_tracks(conn, "t.rowid > ? AND t.rowid <= ?", (start, end)))
                start = end
                _set(conn, append_from_track=start)
                conn.execute("COMMIT")
                progress("new tracks", start, top)
        finally:
            self.shards = saved
        if start >= top:
            _set(conn, phase="done")


def _worker_main(catalogue_path: str, index_path: str, shard: int, shards: int,
                 histogram: dict | None, messages, stop_event) -> None:
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


class SearchIndexBuilder:
    def __init__(self, catalogue: Catalogue, path: Path, shards: int | None = None) -> None:
        self.catalogue = catalogue
        self.path = path
        self.requested_shards = shards

    def build(self, progress: Progress | None = None, histogram: dict[int, int] | None = None,
              should_stop: Callable[[], bool] = lambda: False, inline: bool = False) -> IndexStatus:
        """Build or continue building; returns the status when done or stopped.

        `inline` works through the shards one after another in the calling thread (the TUI's
        background build) instead of one process per shard.
        """
        progress = progress or (lambda *a: None)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            shards = self._prepare()
            if shards == 1 or inline:
                for shard in range(shards):
                    ShardWorker(self.catalogue.paths.main, self.path, shard, shards).run(
                        progress, histogram, should_stop)
            else:
                self._run_parallel(shards, progress, histogram, should_stop)
        except sqlite3.OperationalError as exc:
            raise _full_error(exc, self.path) from None
        except OSError as exc:
            raise _full_error(sqlite3.OperationalError(f"disk error: {exc.strerror}"), self.path) from None
        return read_status(self.path)

    def _prepare(self) -> int:
        """Check the catalogue's signature; reset or switch to appending as needed."""
        conn = _connect(self.path)
        try:
            sig = catalogue_signature(self.catalogue)
            old = {k: _get(conn, "sig_" + k) for k in sig}
            version = _get(conn, "version")
            stored_shards = _get(conn, "shards")
            fresh = version is None or old["size"] is None
            shrunk = not fresh and (version != INDEX_VERSION or any(
                sig[k] < (old[k] or 0) for k in ("max_track", "max_artist", "max_album")))
            if fresh or shrunk:
                shards = self.requested_shards or default_shards()
                for s in range(max(shards, int(stored_shards or 1))):
                    p = shard_path(self.path, s)
                    if s and p.exists():
                        for suffix in ("", "-wal", "-shm"):
                            Path(str(p) + suffix).unlink(missing_ok=True)
                conn.executescript("BEGIN; " + "".join(
                    f"INSERT INTO {t} ({t}) VALUES ('delete-all'); " for t in TABLES)
                    + "DELETE FROM build_state; COMMIT;")
                _set(conn, version=INDEX_VERSION, shards=shards, **{"sig_" + k: v for k, v in sig.items()})
                return shards
            shards = int(stored_shards or 1)
            if sig != old and read_status(self.path).complete:
                # The catalogue grew: shard 0 indexes only what is new.
                _set(conn, phase="append", append_from_track=old["max_track"],
                     append_from_artist=old["max_artist"], append_from_album=old["max_album"],
                     **{"sig_" + k: v for k, v in sig.items()})
                return 1
            return shards
        finally:
            conn.close()

    def _run_parallel(self, shards: int, progress: Progress, histogram, should_stop) -> None:
        ctx = multiprocessing.get_context("spawn")
        messages = ctx.Queue()
        stop = ctx.Event()
        procs = [ctx.Process(target=_worker_main, daemon=True,
                             args=(str(self.catalogue.paths.main), str(self.path), s, shards,
                                   histogram, messages, stop)) for s in range(shards)]
        for p in procs:
            p.start()
        state: dict[int, tuple[str, int, int]] = {}
        running, errors = set(range(shards)), []
        try:
            while running:
                if should_stop():
                    stop.set()
                try:
                    kind, shard, label, done, total = messages.get(timeout=0.5)
                except Exception:  # noqa: BLE001 - queue.Empty
                    for s in list(running):
                        if not procs[s].is_alive():
                            running.discard(s)
                    continue
                if kind == "progress":
                    state[shard] = (label, done, total)
                    labels = {v[0] for v in state.values()}
                    if len(labels) == 1:  # the same phase everywhere: add up
                        progress(label, sum(v[1] for v in state.values()),
                                 sum(v[2] for v in state.values()) if label == "popular tracks"
                                 else max(v[2] for v in state.values()))
                    else:
                        progress(label, done, total)
                else:
                    running.discard(shard)
                    if kind == "error":
                        errors.append(label)
        except KeyboardInterrupt:
            stop.set()
            raise
        finally:
            for p in procs:
                p.join(timeout=30)
        if errors:
            raise sqlite3.OperationalError(errors[0])


def shard_paths(path: Path) -> list[Path]:
    """The index files that exist, shard 0 first."""
    out = []
    if not path.exists():
        return out
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        shards = int(_get(conn, "shards", 1) or 1)
        conn.close()
    except sqlite3.Error:
        shards = 1
    for s in range(shards):
        p = shard_path(path, s)
        if p.exists():
            out.append(p)
    return out


def read_status(path: Path) -> IndexStatus:
    paths = shard_paths(path)
    if not paths:
        return IndexStatus(False, "absent", 0, 0, 0, False)
    tracks = artists = albums = 0
    phases = []
    shards = 1
    for p in paths:
        try:
            conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=5)
            try:
                rows = dict(conn.execute("SELECT key, value FROM build_state"))
            finally:
                conn.close()
        except sqlite3.Error:
            continue
        tracks += int(rows.get("tracks", 0))
        artists += int(rows.get("artists", 0))
        albums += int(rows.get("albums", 0))
        phases.append(rows.get("phase"))
        shards = max(shards, int(rows.get("shards", 1) or 1))
    complete = len(phases) == shards and all(p == "done" for p in phases)
    exists = tracks + artists + albums > 0
    return IndexStatus(exists, "done" if complete else ("building" if exists else "absent"),
                       tracks, artists, albums, complete, shards)
