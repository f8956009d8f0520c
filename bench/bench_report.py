"""The audio report of a 4-minute Vorbis track, on one core, beside ffmpeg's own meters.

    .venv/bin/python bench/bench_report.py

Makes a 4-minute stereo 44.1 kHz Vorbis file (pink noise, 160 kbit/s) with ffmpeg, then
times `analyse` (decode + every measure) and `ffmpeg -af ebur128=peak=true,astats` on the
same file, each pinned to one core, median of 5 runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.mirror.report import analyse


def main() -> None:
    os.sched_setaffinity(0, {0})  # one core, as the target says
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "four-minutes.ogg"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "anoisesrc=color=pink:amplitude=0.25:duration=240:sample_rate=44100:seed=8",
                        "-ac", "2", "-c:a", "libvorbis", "-b:a", "160k", str(path)], check=True)
        analyse(path, "vorbis")  # imports and first-call costs out of the figure
        ours, theirs = [], []
        for _ in range(5):
            t = time.perf_counter()
            report = analyse(path, "vorbis")
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run(["taskset", "-c", "0", "ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                            "ebur128=peak=true,astats", "-f", "null", "-"], capture_output=True, check=True)
            theirs.append(time.perf_counter() - t)
    print(f"| report of a 4-minute Vorbis track, one core | median {statistics.median(ours):.2f} s "
          f"(min {min(ours):.2f}) | ffmpeg ebur128+astats: median {statistics.median(theirs):.2f} s |")
    print(f"| its figures | {report.loudness_lufs} LUFS, peak {report.peak_dbfs} dBFS, true peak "
          f"{report.true_peak_dbtp} dBTP, cutoff {report.cutoff_hz:,.0f} Hz |")


if __name__ == "__main__":
    main()
