"""What a fetch looks like from outside: its live status, and frozen snapshots of it.

`FetchStatus` is the service's own record, changed only under its lock;
`FetchProgress` is the snapshot it publishes to listeners (any thread may keep it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.mirror.torrent_add import ActiveTorrent

STALL_SECONDS = 6.0  # no new data for this long while a file is wanted: "stalled"
GIVE_UP_SECONDS = 120.0  # no new data for this long: `fetch` times out, a streaming `play` gives up
PUBLISH_INTERVAL = 0.25  # progress snapshots at most 4 a second per file; state changes at once
ACTIVE_STATES = ("queued", "fetching", "stalled", "verifying")
FINAL_STATES = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class FetchProgress:
    track_id: str
    state: str  # queued | fetching | stalled | verifying | done | failed | cancelled
    bytes_total: int
    bytes_done: int
    rate: float  # bytes/s
    peers: int
    pieces_done: int
    pieces_total: int
    message: str | None
    first_piece_ms: float | None
    complete_ms: float | None
    verified: bool
    idle_seconds: float  # since the last byte arrived
    line: str
    bytes_downloaded: int = 0  # what travelled for this file (its pieces, counted once)
    moved_aside: str | None = None  # where a damaged copy at its path was moved first

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass
class FetchStatus:
    """What the UI shows while a file streams."""

    track_id: str
    state: str = "queued"  # queued | fetching | stalled | verifying | done | failed | cancelled
    bytes_total: int = 0
    bytes_done: int = 0
    rate: float = 0.0  # bytes/s
    peers: int = 0
    pieces_done: int = 0
    pieces_total: int = 0
    message: str | None = None
    first_piece_ms: float | None = None
    complete_ms: float | None = None
    verified: bool = False
    idle_seconds: float = 0.0
    bytes_downloaded: int = 0
    moved_aside: str | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    def snapshot(self) -> FetchProgress:
        return FetchProgress(self.track_id, self.state, self.bytes_total, self.bytes_done, self.rate,
                             self.peers, self.pieces_done, self.pieces_total, self.message,
                             self.first_piece_ms, self.complete_ms, self.verified, self.idle_seconds,
                             self.line(), self.bytes_downloaded, self.moved_aside)

    def line(self) -> str:
        if self.state == "stalled":
            left = max(0.0, GIVE_UP_SECONDS - self.idle_seconds)
            return (f"stalled at {self.percent:.0f}%: {self.peers} peers, no data for {self.idle_seconds:.0f} s, "
                    f"giving up in {left:.0f} s (check the network, or add --peer HOST:PORT)")
        if self.state == "failed":
            return f"fetch failed: {self.message}"
        if self.state == "done":
            return "fetched and verified" if self.verified else "fetched"
        return f"{self.state} {self.percent:.0f}% {self.rate / 1e6:.1f} MB/s {self.peers} peers"


class FetchError(Exception):
    pass


class FetchCancelled(Exception):
    pass


class FetchStatuses:
    """Every fetch's status, changed under the service's lock, published as snapshots."""

    def __init__(self, cond: threading.Condition, lt, seed_ratio: float) -> None:
        self.cond = cond
        self.lt = lt
        self.seed_ratio = seed_ratio
        self.by_track: dict[str, FetchStatus] = {}
        self.listeners: list[Callable[[FetchProgress], None]] = []
        self._published: dict[str, tuple[float, str]] = {}  # track id -> (when, state) last published

    def publish(self) -> None:
        """Snapshots of what changed to the listeners, outside the lock."""
        now = time.monotonic()
        due: list[FetchProgress] = []
        with self.cond:
            for track_id, status in self.by_track.items():
                last = self._published.get(track_id)
                changed = last is None or last[1] != status.state
                due_again = last is not None and now - last[0] >= PUBLISH_INTERVAL
                if changed or (status.state in ACTIVE_STATES and due_again):
                    self._published[track_id] = (now, status.state)
                    due.append(status.snapshot())
        for snapshot in due:
            for listener in list(self.listeners):
                try:
                    listener(snapshot)
                except Exception:  # noqa: BLE001 - a listener's bug must not stop fetching
                    pass

    def update_locked(self, torrents: Iterable[ActiveTorrent]) -> None:
        """From libtorrent's counters: bytes, rate, peers, pieces, stalls (caller holds the lock)."""
        now = time.monotonic()
        for torrent in torrents:
            if not torrent.wanted:
                continue
            try:
                st = torrent.handle.status()
                progress = torrent.handle.file_progress(self.lt.file_progress_flags_t.piece_granularity)
            except Exception:  # noqa: BLE001
                continue
            if st.total_payload_download != torrent.last_bytes:
                torrent.last_bytes = st.total_payload_download
                torrent.last_progress = now
            for index, track_id in torrent.wanted.items():
                status = self.by_track.get(track_id)
                if status is None or status.state in ("done", "failed", "cancelled", "verifying"):
                    continue
                status.bytes_done = min(status.bytes_total, progress[index] if index < len(progress) else 0)
                status.rate = st.download_payload_rate
                status.peers = st.num_peers
                pieces = torrent.parsed.file_pieces(torrent.parsed.files[index])
                status.pieces_done = sum(1 for p in pieces if p in torrent.have)
                if status.first_piece_ms is None and pieces and pieces[0] in torrent.have:
                    status.first_piece_ms = (now - status.started) * 1000
                idle = now - torrent.last_progress
                status.idle_seconds = idle
                if status.state == "stalled" and idle < STALL_SECONDS:
                    status.state = "fetching"
                elif status.state == "fetching" and idle > STALL_SECONDS and \
                        status.pieces_done < status.pieces_total:
                    status.state = "stalled"  # no data for a while: say so plainly
            if self.seed_ratio and all(i in torrent.files_done for i in torrent.wanted):
                got = max(1, st.total_payload_download)
                if st.total_payload_upload / got >= self.seed_ratio:
                    torrent.handle.pause()

    def attribute(self, torrent: ActiveTorrent, piece: int) -> None:
        """The bytes of a piece that travelled, counted once, for the file it was fetched for."""
        if piece in torrent.attributed:
            return
        start = piece * torrent.parsed.piece_length
        size = min(torrent.parsed.piece_length, torrent.parsed.total_size - start)
        for index, track_id in torrent.wanted.items():
            f = torrent.parsed.files[index]
            if f.offset < start + size and f.offset + f.size > start:
                status = self.by_track.get(track_id)
                if status is not None:
                    status.bytes_downloaded += size
                    torrent.attributed.add(piece)
                    return
