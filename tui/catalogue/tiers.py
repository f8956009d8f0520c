"""Popularity tiers: the histogram, the archive's two tiers, and coverage per tier.

Counting 256 million rows is not something to do on a keystroke: the histogram is
counted once from the `tracks_popularity` index (with progress) and cached in the
state directory; coverage (archived / local / fetchable / absent) is cached too,
keyed by the catalogue file and the file index's generation. Paging through a
tier uses keyset pagination on (popularity, rowid), never OFFSET.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.queries import LISTINGS
from tui.catalogue.records import Track
from tui.db import open_state_db
from tui.errors import LongtailError

Progress = Callable[[str, int, int], None]
CHUNK = 2_000_000
TIERS = ("vorbis", "opus")
TIER_LABELS = {
    "vorbis": "popularity > 0 · original Ogg Vorbis 160 kbit/s",
    "opus": "popularity 0 · Ogg Opus ~75 kbit/s (re-encoded)",
}


@dataclass
class TierCoverage:
    tracks: int = 0
    archived: int | None = None  # ledger status success; None when there is no ledger
    local: int = 0
    damaged: int = 0  # present at its path but not the archive's file
    fetchable: int = 0  # not here (or being fetched): a known torrent holds it

    @property
    def absent(self) -> int:
        return max(0, self.tracks - self.local - self.damaged - self.fetchable)

    def as_json(self) -> dict:
        return {"tracks": self.tracks, "archived": self.archived, "local": self.local,
                "damaged": self.damaged, "fetchable": self.fetchable, "absent": self.absent}


class StatsCache:
    """Small key/value cache in the state directory."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _conn(self) -> sqlite3.Connection:
        conn = open_state_db(self.path, wal=False)
        conn.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, signature TEXT, value TEXT)")
        return conn

    def get(self, key: str, signature: str) -> Any:
        if not self.path.exists():
            return None
        try:
            conn = self._conn()
            row = conn.execute("SELECT signature, value FROM cache WHERE key = ?", (key,)).fetchone()
            conn.close()
        except (sqlite3.Error, LongtailError):
            return None
        if row is None or row[0] != signature:
            return None
        return json.loads(row[1])

    def put(self, key: str, signature: str, value: object) -> None:
        try:
            conn = self._conn()
            conn.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", (key, signature, json.dumps(value)))
            conn.commit()
            conn.close()
        except (sqlite3.Error, LongtailError):
            pass  # a full disk or a read-only state dir only costs a recount next time


class Tiers:
    def __init__(self, catalogue: Catalogue, cache: StatsCache, files: Any = None) -> None:
        self.catalogue = catalogue
        self.cache = cache
        self.files = files

    # -- histogram ---------------------------------------------------------------------

    def cached_histogram(self) -> dict[int, int] | None:
        value = self.cache.get("histogram", self.catalogue.signature())
        return {int(k): v for k, v in value.items()} if value else None

    def histogram(self, progress: Progress | None = None) -> dict[int, int]:
        cached = self.cached_histogram()
        if cached is not None:
            return cached
        conn = self.catalogue.conn()
        sql = self.catalogue.sql
        top = self.catalogue.max_track_rowid()
        counts: dict[int, int] = {}
        done = 0
        # Level by level through the index; the huge popularity-0 level in rowid chunks
        # so progress moves. Values outside 0..100 are counted under -1.
        for level in range(100, 0, -1):
            counts[level] = conn.execute(sql["popularity_level_count"], (level,)).fetchone()[0]
            done += counts[level]
            if progress:
                progress("histogram", min(done, top), top)
        zero = 0
        for start in range(0, top + 1, CHUNK):
            zero += conn.execute(sql["popularity_zero_count_range"], (start, start + CHUNK)).fetchone()[0]
            if progress:
                progress("histogram", min(done + zero, top), top)
        counts[0] = zero
        odd = (conn.execute(sql["popularity_below_range_count"]).fetchone()[0]
               + conn.execute(sql["popularity_above_range_count"]).fetchone()[0])
        if odd:
            counts[-1] = odd
        self.cache.put("histogram", self.catalogue.signature(), counts)
        return counts

    # -- coverage ------------------------------------------------------------------------

    def cached_coverage(self) -> dict[str, TierCoverage] | None:
        """Coverage, when what the catalogue alone decides (tracks, archived) is counted already."""
        base = self.cache.get("coverage-base", self.catalogue.signature())
        return self._with_files(base) if base is not None else None

    def coverage(self, progress: Progress | None = None) -> dict[str, TierCoverage]:
        """Per tier: tracks, archived (the ledger), and local, damaged, fetchable (the file index's
        kept counts, read live: no file is counted here). The catalogue's part is counted once
        per catalogue, then cached."""
        base = self.cache.get("coverage-base", self.catalogue.signature())
        if base is None:
            hist = self.histogram(progress)
            base = {"vorbis": [sum(v for k, v in hist.items() if k > 0), None], "opus": [hist.get(0, 0), None]}
            conn = self.catalogue.conn()
            sql = self.catalogue.sql
            if self.catalogue.has_ledger:
                base["vorbis"][1] = base["opus"][1] = 0
                top = conn.execute(sql["ledger_max_rowid"]).fetchone()[0] or 0
                for start in range(0, top + 1, CHUNK):
                    # The tier is the catalogue's popularity, looked up through tracks_id_unique.
                    for positive, n in conn.execute(sql["ledger_archived_by_tier"], (start, start + CHUNK)):
                        base["vorbis" if positive else "opus"][1] += n
                    if progress:
                        progress("ledger", min(start + CHUNK, top), top)
            self.cache.put("coverage-base", self.catalogue.signature(), base)
        return self._with_files(base)

    def _with_files(self, base: dict) -> dict[str, TierCoverage]:
        out = {name: TierCoverage(tracks, archived) for name, (tracks, archived) in base.items()}
        if self.files is not None:
            for tier_key, counts in self.files.coverage().items():
                if tier_key in (0, 1):  # tracks the catalogue knows
                    tier = out["vorbis" if tier_key == 1 else "opus"]
                    tier.local, tier.damaged, tier.fetchable = counts["local"], counts["damaged"], counts["fetchable"]
        return out

    # -- paging ----------------------------------------------------------------------------

    def page(self, tier: str, after: tuple[int, int] | None = None, limit: int = 50) -> list[Track]:
        """Tracks of a tier, most popular first; pass the last (popularity, rowid) to go on."""
        listing = LISTINGS[f"tier-{tier}"]
        conn = self.catalogue.conn()
        if after is None:
            rows = conn.execute(listing.first, {"limit": limit})
        else:
            rows = conn.execute(listing.after, {"k1": after[0], "k2": after[1], "limit": limit})
        return self.catalogue.tracks_by_rowids([r[0] for r in rows])
