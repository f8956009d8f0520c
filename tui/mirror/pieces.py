"""A torrent's SHA-1 piece hashes over one file, computed as its bytes stream past.

Pieces wholly inside the file are hashed from its own bytes. A boundary piece also
needs the neighbouring files' bytes: they are read from the neighbours when those
are regular files here (never through a symlink), and pad files (hybrid torrents)
count as the zeros they stand for. Memory stays at one chunk and one hasher.
"""

from __future__ import annotations

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

    def overlapping(self, start: int, end: int) -> list[TorrentFile]:
        return [f for f in self.files if f.offset < end and f.offset + f.size > start and f.size]


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
    checked: int = 0
    bad_inner: list[int] = field(default_factory=list)
    bad_boundary: list[int] = field(default_factory=list)  # fail with the neighbours' bytes as they are
    skipped: int = 0  # boundary pieces whose neighbour is not here
    neighbours: dict[int, list[TorrentFile]] = field(default_factory=dict)  # boundary piece -> neighbours


class PieceCheck:
    def __init__(self, view: TorrentView, file_index: int, offset: int, size: int) -> None:
        self.view = view
        self.file_index, self.offset, self.size = file_index, offset, size
        length = view.piece_length
        self.first = offset // length
        self.last = (offset + size - 1) // length if size else self.first - 1
        self.report = PieceReport()
        self.fed = 0
        self.piece = self.first
        self.hasher: hashlib._Hash | None = None
        if size:
            self._begin_piece()

    def _bounds(self, piece: int) -> tuple[int, int]:
        length = self.view.piece_length
        return piece * length, min((piece + 1) * length, self.view.total_size)

    def _neighbour_bytes(self, lo: int, hi: int, piece: int) -> bytes | None:
        out = bytearray()
        for f in self.view.overlapping(lo, hi):
            a, b = max(lo, f.offset), min(hi, f.offset + f.size)
            if f.pad:
                out += bytes(b - a)
                continue
            self.report.neighbours.setdefault(piece, []).append(f)
            part = read_regular(self.view.save_path / f.path, a - f.offset, b - a)
            if part is None:
                return None
            out += part
        return bytes(out)

    def _begin_piece(self) -> None:
        start, _ = self._bounds(self.piece)
        self.hasher = hashlib.sha1()
        if start < self.offset:
            before = self._neighbour_bytes(start, self.offset, self.piece)
            if before is None:
                self.hasher = None  # cannot be checked: a neighbour is not here
            else:
                self.hasher.update(before)

    def _end_piece(self) -> None:
        start, end = self._bounds(self.piece)
        file_end = self.offset + self.size
        boundary = start < self.offset or end > file_end
        if self.hasher is not None and end > file_end:
            after = self._neighbour_bytes(file_end, end, self.piece)
            if after is None:
                self.hasher = None
            else:
                self.hasher.update(after)
        if self.hasher is None:
            self.report.skipped += 1
        else:
            self.report.checked += 1
            if self.hasher.digest() != self.view.hashes[self.piece]:
                (self.report.bad_boundary if boundary else self.report.bad_inner).append(self.piece)
        self.piece += 1
        if self.piece <= self.last:
            self._begin_piece()

    def feed(self, data: bytes | memoryview) -> None:
        """The file's next bytes (anything past the torrent's size for it is ignored)."""
        view = memoryview(data)
        while view and self.piece <= self.last:
            _, end = self._bounds(self.piece)
            piece_end_in_file = min(end, self.offset + self.size) - self.offset
            take = min(len(view), piece_end_in_file - self.fed)
            if self.hasher is not None:
                self.hasher.update(view[:take])
            self.fed += take
            view = view[take:]
            if self.fed == piece_end_in_file:
                self._end_piece()

    def finish(self) -> PieceReport:
        """The file ended: pieces it did not reach fail (it is shorter than the torrent says)."""
        while self.piece <= self.last:
            start, end = self._bounds(self.piece)
            boundary = start < self.offset or end > self.offset + self.size
            (self.report.bad_boundary if boundary else self.report.bad_inner).append(self.piece)
            self.report.checked += 1
            self.piece += 1
        return self.report
