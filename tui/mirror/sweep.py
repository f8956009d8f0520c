"""`check --all`: every file of every data folder, in batches, over every core.

The plan is the file index's rows of files on disk (those not downloaded are only
counted), torrent by torrent, cut into batches of a few
hundred files; worker processes check a batch each (streaming every file, so
memory stays flat whatever the sizes) and send back small verdict rows. The sweep's
progress is kept in the state directory batch by batch, so a run stopped at any
point (Ctrl-C, kill -9) carries on where it stopped. Files in a data folder that no
torrent lists are `stray`: `not-in-torrent`, or `malformed-name` when the name is
not a track's.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.databases import CataloguePaths
from tui.db import PerThread, open_state_db, state_error, transaction
from tui.mirror.aacid import track_id_from_name
from tui.mirror.file_index import FileIndex
from tui.mirror.problems import CheckCode, Verdict

BATCH = 256
BATCH_BYTES = 256 << 20  # many pieces each, so a batch's two boundary pieces are a small extra


@dataclass(frozen=True)
class Batch:
    torrent_id: int
    first: int  # file indexes [first, last]
    last: int

    @property
    def key(self) -> str:
        """Names the batch's files exactly: when the files on disk change between a stopped run
        and its resumption, a batch cut differently is checked again, never skipped."""
        return f"{self.torrent_id}:{self.first}-{self.last}"


@dataclass(frozen=True)
class SweepRow:
    kind: str  # track | stray
    track_id: str | None
    path: str
    verdict: Verdict
    codes: tuple[CheckCode, ...]
    detail: str | None
    bytes_read: int = 0

    def as_json(self) -> dict:
        return {"id": self.track_id, "path": self.path, "verdict": self.verdict,
                "problems": [{"code": c, "detail": self.detail if i == 0 else None} for i, c in enumerate(self.codes)]}


def plan(files: FileIndex) -> list[Batch]:
    """Every file on disk, in (torrent, file index) order, cut into batches of BATCH files or
    BATCH_BYTES, whichever comes first: a batch is what a kill -9 can lose, and what one worker
    holds up at the end of a run."""
    batches: list[Batch] = []
    rows = files.conn().execute("SELECT torrent_id, file_index, size FROM files WHERE disk > 0 ORDER BY key")
    current: list[int] = []
    torrent, nbytes = None, 0
    for torrent_id, file_index, size in rows:
        if torrent_id != torrent or len(current) == BATCH or nbytes >= BATCH_BYTES:
            if current and torrent is not None:
                batches.append(Batch(torrent, current[0], current[-1]))
            torrent, current, nbytes = torrent_id, [], 0
        current.append(file_index)
        nbytes += size
    if current and torrent is not None:
        batches.append(Batch(torrent, current[0], current[-1]))
    return batches


def strays(files: FileIndex) -> Iterator[SweepRow]:
    """What lies in the data folders that no torrent (or no track name) accounts for."""
    from tui.errors import TorrentError
    from tui.mirror.torrents import parse_torrent

    for _torrent_id, name, save_path, torrent_path in files.torrents():
        folder = save_path / name
        expected: set[str] | None = None
        if torrent_path is not None:
            try:
                parsed = parse_torrent(torrent_path, with_info=False)
            except TorrentError:
                continue  # reported by the file index refresh
            expected = {f.path.rpartition("/")[2] for f in parsed.files}
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            known_name = track_id_from_name(entry.name) is not None
            if (expected is not None and entry.name in expected) or (expected is None and known_name):
                continue
            codes: list[CheckCode] = ["not-in-torrent" if known_name else "malformed-name"]
            try:
                if not entry.is_file(follow_symlinks=False):
                    codes.append("not-a-regular-file")
            except OSError:
                codes.append("not-a-regular-file")
            detail = ("no torrent of this folder lists it" if known_name
                      else "its name is not an AACID or a track id")
            yield SweepRow("stray", track_id_from_name(entry.name), entry.path, "stray", tuple(codes), detail)


# -- the worker processes ---------------------------------------------------------------

_worker: dict = {}


@dataclass(frozen=True)
class SweepJob:
    """What a worker process needs to open: the catalogue's files and the file index."""

    catalogue: CataloguePaths
    index_path: Path
    decoder: Callable[[Path], list[str]] | None = None  # picklable: it travels to the workers


