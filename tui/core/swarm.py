"""Fetching for a session: the torrent service (one per process), the demo's loopback
seeder as its swarm, and the fetch of named tracks that `longtail fetch` and
`check --repair` wait on. Progress reaches the bus as `FetchProgress` snapshots.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tui.config import parse_peer
from tui.config.schema import Swarm as SwarmConfig
from tui.core.services import Services
from tui.errors import UsageError
from tui.mirror.fetch_status import FINAL_STATES, GIVE_UP_SECONDS, FetchError
from tui.mirror.file_index import FileEntry
from tui.mirror.peers import all_loopback, resolve_peers
from tui.mirror.torrent_add import SwarmOptions
from tui.mirror.torrent_service import TorrentService
from tui.mirror.torrent_stream import TorrentStream

FETCH_TIMEOUT = GIVE_UP_SECONDS  # the same patience for `fetch` and for a streaming `play`


@dataclass
class FetchReport:
    """One track of `longtail fetch`: what happened, for scripts."""

    id: str
    ok: bool = False
    bytes_downloaded: int = 0
    added_ms: float | None = None  # request -> torrent added to the session
    first_piece_ms: float | None = None
    complete_ms: float | None = None
    peers: int = 0  # the most connected at once while it was fetched
    hash_failures: int = 0  # pieces that arrived bad (and were fetched again)
    banned: int = 0  # peers banned for sending them
    verified: bool = False
    path: str | None = None
    error: str | None = None
    note: str | None = None
    moved_aside: str | None = None  # a damaged copy was at its path: moved here first

    def as_json(self) -> dict:
        doc = asdict(self)
        for optional in ("note", "moved_aside"):
            if doc[optional] is None:
                del doc[optional]
        return doc


class Swarm:
    def __init__(self, services: Services, publish: Callable[[object], None],
                 extra_peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
        settings = services.settings
        try:
            addresses = [*settings.peer_addresses, *(parse_peer(p) for p in extra_peers)]
        except ValueError as exc:
            raise UsageError(f"bad peer: {exc}", "give peers as HOST:PORT or [IPv6]:PORT") from None
        peers = resolve_peers(addresses)  # names once, here: libtorrent dials addresses
        self.services = services
        self.seeder = None
        demo = services.location.demo
        if demo is not None:
            from tui.mirror.seeder import LoopbackSeeder

            self.seeder = LoopbackSeeder(demo.torrents_and_swarm())
            self.seeder.start()
            peers.append(self.seeder.endpoint)
        configured = settings.swarm
        # the demo's closed world, or only loopback peers named and no [swarm] of the user's
        loopback = demo is not None or (all_loopback(peers) and configured == SwarmConfig())
        options = SwarmOptions(tuple(configured.listen), configured.dht, tuple(configured.dht_bootstrap),
                               configured.lsd, configured.utp, configured.upnp)
        self.service = TorrentService(
            services.files, services.state.torrent_parts, services.state.quarantine, peers,
            loopback=loopback, swarm=options, seed=settings.seeding.enabled if seed is None else seed,
            upload_limit_kib=settings.seeding.upload_limit_kib, seed_ratio=settings.seeding.ratio,
            ledger_sha256=self._ledger_sha256, peers_named=bool(settings.peer_addresses or extra_peers))
        self.service.subscribe(publish)

    def _ledger_sha256(self, track_id: str) -> str | None:
        entry = self.services.catalogue.ledger(track_id)
        return entry.sha256_with_embedded_meta if entry and entry.archived else None

    def stream(self, entry: FileEntry) -> TorrentStream:
        return self.service.stream(entry)

    def moved_aside(self, track_id: str) -> str | None:
        """Where this session's fetch of the track moved a damaged copy, if it did (the early
        ask at start-up can finish the fetch before the player looks: the note must not be lost)."""
        status = self.service.file_status(track_id)
        return status.moved_aside if status is not None else None

    def prefetch(self, entry: FileEntry) -> None:
        self.service.prefetch(entry)

    def fetch(self, track_ids: list[str], timeout: float = FETCH_TIMEOUT) -> list[FetchReport]:
        """Fetch each track's file (only its pieces) and wait until it is verified, fails or times out.

        Every file is asked for first, so tracks of one torrent share one handle and one swarm;
        then each is waited for, the deadline counting from the start.
        """
        deadline = time.monotonic() + timeout
        reports = [self._start(track_id, timeout) for track_id in dict.fromkeys(track_ids)]
        for report in reports:
            if report.error is None and report.note is None:
                self._wait(report, deadline, timeout)
        return reports

    def _start(self, track_id: str, timeout: float) -> FetchReport:
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
        try:
            status = self.service.request(entry, timeout=timeout)
        except FetchError as exc:
            report.error = str(exc)
            return report
        if status.moved_aside:
            report.moved_aside = status.moved_aside
        return report

    def _wait(self, report: FetchReport, deadline: float, timeout: float) -> None:
        status = self.service.wait(report.id, max(0.0, deadline - time.monotonic()))
        while status is not None and status.state not in FINAL_STATES and time.monotonic() < deadline:
            status = self.service.wait(report.id, deadline - time.monotonic())
        if status is None:
            report.error = "the fetch vanished"
            return
        report.bytes_downloaded = status.bytes_downloaded
        report.added_ms = None if status.added_ms is None else round(status.added_ms, 1)
        report.peers, report.hash_failures, report.banned = status.peers_max, status.hash_failures, status.banned
        report.first_piece_ms = None if status.first_piece_ms is None else round(status.first_piece_ms, 1)
        report.complete_ms = None if status.complete_ms is None else round(status.complete_ms, 1)
        report.verified = status.verified
        report.ok = status.state == "done" and status.verified
        if status.state not in FINAL_STATES:
            report.error = f"timed out after {timeout:.0f} s ({status.line()})"
            self.service.cancel(report.id)
        elif status.state != "done":
            report.error = status.message or status.line()

    def close(self) -> None:
        self.service.close()
        if self.seeder is not None:
            self.seeder.stop()
            self.seeder = None
