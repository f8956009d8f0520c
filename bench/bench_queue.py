"""The queue screen with a huge queue: every key's answer at 50,000 queued tracks.

    .venv/bin/python -u bench/bench_queue.py --data bench/data/10m --tracks 50000

The TUI runs headless (Textual's pilot) on a large catalogue; the core publishes a queue of
N distinct catalogue tracks (the event the player sends), the queue screen shows it, and
each key is timed from the press until the cursor is where the key put it and every
visible row is drawn. Also: how long the screen takes to show a new queue of N tracks,
and `q` (quit) at that size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = ["j", "j", "k", "end", "home", "pagedown", "pagedown", "pageup", "G", "g", "down", "up"]


def track_ids(data: Path, n: int) -> list[str]:
    with sqlite3.connect(f"file:{data / 'spotify_clean.sqlite3'}?mode=ro", uri=True) as db:
        return [r[0] for r in db.execute("SELECT id FROM tracks WHERE rowid % 97 = 3 LIMIT ?", (n,))]


async def run(data: Path, n: int) -> dict:
    from tui.config import Settings, StatePaths
    from tui.core.events import QueueChanged
    from tui.core.services import Location, open_services
    from tui.core.session import Session
    from tui.ui.app import make_app
    from tui.ui.widgets.virtual_list import VirtualList

    ids = track_ids(data, n)
    state = Path(tempfile.mkdtemp(prefix="longtail-bench-queue-"))
    session = Session(open_services(Location(data, StatePaths(state), None), Settings(), refresh_files=False))
    app = make_app(session, start_player=False)
    out: dict = {"tracks": len(ids)}
    async with app.run_test(size=(120, 40)) as pilot:
        app.switch_mode("queue")
        await pilot.pause(0.3)
        lst = app.screen.query_one("#queue", VirtualList)
        t0 = time.perf_counter()
        session.publish(QueueChanged(tuple(ids), 0, "off"))
        while lst.count != len(ids):
            await asyncio.sleep(0.002)
        out["shown_s"] = time.perf_counter() - t0
        lst.focus()
        height = lst.scrollable_content_region.height
        times: dict[str, list[float]] = {}
        rows: dict[str, list[float]] = {}
        for _round in range(5):
            for key in KEYS:
                before = lst.cursor
                t0 = time.perf_counter()
                await pilot.press(key)
                for y in range(height):  # what the frame draws
                    lst.render_line(y)
                times.setdefault(key, []).append((time.perf_counter() - t0) * 1000)
                top = lst.scroll_offset.y
                while any(lst.row_at(top + y) is None for y in range(min(height, lst.count - top))):
                    await asyncio.sleep(0.0005)
                rows.setdefault(key, []).append((time.perf_counter() - t0) * 1000)
                assert n < 1000 or lst.cursor != before or key in ("home", "g", "up", "k", "pageup")
        out["keys"], out["rows"] = times, rows
        t0 = time.perf_counter()
        await pilot.press("q")
        while app.is_running and time.perf_counter() - t0 < 10:
            await asyncio.sleep(0.005)
        out["quit_s"] = time.perf_counter() - t0
    session.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "10m")
    ap.add_argument("--tracks", type=int, default=50_000)
    args = ap.parse_args()
    print(f"load at the start: {os.getloadavg()[0]:.2f}")
    small = asyncio.run(run(args.data, 10))  # the same keys on a 10-track queue: pilot's own cost
    out = asyncio.run(run(args.data, args.tracks))
    print(f"\nqueue of {out['tracks']:,} tracks shown in {out['shown_s']:.2f} s (rows read a page at a time)\n")
    print("| key | UI p50 ms | UI p95 ms | rows drawn p95 ms | max ms | 10-track queue UI p50 ms |\n"
          "|---|---|---|---|---|---|")

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95)]

    every, every_small = [], []
    for key, values in out["keys"].items():
        every += values
        every_small += small["keys"][key]
        print(f"| {key} | {statistics.median(values):.1f} | {p95(values):.1f} | {p95(out['rows'][key]):.1f} | "
              f"{max(out['rows'][key]):.1f} | {statistics.median(small['keys'][key]):.1f} |")
    print(f"| **every key** | {statistics.median(every):.1f} | {p95(every):.1f} | "
          f"{p95([v for vs in out['rows'].values() for v in vs]):.1f} | "
          f"{max(v for vs in out['rows'].values() for v in vs):.1f} | {statistics.median(every_small):.1f} |")
    print(f"\nUI p95 at {out['tracks']:,} / at 10 tracks: {p95(every) / p95(every_small):.2f}x")
    print(f"\n`q` with {out['tracks']:,} queued: quit in {out['quit_s']:.2f} s")
    print(f"load at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
