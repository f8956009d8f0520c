"""Catalogue at scale: open, search, shuffle, browse, index build rate, RSS.

    .venv/bin/python bench/make_catalogue.py --tracks 10000000 --out bench/data/10m
    .venv/bin/python bench/bench_catalogue.py --data bench/data/10m --state bench/data/state-10m

Prints a Markdown table of the figures against the targets of the catalogue issue.
The search index is built first if it is missing (that run is the build-rate figure);
the query figures are then measured in a fresh process, whose peak RSS is reported.
The same searches are also run as `LIKE '%…%'` on the raw tables (what a naive browser
does), for the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "love", "lo", "midnight", "midnight river", "the road home", "rain the", "ka", "kalo", "sigur",
    "sigur ros", "rós", "bjork", "dream ocean", "neon", "summer fire", "Шама", "月", "夜", "café",
    "ocean star moon", "glass", "broken heart", "gold", "falling", "echo velvet", "th", "wild",
    "stranger", "garden mirror", "kapitel",
]


def build(data: Path, state: Path) -> dict:
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.catalogue.search_index import SearchIndexBuilder, read_status
    from tui.catalogue.tiers import StatsCache, Tiers
    from tui.mirror.layout import discover

    cat = Catalogue(CataloguePaths.from_databases(discover(data).databases))
    state.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    hist = Tiers(cat, StatsCache(state / "stats.sqlite3")).histogram()
    hist_s = time.perf_counter() - t0
    path = state / "search.sqlite3"
    out = {"histogram_s": hist_s}
    if not read_status(path).complete:
        marks: dict[str, float] = {}
        t0 = time.perf_counter()
        status = SearchIndexBuilder(cat, path).build(
            lambda label, d, t: marks.setdefault(label, time.perf_counter()), hist)
        seconds = time.perf_counter() - t0
        out.update({"build_s": seconds, "tracks": status.tracks, "artists": status.artists,
                    "albums": status.albums, "rate": status.tracks / seconds,
                    "first_searchable_s": min(marks.values()) - t0 if marks else None,
                    "phases": {k: round(v - t0, 1) for k, v in marks.items()},
                    "index_bytes": path.stat().st_size})
    cat.close()
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def queries(data: Path, state: Path, naive: bool) -> dict:
    t0 = time.perf_counter()
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.layout import discover

    cat = Catalogue(CataloguePaths.from_databases(discover(data).databases))
    cat.track_by_rowid(1)
    open_ms = (time.perf_counter() - t0) * 1000

    from tui.catalogue.search import Searcher
    from tui.catalogue.shuffle import Shuffle, ShuffleFilter
    from tui.catalogue.tiers import StatsCache, Tiers

    searcher = Searcher(cat, state / "search.sqlite3")
    searcher.search("warm up")
    lat = []
    for _ in range(3):
        for q in QUERIES:
            s = time.perf_counter()
            searcher.search(q, limit=20)
            lat.append((time.perf_counter() - s) * 1000)
    hist = Tiers(cat, StatsCache(state / "stats.sqlite3")).histogram()

    def draws(flt: ShuffleFilter, n: int = 2000) -> float:
        sh = Shuffle(cat, flt, seed=11, subsets_path=state / 'shuffle.sqlite3', histogram=hist, endless=True)
        sh.take(5)
        s = time.perf_counter()
        sh.take(n)
        return (time.perf_counter() - s) * 1000 / n, sh.strategy

    shuffle = {
        "unfiltered": draws(ShuffleFilter()),
        "tier vorbis": draws(ShuffleFilter(tier="vorbis")),
        "popularity >= 50": draws(ShuffleFilter(min_popularity=50)),
    }
    rng = random.Random(5)
    max_artist = cat.conn().execute("SELECT max(rowid) FROM artists").fetchone()[0]
    steps = {"artist": [], "albums": [], "tracks": [], "artists page": []}
    for _ in range(300):
        s = time.perf_counter()
        artist = cat.artist_by_rowid(rng.randint(1, max_artist))
        steps["artist"].append((time.perf_counter() - s) * 1000)
        if artist is None:
            continue
        s = time.perf_counter()
        disco = cat.discography(artist.rowid)
        steps["albums"].append((time.perf_counter() - s) * 1000)
        albums = disco.albums + disco.singles + disco.compilations + disco.appears_on
        if albums:
            s = time.perf_counter()
            cat.album_by_rowid(albums[0].rowid)
            cat.album_tracks(albums[0].rowid)
            steps["tracks"].append((time.perf_counter() - s) * 1000)
        s = time.perf_counter()
        cat.artists_page(artist.name, artist.rowid, 60)
        steps["artists page"].append((time.perf_counter() - s) * 1000)
    out = {
        "open_ms": open_ms, "search_p50": pct(lat, 50), "search_p95": pct(lat, 95), "search_max": max(lat),
        "shuffle": {k: v for k, v in shuffle.items()},
        "browse_p95": {k: pct(v, 95) for k, v in steps.items() if v},
        "browse_p50": {k: pct(v, 50) for k, v in steps.items() if v},
    }
    if naive:
        like = []
        conn = cat.conn()
        for q in QUERIES[:10]:
            s = time.perf_counter()
            conn.execute("SELECT rowid FROM tracks WHERE name LIKE ? LIMIT 20", (f"%{q}%",)).fetchall()
            conn.execute("SELECT rowid FROM artists WHERE name LIKE ? LIMIT 20", (f"%{q}%",)).fetchall()
            conn.execute("SELECT rowid FROM albums WHERE name LIKE ? LIMIT 20", (f"%{q}%",)).fetchall()
            like.append((time.perf_counter() - s) * 1000)
        fts = []
        for q in QUERIES[:10]:
            s = time.perf_counter()
            searcher.search(q, limit=20)
            fts.append((time.perf_counter() - s) * 1000)
        out["like_p50"] = statistics.median(like)
        out["like_p95"] = pct(like, 95)
        out["fts_same_p50"] = statistics.median(fts)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--state", type=Path, required=True)
    ap.add_argument("--queries-only", action="store_true")
    ap.add_argument("--no-naive", action="store_true")
    args = ap.parse_args()
    if args.queries_only:
        print(json.dumps(queries(args.data, args.state, not args.no_naive)))
        return
    built = build(args.data, args.state)
    proc = subprocess.run([sys.executable, __file__, "--data", str(args.data), "--state", str(args.state),
                           "--queries-only"] + (["--no-naive"] if args.no_naive else []),
                          capture_output=True, text=True, check=True)
    q = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"## Catalogue at scale: {args.data.name}\n")
    print("| figure | measured | target (10 M) |\n|---|---|---|")
    print(f"| catalogue open | {q['open_ms']:.1f} ms | ≤ 100 ms |")
    print(f"| search p50 / p95 / max ({len(QUERIES)} queries ×3, tracks+artists+albums) | "
          f"{q['search_p50']:.1f} / {q['search_p95']:.1f} / {q['search_max']:.1f} ms | p95 ≤ 30 ms |")
    for name, (ms, strategy) in q["shuffle"].items():
        print(f"| one shuffle draw, {name} ({strategy}) | {ms:.3f} ms | ≤ 1 ms |")
    for step in q["browse_p95"]:
        print(f"| browse: {step} (p50 / p95) | {q['browse_p50'][step]:.2f} / {q['browse_p95'][step]:.2f} ms | ≤ 5 ms |")
    print(f"| RSS of the query process | {q['rss_mb']:.0f} MB | ≤ 150 MB |")
    if "rate" in built:
        print(f"| index build | {built['rate']:,.0f} tracks/s ({built['build_s']:.0f} s for "
              f"{built['tracks']:,} tracks + {built['artists']:,} artists + {built['albums']:,} albums; "
              f"256 M tracks ≈ {256e6 / built['rate'] / 3600:.1f} h) | ≥ 150,000 tracks/s |")
        print(f"| index phases started at (s) | {built['phases']} | |")
        print(f"| index size | {built['index_bytes'] / 1e6:,.0f} MB | |")
    print(f"| histogram (counted once, cached) | {built['histogram_s']:.1f} s | |")
    if "like_p50" in q:
        print(f"| naive `LIKE '%…%'` on tracks+artists+albums (p50 / p95) | {q['like_p50']:.0f} / "
              f"{q['like_p95']:.0f} ms, {q['like_p50'] / q['fts_same_p50']:.0f}× the FTS median "
              f"({q['fts_same_p50']:.1f} ms) | |")


if __name__ == "__main__":
    main()
