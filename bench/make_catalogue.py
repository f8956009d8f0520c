"""Generate a metadata-only catalogue in the archive's schema for benchmarks.

    .venv/bin/python bench/make_catalogue.py --tracks 10000000 --out bench/data/10m

The same generator as the demo and the tests' fixtures (tui.demo.generator), with no
audio: spotify_clean, audio features and the ledger, with ~80% popularity 0, rowid
holes, ISRC siblings and every script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.demo.generator import GenSpec, generate
from tui.demo.sidecars import write_ledger


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tracks", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-ledger", action="store_true")
    ap.add_argument("--no-features", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / max(1e-9, time.perf_counter() - started)
        print(f"\r  {done:>11,} / {total:,} tracks  {rate:,.0f}/s", end="", file=sys.stderr)

    result = generate(args.out, GenSpec(tracks=args.tracks, seed=args.seed, features=not args.no_features,
                                        images=True), progress=progress)
    print(file=sys.stderr)
    if not args.no_ledger:
        write_ledger(args.out, result.main, args.seed)
    print(f"{result.tracks:,} tracks, {result.albums:,} albums, {result.artists:,} artists "
          f"in {time.perf_counter() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
