"""Decompress the archive's `.sqlite3.zst` databases beside themselves.

Streaming (the files are 17-47 GB compressed, 40-125 GB unpacked), to
`<name>.part`, renamed to the final name only when complete and flushed. An
interrupted run resumes: the decompressor re-reads the stream and skips what
the part file already holds (minus a safety margin that may not have reached
the disk), so nothing is written twice and no half file ever has the final name.

Every frame is decompressed, to the end of the input, as `zstd -d` does: files of several
frames (and `.zst` files concatenated) unpack whole. A stream that ends inside a frame is
truncated, whatever its headers say (a frame written without its content size has none
to compare with), and is never renamed to the final name.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard

from tui.errors import LongtailError

IN_CHUNK = 1024 * 1024  # compressed bytes per read: a few MB decompressed at a time
RESUME_MARGIN = 64 * 1024 * 1024


def target_of(zst: Path) -> Path:
    return zst.with_name(zst.name[:-len(".zst")])


def content_size(zst: Path) -> int | None:
    with open(zst, "rb") as fh:
        head = fh.read(18)
    try:
        size = zstandard.frame_content_size(head)
    except zstandard.ZstdError:
        raise LongtailError(f"{zst} is not a zstd file",
                            "re-download it from the metadata torrent") from None
    return size if size >= 0 else None


def unpack(zst: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Decompress `zst` to its twin; `progress(compressed_bytes_read, compressed_total)`."""
    out = target_of(zst)
    part = out.with_name(out.name + ".part")
    total_in = zst.stat().st_size
    expected = content_size(zst)
    resume_from = 0
    if part.exists():
        resume_from = max(0, part.stat().st_size - RESUME_MARGIN)
    if expected is not None:
        free = shutil.disk_usage(out.parent).free
        need = expected - resume_from
        if need > free:
            raise LongtailError(
                f"unpacking {zst.name} needs {need / 1e9:.1f} GB free beside it, "
                f"{free / 1e9:.1f} GB is available",
                "free some space on that disk and run `longtail unpack` again")
    frames = [0]  # how many frames were decompressed (the size check is for one-frame files)
    try:
        with open(zst, "rb") as src, open(part, "r+b" if part.exists() else "wb") as dst:
            dst.truncate(resume_from)
            dst.seek(resume_from)
            to_skip = resume_from
            for chunk in decompressed(src, frames, progress, total_in):
                if to_skip:
                    skipped = min(to_skip, len(chunk))
                    chunk, to_skip = chunk[skipped:], to_skip - skipped
                dst.write(chunk)
            if to_skip:
                raise LongtailError(f"{part} is longer than {zst.name} unpacks to",
                                    f"delete {part} and run `longtail unpack` again")
            dst.flush()
            os.fsync(dst.fileno())
    except zstandard.ZstdError as exc:
        part.unlink(missing_ok=True)
        raise LongtailError(f"{zst} is corrupt or truncated ({exc})",
                            "re-download it from the metadata torrent") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise LongtailError(f"the disk filled up while unpacking {zst.name}",
                                "free some space; `longtail unpack` resumes where it stopped") from None
        raise LongtailError(f"cannot unpack {zst.name} ({exc.strerror})",
                            "check the folder's permissions and free space") from None
    if frames[0] == 1 and expected is not None and part.stat().st_size != expected:
        raise LongtailError(f"{part} has {part.stat().st_size} bytes, expected {expected}",
                            f"delete {part} and run `longtail unpack` again")
    with open(part, "rb") as fh:
        if out.suffix == ".sqlite3" and fh.read(16) != b"SQLite format 3\x00":
            part.unlink()
            raise LongtailError(f"{zst.name} did not unpack to an SQLite database",
                                "re-download it from the metadata torrent")
    os.replace(part, out)
    return out


def decompressed(src: BinaryIO, frames: list[int], progress: Callable[[int, int], None] | None,
                 total_in: int) -> Iterator[bytes]:
    """The decompressed bytes of every frame of `src` in turn; ZstdError if it ends inside one."""
    dctx = zstandard.ZstdDecompressor()
    frame = None
    while data := src.read(IN_CHUNK):
        while data:
            if frame is None:
                frame = dctx.decompressobj()
                frames[0] += 1
            out = frame.decompress(data)
            if out:
                yield out
            data = b""
            if frame.eof:  # the next frame starts in what is left of this chunk
                data, frame = frame.unused_data, None
        if progress:
            progress(src.tell(), total_in)
    if frame is not None:
        raise zstandard.ZstdError("the stream ends inside a frame: the file is truncated")
