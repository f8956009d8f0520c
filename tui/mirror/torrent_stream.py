"""A file's bytes as they arrive from the swarm: what the player reads while a track streams."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tui.mirror.fetch_status import FetchCancelled
from tui.mirror.file_index import FileEntry

if TYPE_CHECKING:
    from tui.mirror.torrent_add import ActiveTorrent
    from tui.mirror.torrent_service import TorrentService


class TorrentStream:
    """What mpv reads through its stream protocol: the file's bytes, piece by piece.

    `read` returns at most up to the end of the current piece and blocks until that piece
    has passed its hash check; `cancel`/`close` unblock it at once (a skip).
    """

    def __init__(self, service: TorrentService, torrent: ActiveTorrent, entry: FileEntry) -> None:
        self.service = service
        self.torrent = torrent
        self.entry = entry
        self.size = entry.size
        self.pos = 0
        self.cancelled = threading.Event()

    def _rearm(self) -> None:
        """Whenever a read has to wait: deadlines on the next few pieces."""
        parsed = self.torrent.parsed
        first = (self.entry.offset + self.pos) // parsed.piece_length
        last = (self.entry.offset + self.entry.size - 1) // parsed.piece_length
        for i, p in enumerate(range(first, min(last, first + 8) + 1)):
            if p not in self.torrent.have:
                self.torrent.handle.set_piece_deadline(p, 50 * i)

    def read(self, n: int) -> bytes:
        if self.pos >= self.size:
            return b""
        parsed = self.torrent.parsed
        absolute = self.entry.offset + self.pos
        piece, offset = divmod(absolute, parsed.piece_length)
        try:
            data = self.service.read_piece(self.torrent, piece, self.cancelled, self.entry.track_id,
                                           self._rearm)
        except FetchCancelled:
            return b""
        count = min(n, len(data) - offset, self.size - self.pos)
        chunk = data[offset:offset + count]
        self.pos += len(chunk)
        return chunk

    def seek(self, pos: int) -> int:
        self.pos = max(0, min(pos, self.size))
        return self.pos

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        self.cancelled.set()
