"""Is a file the archive's? Hashing it in bounded memory, and moving a bad one aside.

A file that fails is never deleted and never overwritten in place: it is moved
into the state directory's quarantine, where the user can look at it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import time
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks whatever its size (never through a symlink)."""
    h = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb", buffering=0) as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def verify_fetched(path: Path, size: int, expected_sha256: str | None,
                   settle_seconds: float = 10.0) -> tuple[bool, str | None]:
    """A file libtorrent says is complete: its size, then the ledger's SHA-256 if there is one.

    libtorrent's write buffer may lag its completion alert (docs/libtorrent.md P2): the size is waited for
    and the hash retried briefly before the file is declared bad. Without a ledger hash,
    every piece already passed libtorrent's SHA-1 check on arrival.
    """
    deadline = time.monotonic() + settle_seconds
    while True:
        try:
            on_disk = path.stat().st_size
        except OSError:
            on_disk = -1
        if on_disk == size or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if on_disk != size:
        return False, f"the file on disk has {on_disk} bytes, the torrent says {size}"
    if not expected_sha256:
        return True, None
    try:
        for _ in range(20):
            if sha256_file(path) == expected_sha256:
                return True, None
            time.sleep(0.05)
    except OSError as exc:
        return False, f"cannot read it back ({exc.strerror})"
    return False, "its SHA-256 differs from the ledger's"


class MoveError(OSError):
    """A file could not be moved aside; its text says why (a read-only mirror, a full disk...)."""


def move_aside(path: Path, quarantine: Path, track_id: str, why: str) -> Path:
    """Move a bad file into the quarantine (never deleted) and return where it went; MoveError
    when it cannot be, with the file left exactly where and as it was."""
    target = quarantine / f"{track_id}.{int(time.time())}.{why}"
    try:
        quarantine.mkdir(parents=True, exist_ok=True)
        os.rename(path, target)  # the same disk: one atomic step
        return target
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise MoveError(exc.errno, f"cannot move it aside ({exc.strerror})") from None
    try:  # another disk: copy (the link itself for a symlink), then remove the original
        shutil.copy2(path, target, follow_symlinks=False)
        os.unlink(path)
    except OSError as exc:
        Path(target).unlink(missing_ok=True)  # no second copy left behind
        raise MoveError(exc.errno, f"cannot move it aside ({exc.strerror})") from None
    return target
