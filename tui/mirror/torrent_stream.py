"""A file's bytes as they arrive from the swarm: what the player reads while a track streams."""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING, BinaryIO

from tui.mirror.fetch_status import FetchCancelled, FetchError
from tui.mirror.file_index import FileEntry

if TYPE_CHECKING:
    from tui.mirror.torrent_add import ActiveTorrent
    from tui.mirror.torrent_service import TorrentService

# A read_piece answer can be lost: its alert dropped, or asked of a handle that was removed
# before it answered (its alert then names no torrent; docs/libtorrent.md P13). Asked again
# after this long, or at once when the torrent's handle changed.
READ_RETRY_SECONDS = 2.0


class TorrentStream:
    """What mpv reads through its stream protocol: the file's bytes, piece by piece.

    `read` returns at most up to the end of the current piece and blocks until that piece
    has passed its hash check; `cancel`/`close` unblock it at once (a skip). Once the fetch is
    done (the file verified in the mirror) the rest is read from the file: the torrent may be
    gone by then (added afresh for the next request, docs/libtorrent.md P6). It changes no
    fetch state: stalls and give-ups are the alert thread's (`FetchStatuses`), read here.
    """

    def __init__(self, service: TorrentService, torrent: ActiveTorrent, entry: FileEntry) -> None:
        self.service = service
        self.torrent = torrent
        self.entry = entry
        self.size = entry.size
        self.pos = 0
        self.cancelled = threading.Event()
        self.moved_aside: str | None = None  # a damaged copy that was at the file's path, moved here
        self.failure: str | None = None  # why it stopped before the end (the player reports it)
        self._file: BinaryIO | None = None  # the verified file, once the fetch is done

    def _rearm(self) -> None:
        """Whenever a read has to wait: deadlines on the next few pieces."""
        meta = self.torrent.meta
        first = (self.entry.offset + self.pos) // meta.piece_length
        last = (self.entry.offset + self.entry.size - 1) // meta.piece_length
        for i, p in enumerate(range(first, min(last, first + 8) + 1)):
            if p not in self.torrent.have:
                self.torrent.handle.set_piece_deadline(p, 50 * i)

    def read(self, n: int) -> bytes:
        if self.pos >= self.size:
            return b""
        local = self._verified_file()
        if local is not None:
            local.seek(self.pos)
            chunk = local.read(min(n, self.size - self.pos))
            if chunk:
                self.pos += len(chunk)
                return chunk
        meta = self.torrent.meta
        absolute = self.entry.offset + self.pos
        piece, offset = divmod(absolute, meta.piece_length)
        try:
            data = self._piece(piece)
        except FetchCancelled:
            return b""
        except FetchError as exc:  # an end mpv can take quietly; `failure` says it was not the end
            self.failure = str(exc)
            return b""
        count = min(n, len(data) - offset, self.size - self.pos)
        chunk = data[offset:offset + count]
        self.pos += len(chunk)
        return chunk

    def _verified_file(self) -> BinaryIO | None:
        if self._file is None and not self.cancelled.is_set():
            with self.service.cond:
                status = self.service.status.get(self.entry.track_id)
                done = status is not None and status.state == "done" and status.verified
            if done:
                try:
                    self._file = open(self.entry.path, "rb")  # noqa: SIM115 - kept open until close()
                except OSError:
                    return None  # moved or deleted since: the pieces are still asked for
        return self._file

    def _piece(self, piece: int) -> bytes:
        """The verified bytes of one piece; blocks until they arrive or `cancelled` is set."""
        service, torrent = self.service, self.torrent
        asked_of = None  # the handle read_piece() was asked of, for this piece
        asked_at = 0.0
        armed = False  # deadlines set while waiting for it
        with service.cond:
            while True:
                if self.cancelled.is_set() or service.closed.is_set():
                    raise FetchCancelled()
                data = torrent.buffers.get(piece)
                if data is not None:
                    torrent.buffers.move_to_end(piece)
                    return data
                if torrent.error:
                    raise FetchError(torrent.error)
                if torrent.read_errors.pop(piece, None) is not None:
                    asked_of = None  # try the read again
                status = service.status.get(self.entry.track_id)
                if status is not None and status.state in ("failed", "cancelled"):
                    if status.state == "cancelled":
                        raise FetchCancelled()
                    raise FetchError(status.message or "the fetch failed")
                # docs/libtorrent.md P13 backstop: a missed alert must not leave a read waiting forever
                if piece in torrent.have or torrent.handle.have_piece(piece):
                    if asked_of is not torrent.handle or time.monotonic() - asked_at > READ_RETRY_SECONDS:
                        torrent.handle.read_piece(piece)
                        asked_of, asked_at = torrent.handle, time.monotonic()
                elif not armed:
                    torrent.handle.set_piece_deadline(piece, 0)
                    self._rearm()
                    armed = True
                    if status is not None and piece not in status.need_pieces:  # what the bar counts now
                        service.statuses.submit(functools.partial(service.statuses.reading, status, (piece,)))
                service.cond.wait(0.05)

    def seek(self, pos: int) -> int:
        self.pos = max(0, min(pos, self.size))
        return self.pos

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        self.cancelled.set()
        if self._file is not None:
            self._file.close()