def check_batch(job: SweepJob, batch: Batch) -> list[SweepRow]:
    """One batch, in a worker process (its catalogue, file index and checker kept between batches)."""
    from tui.catalogue.catalogue import Catalogue
    from tui.mirror.checks import Checker

    if not _worker:
        catalogue, files = Catalogue(job.catalogue), FileIndex(job.index_path)
        _worker["checker"] = Checker(catalogue, files, job.decoder)
        _worker["files"] = files
    checker, files = _worker["checker"], _worker["files"]
    out = []
    # the batch's span holds files that are not on disk too: those were counted, not planned
    entries = [e for e in files.torrent_entries(batch.torrent_id, batch.first, batch.last) if e.present]
    for entry, result in zip(entries, checker.check_run(entries), strict=True):
        detail = "; ".join(f"{p.code}: {p.detail}" for p in result.problems) or None
        out.append(SweepRow("track", entry.track_id, str(entry.path), result.verdict, tuple(result.codes),
                            detail, result.bytes_read))
    return out


# -- what survives a kill -9 ------------------------------------------------------------------

class SweepStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conns = PerThread(self._open)

    def _open(self) -> sqlite3.Connection:
        conn = open_state_db(self.path, autocommit=True)
        conn.executescript("""
            CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started REAL, finished REAL, total INTEGER);
            CREATE TABLE IF NOT EXISTS batches (run INTEGER, key TEXT, ok INTEGER, missing INTEGER,
                corrupt INTEGER, bytes INTEGER, PRIMARY KEY (run, key));
            CREATE TABLE IF NOT EXISTS findings (run INTEGER, path TEXT, track_id TEXT, verdict TEXT,
                codes TEXT, detail TEXT, PRIMARY KEY (run, path));
        """)
        return conn

    def _conn(self) -> sqlite3.Connection:
        try:
            return self._conns.get()
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def open_run(self, total: int) -> tuple[int, set[str]]:
        """The unfinished run to carry on (and the batches it has done), or a new one."""
        conn = self._conn()
        row = conn.execute("SELECT id FROM runs WHERE finished IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row is not None:
            conn.execute("UPDATE runs SET total = ? WHERE id = ?", (total, row[0]))
            return row[0], {r[0] for r in conn.execute("SELECT key FROM batches WHERE run = ?", (row[0],))}
        run = conn.execute("INSERT INTO runs (started, total) VALUES (?, ?)", (time.time(), total)).lastrowid
        return int(run or 0), set()

    def batch_done(self, run: int, batch: Batch, rows: list[SweepRow]) -> None:
        counts = {v: sum(1 for r in rows if r.verdict == v) for v in ("ok", "missing", "corrupt")}
        try:
            with transaction(self._conn()) as conn:
                conn.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?, ?)",
                                 [(run, r.path, r.track_id, r.verdict, ",".join(r.codes), r.detail)
                                  for r in rows if r.verdict != "ok"])
                conn.execute("INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                             (run, batch.key, counts["ok"], counts["missing"], counts["corrupt"],
                              sum(r.bytes_read for r in rows)))
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def add_findings(self, run: int, rows: list[SweepRow]) -> None:
        try:
            with transaction(self._conn()) as conn:
                conn.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?, ?)",
                                 [(run, r.path, r.track_id, r.verdict, ",".join(r.codes), r.detail) for r in rows])
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def totals(self, run: int) -> dict[str, int]:
        ok, missing, corrupt, nbytes = self._conn().execute(
            "SELECT coalesce(sum(ok), 0), coalesce(sum(missing), 0), coalesce(sum(corrupt), 0), "
            "coalesce(sum(bytes), 0) FROM batches WHERE run = ?", (run,)).fetchone()
        stray = self._conn().execute("SELECT count(*) FROM findings WHERE run = ? AND verdict = 'stray'",
                                     (run,)).fetchone()[0]
        return {"ok": ok, "missing": missing, "corrupt": corrupt, "stray": stray, "bytes": nbytes}

    def findings(self, run: int) -> Iterator[SweepRow]:
        """The run's findings in path order, one row at a time (a damaged mirror has millions)."""
        for p, t, v, c, d in self._conn().execute(
                "SELECT path, track_id, verdict, codes, detail FROM findings WHERE run = ? ORDER BY path", (run,)):
            yield SweepRow("stray" if v == "stray" else "track", t, p, v, tuple(c.split(",")) if c else (), d)

    def finish(self, run: int) -> None:
        self._conn().execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run))

    def close(self) -> None:
        self._conns.close_all()

