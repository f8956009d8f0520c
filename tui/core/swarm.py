"""Fetching for a session: the torrent service (one per process), the demo's loopback
seeder as its swarm, and the fetch of named tracks that `longtail fetch` and
`check --repair` wait on. Progress reaches the bus as `FetchProgress` snapshots.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tui.core.services import Services
from tui.errors import UsageError
from tui.mirror.fetch_status import FINAL_STATES, FetchError, FetchProgress
from tui.mirror.file_index import FileEntry
from tui.mirror.peers import parse_peer
from tui.mirror.torrent_service import TorrentService
from tui.mirror.torrent_stream import TorrentStream

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
FETCH_TIMEOUT = 120.0


@dataclass
class FetchReport:
    """One track of `longtail fetch`: what happened, for scripts."""

    id: str
    ok: bool = False
    bytes_downloaded: int = 0
    first_piece_ms: float | None = None
    complete_ms: float | None = None
    verified: bool = False
    path: str | None = None
    error: str | None = None
    note: str | None = None

    def as_json(self) -> dict:
        doc = asdict(self)
        if doc["note"] is None:
            del doc["note"]
        return doc


class Swarm:
    def __init__(self, services: Services, publish: Callable[[object], None],
                 extra_peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
        settings = services.settings
        try:
            peers = [parse_peer(p) for p in (*settings.peers, *extra_peers)]
        except ValueError as exc:
            raise UsageError(f"bad peer: {exc}", "give peers as HOST:PORT") from None
        self.services = services
        self.seeder = None
        demo = services.location.demo
        if demo is not None:
            from tui.mirror.seeder import LoopbackSeeder

            self.seeder = LoopbackSeeder(demo.torrents_and_swarm())
            self.seeder.start()
            peers.append(self.seeder.endpoint)
        loopback = demo is not None or (bool(peers) and all(h in LOOPBACK_HOSTS for h, _ in peers))
        self.service = TorrentService(
            services.files, services.state.torrent_parts, services.state.quarantine, peers,
            loopback=loopback, seed=settings.seed if seed is None else seed,
            upload_limit_kib=settings.upload_limit_kib, seed_ratio=settings.seed_ratio,
            ledger_sha256=self._ledger_sha256)
        self.service.subscribe(publish)

    def _ledger_sha256(self, track_id: str) -> str | None:
        entry = self.services.catalogue.ledger(track_id)
        return entry.sha256_with_embedded_meta if entry and entry.archived else None

    def stream(self, entry: FileEntry) -> TorrentStream:
        return self.service.stream(entry)

    def prefetch(self, entry: FileEntry) -> None:
        self.service.prefetch(entry)

    def fetch(self, track_ids: list[str], timeout: float = FETCH_TIMEOUT) -> list[FetchReport]:
        """Fetch each track's file (only its pieces) and wait until it is verified, fails or times out."""
        return [self._fetch_one(track_id, timeout) for track_id in track_ids]

    def _fetch_one(self, track_id: str, timeout: float) -> FetchReport:
        services = self.services
        report = FetchReport(track_id)
        entry = services.files.entry(track_id)
        if entry is None and services.catalogue.track(track_id) is None:
            report.error = "no such track in the catalogue"
        elif entry is None or not entry.info_hash:
            report.error = "absent: no known torrent holds this track's file"
        elif entry.local and entry.is_present():
            report.ok, report.path, report.note = True, str(entry.path), "already local"
        if report.error or report.note:
            return report
        assert entry is not None
        report.path = str(entry.path)
        before = self.service.downloaded_bytes()
        try:
            self.service.request(entry)
        except FetchError as exc:
            report.error = str(exc)
            return report
        deadline = time.monotonic() + timeout
        status = self.service.wait(track_id, timeout)
        while status is not None and status.state not in FINAL_STATES and time.monotonic() < deadline:
            status = self.service.wait(track_id, deadline - time.monotonic())
        report.bytes_downloaded = self.service.downloaded_bytes() - before
        if status is None:
            report.error = "the fetch vanished"
            return report
        report.first_piece_ms = None if status.first_piece_ms is None else round(status.first_piece_ms, 1)
        report.complete_ms = None if status.complete_ms is None else round(status.complete_ms, 1)
        report.verified = status.verified
        report.ok = status.state == "done" and status.verified
        if status.state not in FINAL_STATES:
            report.error = f"timed out after {timeout:.0f} s ({status.line()})"
            self.service.cancel(track_id)
        elif status.state != "done":
            report.error = status.message or status.line()
        return report

    def progress_of(self, track_id: str) -> FetchProgress | None:
        status = self.service.file_status(track_id)
        return status.snapshot() if status is not None else None

    def close(self) -> None:
        self.service.close()
        if self.seeder is not None:
            self.seeder.stop()
            self.seeder = None
