"""Lyrics lookup at scale: an LRCLIB-schema dump of N rows (LRCLIB's published DDL, names
in several scripts), the sidecar index built by the same code `longtail index` runs, then
lookups of tracks that are in it (a third with a decorated title, a third with the duration
off by up to 1.5 s) timed one by one; and, given a demo, the match rate on its dump.

    .venv/bin/python bench/bench_lyrics.py --rows 1000000 [--demo ~/.local/share/longtail/demo]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.demo.lyrics import SCHEMA  # LRCLIB's DDL, as the demo writes it
from tui.mirror.lyrics import LrclibDump, LyricsIndex

SYLLABLES = ["ka", "lo", "mi", "ra", "su", "ven", "tor", "ál", "ø", "ñe", "дор", "ми", "ハ", "ユ", "쟐", "ليل"]


def name(rng: random.Random, words: int) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()
                    for _ in range(words))


def make_dump(path: Path, rows: int, seed: int) -> list[tuple[str, str, str, float]]:
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    sample: list[tuple[str, str, str, float]] = []
    batch_tracks, batch_lyrics = [], []
    for i in range(1, rows + 1):
        title, artist, album = name(rng, rng.randint(1, 4)), name(rng, 2), name(rng, 3)
        duration = round(rng.uniform(90, 400), 1)
        batch_tracks.append((i, title, title.lower(), artist, artist.lower(), album, album.lower(), duration, i))
        batch_lyrics.append((i, "la la", "[00:01.00] la la", i, 1, 1, 0))
        if i % 997 == 0:
            sample.append((title, artist, album, duration))
        if len(batch_tracks) == 50_000 or i == rows:
            conn.executemany("INSERT OR IGNORE INTO tracks (id, name, name_lower, artist_name, artist_name_lower, "
                             "album_name, album_name_lower, duration, last_lyrics_id) VALUES (?,?,?,?,?,?,?,?,?)",
                             batch_tracks)
            conn.executemany("INSERT INTO lyrics (id, plain_lyrics, synced_lyrics, track_id, has_plain_lyrics, "
                             "has_synced_lyrics, instrumental) VALUES (?,?,?,?,?,?,?)", batch_lyrics)
            batch_tracks, batch_lyrics = [], []
    conn.commit()
    conn.close()
    return sample


def demo_match_rate(demo: Path) -> None:
    from tui.config.paths import StatePaths
    from tui.config.settings import Settings
    from tui.core.services import Location, open_services
    from tui.core.session import Session
    from tui.demo.paths import DemoPaths

    paths = DemoPaths(demo)
    with tempfile.TemporaryDirectory() as state:
        session = Session(open_services(Location(paths.mirror, StatePaths(Path(state)), paths), Settings()))
        try:
            ids = [t for t, _s in session.services.files.all_states()]
            found = [session.lyrics.lyrics(t) for t in ids]
        finally:
            session.close()
    matched = sum(1 for f in found if f.source != "none")
    synced = sum(1 for f in found if f.synced)
    print(f"demo: {matched}/{len(ids)} tracks with audio have lyrics ({matched / len(ids):.0%}), {synced} synced; "
          f"the demo's dump knows ~85% of them by design")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--demo", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump_path = Path(tmp) / "lrclib-db-dump-20261201.sqlite3"
        started = time.perf_counter()
        sample = make_dump(dump_path, args.rows, args.seed)
        print(f"dump: {args.rows:,} rows in {time.perf_counter() - started:.1f} s "
              f"({dump_path.stat().st_size / 2**20:.0f} MiB)")
        dump, index = LrclibDump(dump_path), LyricsIndex(Path(tmp) / "lyrics.sqlite3")
        started = time.perf_counter()
        added = index.build(dump)
        took = time.perf_counter() - started
        print(f"index: {added:,} rows in {took:.1f} s ({added / took:,.0f} rows/s)")
        rng = random.Random(args.seed + 1)
        times, hits = [], 0
        for i, (title, artist, album, duration) in enumerate(sample):
            if i % 3 == 1:
                title += " (feat. Someone) - 2011 Remaster"
            elif i % 3 == 2:
                duration += rng.uniform(-1.5, 1.5)
            t0 = time.perf_counter()
            ids = index.match(title, [artist], album, duration)
            lyrics = dump.lyrics_of(ids[0]) if ids else None
            times.append((time.perf_counter() - t0) * 1000)
            hits += lyrics is not None
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"lookup: {len(times)} tracks, {hits} found; p50 {statistics.median(times):.2f} ms, "
              f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
        dump.close()
        index.close()
    if args.demo:
        demo_match_rate(args.demo)


if __name__ == "__main__":
    main()
