"""Rows by position for lists of any length, without holding them in memory.

`AnchoredSource` serves a sorted list (artists by name, a tier by popularity) by
position: a background scan of the index keeps one key every `ANCHOR_EVERY`
rows; row `p` is then a keyset query from the anchor before it (never OFFSET).
The list is usable at once and grows as the scan proceeds; the anchors are
cached in the state directory for the next start. Its SQL comes from a
`Listing` in `queries`, so the EXPLAIN test covers it.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from tui.catalogue.queries import Listing
from tui.db import PerThread
from tui.files import write_atomically

Row = TypeVar("Row")
Out = TypeVar("Out")
ANCHOR_EVERY = 1024


class RowSource(ABC, Generic[Row]):
    """Rows by position. `fetch` runs in a loader thread; `count` must be cheap."""

    @abstractmethod
    def count(self) -> int:
        """Rows known so far."""

    @abstractmethod
    def fetch(self, start: int, n: int) -> list[Row]:
        """Rows [start, start + n); may return fewer at the end."""

    @property
    def complete(self) -> bool:
        """False while the count may still grow (a scan in progress, a stream)."""
        return True

    def ready(self, start: int, n: int) -> list[Row] | None:
        """Rows [start, start + n) if they are in memory already (no read, so the UI thread may
        ask); None if they must be fetched."""
        return None

    def close(self) -> None:
        return None


class ListSource(RowSource[Row]):
    """Rows already in memory (small lists: an album's tracks, search results)."""

    def __init__(self, rows: Sequence[Row] | None = None) -> None:
        self.rows: list[Row] = list(rows or [])

    def count(self) -> int:
        return len(self.rows)

    def fetch(self, start: int, n: int) -> list[Row]:
        return self.rows[start:start + n]

    def ready(self, start: int, n: int) -> list[Row] | None:
        return self.rows[start:start + n]


class AnchoredSource(RowSource[Row]):
    """A keyset-ordered listing served by position through periodic anchors."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], listing: Listing,
                 make_row: Callable[[tuple], Row], cache_path: Path | None = None,
                 cache_key: str = "", on_grow: Callable[[], None] | None = None) -> None:
        self.connect = connect
        self.listing = listing
        self.make_row = make_row
        self.cache_path, self.cache_key = cache_path, cache_key
        self.on_grow = on_grow
        self._anchors: list[tuple] = []  # anchors[k] = key of row k*ANCHOR_EVERY - 1 (k >= 1)
        self._count = 0
        self._complete = False
        self._stop = threading.Event()
        self._conns = PerThread(connect)
        self._first: list[Row] | None = None  # the first rows, read ahead by warm()
        self._first_is_all = False  # fewer rows than asked for: the listing ends there
        if not self._load_cache():
            threading.Thread(target=self._scan, daemon=True, name=f"anchors-{listing.name}").start()

    # -- the anchor scan -------------------------------------------------------------------

    def _load_cache(self) -> bool:
        if self.cache_path is None or not self.cache_path.exists():
            return False
        try:
            data = json.loads(self.cache_path.read_text())
            if data.get("key") != self.cache_key or data.get("every") != ANCHOR_EVERY:
                return False
            anchors = [tuple(a) for a in data["anchors"]]
            count = int(data["count"])
        except (OSError, ValueError, KeyError, TypeError):
            return False  # a damaged cache is only a rescan
        self._anchors, self._count, self._complete = anchors, count, True
        return True

    def _scan(self) -> None:
        conn = self.connect()
        try:
            cursor = conn.execute(self.listing.scan)
            n = 0
            grow_every = ANCHOR_EVERY * 64
            while not self._stop.is_set():
                rows = cursor.fetchmany(ANCHOR_EVERY)
                if not rows:
                    break
                n += len(rows)
                if len(rows) == ANCHOR_EVERY:
                    self._anchors.append(tuple(rows[-1]))
                self._count = n
                if n % grow_every < ANCHOR_EVERY and self.on_grow:
                    self.on_grow()
        finally:
            conn.close()
        if self._stop.is_set():
            return
        self._complete = True
        if self.on_grow:
            self.on_grow()
        if self.cache_path is not None:
            try:
                write_atomically(self.cache_path, json.dumps({
                    "key": self.cache_key, "every": ANCHOR_EVERY, "count": self._count,
                    "anchors": self._anchors}).encode())
            except OSError:
                pass  # no cache next time; nothing else is lost

    # -- RowSource ---------------------------------------------------------------------------

    def count(self) -> int:
        return self._count

    @property
    def complete(self) -> bool:
        return self._complete

    def fetch(self, start: int, n: int) -> list[Row]:
        k = start // ANCHOR_EVERY
        if k > len(self._anchors):  # not scanned that far yet
            return []
        skip = start - k * ANCHOR_EVERY
        conn = self._conns.get()
        if k == 0:
            rows = conn.execute(self.listing.first, {"limit": skip + n}).fetchall()
        else:
            k1, k2 = self._anchors[k - 1]
            rows = conn.execute(self.listing.after, {"k1": k1, "k2": k2, "limit": skip + n}).fetchall()
        return [self.make_row(r) for r in rows[skip:]]

    def warm(self, n: int, wait: float) -> None:
        """Read the first `n` rows ahead, in a thread, waiting for them up to `wait` seconds: the
        first screen is drawn with them instead of placeholders. The caller's thread only
        waits (it is not yet the UI's), so the read runs with the GIL to itself."""
        def read() -> None:
            try:
                conn = self.connect()  # its own: a PerThread one would outlive this thread
                try:
                    rows = conn.execute(self.listing.first, {"limit": n}).fetchall()
                finally:
                    conn.close()
                self._first_is_all = len(rows) < n
                self._first = [self.make_row(r) for r in rows]
            except Exception:  # noqa: BLE001 - the list's own read will meet it and show it
                pass
        reader = threading.Thread(target=read, daemon=True, name=f"warm-{self.listing.name}")
        reader.start()
        reader.join(wait)

    def ready(self, start: int, n: int) -> list[Row] | None:
        return None if self._first is None else _held(self._first, self._first_is_all, start, n)

    def position_of(self, key: tuple, matches: Callable[[Row], bool]) -> int | None:
        """Row number of the row whose sort key is `key` (binary search over the anchors)."""
        k = bisect.bisect_left(self._anchors, key)
        start = k * ANCHOR_EVERY
        for i, row in enumerate(self.fetch(start, ANCHOR_EVERY + 1)):
            if matches(row):
                return start + i
        return None

    def close(self) -> None:
        self._stop.set()
        self._conns.close_all()


class MappedSource(RowSource[Out], Generic[Row, Out]):
    """Another source's rows turned, page by page, into records (a tier's rowids into tracks)."""

    def __init__(self, source: RowSource[Row], convert: Callable[[list[Row]], list[Out]]) -> None:
        self.source = source
        self.convert = convert

    def count(self) -> int:
        return self.source.count()

    @property
    def complete(self) -> bool:
        return self.source.complete

    def fetch(self, start: int, n: int) -> list[Out]:
        return self.convert(self.source.fetch(start, n))

    def close(self) -> None:
        self.source.close()


class ReadAhead(RowSource[Row]):
    """Another source with its first rows read already (off the UI thread, while the app was
    idle), so a list shown with it draws them in its first frame (`ready`). Every other read,
    and every read after a reload, is the source's own."""

    def __init__(self, source: RowSource[Row], first: list[Row], is_all: bool) -> None:
        self.source, self._first, self._first_is_all = source, first, is_all

    def count(self) -> int:
        return self.source.count()

    @property
    def complete(self) -> bool:
        return self.source.complete

    def fetch(self, start: int, n: int) -> list[Row]:
        return self.source.fetch(start, n)

    def ready(self, start: int, n: int) -> list[Row] | None:
        return _held(self._first, self._first_is_all, start, n)

    def close(self) -> None:
        self.source.close()


def _held(first: list[Row], is_all: bool, start: int, n: int) -> list[Row] | None:
    """Rows [start, start + n) of the first rows read ahead, if they hold them (`is_all`: the
    listing ended within them, so a range past their end is empty, not unknown)."""
    if start + n > len(first) and not is_all:
        return None
    return first[start:start + n]
