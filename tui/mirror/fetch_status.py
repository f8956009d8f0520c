"""What a fetch looks like from outside: its live status, and frozen snapshots of it.

`FetchStatus` is the service's own record, changed only under its lock;
`FetchProgress` is the snapshot it publishes to listeners (any thread may keep it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    def snapshot(self) -> FetchProgress:
        return FetchProgress(self.track_id, self.state, self.bytes_total, self.bytes_done, self.rate,
                             self.peers, self.pieces_done, self.pieces_total, self.message,
                             self.first_piece_ms, self.complete_ms, self.verified, self.idle_seconds,
                             self.line())

    def line(self) -> str:
        if self.state == "stalled":
            return (f"stalled at {self.percent:.0f}%: {self.peers} peers, no data for a while "
                    "(check the network or add --peer HOST:PORT)")
        if self.state == "failed":
            return f"fetch failed: {self.message}"
        if self.state == "done":
            return "fetched and verified" if self.verified else "fetched"
        return f"{self.state} {self.percent:.0f}% {self.rate / 1e6:.1f} MB/s {self.peers} peers"


class FetchError(Exception):
    pass


class FetchCancelled(Exception):
    pass
