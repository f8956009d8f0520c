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

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.search_shard import (
    INDEX_VERSION,
    TABLES,
    Progress,
    ShardWorker,
    connect_shard,
    default_shards,
    get_state,
    set_state,
    shard_path,
    worker_main,
)
from tui.db import read_only_uri
from tui.errors import LongtailError


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


def catalogue_signature(catalogue: Catalogue) -> dict[str, int | str]:
    """The catalogue's signature, and how far each table reaches (to index only what is new)."""
    top = catalogue.max_rowids()
    return {"file": catalogue.signature(), "max_track": top["track"], "max_artist": top["artist"],
            "max_album": top["album"]}


def _full_error(exc: sqlite3.Error, path: Path) -> LongtailError:
    text = str(exc)
    if "full" in text or "disk" in text:
        return LongtailError(f"the disk under {path.parent} is full; the search index build stopped",
                             "free some space and run `longtail index` again (it resumes); "
                             "browsing works without the index")
    return LongtailError(f"the search index {path} cannot be written ({text})",
                         "delete it and run `longtail index` again")


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
        conn = connect_shard(self.path)
        try:
            sig = catalogue_signature(self.catalogue)
            old = {k: get_state(conn, "sig_" + k) for k in sig}
            if old["file"] is None and get_state(conn, "sig_size") is not None:
                # an index written before the signature had one form: same file, same meaning
                old["file"] = f"{get_state(conn, 'sig_size')}:{get_state(conn, 'sig_mtime_ns')}"
            version = get_state(conn, "version")
            stored_shards = get_state(conn, "shards")
            fresh = version is None or old["file"] is None
            shrunk = not fresh and (version != INDEX_VERSION or any(
                int(sig[k]) < int(old[k] or 0) for k in ("max_track", "max_artist", "max_album")))
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
                set_state(conn, version=INDEX_VERSION, shards=shards, **{"sig_" + k: v for k, v in sig.items()})
                return shards
            shards = int(stored_shards or 1)
            if sig != old and read_status(self.path).complete:
                # The catalogue grew: shard 0 indexes only what is new.
                set_state(conn, phase="append", append_from_track=old["max_track"],
                     append_from_artist=old["max_artist"], append_from_album=old["max_album"],
                     **{"sig_" + k: v for k, v in sig.items()})
                return 1
            return shards
        finally:
            conn.close()

    def _run_parallel(self, shards: int, progress: Progress, histogram: dict[int, int] | None,
                      should_stop: Callable[[], bool]) -> None:
        import multiprocessing  # only to build: the TUI's first screen does not pay for it

        ctx = multiprocessing.get_context("spawn")
        messages = ctx.Queue()
        stop = ctx.Event()
        procs = [ctx.Process(target=worker_main, daemon=True,
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
    out: list[Path] = []
    if not path.exists():
        return out
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=5)
        shards = int(get_state(conn, "shards", 1) or 1)
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
            conn = sqlite3.connect(read_only_uri(p), uri=True, timeout=5)
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
