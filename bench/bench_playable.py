"""What can play, at the archive's scale: the `P` views and `shuffle --playable`, and the
memory of `check --all`, on a mirror made by bench/bench_file_index.py.

    .venv/bin/python -u bench/bench_playable.py --mirror bench/data/files-bench/mirror-10000000 \
        --state bench/data/files-bench/state-10000000 [--check] [--cold] [--baseline <checkout>]

* `P` in the library (the artists with a local or fetchable track) and in a tier's list (its
  playable tracks): the first build (once per change of the catalogue or the file index), a
  second open (kept), and what a frame waits for: one page of rows at a random position;
* `shuffle --playable`: the first track (its subset built once, then kept) and each next draw;
* with --cold, the page cache is dropped before each first build (as after a boot; needs root);
* with --baseline, another checkout (an earlier commit, set up with ./dev) builds the same
  lists, alternating with this one, each in a process of its own: the ratio in one run;
* with --check: `longtail check --all` with the peak RSS of every process of it (the sweep's
  worker processes included), sampled from /proc every 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from trees import drop_page_cache, json_from_tree, tree_of_this_run

sys.path.insert(0, str(tree_of_this_run(ROOT)))  # --tree: the baseline's code builds the lists

from tui.catalogue.shuffle import ShuffleFilter
from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.core.views import Library

PAGE = 40  # the rows a frame of a tall terminal shows


def ms(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pct(values: list[float], q: float) -> float:
    return sorted(values)[int(q * (len(values) - 1))]


def pages(source, rng: random.Random, n: int = 200) -> list[float]:
    count = source.count()
    times = []
    for _ in range(n):
        start = rng.randrange(max(1, count - PAGE))
        t, rows = ms(lambda start=start: source.fetch(start, PAGE))
        assert rows, "an empty page"
        times.append(t)
    return times


def peak_rss_of_tree(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, the largest VmHWM of any one process of the run (MB), the largest sum of
    VmRSS over its processes at one sample (MB), and its stdout's last line."""
    # a file, not a pipe: a report of millions of lines would fill a pipe read only at the end
    with tempfile.TemporaryFile("w+") as out_file:
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=subprocess.DEVNULL, text=True)
        t0 = time.perf_counter()
        largest = total = 0.0
        while proc.poll() is None:
            now = 0.0
            for pid in _tree(proc.pid):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                largest = max(largest, int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
                now += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
            total = max(total, now)
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        out_file.seek(0)
        last = ""
        for line in out_file:
            last = line.strip() or last
    return seconds, largest, total, last


def _tree(pid: int) -> list[int]:
    """`pid` and every process under it (the sweep's forkserver and its workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, required=True)
    ap.add_argument("--state", type=Path, required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--only-check", action="store_true", help="the check's figures alone")
    ap.add_argument("--cold", action="store_true", help="drop the page cache before each first build (root)")
    ap.add_argument("--baseline", type=Path, help="another checkout, with its .venv, built alongside")
    ap.add_argument("--rounds", type=int, default=1, help="with --baseline: builds of each, alternating")
    ap.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--builds-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.builds_only:
        print(json.dumps(first_builds(args)))
        return
    print(f"load before: {os.getloadavg()[0]:.2f}")
    if args.only_check:
        check(args)
        return
    StatePaths(args.state).shuffle_subsets.unlink(missing_ok=True)  # the kept lists: built again, cold
    services = open_services(Location(args.mirror, StatePaths(args.state), None), Settings(), refresh_files=False)
    library = Library(services)
    rng = random.Random(7)
    counts = services.files.counts()
    print(f"file index: {sum(counts.values()):,} tracks with a file ({counts})")

    if args.baseline:
        builds = {}
        for tree in (args.baseline.resolve(), ROOT) * args.rounds:
            builds.setdefault(tree, []).append(first_builds_elsewhere(args, tree))
        for name, tree in (("baseline", args.baseline.resolve()), ("longtail", ROOT)):
            print(f"{name} ({tree}): " + ", ".join(f"{k} {min(b[k] for b in builds[tree]):,.0f} ms"
                                                    for k in builds[tree][0]))
        print("ratio (baseline / longtail, best of --rounds each): " + ", ".join(
            f"{k} {min(b[k] for b in builds[args.baseline.resolve()]) / min(b[k] for b in builds[ROOT]):.1f}×"
            for k in builds[ROOT][0]))
    StatePaths(args.state).shuffle_subsets.unlink(missing_ok=True)
    cold(args)
    first, artists = ms(library.playable_artists)
    again, artists = ms(library.playable_artists)
    drawn = pages(artists, rng)
    print(f"| `P`, library artists ({artists.count():,} playable) | first build {first:,.0f} ms, "
          f"opened again {again:.1f} ms | a page of {PAGE}: p50 {pct(drawn, .5):.2f} / p95 {pct(drawn, .95):.2f} ms |")
    for tier in ("vorbis", "opus"):
        cold(args)
        first, tracks = ms(lambda tier=tier: library.playable_tier_tracks(tier))
        again, tracks = ms(lambda tier=tier: library.playable_tier_tracks(tier))
        drawn = pages(tracks, rng)
        print(f"| `P`, the {tier} tier ({tracks.count():,} playable) | first build {first:,.0f} ms, "
              f"opened again {again:.1f} ms | a page of {PAGE}: p50 {pct(drawn, .5):.2f} / "
              f"p95 {pct(drawn, .95):.2f} ms |")

    first, shuffle = ms(lambda: library.shuffle(ShuffleFilter(playable=True), seed=1))
    t_first, _track = ms(lambda: next(iter(shuffle)))
    draws = []
    it = iter(shuffle)
    for _ in range(2000):  # or until a small playable set is drawn out (a tiny mirror)
        t, drawn_track = ms(lambda: next(it, None))
        if drawn_track is None:
            break
        draws.append(t)
    again, shuffle2 = ms(lambda: library.shuffle(ShuffleFilter(playable=True), seed=2))
    t_again, _track = ms(lambda: next(iter(shuffle2)))
    print(f"| `shuffle --playable` ({shuffle.strategy}: a sparse set is drawn from a kept subset, a dense "
          f"one by rejection over the catalogue) | first track {first + t_first:,.0f} ms, "
          f"then {again + t_again:.1f} ms (kept) | next draw p50 {statistics.median(draws):.3f} / "
          f"p95 {pct(draws, .95):.3f} ms |")
    services.close()

    if args.check:
        check(args)
    print(f"load after: {os.getloadavg()[0]:.2f}")


def cold(args: argparse.Namespace) -> None:
    if args.cold:
        drop_page_cache()


def first_builds(args: argparse.Namespace) -> dict[str, float]:
    """The three `P` lists built from nothing by this process's tree, each from a cold cache with --cold."""
    StatePaths(args.state).shuffle_subsets.unlink(missing_ok=True)
    services = open_services(Location(args.mirror, StatePaths(args.state), None), Settings(), refresh_files=False)
    library = Library(services)
    out = {}
    cold(args)
    out["artists"], _ = ms(library.playable_artists)
    for tier in ("vorbis", "opus"):
        cold(args)
        out[tier], _ = ms(lambda tier=tier: library.playable_tier_tracks(tier))
    services.close()
    return out


def first_builds_elsewhere(args: argparse.Namespace, tree: Path) -> dict[str, float]:
    builds = json_from_tree(__file__, tree, ["--builds-only", "--mirror", str(args.mirror.resolve()),
                                             "--state", str(args.state.resolve())] + (["--cold"] if args.cold else []))
    print(f"  {tree.name}: " + ", ".join(f"{k} {v:,.0f} ms" for k, v in builds.items()), flush=True)
    return builds


def check(args: argparse.Namespace) -> None:
    exe = str(Path(sys.executable).with_name("longtail"))
    cmd = [exe, "--mirror", str(args.mirror), "--state", str(args.state), "check", "--all", "--json"]
    seconds, largest, total, last = peak_rss_of_tree(cmd)
    print(f"| `check --all` | {seconds:.1f} s | peak RSS: one process {largest:.0f} MB, all at once "
          f"{total:.0f} MB | {last[:160]}")


if __name__ == "__main__":
    main()
