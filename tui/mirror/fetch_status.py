"""What a fetch looks like from outside: its live status, and frozen snapshots of it.

`FetchStatus` is the service's own record, changed by `FetchStatuses` on the
service's alert thread only; `FetchProgress` is the snapshot it publishes to
listeners (any thread may keep it).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tui.errors import LongtailError

if TYPE_CHECKING:
    from tui.mirror.torrent_add import ActiveTorrent

STALL_SECONDS = 6.0  # no new data for this long while a file is wanted: "stalled"
GIVE_UP_SECONDS = 120.0  # no new data for this long: `fetch` times out, a streaming `play` gives up
FetchState = Literal["queued", "fetching", "stalled", "verifying", "done", "failed", "cancelled"]
PUBLISH_INTERVAL = 0.25  # progress snapshots at most 4 a second per file; state changes at once
ACTIVE_STATES = ("queued", "fetching", "stalled", "verifying")
FINAL_STATES = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class FetchProgress:
    track_id: str
    state: FetchState
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
    added_ms: float | None = None  # request -> torrent added to the session
    need_bytes: int = 0  # the pieces playback waits for now (whole pieces: nothing plays before one is verified)
    need_done: int = 0  # of which this much has arrived
    eta: float | None = None  # seconds until they are here, at the live rate
    hash_failures: int = 0
    banned: int = 0  # peers banned for sending bad data

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass
class FetchStatus:
    """One file's fetch, as the service knows it. Created by `FetchStatuses.start`; every later
    change is made by `FetchStatuses` on the alert thread (the one state machine)."""

    track_id: str
    state: FetchState = "queued"
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
    deadline: float | None = None  # when the asker stops waiting (`fetch --timeout`), monotonic
    hash_failures: int = 0  # pieces of this file that failed their hash check (a peer sent bad data)
    peers_named: bool = False  # the user named peers (--peer, `peers`): advice says so
    added_ms: float | None = None
    need_pieces: tuple[int, ...] = ()  # what playback waits for: the head and tail first, then where it reads
    need_bytes: int = 0
    need_done: int = 0
    banned: int = 0
    peers_max: int = 0  # the most peers connected at once during this fetch

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    def seconds_left(self, now: float | None = None) -> float:
        """Until this fetch gives up: no data for GIVE_UP_SECONDS, or the asker's deadline."""
        now = time.monotonic() if now is None else now
        left = GIVE_UP_SECONDS - self.idle_seconds
        if self.deadline is not None:
            left = min(left, self.deadline - now)
        return max(0.0, left)

    def snapshot(self) -> FetchProgress:
        return FetchProgress(self.track_id, self.state, self.bytes_total, self.bytes_done, self.rate,
                             self.peers, self.pieces_done, self.pieces_total, self.message,
                             self.first_piece_ms, self.complete_ms, self.verified, self.idle_seconds,
                             self.line(), self.bytes_downloaded, self.moved_aside, self.added_ms,
                             self.need_bytes, self.need_done, self.eta(), self.hash_failures, self.banned)

    def eta(self) -> float | None:
        left = self.need_bytes - self.need_done
        if left <= 0 or self.rate <= 0:
            return None
        return left / self.rate

    def advice(self) -> str:
        if self.hash_failures:
            return "a peer sent bad data; it is fetched again from the others"
        if self.peers_named:
            return "check that the peers given are up and seeding this torrent"
        return "check the network, or name a seeder with --peer HOST:PORT"

    def line(self) -> str:
        if self.state == "stalled":
            return (f"stalled at {self.percent:.0f}%: {self.peers} peers, no data for {self.idle_seconds:.0f} s, "
                    f"giving up in {self.seconds_left():.0f} s ({self.advice()})")
        if self.state == "failed":
            return f"fetch failed: {self.message}"
        if self.state == "done":
            return "fetched and verified" if self.verified else "fetched"
        if self.need_bytes > self.need_done:
            eta = self.eta()
            return (f"buffering {_mib(self.need_done)} of {_mib(self.need_bytes)} MiB from {self.peers} peers"
                    + (f", ~{eta:.1f} s" if eta is not None else ""))
        return f"{self.state} {self.percent:.0f}% {self.rate / 1e6:.1f} MB/s {self.peers} peers"

    def give_up_message(self) -> str:
        now = time.monotonic()
        waited = now - self.started
        if self.deadline is not None and now >= self.deadline:
            return (f"timed out after {waited:.0f} s at {self.percent:.0f}% ({self.peers} peers"
                    + (f", {self.hash_failures} piece(s) failed their hash check" if self.hash_failures else "")
                    + f"); {self.advice()}")
        if self.hash_failures:
            return (f"{self.hash_failures} piece(s) failed their hash check and no peer sent a good copy "
                    f"in {waited:.0f} s ({self.peers} peers)")
        return (f"no peer sent any of it for {min(waited, GIVE_UP_SECONDS):.0f} s ({self.peers} peers); "
                f"{self.advice()}")


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f}"


