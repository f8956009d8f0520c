"""Playlists at scale: the sidecar's build rate (projected to the archive), playlist search,
opening a playlist, "in playlists" for a track, and memory.

    .venv/bin/python bench/make_playlists.py --catalogue bench/data/10m --playlists 250000
    .venv/bin/python bench/bench_playlists.py --data bench/data/10m --state bench/data/state-10m --rebuild

The queries run in a fresh process, after the build, so that their peak RSS is their own.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.playlist_index import PlaylistIndex
from tui.catalogue.playlists import Playlists
from tui.mirror.layout import discover

ARCHIVE = (6_600_000, 1_700_000_000)  # playlists, entries
QUERIES = ["love", "night", "midnight", "summer fire", "dream", "lo", "road home", "the", "mix", "rain",
           "golden", "neon", "winter", "ocean", "city", "heart", "fire", "月", "sun", "secret"]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def open_playlists(args) -> Playlists:
    catalogue = Catalogue(CataloguePaths.from_databases(discover(args.data).databases))
    return Playlists(catalogue, PlaylistIndex(args.state / "playlists.sqlite3"))


def build(args) -> None:
    playlists = open_playlists(args)
    if args.rebuild:
        playlists.index.path.unlink(missing_ok=True)
    db = playlists.catalogue.paths.playlists
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n_playlists = conn.execute("SELECT max(rowid) FROM playlists").fetchone()[0]
    started = time.perf_counter()
    status = playlists.build_index()
    seconds = time.perf_counter() - started
    if args.rebuild:
        entries = conn.execute("SELECT sum(tracks_total) FROM playlists").fetchone()[0]
        print(f"| sidecar build | {n_playlists:,} playlists, {entries:,} entries in {seconds:.0f} s = "
              f"{entries / seconds:,.0f} entries/s; projected to {ARCHIVE[1] / 1e9:.1f} B entries: "
              f"{ARCHIVE[1] / (entries / seconds) / 3600:.1f} h (most-followed first: useful from the start) |")
        print(f"| build peak RSS | {peak_rss_mb():.0f} MB |")
        print(f"| sidecar size | {playlists.index.path.stat().st_size / 1e9:.2f} GB |")
    assert status["complete"]


def queries(args) -> None:
    playlists = open_playlists(args)
    catalogue = playlists.catalogue
    rng = random.Random(3)
    search = []
    for _ in range(3):
        for q in QUERIES:
            t = time.perf_counter()
            playlists.search(q, 25)
            search.append(time.perf_counter() - t)
    conn = sqlite3.connect(f"file:{catalogue.paths.playlists}?mode=ro", uri=True)
    top = conn.execute("SELECT max(rowid) FROM playlists").fetchone()[0]
    ids = [conn.execute("SELECT id FROM playlists WHERE rowid = ?", (rng.randint(1, top),)).fetchone()[0]
           for _ in range(100)]
    opened, sizes, first_page = [], [], []
    for pid in ids:
        t = time.perf_counter()
        hit, _description = playlists.header(pid)
        playlists.length(hit.rowid)
        playlists.entries(hit.rowid, 0, 100)  # what the screen reads to show it: one page
        first_page.append(time.perf_counter() - t)
        t = time.perf_counter()
        found = playlists.open(pid)
        opened.append(time.perf_counter() - t)
        sizes.append(len(found.entries) if found else 0)
    holders, hits = [], []
    max_rowid = catalogue.max_track_rowid()
    while len(holders) < 200:
        track = catalogue.track_by_rowid(rng.randint(1, max_rowid))
        if track is None:
            continue
        t = time.perf_counter()
        hits.append(len(playlists.containing(track)))
        holders.append(time.perf_counter() - t)
    print(f"| playlist search (25 results) | p50 {p(search, .5):.1f} ms, p95 {p(search, .95):.1f} ms |")
    print(f"| playlist open in the screen (header, length, first page of 100) | p50 {p(first_page, .5):.1f} ms, "
          f"p95 {p(first_page, .95):.1f} ms |")
    print(f"| playlist open, every entry (`longtail playlist`) | p50 {p(opened, .5):.1f} ms, "
          f"p95 {p(opened, .95):.1f} ms "
          f"(mean {sum(sizes) / len(sizes):.0f} entries, largest {max(sizes):,}) |")
    print(f"| in playlists (20 most followed) | p50 {p(holders, .5):.2f} ms, p95 {p(holders, .95):.2f} ms "
          f"(mean {sum(hits) / len(hits):.1f} found) |")
    print(f"| queries' peak RSS | {peak_rss_mb():.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.queries_only:
        queries(args)
        return
    build(args)
    subprocess.run([sys.executable, __file__, "--data", str(args.data), "--state", str(args.state),
                    "--queries-only"], check=True)


if __name__ == "__main__":
    main()
