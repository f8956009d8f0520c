"""Reading a file longtail did not write, safely: only a regular file is opened for real (a
FIFO would hang, a device never ends), and no more than a cap is read, counted in bytes
read rather than trusted from its size (a link to /dev/zero has size 0)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tui.errors import LongtailError


class UnreadableFile(LongtailError):
    """Not a regular file, too large, or unreadable: the message names it and says why."""


def what_is(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symlink")):
        if test(mode):
            return name
    return "not a regular file"


def read_capped(path: Path, cap: int, follow: bool = True) -> bytes:
    """The whole file, if it is a regular file of at most `cap` bytes (a symlink to one is
    followed unless `follow` is False)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path} ({exc.strerror})", "check that it is there and readable") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(f"{path} is {what_is(mode)}, not a file longtail can read",
                                 "remove it, or put the real file there")
        chunks, total = [], 0
        while total <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path} ({exc.strerror})", "check the disk") from None
    finally:
        os.close(fd)
    if total > cap:
        raise UnreadableFile(f"{path} is larger than the {cap:,} bytes longtail reads of it",
                             "remove it from the mirror")
    return b"".join(chunks)
