"""Sets of rowids, read back in ascending order: the order a table's rows lie on disk.

The playable lists look up millions of rows whose ids the file index gives in track-id order,
which is random in the table: one disk read a row, ~3,000 a second on a cold disk (the `P`
artists' build took 307 s at 10^7 files). Collected here first and read back by rowid, the
same rows are one forward pass over the table, with the kernel reading ahead (39 s for the
same build, bench/RESULTS.md). A bitmap holds the set: one bit a rowid of the table's span,
32 MB for the archive's 256 M tracks, whatever part of them is playable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from itertools import count, islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a set is made: numpy costs ~40-140 ms, and the first screen needs none
    import numpy as np

MAX_BITMAP_BITS = 1 << 31  # 256 MB; a span wider than this (a foreign catalogue) is sorted by SQLite instead
CHUNK = 1 << 16  # bitmap bytes scanned at a time when iterating
_TABLES = count()


class RowidSet:
    """Rowids in [lo, hi], added in any order, iterated ascending, each once."""

    def __init__(self, lo: int, hi: int, spill: sqlite3.Connection) -> None:
        import numpy as np

        self.lo = lo
        self._bits: np.ndarray | None = None
        self._spill: sqlite3.Connection | None = None
        if hi - lo + 1 <= MAX_BITMAP_BITS:
            self._bits = np.zeros((max(hi - lo, 0) >> 3) + 1, np.uint8)
        else:
            self._spill = spill  # a temp table: SQLite's B-tree sorts them, on disk if it must
            self._table = f"rowid_set_{next(_TABLES)}"  # several sets are alive at once
            spill.execute(f"CREATE TEMP TABLE {self._table} (r INTEGER PRIMARY KEY)")

    def add_many(self, rowids: Iterable[int]) -> None:
        if self._bits is None:
            assert self._spill is not None
            self._spill.executemany(f"INSERT OR IGNORE INTO {self._table} VALUES (?)", ((r,) for r in rowids))
            return
        import numpy as np

        offsets = np.fromiter(rowids, dtype=np.int64) - self.lo
        offsets = offsets[(offsets >= 0) & (offsets < self._bits.size * 8)]  # the span was read before: in it
        np.bitwise_or.at(self._bits, offsets >> 3, np.left_shift(1, offsets & 7).astype(np.uint8))

    def __iter__(self) -> Iterator[int]:
        if self._bits is None:
            assert self._spill is not None
            yield from (r for (r,) in self._spill.execute(f"SELECT r FROM {self._table} ORDER BY r"))
            return
        import numpy as np

        for start in range(0, self._bits.size, CHUNK):
            chunk = self._bits[start:start + CHUNK]
            if chunk.any():
                bits = np.flatnonzero(np.unpackbits(chunk, bitorder="little"))
                yield from (bits + (start * 8 + self.lo)).tolist()


def rowid_set(conn: sqlite3.Connection, table: str, spill: sqlite3.Connection) -> RowidSet:
    """An empty set spanning `table`'s rowids (two seeks on its primary key)."""
    # two subqueries: min() and max() together in one select would scan the table
    lo, hi = conn.execute(f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})").fetchone()
    return RowidSet(lo or 0, hi or 0, spill)


def rows_in_batches(conn: sqlite3.Connection, sql: str, keys: Iterable[object], batch: int = 500) -> Iterator[tuple]:
    """The rows of `sql` (one `IN ({marks})`) for `keys`, a batch per query, in the order given:
    ascending rowids (or sorted ids, in their index) make it a forward pass."""
    it = iter(keys)
    while chunk := list(islice(it, batch)):
        yield from conn.execute(sql.replace("{marks}", ",".join("?" * len(chunk))), chunk).fetchall()
