"""Rows by position for lists of any length, without holding them in memory.

`AnchoredSource` serves a list sorted by an index (artists by name, a tier by
popularity) by position: a background scan of the index keeps one key every
`ANCHOR_EVERY` rows; row `p` is then a keyset query from the anchor before it
(never OFFSET). The list is usable at once and grows as the scan proceeds; the
anchors are cached in the state directory for the next start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

Row = TypeVar("Row")
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

    def close(self) -> None:
        pass


class ListSource(RowSource[Row]):
    """Rows already in memory (small lists: an album's tracks, search results)."""

    def __init__(self, rows: Sequence[Row] | None = None) -> None:
        self.rows: list[Row] = list(rows or [])

    def count(self) -> int:
        return len(self.rows)

    def fetch(self, start: int, n: int) -> list[Row]:
        return self.rows[start:start + n]


class AnchoredSource(RowSource[tuple]):
    """A keyset-ordered query served by position through periodic anchors.

    `keys` are the ORDER BY columns (the last must make rows unique, e.g. rowid);
    `where` filters; `descending` flips the order. The scan reads only the index.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], table: str, keys: tuple[str, str],
                 columns: str, where: str = "1", descending: bool = False,
                 cache_path: Path | None = None, cache_key: str = "",
                 on_grow: Callable[[], None] | None = None) -> None:
        self.connect = connect
        self.table, self.keys, self.columns, self.where = table, keys, columns, where
        self.descending = descending
        self.cache_path, self.cache_key = cache_path, cache_key
        self.on_grow = on_grow
        self._anchors: list[tuple] = []  # anchors[k] = key of row k*ANCHOR_EVERY - 1 (k >= 1)
        self._count = 0
        self._complete = False
        self._stop = threading.Event()
        self._local = threading.local()
        direction = "DESC" if descending else "ASC"
        k1, k2 = keys
        self._order = f"{k1} {direction}, {k2} {direction}"
        cmp = "<" if descending else ">"
        self._after = f"({k1}, {k2}) {cmp} (?, ?)"
        if not self._load_cache():
            threading.Thread(target=self._scan, daemon=True, name=f"anchors-{table}").start()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.connect()
        return conn

    # -- the anchor scan -------------------------------------------------------------------

    def _load_cache(self) -> bool:
        if self.cache_path is None or not self.cache_path.exists():
            return False
        try:
            data = json.loads(self.cache_path.read_text())
        except (OSError, ValueError):
            return False
        if data.get("key") != self.cache_key or data.get("every") != ANCHOR_EVERY:
            return False
        self._anchors = [tuple(a) for a in data["anchors"]]
        self._count = data["count"]
        self._complete = True
        return True

    def _scan(self) -> None:
        conn = self.connect()
        k1, k2 = self.keys
        cursor = conn.execute(f"SELECT {k1}, {k2} FROM {self.table} WHERE {self.where} ORDER BY {self._order}")
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
        conn.close()
        if self._stop.is_set():
            return
        self._complete = True
        if self.on_grow:
            self.on_grow()
        if self.cache_path is not None:
            try:
                tmp = self.cache_path.with_name(self.cache_path.name + ".tmp")
                tmp.write_text(json.dumps({"key": self.cache_key, "every": ANCHOR_EVERY,
                                           "count": self._count, "anchors": self._anchors}))
                tmp.replace(self.cache_path)
            except OSError:
                pass  # no cache next time; nothing else is lost

    # -- RowSource ---------------------------------------------------------------------------

    def count(self) -> int:
        return self._count

    @property
    def complete(self) -> bool:
        return self._complete

    def fetch(self, start: int, n: int) -> list[tuple]:
        k = start // ANCHOR_EVERY
        if k > len(self._anchors):  # not scanned that far yet
            return []
        skip = start - k * ANCHOR_EVERY
        base = f"SELECT {self.columns} FROM {self.table} WHERE {self.where}"
        if k == 0:
            rows = self._conn().execute(f"{base} ORDER BY {self._order} LIMIT ?", (skip + n,)).fetchall()
        else:
            anchor = self._anchors[k - 1]
            rows = self._conn().execute(f"{base} AND {self._after} ORDER BY {self._order} LIMIT ?",
                                        (*anchor, skip + n)).fetchall()
        return rows[skip:]

    def close(self) -> None:
        self._stop.set()


class GrowingSource(RowSource[Any]):
    """Rows produced by an iterator on demand (the shuffle stream): grows near the end."""

    def __init__(self, produce: Callable[[int], list[Any]], batch: int = 100) -> None:
        self.produce = produce
        self.batch = batch
        self.rows: list[Any] = []
        self.exhausted = False
        self._lock = threading.Lock()

    def count(self) -> int:
        return len(self.rows) + (0 if self.exhausted else 1)  # one row of "more…"

    @property
    def complete(self) -> bool:
        return self.exhausted

    def fetch(self, start: int, n: int) -> list[Any]:
        with self._lock:
            while not self.exhausted and len(self.rows) < start + n:
                more = self.produce(self.batch)
                if not more:
                    self.exhausted = True
                self.rows.extend(more)
            return self.rows[start:start + n]
