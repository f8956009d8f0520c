"""Refreshing the file index from the mirror: torrents and data folders, read only when
they changed (size and mtime of each .torrent, mtime of each data folder).

A torrent is read (parsed, checked, its data folder listed) in worker processes, one per
core when there are many to read; this process writes each torrent's rows, with the tier
of each track from the catalogue, and commits them torrent by torrent, so an index that is
stopped (Ctrl-C, kill -9) carries on from the next torrent, and what is indexed so far is
usable at once. Memory holds one torrent's rows at a time, whatever the mirror's size.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from tui.db import state_error
from tui.errors import TorrentError
from tui.mirror import file_schema
from tui.mirror.aacid import track_id_from_name
from tui.mirror.file_index import DISK_MISSING, DISK_OK, DISK_WRONG, KEY_SHIFT, FileIndex
from tui.mirror.layout import MirrorLayout
from tui.mirror.torrent_moves import KNOWN_COLUMNS, adopt_moved
from tui.mirror.torrents import parse_torrent

TierOf = Callable[[list[str]], dict[str, int]]  # track ids -> 1 (popularity > 0) or 0, for those known
Progress = Callable[[int, int, str], None]  # torrents done, torrents to read, the one just read
POOL_FROM = 4  # torrents to read before worker processes pay for their start (~0.3 s)
TIER_BATCH = 500


@dataclass
class RefreshReport:
    torrents_parsed: int = 0
    torrents_unchanged: int = 0
    torrents_moved: int = 0  # the same bytes under a new name or folder: its rows kept
    torrents_seen: int = 0  # .torrent files in the mirror, less those that could not be read
    torrents_removed: int = 0
    folders_rescanned: int = 0  # the .torrent unchanged, its data folder not: only the disk states
    folders_without_torrent: int = 0
    files_indexed: int = 0
    local_files: int = 0
    ignored_names: int = 0
    errors: list[TorrentError] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # asked to stop: the torrents read so far are kept


@dataclass
class TorrentRead:
    """One torrent as a worker read it: what the index stores of it, and its files' rows."""

    path: str
    size: int
    mtime_ns: int
    info_hash: str | None  # None: a data folder with no .torrent
    name: str
    save_path: str
    piece_length: int
    num_pieces: int
    num_files: int
    total_size: int
    ignored: int
    data_mtime_ns: int
    content_digest: str | None
    rows: list[tuple[str, int, str, int, int, int, int | None]]  # track id, file index, name in its
    # folder, size, offset, disk, tier


def read_torrent(path: str, data_folders: dict[str, str], tier_of: TierOf | None = None) -> TorrentRead:
    """Parse and check one .torrent, look at its data folder and find each track's tier (in a
    worker, or here; `tier_of` is picklable when it runs in a worker)."""
    torrent_path = Path(path)
    try:
        st = torrent_path.stat()
    except OSError as exc:
        raise TorrentError(f"cannot read {torrent_path} ({exc.strerror})") from None
    parsed = parse_torrent(torrent_path, with_info=False)
    folder = data_folders.get(parsed.name)
    save_path = Path(folder).parent if folder is not None else torrent_path.parent
    sizes = _folder_sizes(save_path, {f.path.rpartition("/")[0] for f in parsed.files})
    prefix = len(parsed.name) + 1
    rows, ignored = [], 0
    for f in parsed.files:
        if f.pad:
            continue
        track_id = track_id_from_name(f.path)
        if track_id is None:
            ignored += 1
            continue
        found = sizes.get(f.path, MISSING)
        disk = DISK_MISSING if found is MISSING else (DISK_OK if found == f.size else DISK_WRONG)
        rows.append((track_id, f.file_index, f.path[prefix:] if "/" in f.path else "", f.size, f.offset, disk))
    tiers = _tiers(tier_of, sorted({r[0] for r in rows}))
    return TorrentRead(path, st.st_size, st.st_mtime_ns, parsed.info_hash, parsed.name, str(save_path),
                       parsed.piece_length, parsed.num_pieces, len(parsed.files), parsed.total_size, ignored,
                       _mtime_ns(save_path / parsed.name), parsed.content_digest, [(*r, tiers.get(r[0])) for r in rows])


