"""Writing synthetic rows fast: ids, ISRCs, and a batching writer for new SQLite files."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np

BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
FETCHED_AT = 1_752_000_000_000  # 2025-07, the scrape's cutoff, epoch ms
FLUSH = 20_000


class Ids:
    """Unique base62 ids, 22 characters, generated in vectorised blocks."""

    def __init__(self, seed: int) -> None:
        self.np_rng = np.random.default_rng(seed)
        self.buf: list[str] = []

    def next(self) -> str:
        if not self.buf:
            block = BASE62[self.np_rng.integers(0, 62, size=(8192, 22))].tobytes()
            self.buf = [block[i:i + 22].decode() for i in range(0, len(block), 22)]
        return self.buf.pop()


def connect_new(path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    return conn


class Writer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pending: dict[str, list[tuple]] = {}
        self.sql: dict[str, str] = {}
        self.count = 0

    def add(self, table: str, columns: str, row: tuple) -> None:
        rows = self.pending.get(table)
        if rows is None:
            rows = self.pending[table] = []
            marks = ",".join("?" * len(row))
            self.sql[table] = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        rows.append(row)
        self.count += 1
        if self.count >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                self.conn.executemany(self.sql[table], rows)
                rows.clear()
        self.count = 0


def isrc_code(rng: random.Random, year: int) -> str:
    cc = rng.choice(("US", "GB", "DE", "FR", "SE", "JP", "KR", "BR", "QZ", "IS", "RU", "GR"))
    reg = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(3))
    return f"{cc}{reg}{year % 100:02d}{rng.randrange(100000):05d}"
