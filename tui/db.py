"""SQLite connections, the one way longtail opens them.

`PerThread` gives each thread its own connection to a database (sqlite3 objects
must not be shared across threads while in use) and can interrupt or let go of all
of them; the catalogue, the file index, the search index and the list sources
use it. `open_state_db` opens one of longtail's own databases in the state
directory (WAL, a busy timeout), and `state_error` turns what SQLite or the OS
said into one line that names the real cause.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.errors import LongtailError


class PerThread:
    """One connection per thread, opened on first use by `opener`."""

    def __init__(self, opener: Callable[[], sqlite3.Connection]) -> None:
        self._opener = opener
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._by_thread: dict[int, sqlite3.Connection] = {}

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._opener()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
                self._by_thread[threading.get_ident()] = conn
        return conn

    def interrupt_threads(self, idents: set[int]) -> None:
        """Cancel the query these threads are running (and nobody else's)."""
        with self._lock:
            for ident in idents:
                conn = self._by_thread.get(ident)
                if conn is not None:
                    conn.interrupt()

    def interrupt_all(self) -> None:
        """Cancel whatever query any thread is running (a newer keystroke arrived)."""
        with self._lock:
            for conn in self._all:
                conn.interrupt()

    def close_this_thread(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()
            self._local.conn = None

    def close_all(self) -> None:
        """Let go of every thread's connection. They are not closed here: closing a connection
        while another thread is inside a query crashes the process; each closes as soon as no
        thread uses it any more (the last reference goes)."""
        with self._lock:
            self._all = []
        self._local = threading.local()


def read_only_uri(path: Path) -> str:
    """An SQLite URI opening `path` read-only; the path quoted, so that a `?`, `#` or `%` in
    a state directory's name stays part of the name (unquoted, it lost the search index)."""
    return "file:" + urllib.parse.quote(str(path)) + "?mode=ro"


def read_only_connections(path: Path) -> PerThread:
    """Each thread's read-only connection to one of longtail's own databases (a reader never
    creates the file or takes a write lock; the builder writes through `open_state_db`)."""
    uri = read_only_uri(path)
    return PerThread(lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))


# The format of longtail's own databases, stamped in SQLite's header (`user_version`) of each
# one it writes. Raised by a change an older longtail could not read safely; a file stamped
# higher was written by a newer longtail and is set aside when the state directory opens
# (core/state_heal.py) rather than misread. 0: written before the stamp, read as format 1.
STATE_FORMAT = 1


def stamp_format(conn: sqlite3.Connection) -> None:
    """Stamp a database longtail writes with `STATE_FORMAT` (once: a write only when unset)."""
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            conn.execute(f"PRAGMA user_version = {STATE_FORMAT}")
    except sqlite3.OperationalError:
        pass  # a state directory it may only read (or busy): unstamped is read as format 1


def open_state_db(path: Path, *, wal: bool = True, timeout: float = 30.0,
                  autocommit: bool = False) -> sqlite3.Connection:
    """One of longtail's own databases (never the user's metadata)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
        if autocommit:
            conn.isolation_level = None
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        stamp_format(conn)
    except (sqlite3.Error, OSError) as exc:
        raise state_error(exc, path) from None
    return conn


@contextmanager
def process_lock(path: Path) -> Iterator[None]:
    """Only one process at a time past here (two first runs on one new state directory would
    both insert the same rows); the other waits, then finds the work done."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise state_error(exc, path) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets go of the lock


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One transaction on an autocommit connection, where `with conn:` begins none and every
    row of an executemany would be a transaction of its own."""
    conn.execute("BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def state_error(exc: BaseException, path: Path) -> LongtailError:
    """What went wrong writing longtail's own state, in one line with what to do."""
    text = str(exc)
    code = getattr(exc, "errno", None)
    lowered = text.lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or "database or disk is full" in lowered:
        return LongtailError(f"the disk holding {path.parent} is full",
                             "free some space (or pass --state DIR on another disk) and run it again")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in lowered or "read-only" in lowered:
        return LongtailError(f"cannot write {path}: the state directory is read-only",
                             "pass --state DIR pointing to a writable directory")
    if "locked" in lowered or "busy" in lowered:
        return LongtailError(f"{path.name} is locked by another longtail process",
                             "wait for it to finish (or stop it) and run this again")
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return LongtailError(f"{path} is damaged ({text})",
                             f"delete {path.name} from the state directory; longtail rebuilds it")
    return LongtailError(f"cannot use {path} ({text})",
                         "check the state directory (--state DIR) and its permissions")
