"""Radio at scale: building the vector sidecar, starting a station, the next track, memory,
and how near the stations stay to their seeds.

    .venv/bin/python bench/bench_radio.py --data bench/data/10m --state bench/data/state-10m --rebuild

The sidecar is built first if missing (that run is the build-rate figure, projected to the
archive's ~230 M feature rows); the query figures come from 40 random seeds with features.
"Near" is the mean normalised feature distance of a station's first 60 tracks over that of
60 random tracks (1.0 = no better than random).
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.radio import Radio, RadioIndex
from tui.mirror.layout import discover

ARCHIVE_FEATURE_ROWS = 230_000_000
PROBE = ("SELECT tempo, key, mode, energy, danceability, valence, acousticness, instrumentalness "
         "FROM af.track_audio_features WHERE track_id = ? AND null_response = 0")


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would carry the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def distance(a, b) -> float:
    octaves = abs(math.log2(a[0] / b[0]))
    tempo = min(octaves, abs(octaves - 1)) / 3
    return math.sqrt(tempo ** 2 + sum((x - y) ** 2 for x, y in zip(a[3:], b[3:], strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true", help="Build the sidecar again (the build figures).")
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.queries_only:
        build(args)
        # the queries in a fresh process, so that its peak RSS is the listener's, not the build's
        subprocess.run([sys.executable, __file__, "--data", str(args.data), "--state", str(args.state),
                        "--seeds", str(args.seeds), "--queries-only"], check=True)
        return
    queries(args)


def build(args) -> None:
    catalogue = Catalogue(CataloguePaths.from_databases(discover(args.data).databases))
    index = RadioIndex(args.state / "radio")
    st = catalogue.paths.features.stat()
    signature = f"{st.st_size}:{st.st_mtime_ns}"
    if args.rebuild or not index.ready(signature):
        started = time.perf_counter()
        rows = index.build(catalogue, signature)
        seconds = time.perf_counter() - started
        print(f"| sidecar build | {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
              f"projected to {ARCHIVE_FEATURE_ROWS / 1e6:.0f} M rows: "
              f"{ARCHIVE_FEATURE_ROWS / (rows / seconds) / 60:.0f} min |")
        print(f"| build peak RSS | {peak_rss_mb():.0f} MB |")
    catalogue.close()


def queries(args) -> None:
    catalogue = Catalogue(CataloguePaths.from_databases(discover(args.data).databases))
    index = RadioIndex(args.state / "radio")
    size = sum(p.stat().st_size for p in index.directory.iterdir())
    print(f"| sidecar size | {size / 1e6:.0f} MB for {index.meta()['tracks']:,} tracks |")
    conn = catalogue.conn()
    max_rowid = catalogue.max_track_rowid()
    rng = random.Random(11)
    starts, nexts, ratios = [], [], []
    while len(starts) < args.seeds:
        seed = catalogue.track_by_rowid(rng.randint(1, max_rowid))
        if seed is None:
            continue
        sf = conn.execute(PROBE, (seed.id,)).fetchone()
        if sf is None or sf[0] is None or sf[1] is None or sf[1] < 0:
            continue
        t0 = time.perf_counter()
        station = Radio(catalogue, index, seed)
        first = station.take(1)
        starts.append(time.perf_counter() - t0)
        tracks = list(first)
        for _ in range(59):
            t1 = time.perf_counter()
            tracks += station.take(1)
            nexts.append(time.perf_counter() - t1)
        near = [distance(sf, f) for t in tracks if (f := conn.execute(PROBE, (t.id,)).fetchone())]
        far = []
        while len(far) < 60:
            other = catalogue.track_by_rowid(rng.randint(1, max_rowid))
            if other is not None and (f := conn.execute(PROBE, (other.id,)).fetchone()) and f[0]:
                far.append(distance(sf, f))
        ratios.append(statistics.mean(near) / statistics.mean(far))

    def p(xs, q):
        return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000

    print(f"| station start (first track) | p50 {p(starts, .5):.0f} ms, p95 {p(starts, .95):.0f} ms |")
    print(f"| next track | p50 {p(nexts, .5):.2f} ms, p95 {p(nexts, .95):.2f} ms |")
    print(f"| nearness (mean distance vs random) | {statistics.mean(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {len(ratios)} seeds |")
    print(f"| queries' peak RSS | {peak_rss_mb():.0f} MB |")


if __name__ == "__main__":
    main()
