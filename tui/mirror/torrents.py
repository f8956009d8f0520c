"""Read `.torrent` files safely, and make v1 torrents of data folders.

libtorrent quietly sanitises hostile paths (`..`, absolute paths) into something
else; longtail instead rejects such a torrent outright, before libtorrent ever
sees it, so nothing can be written outside the data folder.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tui.errors import TorrentError

MAX_TORRENT_BYTES = 128 * 1024 * 1024  # a 60,000-file torrent is ~7.5 MB
FORBIDDEN_COMPONENTS = {"", ".", ".."}


@dataclass(frozen=True, slots=True)
class TorrentFile:
    index: int
    path: str  # relative to the save path, starting with the torrent's name for multi-file
    size: int
    offset: int
    pad: bool


@dataclass
class ParsedTorrent:
    path: Path
    info_hash: str
    name: str
    piece_length: int
    num_pieces: int
    total_size: int
    files: list[TorrentFile]
    info: object  # libtorrent.torrent_info
    piece_hashes: bytes = b""  # v1: 20-byte SHA-1 per piece, concatenated

    def piece_hash(self, piece: int) -> bytes:
        return self.piece_hashes[piece * 20:(piece + 1) * 20]

    def file_pieces(self, f: TorrentFile) -> range:
        """Indexes of the pieces that hold any byte of `f`."""
        if f.size == 0:
            return range(0)
        first = f.offset // self.piece_length
        last = (f.offset + f.size - 1) // self.piece_length
        return range(first, last + 1)


def _decode_text(value: object, what: str, path: Path) -> str:
    if not isinstance(value, (bytes, bytearray)):
        raise TorrentError(f"{path}: {what} is not a string", "the .torrent is malformed; re-download it")
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise TorrentError(f"{path}: {what} is not UTF-8",
                           "the .torrent is malformed; re-download it") from None


def _check_component(part: str, path: Path) -> None:
    if (part in FORBIDDEN_COMPONENTS or "/" in part or "\\" in part or "\x00" in part
            or (len(part) >= 2 and part[1] == ":")):
        raise TorrentError(
            f"{path}: rejected, a file path escapes the torrent's folder ({part!r})",
            "this torrent is hostile or broken; delete it and get the archive's own copy",
        )


def parse_torrent(path: Path) -> ParsedTorrent:
    """Parse and validate one .torrent; raises TorrentError with a one-line reason."""
    import libtorrent as lt  # imported when needed: it costs ~100 ms at start-up
    try:
        size = path.stat().st_size
        if size > MAX_TORRENT_BYTES:
            raise TorrentError(f"{path}: {size} bytes is too large for a .torrent",
                               "remove it from the mirror")
        raw = path.read_bytes()
    except OSError as exc:
        raise TorrentError(f"cannot read {path} ({exc.strerror})", "check its permissions") from None
    if not raw:
        raise TorrentError(f"{path} is empty", "re-download the .torrent from the archive")
    try:
        decoded = lt.bdecode(raw)
    except Exception:  # noqa: BLE001 - libtorrent raises assorted types on garbage
        decoded = None
    if not isinstance(decoded, dict) or not isinstance(decoded.get(b"info"), dict):
        raise TorrentError(f"{path} is truncated or not a .torrent",
                           "re-download the .torrent from the archive")
    info = decoded[b"info"]
    name = _decode_text(info.get(b"name.utf-8", info.get(b"name")), "name", path)
    _check_component(name, path)
    files = info.get(b"files")
    if files is not None:
        if not isinstance(files, list):
            raise TorrentError(f"{path}: malformed file list", "re-download the .torrent")
        for entry in files:
            parts = entry.get(b"path.utf-8", entry.get(b"path")) if isinstance(entry, dict) else None
            if not isinstance(parts, list) or not parts:
                raise TorrentError(f"{path}: malformed file entry", "re-download the .torrent")
            for part in parts:
                _check_component(_decode_text(part, "a file path", path), path)
    try:
        ti = lt.torrent_info(decoded)
    except Exception as exc:  # noqa: BLE001
        raise TorrentError(f"{path} is not a valid torrent ({exc})",
                           "re-download the .torrent from the archive") from None
    fs = ti.layout()
    pad_flag = lt.file_storage.flag_pad_file
    out = []
    for i in range(fs.num_files()):
        out.append(TorrentFile(i, fs.file_path(i), fs.file_size(i), fs.file_offset(i),
                               bool(fs.file_flags(i) & pad_flag)))
    pieces = info.get(b"pieces", b"")
    return ParsedTorrent(path, str(ti.info_hash()), ti.name(), ti.piece_length(),
                         ti.num_pieces(), ti.total_size(), out, ti,
                         pieces if isinstance(pieces, bytes) else b"")


def make_v1_torrent(folder: Path, piece_length: int, out: Path,
                    trackers: tuple[str, ...] = ()) -> Path:
    """Create a v1 torrent of a data folder (as the archive publishes) at `out`."""
    import libtorrent as lt
    # Sorted order, like the archive's tooling; libtorrent's own walk uses directory order.
    entries = [lt.create_file_entry(f"{folder.name}/{e.name}", e.stat().st_size)
               for e in sorted(os.scandir(folder), key=lambda e: e.name) if e.is_file()]
    ct = lt.create_torrent(entries, piece_length, lt.create_torrent.v1_only)
    for tracker in trackers:
        ct.add_tracker(tracker)
    ct.set_creator("longtail demo")
    lt.set_piece_hashes(ct, str(folder.parent))
    data = lt.bencode(ct.generate())
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return out


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
