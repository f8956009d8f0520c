"""A torrent's SHA-1 piece hashes over a run of its files, computed as their bytes stream past.

The files of a run (one file for `check ID`, a few hundred for a sweep's batch) are
fed in torrent order, so each piece is hashed once however many files it spans: with
small files and large pieces most pieces are boundary pieces, and hashing them once
per file would triple the work. Bytes outside the run (the files just before and after
it, files between its files) are read from disk when they are regular files here
(never through a symlink); pad files (hybrid torrents) count as the zeros they stand
for. Memory stays at one piece and one hasher.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tui.mirror.torrents import TorrentFile


@dataclass
class TorrentView:
    """What the checker needs from a torrent: piece hashes and its files' layout."""

    piece_length: int
    hashes: list[bytes]
    files: list[TorrentFile]
    save_path: Path
    total_size: int = 0
    _offsets: list[int] = field(default_factory=list)

    def overlapping(self, start: int, end: int) -> list[TorrentFile]:
        """The files with bytes in [start, end): a binary search (60,000 files per torrent)."""
        if not self._offsets:
            self._offsets = [f.offset for f in self.files]
        i = max(0, bisect.bisect_right(self._offsets, start) - 1)
        out = []
        while i < len(self.files) and self.files[i].offset < end:
            f = self.files[i]
            if f.size and f.offset + f.size > start:
                out.append(f)
            i += 1
        return out


def read_regular(path: Path, offset: int, length: int) -> bytes | None:
    """`length` bytes of a regular file at `offset`; None if it is not one, or is too short."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        data = os.pread(fd, length, offset)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == length else None


@dataclass
class PieceReport:
    """What the pieces say about one file of the run."""

    pieces: int = 0  # how many pieces hold some of its bytes
    checked: int = 0
    bad_inner: list[int] = field(default_factory=list)  # wholly inside the file
    bad_boundary: list[int] = field(default_factory=list)  # shared with a neighbour
    skipped: int = 0  # a neighbour's bytes could not be read
    neighbours: dict[int, list[TorrentFile]] = field(default_factory=dict)  # boundary piece -> the others in it


OK, SKIP, FAIL = 0, 1, 2  # a piece's state so far; the worst wins


class SpanCheck:
    """Feed files in torrent order: `begin(i)`, `feed(bytes)`..., `end()`; then `finish()`."""

    def __init__(self, view: TorrentView) -> None:
        self.view = view
        self.reports: dict[int, PieceReport] = {}
        self.pos = -1  # torrent offset reached so far
        self.piece: int | None = None  # the piece being hashed
        self.piece_end = 0
        self.state = OK
        self.hasher: hashlib._Hash | None = None
        self.current: TorrentFile | None = None
        self.fed = 0

    def begin(self, file_index: int) -> None:
        f = self.view.files[file_index]
        length = self.view.piece_length
        count = (f.offset + f.size - 1) // length - f.offset // length + 1 if f.size else 0
        self.reports[file_index] = PieceReport(pieces=count)
        if self.pos < 0:
            self.pos = f.offset - f.offset % length
        if f.offset < self.pos:
            raise ValueError("files of a run must come in torrent order")
        self._outside(self.pos, f.offset)
        self.current, self.fed = f, 0

    def feed(self, data: bytes | memoryview) -> None:
        """The current file's next bytes (anything past its size in the torrent is ignored)."""
        assert self.current is not None
        take = min(len(data), self.current.size - self.fed)
        if take > 0:
            self._consume(memoryview(data)[:take])
            self.fed += take

    def end(self, unread: int = FAIL) -> None:
        """The current file ended; its bytes not fed make their pieces FAIL (it is short) or
        SKIP (it was never read: missing, or not a regular file)."""
        assert self.current is not None
        if self.fed < self.current.size:
            self._lose(self.current.size - self.fed, unread)
        self.current = None

    def finish(self) -> dict[int, PieceReport]:
        if self.piece is not None:
            self._outside(self.pos, self.piece_end)
        return self.reports

    # -- the byte stream ---------------------------------------------------------------

    def _start_piece(self) -> None:
        length = self.view.piece_length
        self.piece = self.pos // length
        self.piece_end = min((self.piece + 1) * length, self.view.total_size)
        self.state = OK
        self.hasher = hashlib.sha1()

    def _consume(self, data: memoryview) -> None:
        while data:
            if self.piece is None:
                self._start_piece()
            take = min(len(data), self.piece_end - self.pos)
            if self.state == OK and self.hasher is not None:
                self.hasher.update(data[:take])
            self._advance(take)
            data = data[take:]

    def _lose(self, n: int, state: int) -> None:
        while n:
            if self.piece is None:
                self._start_piece()
            take = min(n, self.piece_end - self.pos)
            self.state = max(self.state, state)
            self._advance(take)
            n -= take

    def _advance(self, n: int) -> None:
        self.pos += n
        if self.pos == self.piece_end:
            self._end_piece()

    def _outside(self, lo: int, hi: int) -> None:
        """Bytes [lo, hi) of files that are not in the run."""
        for f in self.view.overlapping(lo, hi):
            a, b = max(lo, f.offset), min(hi, f.offset + f.size)
            if f.pad:
                self._consume(memoryview(bytes(b - a)))
                continue
            part = read_regular(self.view.save_path / f.path, a - f.offset, b - a)
            if part is None:
                self._lose(b - a, SKIP)
            else:
                self._consume(memoryview(part))

    def _end_piece(self) -> None:
        piece, end = self.piece, self.piece_end
        assert piece is not None
        start = piece * self.view.piece_length
        assert self.hasher is not None
        bad = self.state == FAIL or (self.state == OK and self.hasher.digest() != self.view.hashes[piece])
        files = [f for f in self.view.overlapping(start, end) if not f.pad]
        for f in files:
            report = self.reports.get(f.file_index)
            if report is None:
                continue
            boundary = start < f.offset or end > f.offset + f.size
            if boundary:
                report.neighbours[piece] = [g for g in files if g is not f]
            if self.state == SKIP:
                report.skipped += 1
                continue
            report.checked += 1
            if bad:
                (report.bad_boundary if boundary else report.bad_inner).append(piece)
        self.piece = None
