"""Naming the peer that sends bad data before it costs the good ones (docs/libtorrent.md P14).

libtorrent's smart-ban plugin names a bad peer only once a good copy of a failed piece has
passed, by comparing blocks; beside a peer that corrupts every block it sends, a needed piece
may never pass (each attempt holds some of its blocks), and libtorrent's trust points then
ban every peer that shared in four failed pieces, the good ones too. So each failed copy's
blocks are read from disk as they were (those in files mapped to the mirror) and compared
with the next failed copy of the same piece: a block whose bytes differ between two copies
was sent wrong by one of its two senders. The peer that is one of the two in every such
pair, and is paired with at least two other peers, is the one.

The rule errs towards naming no one. A peer that sent blocks of a piece that passed is
trusted and never named (an honest peer proves itself on the first piece it shares in). A
block of the next copy may already be on disk when a failed copy is read (the re-request
starts at once): the blocks libtorrent says were written again after the read, or named by
a block alert before it, are left out; one such read that slips through could still make an
honest peer look like the one, so two comparisons must each name the peer. Two peers only,
or pairs that all share the same two, name no one; libtorrent's own accounting still runs
beside this.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.mirror.torrent_meta import TorrentMeta

BLOCK = 16 * 1024  # libtorrent's block: the unit a peer sends and the alerts name
MIN_PAIRS = 3  # differing blocks seen before anyone is named
MIN_PARTNERS = 2  # other peers the named one disagreed with: a good peer paired only with it is not

CONFIRMATIONS = 2  # comparisons that must each name the peer: one stale read never bans anyone

Peer = tuple[str, int]  # (address, port) as libtorrent reports it
Copy = dict[int, tuple[Peer, bytes]]  # block -> (its sender, a digest of its bytes)


class BlockLedger:
    """Who sent each block of the pieces in flight, and what the last failed copy of each
    piece held; owned by the torrent service's alert thread, like the rest of a fetch."""

    def __init__(self) -> None:
        self._senders: dict[int, dict[int, Peer]] = {}  # piece -> block -> peer
        self._copies: dict[int, Copy] = {}  # piece -> its last failed copy
        self._suspicions: dict[Peer, int] = {}  # comparisons that named a peer alone
        self.named: set[Peer] = set()
        self.trusted: set[Peer] = set()  # sent blocks of a piece that passed its hash

    def block(self, piece: int, block: int, peer: Peer) -> None:
        self._senders.setdefault(piece, {})[block] = peer

    def passed(self, piece: int) -> None:
        self.trusted.update(self._senders.pop(piece, {}).values())
        self._copies.pop(piece, None)

    def take_copy(self, piece: int, read: Callable[[int], bytes | None]) -> Copy:
        """The piece failed its hash: what this copy held, each block sent as on disk now
        (`read(block)`, None where it cannot be read). Read first, then ask which blocks the
        next copy already wrote (`failed`'s `stale`): a block can only go from fresh to stale."""
        copy: Copy = {}
        for block, peer in self._senders.pop(piece, {}).items():
            data = read(block)
            if data is not None:
                copy[block] = (peer, hashlib.blake2b(data, digest_size=16).digest())
        return copy

    def failed(self, piece: int, copy: Copy, stale: frozenset[int] = frozenset()) -> Peer | None:
        """Compare this failed copy with the piece's last one, leaving out the blocks whose
        bytes on disk may be the next copy's already; the peer to ban, once two comparisons
        have each named it alone."""
        copy = {block: held for block, held in copy.items() if block not in stale}
        before = self._copies.get(piece)
        self._copies[piece] = copy
        if not before:
            return None
        pairs = [(old[0], peer) for block, (peer, digest) in copy.items()
                 if (old := before.get(block)) is not None and old[1] != digest and old[0] != peer]
        suspect = self._suspect(pairs)
        if suspect is None:
            return None
        self._suspicions[suspect] = self._suspicions.get(suspect, 0) + 1
        if self._suspicions[suspect] < CONFIRMATIONS:
            return None
        self.named.add(suspect)
        return suspect

    def _suspect(self, pairs: list[tuple[Peer, Peer]]) -> Peer | None:
        """Judged on one comparison's pairs alone: a stale read spoils that one, not the next."""
        pairs = [p for p in pairs if not self.named.intersection(p)]
        if len(pairs) < MIN_PAIRS:
            return None
        common = set(pairs[0])
        for pair in pairs[1:]:
            common &= set(pair)
        if len(common) != 1:
            return None
        (peer,) = common
        if peer in self.trusted:
            return None
        partners = {a if b == peer else b for a, b in pairs}
        return peer if len(partners) >= MIN_PARTNERS else None


class DiskBlocks:
    """The blocks of one piece as they are on disk now, read from the files mapped to their
    paths (`path_of(file index)`, None for a file in libtorrent's part file): a context whose
    call gives one block. Files are opened once each, never through a link."""

    def __init__(self, meta: TorrentMeta, piece: int, path_of: Callable[[int], Path | None]) -> None:
        self._meta = meta
        self._piece = piece
        self._size = meta.piece_size(piece)
        self._path_of = path_of
        self._fds: dict[int, int | None] = {}

    def __enter__(self) -> DiskBlocks:
        return self

    def __exit__(self, *_exc: object) -> None:
        for fd in self._fds.values():
            if fd is not None:
                os.close(fd)
        self._fds.clear()

    def __call__(self, block: int) -> bytes | None:
        start = block * BLOCK
        length = min(BLOCK, self._size - start)
        if length <= 0:
            return None
        out = []
        for part in self._meta.info.map_block(self._piece, start, length):
            fd = self._fd(int(part.file_index))
            if fd is None:
                return None
            try:
                data = os.pread(fd, int(part.size), int(part.offset))
            except OSError:
                return None
            if len(data) != int(part.size):
                return None
            out.append(data)
        return b"".join(out)

    def _fd(self, index: int) -> int | None:
        if index not in self._fds:
            path = self._path_of(index)
            fd = None
            if path is not None:
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        os.close(fd)
                        fd = None
                except OSError:
                    fd = None
            self._fds[index] = fd
        return self._fds[index]
