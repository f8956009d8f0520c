"""True shuffle: every track equally likely, none repeated until the set is covered.

A keyed Feistel network is a bijection on [0, 2^b); cycle-walking restricts it to
[0, n). Visiting i = 0, 1, 2, ... therefore lists the whole set once, in an order
fixed by the seed, without ever holding the set in memory.

Two ways to cover a filtered set:

* **rejection** over the catalogue's rowid space (holes and non-matching tracks are
  skipped): right when the filter keeps a decent share of tracks (a tier, a broad
  popularity range, playable when much is local);
* **a subset index**: when the filter keeps few tracks (popularity >= 50 is ~0.1%,
  a genre, playable on a sparse mirror), their rowids are written once to a
  sidecar table in the state directory and the permutation runs over that table,
  so a draw never degrades into thousands of rejections.

Either way the result is uniform over the filtered set and biased toward nothing:
not popularity, not what is local.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec

from tui.catalogue import typed
from tui.catalogue.catalogue import Catalogue
from tui.catalogue.features import FeatureFilter
from tui.catalogue.file_states import FileStates
from tui.catalogue.records import Track
from tui.db import open_state_db, state_error

SPARSE_SHARE = 1 / 32  # below this share of the catalogue, build a subset index
MASK64 = (1 << 64) - 1
SEED_LIMIT = 1 << 53  # seeds stay exact in JSON (a double): `jq` and JavaScript read them back as printed


def _mix64(x: int) -> int:
    """splitmix64 finaliser: a cheap, well-distributed 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


class Permutation:
    """A seeded bijection on [0, n)."""

    ROUNDS = 6

    def __init__(self, n: int, seed: int) -> None:
        if n <= 0:
            raise ValueError("empty domain")
        self.n = n
        bits = max(2, (n - 1).bit_length())
        bits += bits & 1
        self.half = bits // 2
        self.mask = (1 << self.half) - 1
        self.keys = [_mix64((seed & MASK64) ^ _mix64(r + 1)) for r in range(self.ROUNDS)]

    def _encrypt(self, x: int) -> int:
        left, right = x >> self.half, x & self.mask
        for key in self.keys:
            left, right = right, left ^ (_mix64(right ^ key) & self.mask)
        return (left << self.half) | right

    def __call__(self, i: int) -> int:
        y = self._encrypt(i)
        while y >= self.n:  # cycle-walk back into the domain
            y = self._encrypt(y)
        return y


class ShuffleFilter(msgspec.Struct, frozen=True):
    tier: str | None = None  # "vorbis" | "opus"
    min_popularity: int | None = None
    max_popularity: int | None = None
    playable: bool = False
    genre: str | None = None
    year: int | None = None
    present_only: bool = False  # integrity checks sample the files that are at their path
    # tempo, key, energy… (never a null_response row)
    features: FeatureFilter = msgspec.field(default_factory=FeatureFilter)

    def popularity_range(self) -> tuple[int, int]:
        lo, hi = 0, 100
        if self.tier == "vorbis":
            lo = 1
        elif self.tier == "opus":
            hi = 0
        if self.min_popularity is not None:
            lo = max(lo, self.min_popularity)
        if self.max_popularity is not None:
            hi = min(hi, self.max_popularity)
        return lo, hi

    def problem(self, catalogue: Catalogue) -> str | None:
        """Why no track can pass this filter, when that is plain before looking: said, not shuffled."""
        lo, hi = self.popularity_range()
        if lo > hi:
            return f"no track has a popularity from {lo} to {hi}" + (f" in the {self.tier} tier" if self.tier else "")
        if self.features.active and "features_probe" not in catalogue.sql:
            return "this mirror has no audio features (spotify_clean_audio_features.sqlite3)"
        if self.genre:
            known = catalogue.has_genre(self.genre)
            if known is None:
                return "this catalogue has no genres (no artist_genres table)"
            if not known:
                return f"no artist has the genre {self.genre!r} (genres are as the catalogue spells them)"
        return None

    @property
    def is_empty_filter(self) -> bool:
        return self == ShuffleFilter()

    def key(self) -> str:
        return hashlib.sha1(json.dumps(msgspec.to_builtins(self), sort_keys=True).encode()).hexdigest()[:16]

    def describe(self) -> str:
        parts = []
        lo, hi = self.popularity_range()
        if self.tier:
            parts.append(f"tier {self.tier}")
        if (lo, hi) != (0, 100) and not (self.tier and self.min_popularity is None and self.max_popularity is None):
            parts.append(f"popularity {lo}–{hi}")
        if self.playable:
            parts.append("playable")
        if self.present_only:
            parts.append("on disk")
        if self.genre:
            parts.append(f"genre {self.genre}")
        if self.year:
            parts.append(f"year {self.year}")
        if self.features.active:
            parts.append(self.features.describe())
        return ", ".join(parts) or "the whole catalogue"