def refresh_index(index: FileIndex, layout: MirrorLayout, progress: Progress | None = None,
                  tier_of: TierOf | None = None, should_stop: Callable[[], bool] = lambda: False,
                  workers: int | None = None) -> RefreshReport:
    started = time.perf_counter()
    report = RefreshReport()
    conn = index.conn()
    known = {row[1]: row for row in conn.execute(f"SELECT {KNOWN_COLUMNS} FROM torrents")}
    seen: set[str] = set()
    todo: list[str] = []
    rescan: list[tuple] = []
    for torrent_path in layout.torrents:
        key = str(torrent_path)
        seen.add(key)
        try:
            st = torrent_path.stat()
        except OSError as exc:
            report.errors.append(TorrentError(f"cannot read {torrent_path} ({exc.strerror})"))
            continue
        row = known.get(key)
        if not row or row[2] != st.st_size or row[3] != st.st_mtime_ns:
            todo.append(key)
        elif row[4] != _folder_mtime(layout, torrent_path, row):
            rescan.append(row)
        else:
            report.torrents_unchanged += 1
    folders = {name: str(path) for name, path in layout.data_folders.items()}
    try:
        todo, moved = adopt_moved(conn, layout, todo, known, seen)
        for row, folder_moved in moved:
            report.torrents_moved += 1
            if folder_moved or row[4] != _folder_mtime(layout, Path(row[1]), row):
                rescan.append(row)
        conn.commit()
        for row in rescan:
            if not _rescan_folder(index, layout, row):
                todo.append(row[1])  # its folder moved: read it whole
                continue
            report.folders_rescanned += 1
            conn.commit()
        if todo:  # until every torrent is read, a track without a row is "not known yet"
            _set_complete(conn, False)
        if file_schema.track_index_deferred(conn) or len(todo) >= max(POOL_FROM, len(known)):
            file_schema.defer_track_index(conn)  # many rows to write: the index is built after
        for n, result in enumerate(_read_all(todo, folders, tier_of, workers, should_stop), start=1):
            key, read = result
            if isinstance(read, TorrentError):
                report.errors.append(read)
                if (row := known.get(key)) is not None:
                    _drop_torrent(index, row[0])
                    conn.commit()
            else:
                _store_torrent(index, read, report, known[key][0] if key in known else None)
                report.torrents_parsed += 1
                index.bump_generation(playable=True)
                conn.commit()  # torrent by torrent: an index stopped here carries on from the next one
            if progress:
                progress(n, len(todo), Path(key).name)
            if should_stop():
                report.stopped = True
                break
        if not report.stopped:
            _build_track_index(index, progress, len(todo))
            for key, row in known.items():
                if key not in seen and not key.startswith("folder:"):
                    _drop_torrent(index, row[0])
                    report.torrents_removed += 1
                    index.bump_generation(playable=True)
            _index_bare_folders(index, layout, known, report, tier_of)
            _set_complete(conn, True)
            conn.commit()
    except sqlite3.OperationalError as exc:
        conn.rollback()
        raise state_error(exc, index.db_path) from None
    report.torrents_seen = len(seen) - len(report.errors)
    counts = index.counts()
    report.files_indexed, report.local_files = counts["files"], counts["local"]
    report.seconds = time.perf_counter() - started
    return report


def _read_all(todo: list[str], folders: dict[str, str], tier_of: TierOf | None, workers: int | None,
              should_stop: Callable[[], bool]) -> Iterator[tuple[str, TorrentRead | TorrentError]]:
    """Each torrent read, in worker processes when there are many (results as they come)."""
    if len(todo) < POOL_FROM:
        for key in todo:
            try:
                yield key, read_torrent(key, folders, tier_of)
            except TorrentError as exc:
                yield key, exc
        return
    from tui.mirror.workers import pool

    count = workers or min(os.cpu_count() or 1, 4)
    executor = pool(count, ["tui.mirror.file_scan"])
    pending: dict[Future, str] = {}
    queue = list(reversed(todo))
    try:
        while queue or pending:
            while queue and len(pending) < count * 2 and not should_stop():  # a few ahead, not all
                key = queue.pop()
                pending[executor.submit(read_torrent, key, folders, tier_of)] = key
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                key = pending.pop(future)
                try:
                    yield key, future.result()
                except TorrentError as exc:
                    yield key, exc
    finally:
        # Every read done: wait for the pool to wind down, else Python 3.11's exit hook may write to
        # its closed wake-up pipe and print a traceback (`fetch` of a fresh mirror did, 1 run in ~700).
        # Stopped early: leave at once, the workers follow their asker.
        executor.shutdown(wait=not pending and not queue, cancel_futures=True)


