"""The torrent service's alert thread: the only one that pops libtorrent's alerts, and the
owner of every fetch's state (docs/libtorrent.md P13). It copies what it needs out of each
alert at once, changes the fetch statuses, wakes the readers waiting on the condition, and
publishes snapshots; once a second it dials the known peers a wanted file still lacks."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from tui.mirror.smart_ban import DiskBlocks
from tui.mirror.torrent_add import ActiveTorrent, dial_missing_peers, disk_message

if TYPE_CHECKING:
    from tui.mirror.fetch_status import FetchStatus, FetchStatuses
    from tui.mirror.fetch_verify import Verifier

REDIAL_SECONDS = 1.0  # known peers are dialled again this often while a wanted file is unfinished
QUIET_SECONDS = 2.0  # a needed piece with no data for this long has its deadline set again
STUCK_SECONDS = 6.0  # every block of a needed piece arrived this long ago and it was never verified
BANNED_ALL_SECONDS = 5.0  # a torrent whose peers were all banned is added again at most this often
PIECE_CACHE = 16  # read_piece buffers kept (docs/libtorrent.md P18)
WRITING = 2  # a block state in the download queue: 0 none, 1 requested, 2 writing, 3 finished


class AlertThread:
    """The alert side of `TorrentService` (a mixin: the service's state is shared, its thread is this)."""

    lt: Any
    session: Any
    cond: threading.Condition
    closed: threading.Event
    dht_ready: threading.Event
    torrents: dict[str, ActiveTorrent]
    statuses: FetchStatuses
    status: dict[str, FetchStatus]
    peers: list[tuple[str, int]]
    verifier: Verifier
    banned_addresses: set[str]  # kept out by an IP filter after our smart-ban named them

    def _add_again(self, torrent: ActiveTorrent) -> None:
        raise NotImplementedError  # TorrentService's

    def _alert_loop(self) -> None:
        lt = self.lt
        dialled = 0.0
        while not self.closed.is_set():
            if time.monotonic() - dialled >= REDIAL_SECONDS:
                dialled = time.monotonic()
                self._redial()
            if self.session.wait_for_alert(100) is None:
                with self.cond:
                    self.statuses.update_locked(self.torrents.values())
                self.statuses.publish()
                continue
            alerts = self.session.pop_alerts()
            newer = _blocks_after_failures(lt, alerts)
            completed: list[tuple[ActiveTorrent, int]] = []
            with self.cond:
                for a in alerts:
                    if isinstance(a, lt.dht_bootstrap_alert):
                        self._dht_up()
                        continue
                    torrent = self._torrent_of(a)
                    if torrent is None:
                        continue
                    if isinstance(a, lt.block_finished_alert):
                        ip = a.ip
                        torrent.ledger.block(int(a.piece_index), int(a.block_index), (str(ip[0]), int(ip[1])))
                    elif isinstance(a, lt.piece_finished_alert):
                        piece = int(a.piece_index)
                        torrent.ledger.passed(piece)
                        torrent.have.add(piece)
                        torrent.last_progress = time.monotonic()
                        self.statuses.attribute(torrent, piece)
                        self._count_senders(torrent)
                    elif isinstance(a, (lt.file_renamed_alert, lt.file_rename_failed_alert)):
                        index = int(a.index)
                        if isinstance(a, lt.file_rename_failed_alert):
                            torrent.rename_errors[index] = a.error.message()
                        event = torrent.renames.get(index)
                        if event is not None:
                            event.set()
                    elif isinstance(a, lt.read_piece_alert):
                        if a.error and a.error.value():
                            torrent.read_errors[int(a.piece)] = a.error.message()
                        else:
                            torrent.buffers[int(a.piece)] = bytes(a.buffer)  # copy now (docs/libtorrent.md P13)
                            while len(torrent.buffers) > PIECE_CACHE:
                                torrent.buffers.popitem(last=False)
                    elif isinstance(a, lt.file_completed_alert):
                        completed.append((torrent, int(a.index)))
                    elif isinstance(a, lt.file_prio_alert):
                        torrent.prio_seen = torrent.prio_generation
                    elif isinstance(a, lt.torrent_checked_alert) and torrent.rechecking:
                        completed.extend(self._rechecked(torrent))
                    elif isinstance(a, lt.hash_failed_alert):
                        self._hash_failed(torrent, int(a.piece_index), newer.get(id(a), frozenset()))
                    elif isinstance(a, lt.peer_ban_alert):
                        self.statuses.peer_banned([s for t in torrent.wanted.values()
                                                   if (s := self.status.get(t)) is not None])
                    elif isinstance(a, (lt.file_error_alert, lt.torrent_error_alert)):
                        torrent.error = disk_message(a, torrent.save_path, torrent.meta.piece_length)
                        for index, track_id in torrent.wanted.items():
                            status = self.status.get(track_id)
                            if status is not None and index not in torrent.files_done:
                                self.statuses.fail(status, torrent.error)
                self.statuses.update_locked(self.torrents.values())
                self.cond.notify_all()
                for torrent, index in completed:
                    self._on_file_complete(torrent, index)
            self.statuses.publish()

    def _dht_up(self) -> None:
        """The DHT bootstrapped: torrents added before are announced to it now, not in 15 minutes."""
        self.dht_ready.set()
        for torrent in self.torrents.values():
            try:
                torrent.handle.force_dht_announce()
            except Exception:  # noqa: BLE001 - a handle removed meanwhile
                pass

    def _hash_failed(self, torrent: ActiveTorrent, piece: int, newer: frozenset[int]) -> None:
        """A peer sent bad data: libtorrent drops the piece (and smart-bans the peer once a good
        copy names it); ours names it sooner where it can (smart_ban.py); the piece's deadline
        went with it, so it is asked for again at once."""
        torrent.have.discard(piece)
        with DiskBlocks(torrent.meta, piece, lambda i: torrent.mirror_path(i) if i in torrent.kept else None) as read:
            copy = torrent.ledger.take_copy(piece, read)
        culprit = torrent.ledger.failed(piece, copy, newer | _rewritten(torrent.handle, piece)) if copy else None
        failed = self.statuses.of_piece(torrent, piece)
        if culprit is not None:
            self._ban(torrent, culprit)
        for status in failed:
            self.statuses.hash_failed(status)
        if failed:
            try:
                torrent.handle.set_piece_deadline(piece, 0)
            except Exception:  # noqa: BLE001 - a handle removed meanwhile
                pass

    def _ban(self, torrent: ActiveTorrent, peer: tuple[str, int]) -> None:
        """Keep the peer that sent bad data out of the session (an IP filter: this libtorrent has
        no per-peer ban, and its per-peer rate limit is ignored on loopback, measured). Not when
        another connected peer shares its address (loopback, a NAT): that would shut out good ones."""
        try:
            others = [p for p in torrent.handle.get_peer_info() if str(p.ip[0]) == peer[0] and int(p.ip[1]) != peer[1]]
            if others:
                return
            rules = self.session.get_ip_filter()
            rules.add_rule(peer[0], peer[0], 1)
            self.session.set_ip_filter(rules)
        except Exception:  # noqa: BLE001 - a handle removed meanwhile, an address libtorrent refuses
            return
        self.banned_addresses.add(peer[0])
        self.statuses.peer_banned([s for t in torrent.wanted.values() if (s := self.status.get(t)) is not None])

    def _count_senders(self, torrent: ActiveTorrent) -> None:
        """At a fetch's first piece, who is connected: a fetch done within one round of the
        counters (a small file) would otherwise say it came from no peer."""
        self._note_connected(torrent, [s for t in torrent.wanted.values()
                                       if (s := self.status.get(t)) is not None and not s.peers_max])

    def _note_connected(self, torrent: ActiveTorrent, statuses: list[FetchStatus]) -> None:
        if statuses:
            try:
                connected = len(torrent.handle.get_peer_info())
            except Exception:  # noqa: BLE001 - a handle removed meanwhile
                return
            for status in statuses:
                status.peers_max = max(status.peers_max, connected)

    def _rechecked(self, torrent: ActiveTorrent) -> list[tuple[ActiveTorrent, int]]:
        """A recheck ended: what is on disk and right is what we have now; files it completed."""
        torrent.rechecking = False
        try:
            pieces = torrent.handle.status(self.lt.status_flags_t.query_pieces).pieces
        except Exception:  # noqa: BLE001 - a handle removed meanwhile
            return []
        torrent.have = {i for i, done in enumerate(pieces) if done}
        torrent.last_progress = time.monotonic()
        return [(torrent, index) for index in torrent.wanted if index not in torrent.files_done
                and all(p in torrent.have for p in torrent.meta.file_pieces(torrent.meta.file(index)))]

    def _unstick(self, torrent: ActiveTorrent) -> None:
        """A needed piece whose every block arrived seconds ago was neither verified nor failed
        (seen about once in fifty fetches beside a peer sending bad data: libtorrent never hashes
        it and never asks for it again). A recheck hashes what is on disk, that piece too."""
        torrent.rechecking = True
        torrent.rechecked_at = time.monotonic()
        try:
            torrent.handle.force_recheck()
        except Exception:  # noqa: BLE001 - a handle removed meanwhile
            torrent.rechecking = False

    def _redial(self) -> None:
        """Once a second, while a wanted file is unfinished: dial the known peers again (a seeder
        that starts late, or refused one connection, is reached within a second, not never), and
        set again the deadlines of needed pieces whose requests went quiet."""
        with self.cond:
            waiting = [t for t in self.torrents.values() if any(i not in t.files_done for i in t.wanted)]
            quiet = [(t, p) for t in waiting for track_id in t.wanted.values()
                     if (s := self.status.get(track_id)) is not None and s.idle_seconds > QUIET_SECONDS
                     for p in s.need_pieces if p not in t.have]
            stuck = {id(t): t for t in waiting for track_id in t.wanted.values()
                     if (s := self.status.get(track_id)) is not None and s.idle_seconds > STUCK_SECONDS
                     and s.need_bytes and s.need_done >= s.need_bytes and not t.rechecking
                     and time.monotonic() - t.rechecked_at > 4 * STUCK_SECONDS}
            banned_all = [t for t in waiting if self._lost_every_peer(t)]
            for torrent in banned_all:
                self._add_again(torrent)
        for torrent in stuck.values():
            self._unstick(torrent)
        for torrent, piece in quiet:
            try:
                torrent.handle.set_piece_deadline(piece, 0)
            except Exception:  # noqa: BLE001 - a handle removed meanwhile
                pass
        if self.peers:
            for torrent in waiting:
                dial_missing_peers(torrent.handle, self.peers)

    def _lost_every_peer(self, torrent: ActiveTorrent) -> bool:
        """Bad data came in (so peers sent it) and now no peer is connected: libtorrent banned them."""
        statuses = [s for t in torrent.wanted.values() if (s := self.status.get(t)) is not None]
        if not any(s.hash_failures for s in statuses):
            return False
        if time.monotonic() - torrent.added_again_at < BANNED_ALL_SECONDS:
            return False
        try:
            peers = torrent.handle.get_peer_info()
        except Exception:  # noqa: BLE001 - a handle removed meanwhile
            return False
        return not any(not p.flags & (p.connecting | p.handshake) for p in peers)  # dials do not count

    def _torrent_of(self, alert: Any) -> ActiveTorrent | None:
        handle = getattr(alert, "handle", None)
        if handle is None:
            return None
        try:
            key = str(handle.info_hash())
        except Exception:  # noqa: BLE001 - a removed handle
            return None
        return self.torrents.get(key)

    # -- completion -----------------------------------------------------------------------------------

    def _on_file_complete(self, torrent: ActiveTorrent, index: int) -> None:
        track_id = torrent.wanted.get(index)
        if track_id is None or index in torrent.files_done:
            return
        status = self.status.get(track_id)
        if status is None:
            return
        self._note_connected(torrent, [status])  # a fetch faster than one round of the counters
        self.statuses.verifying(status)
        self.verifier.verify(torrent, index, track_id, status)


def _blocks_after_failures(lt: Any, alerts: list[Any]) -> dict[int, frozenset[int]]:
    """For each hash failure in a batch, the blocks of its piece that arrived after it in the
    same batch: their bytes on disk may be the next copy's (smart_ban.py). Keyed by id(alert)."""
    if not any(isinstance(a, lt.hash_failed_alert) for a in alerts):
        return {}
    later: dict[tuple[str, int], set[int]] = {}
    out: dict[int, frozenset[int]] = {}
    for a in reversed(alerts):
        if isinstance(a, lt.block_finished_alert):
            later.setdefault((str(a.handle.info_hash()), int(a.piece_index)), set()).add(int(a.block_index))
        elif isinstance(a, lt.hash_failed_alert):
            out[id(a)] = frozenset(later.get((str(a.handle.info_hash()), int(a.piece_index)), ()))
    return out


def _rewritten(handle: Any, piece: int) -> frozenset[int]:
    """Blocks of `piece` the next attempt has written (or is writing) already; asked after the
    failed copy was read, so any block it read the new bytes of is among them."""
    try:
        queue = handle.get_download_queue()
    except Exception:  # noqa: BLE001 - a handle removed meanwhile
        return frozenset(range(1 << 16))  # unknown: compare nothing
    for entry in queue:
        if int(entry["piece_index"]) == piece:
            return frozenset(n for n, b in enumerate(entry["blocks"]) if int(b.get("state", 0)) >= WRITING)
    return frozenset()

