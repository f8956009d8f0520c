"""The cover-art tar's index at scale: headers read per second (projected to an archive-sized
tar), peak memory while indexing, the index's size, and a cover lookup + read.

    .venv/bin/python bench/bench_coverart.py --members 500000

The tar is written once into bench/data/ (a member per album: the blog's layout, ~2 KB of
bytes each, so the headers are spread as in the real tar); the index is built in a fresh
process, so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.mirror.coverart import CoverArtIndex, read_member

VARIANT = "ab67616d0000b273"
ARCHIVE_ALBUMS = 58_600_000  # albums in spotify_clean.sqlite3 (archive-format §3): at most one cover each


def image_hash(i: int) -> str:
    return f"{(i * 0x9E3779B97F4A7C15) % (1 << 96):024x}"


def write_tar(path: Path, members: int) -> None:
    payload = os.urandom(2048)
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        for i in range(members):
            h = image_hash(i)
            info = tarfile.TarInfo(f"{h[:2]}/{h[2:4]}/{VARIANT}{h}")
            info.size = 1500 + i % 500
            tar.addfile(info, io.BytesIO(payload[:info.size]))
            tar.members.clear()  # type: ignore[attr-defined]  # the writer keeps every header too


def peak_rss_mb() -> float:
    """This process's own high-water mark (ru_maxrss would carry the parent's across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build(tar: Path, index_path: Path) -> None:
    if index_path.exists():
        index_path.unlink()
    started = time.perf_counter()
    status = CoverArtIndex(index_path).build(tar)
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    rate = status["members"] / seconds
    print(f"index: {status['members']:,} covers in {seconds:.2f} s = {rate:,.0f} headers/s, "
          f"complete={status['complete']}; peak RSS {peak_mb:.0f} MB")
    print(f"  projected to {ARCHIVE_ALBUMS:,} covers: {ARCHIVE_ALBUMS / rate / 60:.1f} min "
          f"(warm cache; a cold disk adds a seek per header)")
    print(f"  index size: {index_path.stat().st_size / 1e6:.1f} MB "
          f"({index_path.stat().st_size / status['members']:.0f} B a cover)")


def lookups(tar: Path, index_path: Path, members: int) -> None:
    index = CoverArtIndex(index_path)
    rng = random.Random(1)
    times = []
    for _ in range(2000):
        h = image_hash(rng.randrange(members))
        started = time.perf_counter()
        found = index.locate([f"https://i.scdn.co/image/ab67616d00001e02{h}",
                              f"https://i.scdn.co/image/{VARIANT}{h}"])
        data = read_member(tar, *found) if found else None
        times.append((time.perf_counter() - started) * 1000)
        assert data is not None
    times.sort()
    print(f"lookup + read of a cover (2 URLs tried, warm): p50 {statistics.median(times):.3f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500_000)
    parser.add_argument("--phase", choices=["all", "build", "lookups"], default="all")
    args = parser.parse_args()
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    tar = data / f"bench_{args.members}_coverart.tar"
    index_path = data / f"coverart-{args.members}.sqlite3"
    if args.phase == "build":
        return build(tar, index_path)
    if args.phase == "lookups":
        return lookups(tar, index_path, args.members)
    if not tar.exists():
        started = time.perf_counter()
        write_tar(tar, args.members)
        print(f"tar: {args.members:,} members, {tar.stat().st_size / 1e6:.0f} MB, written in "
              f"{time.perf_counter() - started:.1f} s")
    for phase in ("build", "lookups"):
        subprocess.run([sys.executable, __file__, "--members", str(args.members), "--phase", phase], check=True)


if __name__ == "__main__":
    main()
