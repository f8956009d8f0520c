"""Radio: an endless stream of tracks near a seed in audio-feature space.

The sidecar (`radio/` in the state directory) holds every track with features as six
bytes: tempo on a log scale (so that 60 and 120 BPM are one octave apart) and energy,
danceability, valence, acousticness, instrumentalness quantised to 0..255, grouped by
(key, mode). A query scans only the Camelot-compatible groups (the same key, one step
round the wheel either way, and the relative major or minor: 4 of 24), memory-mapped,
with numpy. Tempo is half/double-time aware: 70 BPM is as near 140 as 140 is.

The stream never plays the seed, never two tracks with the same ISRC, and at most
`per_artist` tracks of one artist, so it does not collapse onto one artist.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.features import UNIT_FEATURES, camelot
from tui.catalogue.file_states import FileStates
from tui.catalogue.records import Track
from tui.errors import LongtailError
from tui.files import write_atomically

Progress = Callable[[str, int, int], None]
CHUNK = 200_000
TEMPO_LOG_RANGE = (5.0, 8.0)  # log2 BPM: 32..256
TEMPO_OCTAVE_SCALE = 0.5  # half an octave of tempo weighs as much as a whole unit feature
FIRST_K = 2_000
VERSION = 1


def key_code(key: int | None, mode: int | None) -> int:
    """0..23 for a known key and mode; 24 for none (key -1 or NULL)."""
    if key is None or mode is None or not 0 <= key <= 11 or mode not in (0, 1):
        return 24
    return key * 2 + mode


def compatible_codes(key: int | None, mode: int | None) -> list[int]:
    """The seed's key, one step either way round the Camelot wheel, and its relative."""
    code = key_code(key, mode)
    if code == 24:
        return list(range(25))
    wanted = camelot(key, mode)  # type: ignore[arg-type]
    number, letter = int(wanted[:-1]), wanted[-1]
    near = {f"{number}{letter}", f"{number % 12 + 1}{letter}", f"{(number - 2) % 12 + 1}{letter}",
            f"{number}{'A' if letter == 'B' else 'B'}"}
    return [key_code(p, m) for p in range(12) for m in (0, 1) if camelot(p, m) in near]


def quantise(tempo: Sequence[float], units: Sequence[Sequence[float]]) -> np.ndarray:
    """Rows of (tempo, five unit features) as uint8; NULLs sit mid-range."""
    t = np.log2(np.clip(np.nan_to_num(np.asarray(tempo, dtype=np.float64), nan=120.0), 32, 256))
    lo, hi = TEMPO_LOG_RANGE
    cols = [np.round((t - lo) / (hi - lo) * 255)]
    u = np.nan_to_num(np.asarray(units, dtype=np.float64).reshape(len(t), len(UNIT_FEATURES)), nan=0.5)
    cols += [np.round(np.clip(u[:, i], 0, 1) * 255) for i in range(len(UNIT_FEATURES))]
    return np.stack(cols, axis=1).astype(np.uint8)


def distances(vectors: np.ndarray, seed: np.ndarray) -> np.ndarray:
    v = vectors.astype(np.float32)
    s = seed.astype(np.float32)
    octaves = (v[:, 0] - s[0]) * ((TEMPO_LOG_RANGE[1] - TEMPO_LOG_RANGE[0]) / 255)
    tempo = np.minimum(np.abs(octaves), np.minimum(np.abs(octaves - 1), np.abs(octaves + 1)))
    d = (tempo / TEMPO_OCTAVE_SCALE) ** 2
    d += (((v[:, 1:] - s[1:]) / 255) ** 2).sum(axis=1)
    return np.sqrt(d)


class RadioIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def meta(self) -> dict | None:
        try:
            return json.loads((self.directory / "meta.json").read_text())
        except (OSError, ValueError):
            return None

    def ready(self, signature: str) -> bool:
        meta = self.meta()
        return meta is not None and meta.get("signature") == signature and meta.get("version") == VERSION

    def build(self, catalogue: Catalogue, signature: str, progress: Progress | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> int:
        """Read every feature row once (rowid order), group by key, write the files.

        Each chunk is quantised and saved in `radio.building/` as it is read, with where it
        ended: a build stopped (or killed) carries on from its last chunk. The finished index
        replaces the old one at once. Returns the tracks indexed (0 when stopped)."""
        conn, sql = catalogue.connect(), catalogue.sql
        tmp = self.directory.with_name(self.directory.name + ".building")
        progress_file = tmp / "progress.json"
        try:
            done = json.loads(progress_file.read_text())
        except (OSError, ValueError):
            done = {}
        if done.get("signature") != signature or done.get("version") != VERSION:
            shutil.rmtree(tmp, ignore_errors=True)
            done = {"signature": signature, "version": VERSION, "chunks": 0, "last": 0}
        tmp.mkdir(parents=True, exist_ok=True)
        total = conn.execute(sql["features_max_rowid"]).fetchone()[0] or 0
        while not should_stop():
            rows = conn.execute(sql["features_scan"], (done["last"], CHUNK)).fetchall()
            if not rows:
                break
            chunk = tmp / f"chunk-{done['chunks']:06d}.npz"
            np.savez(chunk.with_suffix(".tmp.npz"),
                     ids=np.fromiter((r[0] for r in rows), np.int64, len(rows)),
                     codes=np.fromiter((key_code(r[2], r[3]) for r in rows), np.int8, len(rows)),
                     vectors=quantise([np.nan if r[1] is None else r[1] for r in rows],
                                      [[np.nan if x is None else x for x in r[4:]] for r in rows]))
            chunk.with_suffix(".tmp.npz").replace(chunk)
            done.update(chunks=done["chunks"] + 1, last=rows[-1][0])
            # after the chunk: a kill between the two redoes one chunk
            write_atomically(progress_file, json.dumps(done).encode())
            if progress:
                progress("radio", done["last"], total)
        conn.close()
        if should_stop():
            return 0
        parts = [np.load(tmp / f"chunk-{i:06d}.npz") for i in range(done["chunks"])]
        all_ids = np.concatenate([p["ids"] for p in parts]) if parts else np.zeros(0, np.int64)
        all_codes = np.concatenate([p["codes"] for p in parts]) if parts else np.zeros(0, np.int8)
        all_vectors = np.concatenate([p["vectors"] for p in parts]) if parts else np.zeros((0, 6), np.uint8)
        n = len(all_ids)
        order = np.argsort(all_codes, kind="stable")
        starts = np.searchsorted(all_codes[order], np.arange(26)).astype(np.int64)
        final = self.directory.with_name(self.directory.name + ".final")
        shutil.rmtree(final, ignore_errors=True)
        final.mkdir(parents=True)
        np.save(final / "ids.npy", all_ids[order])
        np.save(final / "vectors.npy", all_vectors[order])
        np.save(final / "starts.npy", starts)
        (final / "meta.json").write_text(json.dumps({"signature": signature, "version": VERSION, "tracks": n}))
        shutil.rmtree(self.directory, ignore_errors=True)
        final.rename(self.directory)  # the whole index appears at once, or not at all
        shutil.rmtree(tmp, ignore_errors=True)
        return n

    def nearest(self, seed_vector: np.ndarray, codes: list[int], k: int) -> list[int]:
        """Feature rowids of the k nearest tracks in the given key groups, nearest first."""
        ids = np.load(self.directory / "ids.npy", mmap_mode="r")
        vectors = np.load(self.directory / "vectors.npy", mmap_mode="r")
        starts = np.load(self.directory / "starts.npy")
        found_ids, found_d = [], []
        for code in codes:
            a, b = int(starts[code]), int(starts[code + 1])
            if a == b:
                continue
            d = distances(vectors[a:b], seed_vector)
            if len(d) > k:
                keep = np.argpartition(d, k)[:k]
                d, chunk = d[keep], np.asarray(ids[a:b])[keep]
            else:
                chunk = np.asarray(ids[a:b])
            found_ids.append(chunk)
            found_d.append(d)
        if not found_ids:
            return []
        d_all, id_all = np.concatenate(found_d), np.concatenate(found_ids)
        best = np.argsort(d_all, kind="stable")[:k]
        return [int(i) for i in id_all[best]]


class Radio:
    """What `ShuffleStream` needs (`take`, `seed`, `strategy`): tracks near `seed`, nearest first."""

    strategy = "radio"

    def __init__(self, catalogue: Catalogue, index: RadioIndex, seed: Track, files: FileStates | None = None,
                 playable: bool = False, per_artist: int = 3) -> None:
        self.catalogue, self.index, self.seed_track = catalogue, index, seed
        self.files, self.playable, self.per_artist = files, playable, per_artist
        row = catalogue.conn().execute(catalogue.sql["features_probe"], (seed.id,)).fetchone() \
            if "features_probe" in catalogue.sql else None
        if row is None or row[0]:
            raise LongtailError(f"{seed.name or seed.id} has no audio features (the API returned none), "
                                "so there is nothing to measure nearness by", "start the radio from another track")
        _null, tempo, key, mode, *unit_values = row
        self.seed_vector = quantise([tempo], [unit_values])[0]
        self.codes = compatible_codes(key, mode)
        self.k = FIRST_K
        self.seen_ids = {seed.id}
        self.isrcs = {seed.isrc} if seed.isrc else set()
        self.per_artist_count: dict[str, int] = {}
        self._queue: list[int] = []
        self._offered: set[int] = set()
        self._exhausted = False

    @property
    def seed(self) -> str:
        return self.seed_track.id

    def _refill(self) -> None:
        ranked = self.index.nearest(self.seed_vector, self.codes, self.k)
        fresh = [r for r in ranked if r not in self._offered]
        self._offered.update(fresh)
        self._queue.extend(fresh)
        if len(ranked) < self.k:
            self._exhausted = True  # every compatible track has been offered
        self.k *= 4

    def _tracks_for(self, feature_rowids: list[int]) -> list[tuple[int, Track]]:
        """(feature rowid, track) in the given order; rows the catalogue lacks are left out."""
        sql = self.catalogue.sql["features_track_ids"].replace("{marks}", ",".join("?" * len(feature_rowids)))
        by_rowid = dict(self.catalogue.conn().execute(sql, feature_rowids))
        ids = [by_rowid[r] for r in feature_rowids if r in by_rowid]
        tracks = {t.id: t for t in self.catalogue.tracks_by_rowids(self.catalogue.rowids_for_ids(ids))}
        return [(r, tracks[by_rowid[r]]) for r in feature_rowids if r in by_rowid and by_rowid[r] in tracks]

    def _allowed(self, track: Track) -> bool:
        if track.id in self.seen_ids or (track.isrc and track.isrc in self.isrcs):
            return False
        if any(self.per_artist_count.get(a.id, 0) >= self.per_artist for a in track.artists):
            return False
        return not (self.playable and self.files is not None and not self.files.playable(track.id))

    def take(self, n: int) -> list[Track]:
        out: list[Track] = []
        while len(out) < n:
            if not self._queue:
                if self._exhausted:
                    break
                self._refill()
                continue
            batch, self._queue = self._queue[:200], self._queue[200:]
            pairs = self._tracks_for(batch)
            for i, (_rowid, track) in enumerate(pairs):
                if len(out) >= n:
                    self._queue[:0] = [r for r, _ in pairs[i:]]  # the rest waits for the next take
                    break
                if self._allowed(track):
                    out.append(track)
                    self.seen_ids.add(track.id)
                    if track.isrc:
                        self.isrcs.add(track.isrc)
                    for a in track.artists:
                        self.per_artist_count[a.id] = self.per_artist_count.get(a.id, 0) + 1
        return out