def _set_complete(conn: sqlite3.Connection, complete: bool) -> None:
    """Whether every torrent is read, written only when it changes (a refresh with nothing to
    do writes nothing: it may run on a state directory it can only read)."""
    value = str(int(complete))
    row = conn.execute("SELECT value FROM meta WHERE key = 'complete'").fetchone()
    if row is None or str(row[0]) != value:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('complete', ?)", (value,))
        conn.commit()


def _rescan_folder(index: FileIndex, layout: MirrorLayout, row: tuple) -> bool:
    """A data folder changed under an unchanged .torrent (a file fetched, deleted or replaced):
    its files' disk states again from one listing, and only the rows that differ written, so
    the cost is the folder's listing, not a rewrite of the torrent's rows into the indexes
    (4 s for 60,000 rows in a 10^7-file index). False when the folder is not where it was."""
    torrent_id, torrent_path, _size, _mtime, _data_mtime, save_path, name = row[:7]
    folder = layout.data_folders.get(name)
    if str(folder.parent if folder is not None else Path(torrent_path).parent) != save_path:
        return False  # where a full read would look now is not where it looked
    conn = index.conn()
    lo, hi = torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT
    files = conn.execute("SELECT key, name, size, disk FROM files WHERE key >= ? AND key < ?", (lo, hi)).fetchall()
    paths = [f"{name}/{stored}" if stored else name for _key, stored, _s, _d in files]
    sizes = _folder_sizes(Path(save_path), {p.rpartition("/")[0] for p in paths})
    changed = []
    for (key, _stored, size, disk), path in zip(files, paths, strict=True):
        found = sizes.get(path, MISSING)
        now = DISK_MISSING if found is MISSING else (DISK_OK if found == size else DISK_WRONG)
        if now != disk:
            changed.append((now, key))
    conn.executemany("UPDATE files SET disk = ? WHERE key = ?", changed)  # the triggers keep the counts
    conn.execute("UPDATE torrents SET data_mtime_ns = ? WHERE id = ?", (_mtime_ns(Path(save_path) / name), torrent_id))
    if changed:
        index.bump_generation(playable=True)
    return True


def _build_track_index(index: FileIndex, progress: Progress | None, done: int) -> None:
    conn = index.conn()
    if not file_schema.track_index_deferred(conn):
        return
    if progress and done:
        progress(done, done, "the track index")  # a sort of every file: seconds at 10^7 files
    file_schema.build_track_index(conn)
    conn.commit()


def _drop_torrent(index: FileIndex, torrent_id: int) -> None:
    conn = index.conn()
    _delete_files(index, torrent_id)
    conn.execute("DELETE FROM torrents WHERE id = ?", (torrent_id,))


def _tiers(tier_of: TierOf | None, ids: list[str]) -> dict[str, int]:
    if tier_of is None:
        return {}
    out: dict[str, int] = {}
    for i in range(0, len(ids), TIER_BATCH):
        out.update(tier_of(ids[i:i + TIER_BATCH]))
    return out


def _store_torrent(index: FileIndex, read: TorrentRead, report: RefreshReport, torrent_id: int | None) -> None:
    conn = index.conn()
    report.ignored_names += read.ignored
    values = (read.path, read.size, read.mtime_ns, read.info_hash, read.name, read.save_path, read.piece_length,
              read.num_pieces, read.num_files, read.total_size, read.ignored, read.data_mtime_ns, read.content_digest)
    if torrent_id is None:
        torrent_id = conn.execute(
            "INSERT INTO torrents (torrent_path, size, mtime_ns, info_hash, name, save_path, "
            "piece_length, num_pieces, num_files, total_size, ignored, data_mtime_ns, content_digest) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", values).lastrowid or 0
    else:
        _delete_files(index, torrent_id)
        conn.execute(
            "UPDATE torrents SET torrent_path=?, size=?, mtime_ns=?, info_hash=?, name=?, "
            "save_path=?, piece_length=?, num_pieces=?, num_files=?, total_size=?, ignored=?, "
            "data_mtime_ns=?, content_digest=? WHERE id=?", (*values, torrent_id))
    base = torrent_id << KEY_SHIFT
    read.rows.sort(key=lambda r: r[1])  # in file order: appends to the table's B-tree
    conn.execute("INSERT INTO bulk VALUES (1)")  # counted below in one pass, not row by row
    conn.executemany(
        "INSERT INTO files (key, track_id, torrent_id, file_index, name, size, offset, disk, bad, tier) "
        "VALUES (?,?,?,?,?,?,?,?,0,?)",
        [(base + r[1], r[0], torrent_id, r[1], r[2], r[3], r[4], r[5], r[6]) for r in read.rows])
    conn.execute("DELETE FROM bulk")
    file_schema.count_range(conn, base, base + (1 << KEY_SHIFT), +1)
    index.apply_bad_flags(torrent_id)


