"""Adding a torrent for on-demand fetch: the session's settings, what we already have, and
the add parameters.

A torrent is added with its save path in the state directory, and only the files being
fetched (and those fetched before in this run) mapped to their paths in the mirror: every
other file, and the part file that holds neighbours' bytes of shared boundary pieces,
lives in the state directory, so nothing a fetch writes ever reaches a neighbour in the
mirror, whatever is there. Measured with libtorrent 2.1: a neighbour at priority 0 that
exists at its path is still written (a truncated one grew to full size); mapped away it
is left byte for byte. One absolute rename per wanted file replaces one per other file
(59,999 of them in an archive torrent: seconds, every add).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.mirror.file_index import FileEntry, FileIndex
from tui.mirror.smart_ban import BlockLedger
from tui.mirror.torrent_meta import TorrentMeta

RECV_BUFFER = 4 << 20  # bytes; see session_settings


class ActiveTorrent:
    """Our bookkeeping for one added torrent; guarded by the service's condition."""

    def __init__(self, meta: TorrentMeta, handle: Any, save_path: Path, torrent_id: int) -> None:
        self.meta = meta
        self.handle = handle
        self.save_path = save_path  # where its files are in the mirror (libtorrent's save path is ours)
        self.torrent_id = torrent_id
        self.have: set[int] = set()
        self.buffers: OrderedDict[int, bytes] = OrderedDict()
        self.read_errors: dict[int, str] = {}
        self.wanted: dict[int, str] = {}  # file index -> track id
        self.prio_generation = 0
        self.prio_seen = 0
        self.files_done: set[int] = set()
        self.error: str | None = None
        self.last_progress = time.monotonic()
        self.last_bytes = 0
        self.kept: set[int] = set()  # files mapped to their mirror paths; the rest live in the state dir
        self.renames: dict[int, threading.Event] = {}  # a file being mapped to the mirror
        self.rename_errors: dict[int, str] = {}
        self.attributed: set[int] = set()  # pieces whose bytes are counted for a fetch already
        self.rechecking = False  # a recheck (a stuck piece, torrent_alerts.py) is under way
        self.rechecked_at = 0.0
        self.added_again = 0  # times added again after its peers were all banned (torrent_service.py)
        self.added_again_at = 0.0
        self.ledger = BlockLedger()  # who sent which block, to name a peer sending bad data (smart_ban.py)

    def mirror_path(self, index: int) -> Path:
        return self.save_path / self.meta.file(index).path


@dataclass(frozen=True)
class SwarmOptions:
    """How the session meets the swarm (the config's `[swarm]`); `loopback` is the demo's and the
    tests' closed world: 127.0.0.1 only, no DHT, LSD, UPnP or uTP."""

    listen: tuple[str, ...] = ("0.0.0.0:0", "[::]:0")
    dht: bool = True
    dht_bootstrap: tuple[str, ...] = ()
    lsd: bool = True
    utp: bool = True
    upnp: bool = True
    loopback: bool = False


def session_settings(lt: Any, options: SwarmOptions, upload_limit: int, download_limit: int) -> dict:
    settings: dict[str, Any] = {
        "alert_mask": (lt.alert_category.error | lt.alert_category.status | lt.alert_category.storage
                       | lt.alert_category.piece_progress | lt.alert_category.file_progress
                       | lt.alert_category.dht | lt.alert_category.peer | lt.alert_category.block_progress),
        # a block alert per 16 KiB (smart_ban.py): ~6,000 a second at 100 MB/s, popped every 100 ms at most
        "alert_queue_size": 50000,
        "tick_interval": 100,
        "allow_multiple_connections_per_ip": True,
        "user_agent": "longtail/0.1",
        # A failed peer is tried again after (failures + 1) × this; libtorrent's 60 s would leave a
        # seeder that starts a few seconds late unreached for a minute
        "min_reconnect_time": 1,
        # libtorrent dials uTP first and falls back to TCP only after the uTP handshake times out:
        # 4.6 s to a TCP-only seeder (aria2c, many seedboxes) with the defaults, 1.6 s with these
        # (docs/libtorrent.md)
        "utp_connect_timeout": 500,
        "utp_syn_resends": 1,
        # Parole puts every peer that sent a block of a piece that failed its hash on "whole pieces
        # only, alone"; with the one or two pieces a track needs, every peer is on parole and the
        # deadline piece is never asked for again: 5 stalls in 6 runs with one corrupt seeder among
        # five, 0 in 6 without it (bench_swarm.py). Smart-ban still bans the peer that sent bad
        # blocks once a good copy of the piece arrives.
        "use_parole_mode": False,
        # uTP shares one UDP socket; at the OS default (208 KiB on Linux) a seeder's burst
        # overflows it, and every dropped datagram stalls that peer for a uTP timeout. Measured on
        # the bench swarm: 4,331 drops in 20 fetches and first audio of a 16 MiB piece 1.97 s;
        # with 4 MiB, 0 drops and 1.55 s. Linux caps it at net.core.rmem_max.
        "recv_socket_buffer_size": RECV_BUFFER,
    }
    if options.loopback:
        settings.update({"listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
                         "enable_upnp": False, "enable_natpmp": False,
                         "enable_incoming_utp": False, "enable_outgoing_utp": False})
    else:
        settings.update({"listen_interfaces": ",".join(options.listen), "enable_dht": options.dht,
                         "enable_lsd": options.lsd, "enable_upnp": options.upnp, "enable_natpmp": options.upnp,
                         "enable_incoming_utp": options.utp, "enable_outgoing_utp": options.utp})
        if options.dht_bootstrap:
            settings["dht_bootstrap_nodes"] = ",".join(options.dht_bootstrap)
    if download_limit:
        settings["download_rate_limit"] = download_limit
    if upload_limit:
        # Session-wide, so it applies to the swarm (the global peer class) only. A per-torrent
        # limit would also queue our own piece requests behind the bandwidth manager
        # (measured: first piece 100 ms -> 800 ms on loopback).
        settings["upload_rate_limit"] = upload_limit
    return settings


