"""Bytes into mpv through a stream protocol: python-mpv's own (a Python loop, one byte at a
time) beside longtail's (one memmove per read), side by side in one run.

    .venv/bin/python bench/bench_stream_copy.py [--runs 5]

A real ~4 MB Vorbis file (bench/data/swarm-audio) is served from memory and decoded to its
end with ao=null, as fast as mpv goes; the figure is the wall time and this process's CPU
time per run (mpv's decoding included, which is the same for both).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.size = data, 0, len(data)

    def read(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def seek(self, pos: int) -> int:
        self.pos = pos
        return pos

    def cancel(self) -> None:
        return None

    def close(self) -> None:
        return None


def play(data: bytes, ours: bool) -> tuple[float, float]:
    import mpv

    from tui.player.mpv_stream import StreamProtocol

    player = mpv.MPV(ao="null", ao_null_untimed="yes", video=False, config=False, terminal=False)
    done = threading.Event()
    player.event_callback("end-file")(lambda _e: done.set())
    if ours:
        StreamProtocol(mpv, player.handle, "bench", lambda _url: Bytes(data))
    else:
        player.register_stream_protocol("bench", lambda _url: Bytes(data))
    wall, cpu = time.perf_counter(), time.process_time()
    player.loadfile("bench://x")
    done.wait(120)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    player.terminate()
    return wall, cpu


def main() -> None:
    import swarm_kit as kit

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = kit.vorbis_files(ROOT / "bench" / "data" / "swarm-audio", 1)[0].read_bytes()
    rows = {}
    for ours in (False, True, False, True):  # interleaved: the machine's noise falls on both
        rows.setdefault(ours, []).extend(play(data, ours) for _ in range(args.runs))
    print(f"## Stream protocol into mpv: a {len(data) / 1e6:.1f} MB Vorbis file decoded to its end (ao=null)\n")
    print("| protocol | wall p50 | CPU p50 |\n|---|---|---|")
    for ours, name in ((False, "python-mpv's (a byte at a time)"), (True, "longtail's (memmove)")):
        print(f"| {name} | {statistics.median(w for w, _ in rows[ours]):.2f} s | "
              f"{statistics.median(c for _, c in rows[ours]):.2f} s |")
    old = statistics.median(c for _, c in rows[False])
    new = statistics.median(c for _, c in rows[True])
    print(f"\nCPU ratio: {old / new:.1f}× less with longtail's")


if __name__ == "__main__":
    main()
