"""The file index at the archive's scale: torrents of 60,000 files (16 MiB pieces, random
piece hashes), AACID names of a catalogue's own track ids, 1% of the files on disk as sparse
files; then what a user waits for.

    .venv/bin/python bench/bench_file_index.py --catalogue bench/data/1m --files 1000000

Prints: the first index (files/s, peak RSS of the process that ran it), a refresh with
nothing changed, a refresh after one data folder changed, the tiers' coverage (`tiers`),
the TUI's first screen beside an empty Textual app (same run), and `check --all` on a mirror
where 99% of the files are not downloaded. Without --catalogue the ids are made up (no tiers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FOLDER = "annas_archive_data__aacid__spotify_files_pop_{n}__20260116T000346Z--20260116T000347Z"
PER_TORRENT = 60_000

INDEX_CHILD = """
import json, resource, sys, threading, time
from pathlib import Path
peak = {"RssAnon": 0, "RssFile": 0, "RssShmem": 0, "VmHWM": 0}
def sample():  # what kind of pages the peak is (anonymous, file-backed, shared)
    while True:
        for line in open("/proc/self/status"):
            key, _, value = line.partition(":")
            if key in peak:
                peak[key] = max(peak[key], int(value.split()[0]))
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
from tui.core.services import tier_lookup
from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
layout = discover(Path(sys.argv[1]))
tier_of = tier_lookup(Catalogue(CataloguePaths.from_databases(layout.databases))) if layout.main_db else None
index = FileIndex(Path(sys.argv[2]))
t0 = time.perf_counter()
report = index.refresh(layout, tier_of=tier_of)
seconds = time.perf_counter() - t0
# Not ru_maxrss: Linux carries the pre-exec (forked) image's peak into it, here the bench's own
# list of 10^7 ids (~900 MB). VmHWM is this program's own peak.
self_kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "files": report.files_indexed, "parsed": report.torrents_parsed,
                  "unchanged": report.torrents_unchanged,
                  "rescanned": report.folders_rescanned, "rss_mb": self_kb / 1024, "worker_rss_mb": kids_kb / 1024,
                  "anon_mb": peak["RssAnon"] / 1024, "file_mb": peak["RssFile"] / 1024,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "shmem_mb": peak["RssShmem"] / 1024}))
