"""Files longtail did not make, safely.

Reading: only a regular file is opened for real (a FIFO would hang, a device never ends),
and no more than a cap is read, counted in bytes read rather than trusted from its size
(a link to /dev/zero has size 0).

Writing where the user said (`--out`): a regular file is replaced whole or not at all; a
device or FIFO is written into, never replaced (run as root, a rename over `/dev/null`
replaced the machine's /dev/null with a PNG); a link is followed, so the link stays.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
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


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a regular file, never through a link; nothing for anything
    else (a FIFO would hang the read) or for a file that cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return b""
    try:
        return os.read(fd, size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


class UnwritableOutput(LongtailError):
    """The place the user named cannot take the output: the message says why."""


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path` whole or not at all: written beside it, then renamed into place. The
    copy in progress is hidden and its writer's own, so two threads writing one path never
    write into one file, and nobody looking for `path` finds it half-written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise



def write_output(path: Path, data: bytes) -> None:
    target = check_output(path)
    if _is_stream(target):
        _write_into(path, target, data)
        return
    try:
        write_atomically(target, data)
    except OSError as exc:
        hint = "free some space there" if exc.errno == errno.ENOSPC else "pick a writable place"
        raise UnwritableOutput(f"cannot write {path} ({exc.strerror or exc})", hint) from None


def _is_stream(target: Path) -> bool:
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def check_output(path: Path) -> Path:
    """Where `path` will be written (links followed), or UnwritableOutput: asked before the
    work that makes the output, so that the work is not lost for a typo in a folder name."""
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UnwritableOutput(f"cannot write {path} ({exc.strerror})", "pick a writable place") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UnwritableOutput(f"{path} is a directory", "give a file name in it")
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return target
    if mode is not None and not stat.S_ISREG(mode):
        raise UnwritableOutput(f"{path} is {what_is(mode)}", "give the path of a file")
    if not target.parent.is_dir():
        raise UnwritableOutput(f"cannot write {path}: the folder {target.parent} does not exist",
                               "create it, or pick another place")
    if not os.access(target.parent, os.W_OK) or (mode is not None and not os.access(target, os.W_OK)):
        raise UnwritableOutput(f"cannot write {path} (permission denied)", "pick a writable place")
    return target


def _write_into(path: Path, target: Path, data: bytes) -> None:
    """A device or a FIFO takes the bytes as they are; a FIFO nobody reads is said, not waited on."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise UnwritableOutput(f"{path} is a FIFO that nobody reads", "start its reader first") from None
        raise UnwritableOutput(f"cannot write {path} ({exc.strerror})", "pick a writable place") from None
    try:
        os.set_blocking(fd, True)  # a reader is there: it may take its time
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise UnwritableOutput(f"cannot write {path} ({exc.strerror})", "pick a writable place") from None
    finally:
        os.close(fd)