def have_pieces(meta: TorrentMeta, files: FileIndex, torrent_id: int, kept: set[int]) -> list[bool]:
    """Pieces whose every byte lies in files mapped to the mirror that the index says are
    complete there (pad files count as complete); files in the state directory are not there
    as far as libtorrent knows."""
    complete = files.complete_files(torrent_id, kept)
    have = [False] * meta.num_pieces
    for index in complete:
        for piece in meta.file_pieces(meta.file(index)):
            if not have[piece]:
                have[piece] = all(f.file_index in complete or f.pad or f.size == 0
                                  for f in meta.files_in_piece(piece))
    return have


def state_save_path(parts_dir: Path, info_hash: str) -> Path:
    """libtorrent's save path for a torrent: in the state directory (its part file goes there too)."""
    return parts_dir / info_hash


def add_params(lt: Any, meta: TorrentMeta, mirror_path: Path, priorities: dict[int, int], have: list[bool],
               parts_dir: Path, peers: list[tuple[str, int]], kept: set[int]) -> Any:
    atp = lt.add_torrent_params()
    atp.ti = meta.info
    save = state_save_path(parts_dir, meta.info_hash)
    save.mkdir(parents=True, exist_ok=True)
    atp.save_path = str(save)
    prios = [0] * meta.num_files
    for index, prio in priorities.items():
        prios[index] = prio
    atp.file_priorities = prios
    atp.renamed_files = {index: str(mirror_path / meta.file(index).path) for index in kept}
    if any(have):
        atp.have_pieces = have
    # have_pieces alone is fast resume: no hashing of what is on disk (measured: the torrent
    # is "finished" in 50 ms). The reference's extra no_verify_files flag crashes libtorrent
    # 2.1.1's pread storage (a null part file in part_file::writev) once a boundary piece is
    # written, so it is not set.
    # Added with the wanted file's priority already set, the sequential flag works at once
    # (docs/libtorrent.md P3 only bites when every file was at priority 0 first).
    atp.flags = ((atp.flags | lt.torrent_flags.sequential_download)
                 & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused)
    if peers:
        atp.peers = list(peers)  # connect as soon as the torrent is up, not a tick later
    return atp


def disk_message(alert: Any, save_path: Path | None = None, room: int = 0) -> str:
    """A file or torrent error alert in words. A full disk says so even when libtorrent's
    error is a consequence of it (a part file that could not be created: "No such file")."""
    text = ""
    try:
        text = alert.error.message()
    except Exception:  # noqa: BLE001
        text = str(alert.message())
    full = "space" in text.lower()
    if not full and save_path is not None:
        try:
            full = shutil.disk_usage(save_path).free < max(room, 1)
        except OSError:
            pass
    if full:
        return "the disk is full: free some space and play it again"
    file = getattr(alert, "filename", None)
    where = f" ({file() if callable(file) else file})" if file else ""
    return f"{text or 'a storage error'}{where}"


KNOWN_PEER_SOURCE = 1  # lt.peer_info.tracker


def dial_missing_peers(handle: Any, peers: list[tuple[str, int]]) -> None:
    """Connect to the known peers that this torrent is not connected to now."""
    try:
        connected = {(str(p.ip[0]), int(p.ip[1])) for p in handle.get_peer_info()}
    except Exception:  # noqa: BLE001 - a handle removed meanwhile
        return
    for peer in peers:
        if peer not in connected:
            try:
                # as if a tracker named it: libtorrent then forgives one failed attempt, so a peer
                # that refused us is never dropped (after 3 failures) while we still want it
                handle.connect_peer(peer, KNOWN_PEER_SOURCE)
            except Exception:  # noqa: BLE001 - libtorrent refuses some addresses outright
                pass


def first_needed(torrent: ActiveTorrent, entry: FileEntry, tail_bytes: int) -> tuple[int, ...]:
    """The pieces a player needs before it can start: the head and those holding the last
    `tail_bytes` (Ogg demuxers read the tail for the duration)."""
    meta = torrent.meta
    pieces = meta.file_pieces(meta.file(entry.file_index))
    if not pieces:
        return ()
    tail_start = (entry.offset + max(0, entry.size - tail_bytes)) // meta.piece_length
    return tuple(dict.fromkeys([pieces[0], *range(tail_start, pieces[-1] + 1)]))


def arm_deadlines(torrent: ActiveTorrent, entry: FileEntry, tail_bytes: int, base_ms: int = 0) -> None:
    """Deadlines on the head and the tail (Ogg reads the tail first), then in-order bulk."""
    meta = torrent.meta
    pieces = meta.file_pieces(meta.file(entry.file_index))
    if not pieces:
        return
    head = list(pieces[:2])
    tail_start = (entry.offset + max(0, entry.size - tail_bytes)) // meta.piece_length
    tail = [p for p in range(tail_start, pieces[-1] + 1) if p not in head]
    for i, p in enumerate(head):
        if p not in torrent.have:
            torrent.handle.set_piece_deadline(p, base_ms + 20 * i)
    for i, p in enumerate(tail):
        if p not in torrent.have:
            torrent.handle.set_piece_deadline(p, base_ms + 40 + 20 * i)