"""


def catalogue_ids(catalogue: Path | None, n: int) -> list[str]:
    if catalogue is None:
        from tui.demo.rows import Ids

        ids = Ids(5)
        return [ids.next() for _ in range(n)]
    db = next(catalogue.rglob("spotify_clean.sqlite3"))
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    rows = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY rowid LIMIT ?", (n,))]
    conn.close()
    random.Random(3).shuffle(rows)  # a torrent's tracks are not neighbours in the catalogue
    return rows


def make_mirror(mirror: Path, catalogue: Path | None, files: int) -> list[str]:
    import libtorrent as lt

    mirror.mkdir(parents=True, exist_ok=True)
    if catalogue is not None:
        metadata = next(catalogue.rglob("spotify_clean.sqlite3")).parent
        target = mirror / "annas_archive_spotify_2025_07_metadata"
        target.mkdir(exist_ok=True)
        for db in metadata.glob("*.sqlite3"):  # links: the catalogue is not copied
            link = target / db.name
            if not link.exists():
                link.symlink_to(db.resolve())
    ids = catalogue_ids(catalogue, files)
    rng = random.Random(1)
    for n in range(0, len(ids), PER_TORRENT):
        name = FOLDER.format(n=n // PER_TORRENT)
        torrent = mirror / f"{name}.torrent"
        chunk = ids[n:n + PER_TORRENT]
        sizes = [rng.randint(1_500_000, 6_000_000) for _ in chunk]
        names = [f"aacid__spotify_files_pop_{n // PER_TORRENT}__20260116T000346Z__{t}__AbCdEfGhJkLmNpQrStUvWx"
                 for t in chunk]
        if not torrent.exists():
            ct = lt.create_torrent([lt.create_file_entry(f"{name}/{f}", s) for f, s in zip(names, sizes, strict=True)],
                                   16 << 20, lt.create_torrent.v1_only)
            for p in range(ct.num_pieces()):
                ct.set_hash(p, rng.randbytes(20))
            torrent.write_bytes(lt.bencode(ct.generate()))
        folder = mirror / name
        folder.mkdir(exist_ok=True)
        for i in range(7, len(chunk), 100):  # 1% on disk, sparse
            path = folder / names[i]
            if not path.exists():
                with open(path, "wb") as f:
                    f.truncate(sizes[i])
    return ids


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=7200)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=7200)
    return time.perf_counter() - t0, out.stdout


def main() -> None:
    from bench_tui import CHILD_EMPTY, CHILD_LONGTAIL, spawn_until_ready

    ap = argparse.ArgumentParser()
    ap.add_argument("--catalogue", type=Path)
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--index-only", action="store_true", help="the file index's figures, not tiers/TUI/check")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "data" / "files-bench")
    args = ap.parse_args()
    mirror = args.work / f"mirror-{args.files}"
    state = args.work / f"state-{args.files}"
    t0 = time.perf_counter()
    make_mirror(mirror, args.catalogue, args.files)
    made = time.perf_counter() - t0
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    print(f"## File index: {args.files:,} files in {-(-args.files // PER_TORRENT)} torrents "
          f"(mirror made in {made:.0f} s)\n")
    first = run(INDEX_CHILD, str(mirror), str(state / "files.sqlite3"))
    again = run(INDEX_CHILD, str(mirror), str(state / "files.sqlite3"))
    folder = mirror / FOLDER.format(n=0)
    victim = next(folder.iterdir())
    victim.unlink()
    changed = run(INDEX_CHILD, str(mirror), str(state / "files.sqlite3"))
    os.utime(mirror / f"{FOLDER.format(n=0)}.torrent")  # the .torrent "changed": read whole, as a folder was
    reread = run(INDEX_CHILD, str(mirror), str(state / "files.sqlite3"))
    print("| figure | measured |\n|---|---|")
    print(f"| first index | {first['seconds']:.1f} s: **{first['files'] / first['seconds']:,.0f} files/s**; "
          f"peak RSS {first['rss_mb']:.0f} MB (of it at most {first['anon_mb']:.0f} MB anonymous, "
          f"{first['file_mb']:.0f} MB file-backed, {first['shmem_mb']:.0f} MB shared; ru_maxrss says "
          f"{first['maxrss_mb']:.0f} MB, the forked bench's own peak) |")
    print(f"| refresh, nothing changed ({again['unchanged']} torrents) | {again['seconds'] * 1000:.0f} ms |")
    print(f"| refresh, one data folder changed ({changed['rescanned']} folder listed again, "
          f"{changed['parsed']} torrents read) | {changed['seconds'] * 1000:.0f} ms |")
    print(f"| refresh, one .torrent changed ({reread['parsed']} torrent read whole, its rows written again: "
          f"what a changed folder cost before) | {reread['seconds'] * 1000:.0f} ms "
          f"({reread['seconds'] / changed['seconds']:.0f}× the folder's) |")
    if args.catalogue is None or args.index_only:
        print(f"\nload: {os.getloadavg()[0]:.2f}")
        return
    exe = str(Path(sys.executable).with_name("longtail"))
    base = [exe, "--mirror", str(mirror), "--state", str(state)]
    cold, _ = timed([*base, "tiers", "--json"])  # counts the catalogue's histogram and ledger once
    warm, out = timed([*base, "tiers", "--json"])
    doc = json.loads(out)
    print(f"| `tiers` (first: the catalogue's histogram and ledger, once per catalogue) | {cold:.2f} s |")
    print(f"| `tiers` again (file counts read live from the index) | {warm:.2f} s "
          f"(vorbis local {doc['tiers']['vorbis']['local']:,}) |")
    empty = [spawn_until_ready(CHILD_EMPTY) for _ in range(3)]
    ours = [spawn_until_ready(CHILD_LONGTAIL, str(mirror), str(state)) for _ in range(3)]
    print(f"| TUI first screen (p50 of 3) | {sorted(ours)[1]:.0f} ms, an empty Textual app {sorted(empty)[1]:.0f} ms: "
          f"{sorted(ours)[1] / sorted(empty)[1]:.2f}× |")
    swept, out = timed([*base, "check", "--all", "--json"])
    summary = json.loads(out)["summary"]
    print(f"| `check --all` (99% not downloaded) | {swept:.1f} s: {summary['ok']:,} ok, "
          f"{summary['missing']:,} missing, {summary['corrupt']:,} corrupt |")
    print(f"\nload: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
