"""Time to first audio for a local file: longtail's player next to the `mpv` command.

    .venv/bin/python bench/bench_player.py [--demo DIR] [--runs 20]

Both are measured from "open this file" to mpv's playback restart (the first decoded
audio handed to the audio output), with ao=null, on the same demo file:

* longtail: `Session.play([id])` in a warm process (the core a face drives) → the
  `playback-restart` event, and → the NowPlaying snapshot reaching a subscriber;
* the mpv command (Debian's `mpv` package): `mpv --ao=null` with a log file; the
  log's own timestamps give the time from mpv's start to its "playback restart"
  line, and the process's wall time is reported too (it includes mpv's start-up).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.config import Settings, StatePaths
from tui.core.commands import Play, Stop
from tui.core.events import NowPlaying
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.demo.paths import DemoPaths
from tui.player.mpv_engine import MpvEngine


def longtail_runs(demo: DemoPaths, track_id: str, runs: int, state: Path) -> tuple[list[float], list[float]]:
    """Through the whole core, as a face drives it: Session.play → first audio out, and
    → the NowPlaying snapshot that says "playing" reaching a subscriber (what the bar shows)."""
    session = Session(open_services(Location(demo.mirror, StatePaths(state), None), Settings()))
    session.start_player(remember=False, engine=MpvEngine(ao="null"))
    assert session.player is not None
    restart = threading.Event()
    mpv = session.player.engine.mpv  # type: ignore[attr-defined]
    mpv.event_callback("playback-restart")(lambda _e: restart.set())
    snapshots = session.bus.queue((NowPlaying,))
    audio, shown = [], []
    for _ in range(runs):
        session.send(Stop())
        session.player.sync()
        time.sleep(0.1)
        while snapshots.get(0) is not None:
            pass
        restart.clear()
        t0 = time.perf_counter()
        session.send(Play((track_id,)))
        restart.wait(10)
        audio.append((time.perf_counter() - t0) * 1000)
        while True:
            snap = snapshots.get(5)
            if snap is None or (snap.state == "playing" and snap.track_id == track_id):
                break
        shown.append((time.perf_counter() - t0) * 1000)
    session.close()
    return audio, shown


def mpv_runs(path: Path, runs: int, work: Path) -> tuple[list[float], list[float]]:
    in_log, wall = [], []
    for i in range(runs):
        log = work / f"mpv-{i}.log"
        t0 = time.perf_counter()
        subprocess.run(["mpv", "--ao=null", "--no-video", "--no-config", "--length=0.3", "--really-quiet",
                        f"--log-file={log}", str(path)], check=False, timeout=30)
        wall.append((time.perf_counter() - t0) * 1000)
        text = log.read_text(errors="replace")
        # log lines start with "[   0.123]"; playback restart is the first audio out
        stamp = re.search(r"^\[\s*([\d.]+)\].*playback restart", text, re.M | re.I)
        start = re.search(r"^\[\s*([\d.]+)\]", text, re.M)
        if stamp and start:
            in_log.append((float(stamp.group(1)) - float(start.group(1))) * 1000)
    return in_log, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if shutil.which("mpv") is None:
        sys.exit("bench_player: the `mpv` command is needed for the comparison (apt-get install mpv)")
    work = Path(tempfile.mkdtemp(prefix="longtail-bench-player-"))
    if args.demo is None:
        from tui.demo.build import DemoSpec, build_demo

        demo = build_demo(DemoPaths(work / "demo"), DemoSpec(tracks=4000, audio_tracks=24))
    else:
        demo = DemoPaths(args.demo)
    svc = open_services(Location(demo.mirror, StatePaths(work / "state"), None), Settings())
    track_id = next(t for t, s in sorted(svc.files.all_states()) if s == "local")
    path = svc.files.entry(track_id).path
    svc.close()
    ours, shown = longtail_runs(demo, track_id, args.runs, work / "state")
    theirs, wall = mpv_runs(path, args.runs, work)
    print("## Time to first audio, local file\n")
    print("| figure | measured | target |\n|---|---|---|")
    print(f"| longtail: play → first audio out (playback-restart), p50 / p95 of {len(ours)} | "
          f"{statistics.median(ours):.0f} / {sorted(ours)[int(0.95 * (len(ours) - 1))]:.0f} ms | ≤ 150 ms |")
    print(f"| longtail: play → NowPlaying(playing) at a subscriber (what the bar shows), p50 / p95 | "
          f"{statistics.median(shown):.0f} / {sorted(shown)[int(0.95 * (len(shown) - 1))]:.0f} ms | |")
    if theirs:
        print(f"| `mpv --ao=null` on the same file: its start → playback restart (its log), p50 | "
              f"{statistics.median(theirs):.0f} ms | |")
    print(f"| `mpv --ao=null`: whole process wall time (start-up, 0.3 s of audio, exit), p50 | "
          f"{statistics.median(wall):.0f} ms | |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
