"""Is a file the archive's? Hashing it in bounded memory, and moving a bad one aside.

A file that fails is never deleted and never overwritten in place: it is moved
into the state directory's quarantine, where the user can look at it.
"""

from __future__ import annotations

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

    libtorrent's write buffer may lag its completion alert (P2): the size is waited for
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


def move_aside(path: Path, quarantine: Path, track_id: str, why: str) -> Path | None:
    """Move a bad file into the quarantine (never deleted); returns where it went."""
    target = quarantine / f"{track_id}.{int(time.time())}.{why}"
    try:
        quarantine.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
    except OSError:
        return None
    return target
