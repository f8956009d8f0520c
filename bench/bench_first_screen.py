"""The TUI's first screen against an empty Textual app, alternating in one run.

    .venv/bin/python -u bench/bench_first_screen.py --data <mirror> --state <state> [--runs 9]
        [--baseline <another checkout with its own .venv>]

Two measures, each start a new process and the two kinds of start alternating, so that a change
in the machine's load hits both:
* terminal (the user's): the `longtail` command itself in a pseudo-terminal of 120x40, from the
  fork until the first artists' names are on the emulated screen; against an empty Textual app
  started the same way until its one word is on the screen;
* headless (the app alone): the child builds the session and the app as the command does, runs
  it headless and stamps the moment the library's first artist rows exist; against an empty
  Textual app run headless.
With --baseline, another checkout (an earlier commit, set up with ./dev) is measured the same
way in the same run, its starts alternating with these: a before/after in one load.
With `--profile` it also prints, in one process, what longtail's own imports cost beyond
Textual's (self time per module, the largest first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_tui import CHILD_EMPTY, CHILD_LONGTAIL, spawn_until_ready
from bench.terminal_start import time_to_screen

EMPTY_IN_A_TERMINAL = """
from textual.app import App
from textual.widgets import Static
class Empty(App):
    def compose(self):
        yield Static("hello-from-an-empty-app")
Empty().run()
"""

FIRST_ARTISTS = CHILD_LONGTAIL.replace(
    'print("READY", time.time(), flush=True)',
    'print("ARTISTS", "\\t".join(lst.row_at(i).name for i in range(min(10, lst.count))), flush=True)')

IMPORTS_OF_THE_FIRST_SCREEN = (
    "from tui.ui.app import make_app; from tui.config import Settings, StatePaths; "
    "from tui.core.services import Location, open_services; from tui.core.session import Session")
IMPORTS_OF_AN_EMPTY_APP = "from textual.app import App; from textual.widgets import Static"


def self_times(code: str) -> dict[str, int]:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                         text=True, cwd=ROOT, check=True).stderr
    times: dict[str, int] = {}
    for line in err.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, _cumulative, name = line[len("import time:"):].split("|", 2)
            times[name.strip()] = int(self_us)
    return times


def rows_drawn(names: list[str]) -> Callable[[list[str]], bool]:
    """The first artists' rows are on the screen: each name at the start of a pane's row, as
    many times as it is among them (the first rows of a catalogue may share a short name)."""
    wanted = Counter(names)

    def ready(screen: list[str]) -> bool:
        return all(sum(f"│{name} " in line for line in screen) >= n for name, n in wanted.items())
    return ready


def first_artists(data: Path, state: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", FIRST_ARTISTS, str(data), str(state)], capture_output=True,
                         text=True, cwd=ROOT, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith("ARTISTS "):
            return [name[:20] for name in line[len("ARTISTS "):].split("\t")][:5]
    raise RuntimeError("the library showed no artists")


def report(title: str, ours: list[float], empty: list[float]) -> None:
    e, o = statistics.median(empty), statistics.median(ours)
    print(f"{title}:")
    print(f"  empty Textual app: median {e:.0f} ms ({min(empty):.0f}–{max(empty):.0f})")
    print(f"  longtail: median {o:.0f} ms ({min(ours):.0f}–{max(ours):.0f})")
    print(f"  ratio: {o / e:.2f}×  (target ≤ 1.5×)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--state", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another checkout, with its .venv, measured alongside")
    args = ap.parse_args()
    # as ./dev does: with PYTHONDONTWRITEBYTECODE set, a module edited since is compiled at every start
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(ROOT / "tui")], check=True)
    print(f"load before: {os.getloadavg()[0]:.2f}")
    names = first_artists(args.data, args.state)
    print(f"awaited on the screen: the first artists {names}")
    trees = [("longtail", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    for _name, tree in trees[1:]:
        subprocess.run([str(tree / ".venv/bin/python"), "-m", "compileall", "-q", "-j", "0", str(tree / "tui")],
                       check=True)
    empty_command = [sys.executable, "-c", EMPTY_IN_A_TERMINAL]
    times: dict[str, list[float]] = {}
    for _ in range(args.runs):
        times.setdefault("t-empty", []).append(time_to_screen(
            empty_command, lambda screen: any("hello-from-an-empty-app" in line for line in screen)))
        times.setdefault("h-empty", []).append(spawn_until_ready(CHILD_EMPTY))
        for name, tree in trees:
            command = [str(tree / ".venv/bin/longtail"), "--mirror", str(args.data), "--state", str(args.state),
                       "--ao", "null"]
            times.setdefault(f"t-{name}", []).append(time_to_screen(
                command, rows_drawn(names)))
            times.setdefault(f"h-{name}", []).append(spawn_until_ready(
                CHILD_LONGTAIL, str(args.data), str(args.state), python=str(tree / ".venv/bin/python"), tree=tree))
    for name, _tree in trees:
        report(f"terminal: `longtail` ({name}) until the first artists are on the screen",
               times[f"t-{name}"], times["t-empty"])
        report(f"headless: the app ({name}) until its first artist rows exist", times[f"h-{name}"], times["h-empty"])
    print(f"load after: {os.getloadavg()[0]:.2f}")
    if args.profile:
        base = self_times(IMPORTS_OF_AN_EMPTY_APP)
        ours_t = self_times(IMPORTS_OF_THE_FIRST_SCREEN)
        extra = {name: us for name, us in ours_t.items() if name not in base}
        print(f"imports beyond the empty app's: {sum(extra.values()) / 1000:.1f} ms self time "
              f"(under -X importtime, which inflates it), {len(extra)} modules; the largest:")
        for name, us in sorted(extra.items(), key=lambda kv: -kv[1])[:25]:
            print(f"  {us / 1000:6.2f} ms  {name}")


if __name__ == "__main__":
    main()
