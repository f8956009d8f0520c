"""On-demand fetch: one file's pieces from the swarm, streamed while they arrive.

One `TorrentService` per process owns the libtorrent session and the only thread
that pops alerts (docs/libtorrent.md). Torrents are added lazily, every file at
priority 0 but the wanted one, with `have_pieces` built from the file index and no re-hash of what is already
on disk. Deadlines go on the head pieces and on the pieces covering the file's
last 64 KiB (Ogg demuxers read the tail first); the rest arrives in order.

Bytes are read through `read_piece` (never from the file on disk while it is
incomplete: unfetched ranges read back as zeros). A finished file is flushed,
verified against the ledger's SHA-256 (or, without a ledger row, by the torrent's
piece hashes, which libtorrent checked for every piece) and only then marked
local in the file index. A file that fails verification is moved aside into the
state directory; a partial file never counts as local.

A torrent is parsed once per process (`MetaCache`, libtorrent's parser alone: the file
index validated it), added with its save path in the state directory and only the wanted
files mapped to the mirror (`torrent_add`), so an archive-sized torrent is added in
milliseconds and nothing is written next to a neighbour in the mirror.

libtorrent 2.1 quirks handled here (docs/libtorrent.md): the sequential flag does nothing
after all-zero priorities unless it is toggled once the new priority is applied (P3); a
torrent with nothing wanted drops its seeds and never reconnects, so a torrent that has
finished is removed and re-added for the next request (P6); rate limits skip local peers
(P8).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tui.mirror.fetch_status import FetchError, FetchProgress, FetchStatus, FetchStatuses
from tui.mirror.fetch_verify import Verifier
from tui.mirror.file_index import DISK_MISSING, FileEntry, FileIndex
from tui.mirror.torrent_add import (
    ActiveTorrent,
    SwarmOptions,
    add_params,
    arm_deadlines,
    first_needed,
    have_pieces,
    session_settings,
)
from tui.mirror.torrent_alerts import AlertThread
from tui.mirror.torrent_meta import MetaCache
from tui.mirror.torrent_stream import TorrentStream
from tui.mirror.write_guard import prepare_target

TAIL_BYTES = 64 * 1024
DHT_WAIT = 3.0  # seconds a torrent with no trackers waits for the DHT to bootstrap before it is added
FILE_PRIORITY = 4  # <= 6 so the bulk stays in sequential order; 7 is left to deadlines (docs/libtorrent.md P3)


class TorrentService(AlertThread):
    def __init__(self, files: FileIndex, parts_dir: Path, quarantine_dir: Path,
                 peers: list[tuple[str, int]] | None = None, loopback: bool = False,
                 swarm: SwarmOptions | None = None,
                 seed: bool = True, upload_limit_kib: int = 512, seed_ratio: float = 2.0,
                 ledger_sha256: Callable[[str], str | None] | None = None,
                 download_limit: int = 0, peers_named: bool | None = None) -> None:
        import libtorrent as lt

        self.lt = lt
        self.files = files
        self.parts_dir = parts_dir
        self.quarantine_dir = quarantine_dir
        self.peers = list(peers or [])
        self.banned_addresses: set[str] = set()
        self.peers_named = bool(self.peers) if peers_named is None else peers_named
        self.seed = seed
        self.upload_limit = upload_limit_kib * 1024
        self.seed_ratio = seed_ratio
        self.ledger_sha256 = ledger_sha256 or (lambda _id: None)
        self.cond = threading.Condition()
        self.torrents: dict[str, ActiveTorrent] = {}  # info hash -> torrent
        self.metas = MetaCache()  # parsed once per process: re-adds and prefetches parse nothing
        self._fetched: dict[str, set[int]] = {}  # info hash -> files fetched and verified in this run
        self.statuses = FetchStatuses(self.cond, lt, seed_ratio)
        self.status = self.statuses.by_track  # track id -> status: read under self.cond
        self.closed = threading.Event()
        self.dht_ready = threading.Event()  # the DHT has bootstrapped (docs/libtorrent.md: DHT)
        self._dht_waited = False
        self.verifier = Verifier(files, self.statuses, quarantine_dir, self.ledger_sha256, self._verified)
        self.options = replace(swarm or SwarmOptions(), loopback=loopback)
        settings = session_settings(lt, self.options, self.upload_limit, download_limit)
        self.session = lt.session(settings)  # type: ignore[call-overload]  # the stubs lack the dict form
        self._alerts = threading.Thread(target=self._alert_loop, daemon=True, name="longtail-alerts")
        self.statuses.owner = self._alerts  # the fetch state machine runs there alone
        self._alerts.start()

    # -- adding torrents -------------------------------------------------------------------------

    def _add(self, entry: FileEntry, priorities: dict[int, int]) -> ActiveTorrent:
        assert entry.torrent_path is not None
        assert entry.info_hash is not None
        # the torrent the file index validated (hostile paths never reach libtorrent), parsed once
        meta = self.metas.get(entry.torrent_path, entry.info_hash)
        if self.options.dht and not self.options.loopback and not meta.trackers and not self._dht_waited:
            self._dht_waited = True  # once: a DHT that never comes up (offline) costs one wait, not one per add
            self.dht_ready.wait(DHT_WAIT)  # added before the DHT is up, it would not be announced there
        if meta.file(entry.file_index).path != entry.rel_path:
            raise FetchError(f"{entry.torrent_path} does not list {entry.rel_path} where the file index has it: "
                             "run `longtail index`")
        # At their mirror path: the wanted file and those fetched (and seeded) earlier in this run.
        kept = set(priorities) | self._fetched.get(meta.info_hash, set())
        have = have_pieces(meta, self.files, entry.torrent_id, kept)
        atp = add_params(self.lt, meta, entry.save_path, priorities, have, self.parts_dir, self.peers, kept)
        handle = self.session.add_torrent(atp)
        torrent = ActiveTorrent(meta, handle, entry.save_path, entry.torrent_id)
        torrent.have = {i for i, h in enumerate(have) if h}
        torrent.kept = kept
        self.torrents[meta.info_hash] = torrent
        return torrent

    def _add_again(self, torrent: ActiveTorrent) -> None:
        """Called with the condition held, on the alert thread. libtorrent bans every peer that
        shared in four pieces that failed their hash, and with parole off (docs/libtorrent.md P14)
        the good peers shared in the bad one's: a corrupt seeder left a fetch with no peer at all
        for two minutes (1 in 4 CLI runs on the bench swarm). Added again, the torrent dials the
        swarm afresh, its verified pieces and the files' priorities kept, the same bookkeeping."""
        meta = torrent.meta
        old = torrent.handle
        try:
            priorities = dict(enumerate(old.get_file_priorities()))
        except Exception:  # noqa: BLE001 - a handle removed meanwhile
            return
        have = [i in torrent.have for i in range(meta.num_pieces)]
        atp = add_params(self.lt, meta, torrent.save_path, {i: p for i, p in priorities.items() if p},
                         have, self.parts_dir, self.peers, torrent.kept)
        self.session.remove_torrent(old)
        torrent.handle = self.session.add_torrent(atp)
        torrent.added_again += 1
        torrent.added_again_at = time.monotonic()
        for track_id in torrent.wanted.values():
            status = self.status.get(track_id)
            for piece in status.need_pieces if status is not None else ():
                if piece not in torrent.have:
                    torrent.handle.set_piece_deadline(piece, 0)
        self._connect_peers(torrent)

    def _connect_peers(self, torrent: ActiveTorrent) -> None:
        for host, port in self.peers:
            try:
                torrent.handle.connect_peer((host, port))
            except Exception:  # noqa: BLE001 - a bad peer address must not stop the fetch
                pass
        try:
            torrent.handle.force_reannounce()
        except Exception:  # noqa: BLE001
            pass

    def _torrent_for(self, entry: FileEntry, priority: int) -> ActiveTorrent:
        """Add the torrent, or ask an added one for another file (re-adding if it finished)."""
        assert entry.info_hash is not None
        index = entry.file_index
        with self.cond:
            torrent = self.torrents.get(entry.info_hash)
            if torrent is not None:
                finished = all(i in torrent.files_done for i in torrent.wanted)
                if torrent.wanted and finished:
                    # docs/libtorrent.md P6: a torrent with nothing left to download dropped its seeds; start afresh.
                    self.session.remove_torrent(torrent.handle)
                    del self.torrents[entry.info_hash]
                    torrent = None
            if torrent is None:
                torrent = self._add(entry, {index: priority})
                torrent.wanted[index] = entry.track_id
                return torrent
            renamed = torrent.renames.setdefault(index, threading.Event()) if index not in torrent.kept else None
            if renamed is not None:
                torrent.handle.rename_file(index, str(torrent.mirror_path(index)))  # to the mirror
        if renamed is not None and (not renamed.wait(10) or index in torrent.rename_errors):
            raise FetchError(f"libtorrent could not map the file back to {entry.path} "
                             f"({torrent.rename_errors.get(index, 'no answer')})")
        with self.cond:
            torrent.kept.add(index)
            torrent.renames.pop(index, None)
            torrent.handle.file_priority(index, priority)
            torrent.prio_generation += 1
            # docs/libtorrent.md P3: once the new priority reaches the picker, toggle the sequential flag
            threading.Thread(target=self._sequential_after_priority, args=(torrent,), daemon=True).start()
            torrent.wanted[index] = entry.track_id
            return torrent

    def _sequential_after_priority(self, torrent: ActiveTorrent, timeout: float = 2.0) -> None:
        """docs/libtorrent.md P3: once the new file priority reached the picker, toggle the sequential flag."""
        seq = self.lt.torrent_flags.sequential_download
        deadline = time.monotonic() + timeout
        with self.cond:
            while torrent.prio_seen < torrent.prio_generation and time.monotonic() < deadline:
                self.cond.wait(0.05)
        h = torrent.handle
        h.set_flags(seq)
        h.unset_flags(seq)
        h.set_flags(seq)

    # -- public API ----------------------------------------------------------------------------------

    def request(self, entry: FileEntry, priority: int = FILE_PRIORITY, deadlines: bool = True,
                timeout: float | None = None) -> FetchStatus:
        """Start (or continue) fetching one file; returns its live status. `timeout`: when the
        asker stops waiting (what the stall message counts down to, when it comes first)."""
        if not entry.info_hash or entry.torrent_path is None:
            raise FetchError("no torrent holds this file")
        asked = time.monotonic()
        status = self.status.get(entry.track_id)
        if status is not None and status.state in ("fetching", "queued", "stalled", "verifying", "done"):
            return status
        moved = prepare_target(entry, self.quarantine_dir)  # never write through, never overwrite
        if moved is not None:
            self.files.set_disk(entry.track_id, entry.torrent_id, DISK_MISSING)
        self.files.mark_incomplete(entry.rel_path, entry.track_id)
        try:
            torrent = self._torrent_for(entry, priority)
        except BaseException:
            self.files.clear_incomplete(entry.rel_path)  # nothing was written: the state it had
            raise
        added = time.monotonic()
        parsed_pieces = torrent.meta.file_pieces(torrent.meta.file(entry.file_index))
        complete = all(p in torrent.have for p in parsed_pieces)  # every piece already verified
        status = FetchStatus(entry.track_id, "verifying" if complete else "fetching", entry.size, 0,
                             pieces_total=len(parsed_pieces), moved_aside=str(moved) if moved else None,
                             deadline=None if timeout is None else asked + timeout,
                             peers_named=self.peers_named, started=asked, added_ms=(added - asked) * 1000,
                             need_pieces=first_needed(torrent, entry, TAIL_BYTES))
        with self.cond:
            status = self.statuses.start(status)
        if complete:
            self.verifier.verify(torrent, entry.file_index, entry.track_id, status)
            return status
        if deadlines:
            arm_deadlines(torrent, entry, TAIL_BYTES)
        self._connect_peers(torrent)
        return status

    def prefetch(self, entry: FileEntry) -> None:
        """The next queued track: its whole file at low priority, head and tail a bit sooner."""
        try:
            if entry.present:
                return  # a damaged copy is moved aside only when its track is asked for
            torrent = self._torrent_for(entry, 1)
            with self.cond:
                self.statuses.start(FetchStatus(entry.track_id, "queued", entry.size, peers_named=self.peers_named,
                                                need_pieces=first_needed(torrent, entry, TAIL_BYTES)))
            self.files.mark_incomplete(entry.rel_path, entry.track_id)
            arm_deadlines(torrent, entry, TAIL_BYTES, base_ms=3000)
            self._connect_peers(torrent)
        except Exception:  # noqa: BLE001 - prefetching is best effort
            pass

    def stream(self, entry: FileEntry) -> TorrentStream:
        status = self.request(entry)
        assert entry.info_hash is not None  # request() refuses entries without a torrent
        stream = TorrentStream(self, self.torrents[entry.info_hash], entry)
        stream.moved_aside = status.moved_aside
        return stream

    def wait(self, track_id: str, timeout: float | None = None) -> FetchStatus | None:
        """Block until the file is done, failed, or the timeout passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while True:
                status = self.status.get(track_id)
                if status is None or status.state in ("done", "failed", "cancelled"):
                    return status
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return status
                self.cond.wait(0.1 if remaining is None else min(0.1, remaining))

    def subscribe(self, listener: Callable[[FetchProgress], None]) -> None:
        """Progress snapshots: at most 4 a second per file while active, state changes at once."""
        self.statuses.listeners.append(listener)

    def file_status(self, track_id: str) -> FetchStatus | None:
        with self.cond:
            return self.status.get(track_id)

    def cancel(self, track_id: str) -> None:
        """Stop fetching a file (its partial data stays out of the mirror's count)."""
        with self.cond:
            status = self.status.get(track_id)
            for torrent in self.torrents.values():
                for index, tid in list(torrent.wanted.items()):
                    if tid == track_id and index not in torrent.files_done:
                        torrent.handle.file_priority(index, 0)
                        del torrent.wanted[index]
            if status is not None:
                self.statuses.submit(lambda: self.statuses.cancel(status))
            self.cond.notify_all()

    def downloaded_bytes(self) -> int:
        return sum(t.handle.status().total_payload_download for t in self.torrents.values())

    def close(self) -> None:
        """docs/libtorrent.md P17: stop the alert thread, then pause the session."""
        self.closed.set()
        self.verifier.close()
        with self.cond:
            self.cond.notify_all()
        self._alerts.join(timeout=2)
        try:
            self.session.pause()
        except Exception:  # noqa: BLE001
            pass

    def _verified(self, torrent: ActiveTorrent, index: int, ok: bool) -> None:
        if ok:
            self._fetched.setdefault(torrent.meta.info_hash, set()).add(index)
            if not self.seed:
                torrent.handle.pause()
