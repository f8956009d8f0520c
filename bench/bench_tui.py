"""TUI speed on a large catalogue: first screen, a search keystroke, scrolling a huge list.

    .venv/bin/python bench/bench_tui.py --data bench/data/10m --state bench/data/state-10m
    .venv/bin/python bench/bench_tui.py --data ... --state ... --scroll-only --cold [--baseline <checkout>]

* first screen: wall time from spawning the process to the library's first artist rows
  drawn (headless), next to the same measure for an empty Textual app, in the same run;
* search keystroke: pilot types a query letter by letter; time from each key press to the
  results message (includes the 30 ms debounce);
* a change of focus: the CPU a Tab in the library costs until the screen is idle;
* scroll: a page down through the opus tier (about 8 M rows at 10 M tracks): the UI's
  cost of the scroll and of drawing the page, and separately the time until the rows
  have been read in the background. With --cold the page cache is dropped before each page
  down (root): every row read from the disk, as at the archive's size, where no page cache
  holds the catalogue. With --baseline, another checkout (set up with ./dev) scrolls the same
  way in the same run, alternating, each in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from trees import drop_page_cache, json_from_tree, tree_of_this_run

sys.path.insert(0, str(tree_of_this_run(ROOT)))  # --tree: the baseline's code scrolls

CHILD_EMPTY = """
import sys, time
from textual.app import App
from textual.widgets import Static
class Empty(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.set_timer(0.001, self.done)
    def done(self):
        print("READY", time.time(), flush=True)
        self.exit()
Empty().run(headless=True)
"""

CHILD_LONGTAIL = """
import sys
from pathlib import Path
from tui.ui.app import make_app
from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.ui.widgets.virtual_list import VirtualList
from tui.core.session import Session
session = Session(open_services(Location(Path(sys.argv[1]), StatePaths(Path(sys.argv[2])), None), Settings(),
                                refresh_files=False))
app = make_app(session, start_player=False)
def check():
    try:
        lst = app.screen.query_one("#artists", VirtualList)
    except Exception:
        return
    if lst.count and lst.row_at(0) is not None:
        import time
        print("READY", time.time(), flush=True)
        app.exit()
app.call_later(lambda: app.set_interval(0.002, check))
app.run(headless=True)
"""


def spawn_until_ready(code: str, *args: str, python: str = sys.executable, tree: Path = ROOT) -> float:
    """Wall time from spawning the process to the moment it reports its first screen ready
    (the child stamps the time itself, so pipe buffering and exit do not count). `python` and
    `tree`: another checkout's interpreter, run from its root (bench_first_screen's baseline)."""
    start = time.time()
    out = subprocess.run([python, "-c", code, *args], capture_output=True, text=True,
                         cwd=tree, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith("READY"):
            return (float(line.split()[1]) - start) * 1000
    raise RuntimeError(f"{tree}: the app never became ready")


async def keystrokes(data: Path, state: Path) -> list[float]:
    from tui.config import Settings, StatePaths
    from tui.core.services import Location, open_services
    from tui.core.session import Session
    from tui.ui.app import make_app
    from tui.ui.messages import SearchFinished

    svc = Session(open_services(Location(data, StatePaths(state), None), Settings(), refresh_files=False))
    app = make_app(svc, start_player=False)
    finished: list[tuple[float, str]] = []

    def hook(message) -> None:
        if isinstance(message, SearchFinished) and (not finished or finished[-1][1] != message.query):
            finished.append((time.perf_counter(), message.query))

    latencies = []
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press("slash")
        await pilot.pause(0.3)
        for query in ("midnight river", "sigur ros", "the road home", "glass", "kapitel", "neon sun"):
            app.screen.query_one("#query").value = ""
            await pilot.pause(0.2)
            for ch in query:
                typed = app.screen.query_one("#query").value + ch
                t0 = time.perf_counter()
                await pilot.press(ch if ch != " " else "space")
                while not finished or finished[-1][1] != typed:
                    await asyncio.sleep(0.001)
                    if time.perf_counter() - t0 > 2:
                        break
                latencies.append((finished[-1][0] - t0) * 1000)
                await pilot.pause(0.06)  # a typist's pace: each key gets its own search
    svc.close()
    return latencies


async def scrolling(data: Path, state: Path, cold: bool = False, pages: int = 40) -> dict:
    from tui.config import Settings, StatePaths
    from tui.core.services import Location, open_services
    from tui.core.session import Session
    from tui.ui.app import make_app
    from tui.ui.widgets.virtual_list import VirtualList

    svc = Session(open_services(Location(data, StatePaths(state), None), Settings(), refresh_files=False))
    app = make_app(svc, start_player=False)
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)  # the library's first screen, looked at for a second before 4 is pressed
        if cold:
            drop_page_cache()
        t0 = time.perf_counter()
        app.switch_mode("tiers")
        while not (found := app.screen.query("#tier-tracks")):  # composed on the next turns of the loop
            await asyncio.sleep(0.001)
        tiers, first = app.screen, found.first(VirtualList)
        while first.row_at(0) is None or any(not w.is_finished for w in tiers.workers if w.group == "tier-stats"):
            await asyncio.sleep(0.001)
        out["tiers_first_rows_ms"] = (time.perf_counter() - t0) * 1000  # the coverage table and the first tracks
        await pilot.pause(0.3)
        await pilot.press("o")
        lst = app.screen.query_one("#tier-tracks", VirtualList)
        t0 = time.perf_counter()
        while not lst.source.complete:
            await pilot.pause(0.05)
        out["anchor_scan_s"] = time.perf_counter() - t0
        out["rows"] = lst.count
        lst.focus()
        height = lst.scrollable_content_region.height
        ui, ready = [], []
        import random
        rng = random.Random(3)
        for i in range(pages):
            if i % 2:
                lst.move_cursor(rng.randrange(lst.count - height))  # a jump anywhere
                await pilot.pause(0.05)
            if cold:
                drop_page_cache()
            t0 = time.perf_counter()
            lst.action_page_down()
            for y in range(height):  # what a frame draws
                lst.render_line(y)
            ui.append((time.perf_counter() - t0) * 1000)
            top = lst.scroll_offset.y
            while any(lst.row_at(top + y) is None for y in range(height)):
                await asyncio.sleep(0.0005)
            ready.append((time.perf_counter() - t0) * 1000)
        out["page_ui_ms"] = ui
        out["page_rows_ms"] = ready
        out["tab_cpu_ms"] = await focus_changes(app, pilot)
    svc.close()
    return out


async def focus_changes(app, pilot, tabs: int = 20) -> list[float]:
    """The process's CPU time for each Tab in the library (artists -> albums -> tracks ...),
    from the key until the screen is idle again: what a change of focus costs."""
    app.switch_mode("library")
    await pilot.pause(0.5)
    spent = []
    for _ in range(tabs):
        cpu = time.process_time()
        await pilot.press("tab")
        await pilot.pause()
        await pilot.pause()
        spent.append((time.process_time() - cpu) * 1000)
        await pilot.pause(0.05)
    return spent


def p95(values):
    return sorted(values)[int(0.95 * (len(values) - 1))]


def scroll_elsewhere(args: argparse.Namespace, tree: Path) -> dict:
    return json_from_tree(__file__, tree, ["--scroll-json", "--data", str(args.data.resolve()), "--state",
                                           str(args.state.resolve()), "--pages", str(args.pages)]
                          + (["--cold"] if args.cold else []))


def scroll_rows(name: str, scroll: dict) -> None:
    print(f"| {name}: the tiers screen (4) until its coverage and first tracks are shown | "
          f"{scroll['tiers_first_rows_ms']:.0f} ms | ≤ 200 ms |")
    print(f"| {name}: page down in a {scroll['rows']:,}-row list: UI cost (scroll + draw), p50 / p95 | "
          f"{statistics.median(scroll['page_ui_ms']):.2f} / {p95(scroll['page_ui_ms']):.2f} ms | ≤ 16 ms |")
    print(f"| {name}: same, until every row of the page is read in the background, p50 / p95 | "
          f"{statistics.median(scroll['page_rows_ms']):.1f} / {p95(scroll['page_rows_ms']):.1f} ms | ≤ 50 ms |")
    if "tab_cpu_ms" in scroll:
        print(f"| {name}: a Tab in the library, CPU until idle, p50 / p95 | "
              f"{statistics.median(scroll['tab_cpu_ms']):.1f} / {p95(scroll['tab_cpu_ms']):.1f} ms | |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--state", type=Path, required=True)
    ap.add_argument("--scroll-only", action="store_true", help="only the page-down figures")
    ap.add_argument("--cold", action="store_true", help="drop the page cache before each page down (root)")
    ap.add_argument("--baseline", type=Path, help="another checkout, with its .venv, scrolled alongside")
    ap.add_argument("--pages", type=int, default=40, help="page downs measured (half of them after a jump)")
    ap.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--scroll-json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scroll_json:
        print(json.dumps(asyncio.run(scrolling(args.data, args.state, args.cold, args.pages))))
        return
    print(f"load before: {os.getloadavg()[0]:.2f}")
    if args.scroll_only:
        trees = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
        for tree in trees:
            scroll = scroll_elsewhere(args, tree)
            scroll_rows("baseline" if tree != ROOT else "longtail", scroll)
        print(f"load after: {os.getloadavg()[0]:.2f}")
        return
    empty = [spawn_until_ready(CHILD_EMPTY) for _ in range(5)]
    longtail = [spawn_until_ready(CHILD_LONGTAIL, str(args.data), str(args.state)) for _ in range(5)]
    keys = asyncio.run(keystrokes(args.data, args.state))
    scroll = asyncio.run(scrolling(args.data, args.state, args.cold, args.pages))

    print(f"## TUI speed: {args.data.name}\n")
    print("| figure | measured | target |\n|---|---|---|")
    print(f"| first screen usable (process start → artist rows drawn), median of 5 | "
          f"{statistics.median(longtail):.0f} ms (empty Textual app in the same run: "
          f"{statistics.median(empty):.0f} ms) | ≤ 500 ms |")
    print(f"| search keystroke → results shown, p50 / p95 / max ({len(keys)} keys) | "
          f"{statistics.median(keys):.1f} / {p95(keys):.1f} / {max(keys):.1f} ms | ≤ 50 ms |")
    scroll_rows("longtail", scroll)
    print(f"| anchor scan of that list (once; cached afterwards) | {scroll['anchor_scan_s']:.1f} s | |")


if __name__ == "__main__":
    main()