class Shuffle:
    """An iterator of tracks: a full pass over the filtered set in a seeded order."""

    def __init__(self, catalogue: Catalogue, flt: ShuffleFilter = ShuffleFilter(),
                 seed: int | None = None, files: FileStates | None = None,
                 subsets_path: Path | None = None, histogram: dict[int, int] | None = None,
                 endless: bool = False) -> None:
        self.catalogue = catalogue
        self.filter = flt
        self.seed = seed if seed is not None else random.SystemRandom().randrange(SEED_LIMIT)
        self.files = files
        self.subsets_path = subsets_path
        self.histogram = histogram
        self.endless = endless
        self.epoch = 0
        self.position = 0
        self.strategy = "rejection"
        self._subset: tuple[sqlite3.Connection, str, int] | None = None
        self.domain = 0
        lo, hi = flt.popularity_range()
        self._empty = lo > hi
        self._choose_strategy()
        self._new_permutation()

    # -- strategy -------------------------------------------------------------------

    def _catalogue_size(self) -> int:
        if self.histogram:
            return sum(self.histogram.values())
        return self.catalogue.max_track_rowid()

    def _estimated_share(self) -> float:
        f = self.filter
        share = 1.0
        lo, hi = f.popularity_range()
        if self.histogram and (lo, hi) != (0, 100):
            total = sum(self.histogram.values()) or 1
            share *= sum(v for k, v in self.histogram.items() if lo <= k <= hi) / total
        elif (lo, hi) != (0, 100):
            share *= 0.0 if lo > hi else (0.8 if hi == 0 else (0.2 if lo <= 1 else 0.01))
        if (f.playable or f.present_only) and self.files is not None:
            counts = self.files.counts()
            n = counts["present"] if f.present_only else counts["files"]
            share = min(share, n / max(1, self._catalogue_size()))
        if f.genre:
            share = 0.0  # a genre is always small next to the whole catalogue
        return share

    def _choose_strategy(self) -> None:
        if self._empty:
            return
        if self.filter.is_empty_filter or self._estimated_share() >= SPARSE_SHARE or self.subsets_path is None:
            self.strategy = "rejection"
            self.domain = self.catalogue.max_track_rowid()
        else:
            self.strategy = "subset"
            self.domain = self._build_subset()

    def _subset_db(self) -> sqlite3.Connection:
        assert self.subsets_path is not None
        conn = open_state_db(self.subsets_path)
        conn.execute("CREATE TABLE IF NOT EXISTS subsets (key TEXT PRIMARY KEY, size INTEGER, "
                     "signature TEXT)")
        return conn

    def _signature(self) -> str:
        # what can play changes rarely (a fetch makes a fetchable track local: both can play);
        # what is present changes with every fetch
        files = self.files
        gen = 0 if files is None else files.generation() if self.filter.present_only else files.playable_generation()
        return f"{self.catalogue.signature()}:{gen}"

    def _build_subset(self) -> int:
        """Write the filtered set's rowids (ascending) to a sidecar table; returns its size."""
        try:
            return self._write_subset()
        except sqlite3.Error as exc:
            raise state_error(exc, self.subsets_path or Path("shuffle.sqlite3")) from None

    def _write_subset(self) -> int:
        conn = self._subset_db()
        key = self.filter.key()
        table = f"subset_{key}"
        sig = self._signature()
        if (size := self._built_size(conn, key, sig)) is not None:
            self._subset = (conn, table, size)
            return size
        rowids = sorted(set(self._subset_candidates()))
        # two shuffles of one filter may build at once (two threads, two processes): the table
        # is replaced in one write transaction, and one built meanwhile is taken as it is
        conn.isolation_level = None
        conn.execute("BEGIN IMMEDIATE")
        try:
            if (size := self._built_size(conn, key, sig)) is not None:
                conn.execute("COMMIT")
                self._subset = (conn, table, size)
                return size
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"CREATE TABLE {table} (i INTEGER PRIMARY KEY, track_rowid INTEGER NOT NULL)")
            conn.executemany(f"INSERT INTO {table} (i, track_rowid) VALUES (?, ?)", enumerate(rowids))
            conn.execute("INSERT OR REPLACE INTO subsets VALUES (?, ?, ?)", (key, len(rowids), sig))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._subset = (conn, table, len(rowids))
        return len(rowids)

    @staticmethod
    def _built_size(conn: sqlite3.Connection, key: str, sig: str) -> int | None:
        """The size of the filter's subset when it is built for this signature already."""
        row = conn.execute("SELECT size, signature FROM subsets WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[1] == sig else None

    def _subset_candidates(self) -> Iterator[int]:
        """Rowids of the driving (smallest) condition; the rest are checked per draw."""
        f = self.filter
        cat = self.catalogue.conn()
        sql = self.catalogue.sql
        if f.genre:
            if "genre_track_rowids" in sql:
                yield from (r[0] for r in cat.execute(sql["genre_track_rowids"], (f.genre,)))
            return
        if (f.playable or f.present_only) and self.files is not None:
            ids = self.files.present_track_ids() if f.present_only else self.files.playable_track_ids()
            batch: list[str] = []
            for track_id in ids:
                batch.append(track_id)
                if len(batch) == 500:
                    yield from self.catalogue.rowids_for_ids(batch)
                    batch = []
            yield from self.catalogue.rowids_for_ids(batch)
            return
        lo, hi = f.popularity_range()
        yield from (r[0] for r in cat.execute(sql["popularity_range_rowids"], (lo, hi)))

    # -- iteration ---------------------------------------------------------------------

    def _new_permutation(self) -> None:
        if self._empty or self.domain <= 0:
            self.perm = None
            return
        epoch_seed = _mix64(self.seed ^ _mix64(self.epoch + 0x5EED))
        self.perm = Permutation(self.domain, epoch_seed)
        self.position = 0
        self._hits_this_epoch = 0

    def _rowid_at(self, index: int) -> int | None:
        if self.strategy == "rejection":
            return index + 1  # rowids start at 1
        assert self._subset is not None
        conn, table, _ = self._subset
        row = conn.execute(f"SELECT track_rowid FROM {table} WHERE i = ?", (index,)).fetchone()
        return row[0] if row else None

    def _accepts(self, rowid: int) -> bool:
        """Cheap checks on the bare row first; the full record is built only for a hit."""
        f = self.filter
        conn = self.catalogue.conn()
        sql = self.catalogue.sql
        row = conn.execute(sql["shuffle_probe"], (rowid,)).fetchone()
        if row is None:
            return False  # a rowid hole
        popularity, track_id, album_rowid = row
        popularity = typed.integer(popularity, "tracks", "popularity", track_id)
        lo, hi = f.popularity_range()
        if not lo <= popularity <= hi:
            return False
        if f.year is not None:
            album = conn.execute(sql["album_release_date"], (album_rowid,)).fetchone()
            if album is None or str(album[0])[:4] != str(f.year):
                return False
        if f.genre and self.strategy != "subset":
            artists = [r[0] for r in conn.execute(sql["track_artist_rowids"], (rowid,))]
            if not any(f.genre in self.catalogue.artist_genres(a) for a in artists):
                return False
        if (f.playable or f.present_only) and self.files is not None:
            if f.present_only:
                if self.files.state(track_id) not in ("local", "damaged"):
                    return False
            elif not self.files.playable(track_id):
                return False
        if f.features.active:
            return f.features.matches(conn.execute(sql["features_probe"], (track_id,)).fetchone())
        return True

    def __iter__(self) -> Iterator[Track]:
        return self

    def __next__(self) -> Track:
        while True:
            if self.perm is None:
                raise StopIteration
            if self.position >= self.perm.n:
                if not self.endless or self._hits_this_epoch == 0:
                    raise StopIteration
                self.epoch += 1  # the set is covered: a fresh permutation
                self._new_permutation()
                continue
            index = self.perm(self.position)
            self.position += 1
            rowid = self._rowid_at(index)
            if rowid is None or not self._accepts(rowid):
                continue
            track = self.catalogue.track_by_rowid(rowid)
            if track is not None:
                self._hits_this_epoch += 1
                return track

    def take(self, n: int) -> list[Track]:
        out = []
        for track in self:
            out.append(track)
            if len(out) >= n:
                break
        return out
