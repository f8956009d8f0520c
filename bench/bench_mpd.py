"""The MPD face under many clients at the catalogue's scale: 20 clients in `idle` and one
issuing commands (status, the queue, volume changes that wake every idler, `list artist`
windows, `lsinfo` folders), against the real session on a large catalogue (the player on
libmpv with ao=null). Prints each command's reply p50/p95/max, the idlers' wakes, and the
process's memory before the clients came and after.

    .venv/bin/python -u bench/bench_mpd.py --mirror bench/data/10m

(`bench/make_catalogue.py --tracks 10000000 --out bench/data/10m` makes the catalogue.) The
search index is not built here (at 10^7 tracks it takes minutes), so `search` is not timed.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import mpd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int) -> mpd.MPDClient:
    c = mpd.MPDClient()
    c.timeout = 60
    c.idletimeout = None
    c.connect("127.0.0.1", port)
    return c


def idler(port: int, stop: threading.Event, wakes: list[int], slot: int) -> None:
    c = connect(port)
    try:
        while not stop.is_set():
            c.idle()
            wakes[slot] += 1
    except (mpd.ConnectionError, OSError):
        pass


def main() -> None:
    from tui.config import Settings, StatePaths
    from tui.core.commands import Restore
    from tui.core.services import Location, open_services
    from tui.core.session import Session
    from tui.mpd.server import MpdFace

    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=ROOT / "bench" / "data" / "10m")
    ap.add_argument("--idlers", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    print(f"load at the start: {os.getloadavg()[0]:.2f}")
    state = Path(tempfile.mkdtemp(prefix="longtail-bench-mpd-"))
    t0 = time.perf_counter()
    session = Session(open_services(Location(args.mirror, StatePaths(state), None), Settings()))
    port = free_port()
    face = MpdFace(session, f"127.0.0.1:{port}")
    session.start_player(ao="null", remember=False)
    session.send(Restore())
    session.sync(30)
    print(f"session and MPD face up in {time.perf_counter() - t0:.2f} s; RSS {rss_mb():.0f} MB")
    base_rss = rss_mb()
    stop = threading.Event()
    wakes = [0] * args.idlers
    threads = [threading.Thread(target=idler, args=(port, stop, wakes, i), daemon=True) for i in range(args.idlers)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    c = connect(port)
    rng = random.Random(7)
    top = [e["directory"] for e in c.lsinfo("Artists")]
    timings: dict[str, list[float]] = {}

    def timed(label: str, call, *a) -> object:
        started = time.perf_counter()
        try:
            out = call(*a)
        except mpd.CommandError as exc:
            out = exc
        timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        return out

    for n in range(args.rounds):
        timed("status", c.status)
        timed("currentsong", c.currentsong)
        timed("playlistinfo", c.playlistinfo)
        timed("stats", c.stats)
        timed("setvol (wakes every idler)", c.setvol, 30 + n % 40)
        start = rng.randrange(0, 200_000)
        timed("list artist window (first 200,000)", c.list, "artist", "window", f"{start}:{start + 100}")
        timed("lsinfo root", c.lsinfo)
        folder = rng.choice(top)
        listed = timed("lsinfo Artists/<first character>", c.lsinfo, folder)
        if isinstance(listed, list) and listed:
            timed("lsinfo one level deeper", c.lsinfo, rng.choice(listed)["directory"])
        timed("add absent (refused)", c.add, "longtail:track:0000000000000000000000")
    time.sleep(0.5)
    peak = rss_mb()
    stop.set()
    c.setvol(50)  # wakes the idlers so they see the stop
    print(f"\n{args.idlers} clients in idle, one issuing {args.rounds} rounds of commands "
          f"({sum(len(v) for v in timings.values())} replies)\n")
    print("| command | p50 ms | p95 ms | max ms |\n|---|---|---|---|")
    every: list[float] = []
    for label, values in timings.items():
        every += values
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"| {label} | {statistics.median(values):.2f} | {p95:.2f} | {values[-1]:.1f} |")
    every.sort()
    print(f"| **every reply** | {statistics.median(every):.2f} | {every[int(len(every) * 0.95)]:.2f} | "
          f"{every[-1]:.1f} |")
    print(f"\nidle wakes: {sum(wakes)} over {args.idlers} clients (each setvol wakes each once: "
          f"{args.rounds * args.idlers} expected at least)")
    print(f"RSS: {base_rss:.0f} MB before the clients, {peak:.0f} MB with them "
          f"(+{(peak - base_rss) * 1024 / (args.idlers + 1):.0f} KB a client; this process holds the clients too)")
    c.close()
    face.stop()
    session.close()
    print(f"load at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
