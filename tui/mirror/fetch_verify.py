"""Verifying a fetched file, on a thread of its own (it owns its database handles): flushed,
its size, the ledger's SHA-256 (or, without a ledger row, the torrent's piece hashes that
libtorrent checked on arrival), then marked local in the file index; a file that fails is
moved aside into the state directory's quarantine, never deleted, never counted local.
The verdict itself is handed to the alert thread, which owns every fetch's state."""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from tui.mirror.fetch_status import FetchStatus, FetchStatuses
from tui.mirror.file_index import DISK_OK, FileIndex
from tui.mirror.torrent_add import ActiveTorrent
from tui.mirror.verify import MoveError, move_aside, verify_fetched

Job = tuple[ActiveTorrent, int, str, FetchStatus]  # torrent, file index, track id, its status


class Verifier:
    def __init__(self, files: FileIndex, statuses: FetchStatuses, quarantine: Path,
                 ledger_sha256: Callable[[str], str | None],
                 on_verified: Callable[[ActiveTorrent, int, bool], None]) -> None:
        self.files = files
        self.statuses = statuses
        self.quarantine = quarantine
        self.ledger_sha256 = ledger_sha256
        self.on_verified = on_verified  # on the alert thread, with the verdict
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="longtail-verify")
        self._thread.start()

    def verify(self, torrent: ActiveTorrent, index: int, track_id: str, status: FetchStatus) -> None:
        self._jobs.put((torrent, index, track_id, status))

    def close(self) -> None:
        self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                self._verify(*job)
            except Exception as exc:  # noqa: BLE001 - a failed check fails that fetch, not the service
                self.statuses.submit(functools.partial(self.statuses.fail, job[3], f"verification failed: {exc}"))

    def _verify(self, torrent: ActiveTorrent, index: int, track_id: str, status: FetchStatus) -> None:
        f = torrent.meta.file(index)
        path = torrent.mirror_path(index)
        torrent.handle.flush_cache()  # docs/libtorrent.md P2: bytes may still be in the write buffer
        ok, message = verify_fetched(path, f.size, self.ledger_sha256(track_id))
        if ok:
            self.files.set_disk(track_id, torrent.torrent_id, DISK_OK)
            self.files.set_bad([track_id], False)
        else:
            try:
                move_aside(path, self.quarantine, track_id, "failed")
            except MoveError as exc:
                message = f"{message}; and {exc.strerror}"
        self.files.clear_incomplete(f.path)

        def settle() -> None:  # on the alert thread, like every change of a fetch's state
            torrent.files_done.add(index)
            self.on_verified(torrent, index, ok)
            self.statuses.verified(status, ok, f.size, message)

        self.statuses.submit(settle)
