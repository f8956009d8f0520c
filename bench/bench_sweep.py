"""`longtail check --all` on a mirror of N local files, next to `sha256sum` on the same files.

    .venv/bin/python bench/bench_sweep.py [--demo DIR] [--files 10000] [--piece 262144] [--work DIR]

Builds a mirror in the archive's layout: N distinct, valid Ogg files (the demo's real
Vorbis and Opus files, each given its own stream serial number, so every file differs
and every page CRC is right), one v1 torrent of the data folder, a catalogue with those
tracks and their durations, and a ledger with their SHA-256. Then, with a warm page
cache: `sha256sum` over every file as two processes (one per core), and `longtail check
--all` (every check: size, SHA-256, piece SHA-1, Ogg pages and CRCs, codec, duration).
Each is timed three times, alternating, and the best of each kept. Peak memory is the
largest process of the sweep's tree (wait4), at N/5 and N files and at N/5 files five
times as long (chained streams): flat means it grows neither with the number of files
nor with their size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.demo import schema
from tui.demo.generator import GenSpec, generate
from tui.demo.paths import DemoPaths
from tui.mirror.aacid import aacid_for
from tui.mirror.ogg import ogg_crc
from tui.mirror.torrents import make_v1_torrent
from tui.mirror.verify import sha256_file

FOLDER = "annas_archive_data__aacid__spotify_files_pop_1__20260301T000000Z--20260301T000001Z"
EXE = ROOT / ".venv" / "bin" / "longtail"


def reserial(data: bytes, serial: int) -> bytes:
    """The same Ogg stream under another serial number, every page's CRC recomputed."""
    out, pos = bytearray(), 0
    while pos < len(data):
        segments = data[pos + 26]
        end = pos + 27 + segments + sum(data[pos + 27:pos + 27 + segments])
        page = bytearray(data[pos:end])
        struct.pack_into("<I", page, 14, serial)
        page[22:26] = b"\0\0\0\0"
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        out += page
        pos = end
    return bytes(out)


def build(demo: DemoPaths, work: Path, n: int, piece: int, copies: int = 1) -> Path:
    mirror = work / "mirror"
    meta = mirror / "annas_archive_spotify_2025_07_metadata"
    meta.mkdir(parents=True)
    result = generate(meta, GenSpec(tracks=int(n * 1.1) + 100, features=False, ledger=False, playlists=False,
                                    images=False))
    sources = sorted(p for p in demo.swarm.glob("annas_archive_data__*/*") if p.is_file())
    conn = sqlite3.connect(result.main)
    picks = conn.execute("SELECT rowid, id FROM tracks ORDER BY rowid LIMIT ?", (n,)).fetchall()
    data_dir = mirror / FOLDER
    data_dir.mkdir()
    ledger = sqlite3.connect(meta / "spotify_clean_track_files.sqlite3")
    ledger.executescript(schema.TRACK_FILES + schema.TRACK_FILES_INDEXES)
    demo_catalogue = sqlite3.connect(next(demo.mirror.glob("*/spotify_clean.sqlite3")))
    for i, (rowid, track_id) in enumerate(picks):
        src = sources[i % len(sources)]
        body = b"".join(reserial(src.read_bytes(), 0x1000 + i * copies + k) for k in range(copies))
        out = data_dir / aacid_for("spotify_files_pop_1", "20260301T000000Z", track_id, f"{i:022d}")
        out.write_bytes(body)
        duration = demo_catalogue.execute("SELECT duration_ms FROM tracks WHERE id = ?",
                                          (src.name.split("__")[3],)).fetchone()[0]
        opus = b"OpusHead" in body[:128]
        conn.execute("UPDATE tracks SET duration_ms = ?, popularity = ? WHERE rowid = ?",
                     (duration * copies, 0 if opus else 10, rowid))
        ledger.execute("INSERT INTO track_files (rowid, track_id, status, reencoded_kbit_vbr, "
                       "sha256_with_embedded_meta) VALUES (?, ?, 'success', ?, ?)",
                       (i + 1, track_id, 75 if opus else None, sha256_file(out)))
    conn.commit()
    ledger.commit()
    make_v1_torrent(data_dir, piece, mirror / f"{FOLDER}.torrent")
    return mirror


def warm(paths: list[Path]) -> None:
    for p in paths:
        p.read_bytes()


def sha256sum_seconds(paths: list[Path], work: Path) -> float:
    """`sha256sum` over every file as two processes, half the files each (lists read from files,
    so neither waits for the other's stdin)."""
    lists = []
    for k, half in enumerate((paths[0::2], paths[1::2])):
        listing = work / f"half{k}.list"
        listing.write_bytes(b"\0".join(str(p).encode() for p in half))
        lists.append(listing)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(["xargs", "-0", "-a", str(listing), "sha256sum"], stdout=subprocess.DEVNULL)
             for listing in lists]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - t0


def sweep_seconds(mirror: Path, state: Path) -> tuple[float, dict, int]:
    """One `check --all` from scratch: seconds, its JSON, and the peak RSS (KiB) of the largest
    process of its tree (wait4 counts the workers it reaped)."""
    (state / "sweep.sqlite3").unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(EXE), "check", "--all", "--json", "--mirror", str(mirror), "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, json.loads(out), usage.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path, default=None, help="a built demo home (default: build one)")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--piece", type=int, default=256 * 1024)
    ap.add_argument("--work", type=Path, default=None, help="keep (and reuse) the mirrors here")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="longtail-bench-sweep-"))
    if args.demo is None:
        from tui.demo.build import build_demo

        demo = build_demo(DemoPaths(work / "demo"))
    else:
        demo = DemoPaths(args.demo)
    rows = []
    for n, copies in ((args.files // 5, 1), (args.files, 1), (args.files // 5, 5)):
        home = work / f"n{n}x{copies}-p{args.piece}"
        mirror, state = home / "mirror", home / "state"
        if not (home / "built").exists():
            shutil.rmtree(home, ignore_errors=True)
            build(demo, home, n, args.piece, copies)
            subprocess.run([str(EXE), "index", "--files-only", "--mirror", str(mirror), "--state", str(state)],
                           capture_output=True, check=True)
            (home / "built").touch()
        paths = sorted((mirror / FOLDER).iterdir())
        total = sum(p.stat().st_size for p in paths)
        warm(paths)
        ours, theirs, peak, doc = [], [], 0, {}
        for _ in range(3):
            seconds, doc, kib = sweep_seconds(mirror, state)
            ours.append(seconds)
            peak = max(peak, kib)
            theirs.append(sha256sum_seconds(paths, home))
        rows.append((n, copies, total, min(theirs), min(ours), doc, peak))
    print(f"## `check --all` (2 cores, warm page cache, {args.piece // 1024} KiB pieces, best of 3)\n")
    print("| files | bytes | sha256sum ×2 | longtail check --all | ratio (≥ 0.8) | verdicts | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for n, copies, total, theirs_s, ours_s, doc, peak in rows:
        s = doc["summary"]
        label = f"{n:,}" + (f" ({copies}× longer)" if copies > 1 else "")
        print(f"| {label} | {total / 1e6:,.0f} MB | {theirs_s:.2f} s ({total / theirs_s / 1e6:,.0f} MB/s) | "
              f"{ours_s:.2f} s ({total / ours_s / 1e6:,.0f} MB/s) | {theirs_s / ours_s:.2f}× | "
              f"{s['ok']:,} ok, {s['corrupt']:,} corrupt | {peak / 1024:.0f} MB |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
