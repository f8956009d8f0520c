"""A state directory that heals itself: each of longtail's own files is checked when the
directory is opened, and one that is not what longtail writes is moved into `damaged/` (kept,
never deleted) so that it is rebuilt, with one note saying so.

Everything in the state directory can be rebuilt or fetched again, so moving a file aside
loses nothing that longtail needs; the user's metadata databases are never here. The checks
are cheap (an lstat and at most a header each): a garbage, truncated or directory
`playlists.sqlite3` ended `info` in a traceback, a FIFO `longtail.log` or `search.sqlite3`
hung every command, and a damaged `radio/ids.npy` ended `radio` in one.
"""

from __future__ import annotations

import ast
import json
import os
import stat
import time
from pathlib import Path

from tui.catalogue.databases import SQLITE_MAGIC
from tui.config import StatePaths
from tui.db import STATE_FORMAT
from tui.files import read_head, what_is

DAMAGED = "damaged"
DIRECTORIES = ("parts", "quarantine", "art", "radio", DAMAGED)
JSON_CAP = 64 << 20  # a queue of a million ids is ~30 MB
SIDE_FILES = ("-wal", "-shm", "-journal")
BUILT_BY_INDEX = ("search", "playlists", "lyrics")  # sidecars `longtail index` builds; the rest heal alone
YOUNG_SECONDS = 10.0  # a file this new may be one another process is writing its first page of


def heal_state(state: StatePaths) -> list[str]:
    """Check every file longtail keeps in `state.root`; move the damaged ones aside.
    Returns one note per file moved. Never raises for a damaged file (only the move itself can
    fail, and then the note says what to remove)."""
    notes: list[str] = []
    try:
        entries = sorted(os.scandir(state.root), key=lambda e: e.name)
    except OSError:
        return notes  # ensure() has said what is wrong with the directory itself
    for entry in entries:
        path = Path(entry.path)
        why = _problem(path, entry.name)
        if why is not None:
            notes.append(_move_aside(state.root, path, why))
        elif entry.name == "radio":
            radio_why = next(filter(None, (_problem(p, p.name) for p in sorted(path.iterdir()))), None)
            if radio_why is not None:  # the radio's files are one build: set aside together
                notes.append(_move_aside(state.root, path, radio_why))
    return notes


def _problem(path: Path, name: str) -> str | None:
    try:
        info = path.lstat()
    except OSError:
        return None  # gone meanwhile
    mode = info.st_mode
    if name in DIRECTORIES:
        return None if stat.S_ISDIR(mode) else f"is {what_is(mode)} where a folder should be"
    base = name
    for side in SIDE_FILES:
        base = base.removesuffix(side)
    known = base.endswith((".sqlite3", ".json", ".npy", ".lock", ".log"))
    if not known:
        return None  # not one of ours: left alone
    if not stat.S_ISREG(mode):
        return f"is {what_is(mode)}, not a file"
    if base != name or name.endswith((".lock", ".log")):
        return None  # a side file or lock only needs to be a regular file
    young = time.time() - info.st_mtime < YOUNG_SECONDS
    if name.endswith(".sqlite3"):
        return _sqlite_problem(path, info.st_size, young)
    if name.endswith(".json"):
        return _json_problem(path, info.st_size)
    return _npy_problem(path, info.st_size)


def _sqlite_problem(path: Path, size: int, young: bool) -> str | None:
    """SQLite's own file header (sqlite.org/fileformat.html): the magic, a valid page size,
    and a file at least as long as the page count the header vouches for."""
    if size == 0:
        return None  # a database not yet written to
    if size < 100:
        return None if young else "is too short to be an SQLite database"
    header = read_head(path, 100)
    if not header.startswith(SQLITE_MAGIC):
        return "is not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "has a damaged SQLite header"
    stamped = int.from_bytes(header[60:64], "big", signed=True)  # user_version: tui/db.py STATE_FORMAT
    if stamped < 0:
        return "has a damaged SQLite header"
    if stamped > STATE_FORMAT:
        return f"was written by a newer longtail (state format {stamped}; this one reads {STATE_FORMAT})"
    pages = int.from_bytes(header[28:32], "big")
    vouched = header[24:28] == header[92:96]  # the page count is valid for this change counter
    if vouched and pages and size < pages * page_size:
        return f"is truncated ({size:,} of {pages * page_size:,} bytes)"
    return None


def _json_problem(path: Path, size: int) -> str | None:
    if size > JSON_CAP:
        return f"is larger ({size:,} bytes) than any state file longtail writes"
    try:
        doc = json.loads(read_head(path, size).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "is not JSON"
    return None if isinstance(doc, dict) else "is not a JSON object"


def _npy_problem(path: Path, size: int) -> str | None:
    """NumPy's .npy header (magic, version, a dict literal) and a length that matches it."""
    head = read_head(path, 4096)
    if not head.startswith(b"\x93NUMPY") or len(head) < 10:
        return "is not a NumPy array"
    major = head[6]
    width = 2 if major == 1 else 4
    length = int.from_bytes(head[8:8 + width], "little")
    start = 8 + width
    try:
        meta = ast.literal_eval(head[start:start + length].decode("latin-1"))
        shape, descr = tuple(meta["shape"]), str(meta["descr"])
        itemsize = int(descr.lstrip("<>|=")[1:] or 0)
        count = 1
        for dimension in shape:
            count *= int(dimension)
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError):
        return "has a damaged NumPy header"
    if descr.lstrip("<>|=")[:1] == "U":
        itemsize *= 4
    if itemsize and size != start + length + count * itemsize:
        return f"is {size:,} bytes where its header says {start + length + count * itemsize:,}"
    return None


def _move_aside(root: Path, path: Path, why: str) -> str:
    """Into damaged/NAME.<time> with its SQLite side files; the note names both places."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    keep = root / DAMAGED
    where = keep / f"{path.name}.{stamp}"
    try:
        keep.mkdir(exist_ok=True)
        os.rename(path, where)
    except FileNotFoundError:
        return f"{path.name} in the state directory {why}; another longtail process set it aside"
    except OSError as exc:
        return (f"{path} {why}, and moving it aside failed ({exc.strerror}): remove it by hand; "
                "longtail builds it again")
    for side in SIDE_FILES:
        try:
            os.rename(f"{path}{side}", f"{where}{side}")
        except OSError:
            pass  # none, which is usual
    again = ("run `longtail index` (or press I) to build it again" if path.name.startswith(BUILT_BY_INDEX)
             else "longtail builds it again")
    return f"{path.name} in the state directory {why}: moved to {DAMAGED}/{where.name}; {again}"
