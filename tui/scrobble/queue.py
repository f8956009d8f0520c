"""The listens not yet sent, in the state directory (SQLite, WAL): written before any send,
marked sent only after the service took them, so a kill -9 loses none. A listen is one row
per service, unique by (service, track, listened_at): queued twice, it is kept once."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tui.db import open_state_db, state_error, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS listens(
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    track_id TEXT NOT NULL,
    listened_at INTEGER NOT NULL,
    payload TEXT NOT NULL,          -- what the service is sent, as JSON
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    error TEXT,
    sent_at REAL,
    UNIQUE (service, track_id, listened_at)
);
CREATE INDEX IF NOT EXISTS listens_due ON listens(service, state, next_try, listened_at);
"""


@dataclass(frozen=True)
class QueuedListen:
    id: int
    service: str
    track_id: str
    listened_at: int
    payload: dict
    attempts: int


@dataclass(frozen=True)
class QueueCounts:
    service: str
    queued: int
    sent: int
    rejected: int
    oldest_queued: int | None  # listened_at
    last_error: str | None
    next_try: float | None


class ScrobbleQueue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # one connection, used by the scrobbler's thread and `status`
        self._conn = open_state_db(path, autocommit=True)
        try:
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise state_error(exc, path) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, service: str, track_id: str, listened_at: int, payload: dict) -> bool:
        """Queue one listen; False when it was queued already."""
        with self._lock:
            try:
                cursor = self._conn.execute(
                    "INSERT OR IGNORE INTO listens(service, track_id, listened_at, payload) VALUES (?,?,?,?)",
                    (service, track_id, listened_at, json.dumps(payload, ensure_ascii=False)))
            except sqlite3.Error as exc:
                raise state_error(exc, self.path) from None
            return cursor.rowcount == 1

    def due(self, service: str, limit: int, now: float | None = None) -> list[QueuedListen]:
        """Once any listen's time to try has come, the oldest queued listens, in the order they
        were listened to: a listen that failed once never overtakes an older one still waiting
        out a longer backoff (the service was down for both)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, service, track_id, listened_at, payload, attempts FROM listens "
                "WHERE service = :s AND state = 'queued' AND EXISTS (SELECT 1 FROM listens "
                "WHERE service = :s AND state = 'queued' AND next_try <= :now) ORDER BY listened_at, id LIMIT :n",
                {"s": service, "now": time.time() if now is None else now, "n": limit}).fetchall()
        return [QueuedListen(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def next_due(self, service: str) -> float | None:
        with self._lock:
            row = self._conn.execute("SELECT min(next_try) FROM listens WHERE service = ? AND state = 'queued'",
                                     (service,)).fetchone()
        return row[0] if row else None

    def wake(self, service: str) -> None:
        """Every queued listen of `service` due now (a new start: the backoff begins again)."""
        self._update("UPDATE listens SET next_try = 0 WHERE service = ? AND state = 'queued'", [(service,)])

    def mark_sent(self, ids: list[int]) -> None:
        self._update("UPDATE listens SET state = 'sent', sent_at = ?, error = NULL WHERE id = ?",
                     [(time.time(), i) for i in ids])

    def postpone(self, ids: list[int], error: str, delay: float) -> None:
        self._update("UPDATE listens SET attempts = attempts + 1, next_try = ?, error = ? WHERE id = ?",
                     [(time.time() + delay, error, i) for i in ids])

    def reject(self, ids: list[int], error: str) -> None:
        """The service refused these for good (malformed): kept, for `scrobble status`, never resent."""
        self._update("UPDATE listens SET state = 'rejected', error = ? WHERE id = ?", [(error, i) for i in ids])

    def _update(self, sql: str, rows: list[tuple]) -> None:
        with self._lock:
            try:
                with transaction(self._conn):
                    self._conn.executemany(sql, rows)
            except sqlite3.Error as exc:
                raise state_error(exc, self.path) from None

    def counts(self) -> list[QueueCounts]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT service, sum(state = 'queued'), sum(state = 'sent'), sum(state = 'rejected'), "
                "min(CASE WHEN state = 'queued' THEN listened_at END), "
                "min(CASE WHEN state = 'queued' THEN next_try END) FROM listens GROUP BY service").fetchall()
            errors = dict(self._conn.execute(
                "SELECT service, error FROM listens WHERE error IS NOT NULL AND state != 'sent' "
                "ORDER BY id DESC").fetchall()[::-1])
        return [QueueCounts(r[0], r[1], r[2], r[3], r[4], errors.get(r[0]), r[5]) for r in rows]
