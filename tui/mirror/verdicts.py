"""The last integrity verdict per track, kept in the state directory.

Lists show a badge per row: their rows are read by position on a background
thread, and the verdicts of a page are looked up with them (`get_many`), so no
verdict table is ever held in memory, whatever the number of files checked.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from tui.db import PerThread, open_state_db, state_error, transaction
from tui.mirror.checks import CheckResult

BATCH = 500


class VerdictStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conns = PerThread(self._open)

    def _open(self) -> sqlite3.Connection:
        conn = open_state_db(self.path, autocommit=True)
        conn.execute("CREATE TABLE IF NOT EXISTS verdicts (track_id TEXT PRIMARY KEY, verdict TEXT, "
                     "codes TEXT, checked_at REAL)")
        # A repair moves the file aside, then fetches: kept in between, so a stopped one is finished.
        conn.execute("CREATE TABLE IF NOT EXISTS repairs (track_id TEXT PRIMARY KEY, moved_to TEXT, began REAL)")
        return conn

    def add_repair(self, track_id: str, moved_to: str) -> None:
        try:
            self._conns.get().execute("INSERT OR REPLACE INTO repairs VALUES (?, ?, ?)",
                                      (track_id, moved_to, time.time()))
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def repair_done(self, track_id: str) -> None:
        try:
            self._conns.get().execute("DELETE FROM repairs WHERE track_id = ?", (track_id,))
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def pending_repairs(self) -> dict[str, str]:
        """Track id -> where its corrupt copy went, for repairs an earlier run did not finish."""
        if not self.path.exists():
            return {}
        return dict(self._conns.get().execute("SELECT track_id, moved_to FROM repairs ORDER BY began"))

    def save(self, results: Iterable[CheckResult]) -> None:
        rows = [(r.track_id, r.verdict, json.dumps(r.codes), time.time()) for r in results]
        try:
            with transaction(self._conns.get()) as conn:
                conn.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise state_error(exc, self.path) from None

    def get(self, track_id: str) -> str | None:
        return self.get_many([track_id]).get(track_id)

    def get_many(self, track_ids: Sequence[str]) -> dict[str, str]:
        """Verdicts of these tracks (unchecked ones are absent); never raises."""
        if not self.path.exists():
            return {}
        out: dict[str, str] = {}
        try:
            conn = self._conns.get()
            ids = list(track_ids)
            for i in range(0, len(ids), BATCH):
                chunk = ids[i:i + BATCH]
                out.update(conn.execute(f"SELECT track_id, verdict FROM verdicts WHERE track_id IN "
                                        f"({','.join('?' * len(chunk))})", chunk))
        except Exception:  # noqa: BLE001 - a damaged or locked store only hides badges
            return out
        return out

    def close(self) -> None:
        self._conns.close_all()
