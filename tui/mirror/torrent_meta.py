"""What a fetch needs of a .torrent, parsed once per process and kept: libtorrent's own
`torrent_info` and the piece layout, with files looked up by index when asked (never a list
of 60,000 of them built in Python).

The file index validated every torrent when it read it (hostile paths, sizes that do not
add up); a fetch takes a torrent only when its info hash is the one the index recorded, so
the checks are never redone. Parsing an archive-sized torrent (60,000 files, 7.5 MB) with
libtorrent alone takes ~0.12 s; the Python checks took seconds.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

from tui.files import UnreadableFile, read_capped
from tui.mirror.fetch_status import FetchError
from tui.mirror.torrents import LOAD_LIMITS, MAX_TORRENT_BYTES, TorrentFile

KEEP = 8  # parsed torrents kept per process (~25 MB each at the archive's size)


class TorrentMeta:
    """One torrent as libtorrent parsed it: its layout, and its files by index."""

    def __init__(self, info: Any) -> None:
        self.info = info
        with warnings.catch_warnings():  # see torrents._files_as_written: files() still works in 2.1
            warnings.simplefilter("ignore", DeprecationWarning)
            self._storage = info.files()
            self.trackers = [entry.url for entry in info.trackers()]  # an iterator: always truthy
        self._pad = self._storage.flag_pad_file
        self.info_hash = str(info.info_hash())
        self.name = info.name()
        self.piece_length = info.piece_length()
        self.num_pieces = info.num_pieces()
        self.total_size = info.total_size()
        self.num_files = self._storage.num_files()

    def file(self, index: int) -> TorrentFile:
        s = self._storage
        return TorrentFile(index, s.file_path(index), s.file_size(index), s.file_offset(index),
                           bool(s.file_flags(index) & self._pad))

    def file_pieces(self, f: TorrentFile) -> range:
        """Indexes of the pieces that hold any byte of `f`."""
        if f.size == 0:
            return range(0)
        return range(f.offset // self.piece_length, (f.offset + f.size - 1) // self.piece_length + 1)

    def piece_size(self, piece: int) -> int:
        start = piece * self.piece_length
        return min(self.piece_length, self.total_size - start)

    def files_in_piece(self, piece: int) -> list[TorrentFile]:
        """The files that hold a byte of `piece` (a few; the layout is sorted by offset)."""
        slices = self.info.map_block(piece, 0, self.piece_size(piece))
        return [self.file(int(s.file_index)) for s in slices]


class MetaCache:
    """Parsed torrents by path, kept while the .torrent is unchanged (its size and mtime)."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._metas: OrderedDict[Path, tuple[tuple[int, int], TorrentMeta]] = OrderedDict()

    def get(self, path: Path, info_hash: str) -> TorrentMeta:
        """The parsed torrent at `path`, which must be the torrent the file index read (`info_hash`)."""
        import libtorrent as lt

        try:
            st = path.stat()
        except OSError as exc:
            raise FetchError(f"cannot read {path} ({exc.strerror})") from None
        key = (st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._metas.get(path)
            if found is not None and found[0] == key:
                self._metas.move_to_end(path)
                return found[1]
        try:
            raw = read_capped(path, MAX_TORRENT_BYTES)
        except UnreadableFile as exc:
            raise FetchError(str(exc)) from None
        try:
            meta = TorrentMeta(lt.torrent_info(raw, dict(LOAD_LIMITS)))  # type: ignore[call-overload]
        except Exception as exc:  # noqa: BLE001 - libtorrent raises assorted types on garbage
            raise FetchError(f"{path} is not a valid torrent any more ({exc}): run `longtail index`") from None
        if meta.info_hash != info_hash:
            raise FetchError(f"{path} changed since the file index read it: run `longtail index`, then play "
                             "it again")
        with self._lock:
            self._metas[path] = (key, meta)
            while len(self._metas) > self._keep:
                self._metas.popitem(last=False)
        return meta
