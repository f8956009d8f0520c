"""Read `.torrent` files safely, and make v1 torrents of data folders.

libtorrent quietly sanitises hostile paths (`..`, absolute paths) into something
else; longtail instead rejects such a torrent outright, before libtorrent ever
sees it, so nothing can be written outside the data folder. Everything else about the
file list (control characters, long names, duplicates, `path.utf-8`) is taken as
libtorrent writes it, so both sides always name the same file.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from tui.errors import TorrentError
from tui.files import UnreadableFile, read_capped

MAX_TORRENT_BYTES = 128 * 1024 * 1024  # longtail's cap; a 60,000-file torrent is ~7.5 MB
# libtorrent's defaults stop at 10 MB and 3 M tokens; raised so that anything under the cap loads
LOAD_LIMITS = {"max_buffer_size": MAX_TORRENT_BYTES, "max_decode_tokens": 100_000_000,
               "max_pieces": 1 << 23, "max_decode_depth": 100}
FORBIDDEN_COMPONENTS = {"", ".", ".."}


class TorrentFile(NamedTuple):
    """One file of a torrent (a NamedTuple: 60,000 of them are built per archive torrent)."""

    file_index: int
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
    content_digest: str = ""  # of the .torrent's bytes: the file index knows it by them (torrent_moves.py)

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


def _check_entry(parts: object, length: object, path: Path) -> None:
    """The slow path for a suspicious file entry: say exactly what is wrong."""
    if not isinstance(parts, list) or not parts or not isinstance(length, int) or length < 0:
        raise TorrentError(f"{path}: malformed file entry", "re-download the .torrent")
    for part in parts:
        _check_component(_decode_text(part, "a file path", path), path)


def content_digest(raw: bytes) -> str:
    """What the file index knows a .torrent by, whatever its name (torrent_moves.py)."""
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


def parse_torrent(path: Path, with_info: bool = True) -> ParsedTorrent:
    """Parse and validate one .torrent; raises TorrentError with a one-line reason.

    The file list is libtorrent's own (its file storage): the paths it will write, after
    it prefers `path.utf-8`, replaces control characters, shortens long names and renames
    duplicates, so the file index and the fetcher always name the same file. Hostile
    paths are rejected before that, from the raw dictionary.
    """
    import libtorrent as lt  # imported when needed: it costs ~100 ms at start-up

    try:
        # counted in bytes read: a link to /dev/zero has size 0 and never ends
        raw = read_capped(path, MAX_TORRENT_BYTES)
    except UnreadableFile as exc:
        raise TorrentError(exc.what, exc.todo) from None
    if not raw:
        raise TorrentError(f"{path} is empty", "re-download the .torrent from the archive")
    info = _raw_info(lt, raw, path)
    if info is not None:
        _check_raw(info, path)
    try:
        ti = lt.torrent_info(raw, dict(LOAD_LIMITS))  # type: ignore[call-overload]  # the stubs lack it
    except Exception as exc:  # noqa: BLE001 - libtorrent raises assorted types on garbage
        raise TorrentError(f"{path} is not a valid torrent ({exc})",
                           "re-download the .torrent from the archive") from None
    if not ti.info_hashes().has_v1():
        raise TorrentError(f"{path} is a v2-only torrent (BitTorrent v2, SHA-256 merkle trees)",
                           "longtail reads v1 and hybrid (v1+v2) torrents, as the archive publishes them; "
                           "use the archive's own .torrent")
    name = ti.name()
    files = _files_as_written(ti, name, path)
    pieces = info[b"pieces"] if info is not None else b"".join(
        bytes(ti.hash_for_piece(i)) for i in range(ti.num_pieces()))
    return ParsedTorrent(path, str(ti.info_hash()), name, ti.piece_length(), ti.num_pieces(), ti.total_size(),
                         files, ti if with_info else None, pieces, content_digest(raw))


def _raw_info(lt: Any, raw: bytes, path: Path) -> dict | None:
    """The raw info dictionary, or None when it has more items than libtorrent's Python
    `bdecode` takes (a torrent of hundreds of thousands of files): libtorrent's own parser,
    with raised limits, still reads it and its paths are contained by construction."""
    try:
        decoded: Any = lt.bdecode(raw)  # nested dicts of bytes keys (the stubs say otherwise)
    except RuntimeError as exc:
        if "limit" in str(exc):
            return None
        decoded = None
    except Exception:  # noqa: BLE001
        decoded = None
    if not isinstance(decoded, dict) or not isinstance(decoded.get(b"info"), dict):
        raise TorrentError(f"{path} is truncated or not a .torrent", "re-download the .torrent from the archive")
    return decoded[b"info"]


def _check_raw(info: dict, path: Path) -> None:
    """What libtorrent would quietly sanitise into something else: rejected outright."""
    name = _decode_text(info.get(b"name.utf-8", info.get(b"name")), "name", path)
    _check_component(name, path)
    piece_length, pieces = info.get(b"piece length"), info.get(b"pieces", b"")
    if b"pieces" not in info and b"file tree" in info:
        return  # v2-only: said by the caller, from libtorrent's view
    if not isinstance(piece_length, int) or piece_length <= 0 or not isinstance(pieces, bytes) \
            or len(pieces) % 20:
        raise TorrentError(f"{path}: no valid piece layout (v1)", "re-download the .torrent from the archive")
    files = info.get(b"files")
    if files is None:
        length = info.get(b"length")
        if not isinstance(length, int) or length < 0:
            raise TorrentError(f"{path}: malformed file length", "re-download the .torrent")
        total = length
    else:
        if not isinstance(files, list):
            raise TorrentError(f"{path}: malformed file list", "re-download the .torrent")
        total = 0
        for entry in files:  # the hot loop of a 60,000-file torrent: checks on bytes
            try:
                parts = entry.get(b"path.utf-8") or entry[b"path"]
                length = entry[b"length"]
                joined = b"/".join(parts)
            except (AttributeError, KeyError, TypeError):
                raise TorrentError(f"{path}: malformed file entry", "re-download the .torrent") from None
            if (not isinstance(length, int) or length < 0 or not parts or b"" in parts or b"." in parts
                    or b".." in parts or b"\\" in joined or b"\x00" in joined
                    or joined.count(b"/") != len(parts) - 1 or any(p[1:2] == b":" for p in parts)):
                _check_entry(parts, length, path)
            total += length
    if len(pieces) // 20 != (total + piece_length - 1) // piece_length:
        raise TorrentError(f"{path}: piece count does not match the files' size",
                           "re-download the .torrent from the archive")


def _files_as_written(ti: Any, name: str, path: Path) -> list[TorrentFile]:
    """libtorrent's file storage: the paths it writes, each checked to stay in the torrent's folder."""
    with warnings.catch_warnings():
        # libtorrent 2.1's binding marks files() deprecated and offers nothing else that lists
        # the paths it writes; it still works, and a removal would fail loudly here
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = ti.files()
    pad_flag = storage.flag_pad_file
    padded = ti.info_hashes().has_v2()  # pad files exist in hybrid torrents only
    single = storage.num_files() == 1 and storage.file_path(0) == name
    prefix = "" if single else name + "/"
    cut = len(prefix)
    file_path, file_size, file_offset, file_flags = (storage.file_path, storage.file_size, storage.file_offset,
                                                     storage.file_flags)
    out = []
    for index in range(storage.num_files()):  # the hot loop of a 60,000-file torrent: string tests only
        written = file_path(index)
        inner = f"/{written[cut:]}/"
        if (not written.startswith(prefix) or "\x00" in written or "//" in inner or "/./" in inner
                or "/../" in inner):
            _check_component(written, path)  # raises: libtorrent would write outside the folder
        out.append(TorrentFile(index, written, file_size(index), file_offset(index),
                               padded and bool(file_flags(index) & pad_flag)))
    return out


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