def _delete_files(index: FileIndex, torrent_id: int) -> None:
    conn = index.conn()
    lo, hi = torrent_id << KEY_SHIFT, (torrent_id + 1) << KEY_SHIFT
    file_schema.count_range(conn, lo, hi, -1)
    conn.execute("INSERT INTO bulk VALUES (1)")
    conn.execute("DELETE FROM files WHERE key >= ? AND key < ?", (lo, hi))
    conn.execute("DELETE FROM bulk")


def _index_bare_folders(index: FileIndex, layout: MirrorLayout, known: dict, report: RefreshReport,
                        tier_of: TierOf | None) -> None:
    """Data folders with no .torrent: their files are local but not fetchable."""
    conn = index.conn()
    with_torrent = {row[0] for row in conn.execute("SELECT name FROM torrents WHERE info_hash IS NOT NULL")}
    wanted = set()
    for name, folder in layout.data_folders.items():
        if name in with_torrent:
            continue
        key = "folder:" + str(folder)
        wanted.add(key)
        report.folders_without_torrent += 1
        mtime = _mtime_ns(folder)
        row = known.get(key)
        if row and row[4] == mtime:
            continue
        rows, ignored = [], 0
        for position, entry in enumerate(sorted(os.scandir(folder), key=lambda e: e.name)):
            track_id = track_id_from_name(entry.name)
            if track_id is None:
                ignored += 1
                continue
            regular = entry.is_file(follow_symlinks=False)
            size = entry.stat(follow_symlinks=False).st_size if regular else 0
            rows.append((track_id, position, entry.name, size, 0, DISK_OK if regular else DISK_WRONG))
        tiers = _tiers(tier_of, sorted({r[0] for r in rows}))
        read = TorrentRead(key, 0, 0, None, name, str(folder.parent), 0, 0, len(rows), 0, ignored, mtime, None,
                           [(*r, tiers.get(r[0])) for r in rows])
        if row:
            _drop_torrent(index, row[0])
        _store_torrent(index, read, report, None)
        index.bump_generation(playable=True)
    for key, row in known.items():
        if key.startswith("folder:") and key not in wanted:
            _drop_torrent(index, row[0])
            index.bump_generation(playable=True)


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _folder_mtime(layout: MirrorLayout, torrent_path: Path, row: tuple | None) -> int:
    """The mtime of the torrent's data folder, which is named after the torrent's `name` as the
    index stored it (a .torrent renamed away from its folder's name was read again on every
    command: 16 s at 600,000 files); before it is known, the .torrent's stem."""
    name = row[6] if row is not None and row[6] else torrent_path.name[:-len(".torrent")]
    folder = layout.data_folders.get(name)
    if folder is not None:
        return _mtime_ns(folder)
    if row is not None:
        return _mtime_ns(Path(row[5]) / name)
    return 0


MISSING = object()


def _folder_sizes(save_path: Path, folders: set[str]) -> dict[str, int | None]:
    """What is in each folder, by relative path: the size of a regular file, None for
    anything else (a symlink, a FIFO, a directory). One scandir per folder instead of a
    stat per file (60,000 files: ~30 ms instead of ~600 ms); symlinks are never followed."""
    sizes: dict[str, int | None] = {}
    for folder in folders:
        base = save_path / folder if folder else save_path
        prefix = f"{folder}/" if folder else ""
        try:
            with os.scandir(base) as it:
                for entry in it:
                    try:
                        regular = entry.is_file(follow_symlinks=False)
                        sizes[prefix + entry.name] = entry.stat(follow_symlinks=False).st_size if regular else None
                    except OSError:
                        continue
        except OSError:
            continue
    return sizes
