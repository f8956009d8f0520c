"""Integrity-check speed: longtail's SHA-256 pass next to `sha256sum` on the same files.

    .venv/bin/python bench/bench_checks.py [--files 60] [--mb 5]

Makes N files of M MB (the size of real tracks at 160 kbit/s), warms the page cache,
then times, in one run: `sha256sum` on all of them; longtail's SHA-256 pass (how the
checker reads and hashes a file); and the checker's whole per-file work minus the
catalogue (SHA-256, SHA-1 of 16 KiB pieces, Ogg page walk with CRCs) on real Ogg data.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.mirror.ogg import parse_ogg


def ogg_bytes(size: int) -> bytes:
    """Real Ogg data of about `size` bytes: a short piece from the demo's composer, chained."""
    from tui.demo.audio import PieceSpec, encode

    tmp = Path(tempfile.mkdtemp()) / "piece"
    encode(PieceSpec(seed=7, seconds=20.0, codec="vorbis", key_root=60, tempo=100, brightness=0.9,
                     level=0.9), tmp, {"TITLE": ["bench"]})
    one = tmp.read_bytes()
    shutil.rmtree(tmp.parent)
    return (one * (size // len(one) + 1))[:size]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--mb", type=float, default=5.0)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="longtail-bench-checks-"))
    template = ogg_bytes(int(args.mb * 1e6))
    paths = []
    for i in range(args.files):
        p = work / f"f{i:04d}"
        p.write_bytes(template[:-16] + os.urandom(16))  # distinct contents
        paths.append(p)
    total = sum(p.stat().st_size for p in paths)
    for p in paths:  # warm the page cache for everyone
        p.read_bytes()

    def rate(seconds: float) -> float:
        return total / seconds / 1e6

    t0 = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, paths)], check=True, capture_output=True)
    sha256sum = time.perf_counter() - t0

    t0 = time.perf_counter()
    for p in paths:
        hashlib.sha256(p.read_bytes()).hexdigest()  # what Checker.check does
    ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    piece = 16 * 1024
    for p in paths:
        data = p.read_bytes()
        hashlib.sha256(data).hexdigest()
        mv = memoryview(data)
        for off in range(0, len(data), piece):
            hashlib.sha1(mv[off:off + piece]).digest()
        parse_ogg(data)
    full = time.perf_counter() - t0
    shutil.rmtree(work)
    print("## Integrity checks: hashing speed\n")
    print(f"{args.files} files × {total / args.files / 1e6:.1f} MB = {total / 1e6:.0f} MB, warm page cache.\n")
    print("| figure | measured | target |\n|---|---|---|")
    print(f"| `sha256sum` | {rate(sha256sum):.0f} MB/s | |")
    print(f"| longtail's SHA-256 pass (read + hashlib) | {rate(ours):.0f} MB/s = "
          f"{sha256sum / ours:.0%} of sha256sum | ≥ 80% |")
    print(f"| longtail's whole per-file check (SHA-256 + SHA-1 pieces + Ogg pages and CRCs) | "
          f"{rate(full):.0f} MB/s, {full / args.files * 1000:.1f} ms per file | |")


if __name__ == "__main__":
    main()