class FetchError(LongtailError):
    """A fetch cannot be done (or failed); the message says why, in one line."""


class FetchCancelled(Exception):
    """A read was stopped on purpose (a skip): not an error to report."""


class FetchStatuses:
    """Every fetch's status and its one state machine:

        queued/fetching <-> stalled (no data for STALL_SECONDS) -> failed (GIVE_UP_SECONDS, or the
        asker's deadline); fetching -> verifying -> done | failed; any active state -> cancelled.

    A status is created by `start` (any thread, under the lock); every transition after that
    happens on the owner (the alert thread). Other threads post with `submit`."""

    def __init__(self, cond: threading.Condition, lt: Any, seed_ratio: float) -> None:
        self.cond = cond
        self.lt = lt
        self.seed_ratio = seed_ratio
        self.by_track: dict[str, FetchStatus] = {}
        self.listeners: list[Callable[[FetchProgress], None]] = []
        self.owner: threading.Thread | None = None
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._published: dict[str, tuple[float, str]] = {}  # track id -> (when, state) last published

    # -- ownership ---------------------------------------------------------------------------------

    def _owned(self) -> None:
        if self.owner is not None and threading.current_thread() is not self.owner:
            raise WrongThread(f"fetch statuses are changed on {self.owner.name} only, "
                              f"not on {threading.current_thread().name}")

    def submit(self, change: Callable[[], None]) -> None:
        """A change for the owner to make (cancel, a verification's result)."""
        self._inbox.put(change)

    def drain(self) -> None:
        """The owner makes the changes posted to it (caller holds the lock)."""
        self._owned()
        while True:
            try:
                change = self._inbox.get_nowait()
            except queue.Empty:
                return
            change()

    # -- the transitions -----------------------------------------------------------------------------

    def start(self, status: FetchStatus) -> FetchStatus:
        """A new fetch (caller holds the lock); an active one for the same track is kept."""
        current = self.by_track.get(status.track_id)
        if current is not None and current.state not in ("failed", "cancelled"):
            return current
        self.by_track[status.track_id] = status
        return status

    def fail(self, status: FetchStatus, message: str) -> None:
        self._owned()
        if status.state not in FINAL_STATES:
            status.state, status.message = "failed", message

    def verifying(self, status: FetchStatus) -> None:
        self._owned()
        if status.state in ACTIVE_STATES:
            status.state = "verifying"

    def verified(self, status: FetchStatus, ok: bool, size: int, message: str | None) -> None:
        self._owned()
        status.complete_ms = (time.monotonic() - status.started) * 1000
        if ok:
            status.state, status.verified, status.bytes_done = "done", True, size
        else:
            status.state, status.message = "failed", message

    def cancel(self, status: FetchStatus) -> None:
        self._owned()
        if status.state in ACTIVE_STATES:
            status.state = "cancelled"

    def hash_failed(self, status: FetchStatus) -> None:
        self._owned()
        status.hash_failures += 1

    def peer_banned(self, statuses: list[FetchStatus]) -> None:
        self._owned()
        for status in statuses:
            status.banned += 1

    def reading(self, status: FetchStatus, pieces: tuple[int, ...]) -> None:
        """Playback waits for these pieces now (a read blocked on them)."""
        self._owned()
        status.need_pieces = pieces

    def _idle(self, status: FetchStatus, idle: float, now: float) -> None:
        """Stalls and give-ups, from how long no data came."""
        status.idle_seconds = idle
        if status.state not in ("queued", "fetching", "stalled"):
            return
        if status.pieces_done >= status.pieces_total and status.pieces_total:
            return
        if status.seconds_left(now) <= 0:
            self.fail(status, status.give_up_message())
        elif status.state == "stalled" and idle < STALL_SECONDS:
            status.state = "fetching"
        elif status.state == "fetching" and idle > STALL_SECONDS:
            status.state = "stalled"  # no data for a while: say so plainly

    # -- the owner's round --------------------------------------------------------------------------

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
        """From libtorrent's counters: bytes, rate, peers, pieces, stalls (the owner, holding the lock)."""
        self._owned()
        self.drain()
        now = time.monotonic()
        for torrent in torrents:
            if not torrent.wanted:
                continue
            try:
                st = torrent.handle.status()
                progress = torrent.handle.file_progress(self.lt.file_progress_flags_t.piece_granularity)
                partial = _partial_bytes(torrent.handle.get_download_queue())
            except Exception:  # noqa: BLE001
                continue
            if st.total_payload_download != torrent.last_bytes:
                torrent.last_bytes = st.total_payload_download
                torrent.last_progress = now
            for index, track_id in torrent.wanted.items():
                status = self.by_track.get(track_id)
                if status is not None:
                    status.peers_max = max(status.peers_max, st.num_peers)
                if status is None or status.state not in ("queued", "fetching", "stalled"):
                    continue
                status.bytes_done = min(status.bytes_total, progress[index] if index < len(progress) else 0)
                status.rate = st.download_payload_rate
                status.peers = st.num_peers
                pieces = torrent.meta.file_pieces(torrent.meta.file(index))
                status.pieces_done = sum(1 for p in pieces if p in torrent.have)
                if status.first_piece_ms is None and pieces and pieces[0] in torrent.have:
                    status.first_piece_ms = (now - status.started) * 1000
                waiting = [p for p in status.need_pieces if p not in torrent.have]
                status.need_bytes = sum(torrent.meta.piece_size(p) for p in waiting)
                status.need_done = sum(partial.get(p, 0) for p in waiting)
                self._idle(status, now - max(torrent.last_progress, status.started), now)
            if self.seed_ratio and all(i in torrent.files_done for i in torrent.wanted):
                got = max(1, st.total_payload_download)
                if st.total_payload_upload / got >= self.seed_ratio:
                    torrent.handle.pause()

    def attribute(self, torrent: ActiveTorrent, piece: int) -> None:
        """The bytes of a piece that travelled, counted once, for the file it was fetched for."""
        self._owned()
        if piece in torrent.attributed:
            return
        start = piece * torrent.meta.piece_length
        size = min(torrent.meta.piece_length, torrent.meta.total_size - start)
        for index, track_id in torrent.wanted.items():
            f = torrent.meta.file(index)
            if f.offset < start + size and f.offset + f.size > start:
                status = self.by_track.get(track_id)
                if status is not None:
                    status.bytes_downloaded += size
                    torrent.attributed.add(piece)
                    return

    def of_piece(self, torrent: ActiveTorrent, piece: int) -> list[FetchStatus]:
        """The fetches whose files hold a byte of `piece`."""
        start = piece * torrent.meta.piece_length
        end = start + torrent.meta.piece_length
        out = []
        for index, track_id in torrent.wanted.items():
            f = torrent.meta.file(index)
            status = self.by_track.get(track_id)
            if status is not None and f.offset < end and f.offset + f.size > start:
                out.append(status)
        return out


def _partial_bytes(queue: list[dict]) -> dict[int, int]:
    """Bytes of each partly downloaded piece that have arrived (from libtorrent's download queue)."""
    out = {}
    for piece in queue:
        done = 0
        for block in piece.get("blocks", ()):
            state = block.get("state")
            if state in (2, 3):  # writing, finished
                done += block.get("block_size", 16384)
            elif state == 1:  # requested: partly here
                done += block.get("bytes_progress", 0)
        out[int(piece["piece_index"])] = done
    return out


class WrongThread(RuntimeError):
    """State was changed on a thread that does not own it (a bug, caught by the tests)."""
