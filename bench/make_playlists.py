"""Generate a playlists database in the archive's schema, proportional to a bench catalogue.

    .venv/bin/python bench/make_playlists.py --catalogue bench/data/10m --playlists 250000

The archive has 6.6 M playlists and 1.7 B entries for 256 M tracks (~260 entries each);
250,000 playlists with ~260 entries each is the same shape for 10 M tracks (65 M entries).
Followers are Pareto-distributed (most playlists kept have >= 1,000); entries are catalogue
tracks with the odd episode, local file and missing track, as in the demo.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.demo import schema
from tui.demo.names import NameMaker
from tui.demo.rows import FETCHED_AT, Ids, connect_new


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catalogue", type=Path, required=True, help="the folder with spotify_clean.sqlite3")
    ap.add_argument("--playlists", type=int, default=250_000)
    ap.add_argument("--mean-entries", type=int, default=260)
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    names, ids = NameMaker(random.Random(args.seed + 1)), Ids(args.seed + 2)
    main_db = sqlite3.connect(f"file:{args.catalogue / 'spotify_clean.sqlite3'}?mode=ro", uri=True)
    max_rowid = main_db.execute("SELECT max(rowid) FROM tracks").fetchone()[0]
    conn = connect_new(args.catalogue / "spotify_clean_playlists.sqlite3")
    conn.executescript(schema.PLAYLISTS)
    started, entries = time.perf_counter(), 0
    for p in range(1, args.playlists + 1):
        n = max(1, min(10_000, int(rng.expovariate(1 / args.mean_entries))))
        followers = None if p % 50 == 0 else int(rng.paretovariate(1.1) * 1000)
        conn.execute("INSERT INTO playlists VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (
            p, ids.next(), ids.next(), FETCHED_AT, names.title(), None, 0, 1, None, f"user{p % 5000}",
            f"listener {p % 5000}", followers, n))
        rows = []
        for pos in range(n):
            roll = rng.random()
            if roll < 0.01:
                rows.append((p, pos, 1, None, ids.next(), 0, None))
            elif roll < 0.015:
                rows.append((p, pos, 0, None, None, 1, "home recording"))
            elif roll < 0.02:
                rows.append((p, pos, 0, None, ids.next(), 0, None))
            else:  # rowid holes are rare; a missing one is just a "missing" entry
                rows.append((p, pos, 0, rng.randint(1, max_rowid), None, 0, None))
        conn.executemany("INSERT INTO playlist_tracks (playlist_rowid, position, is_episode, track_rowid, "
                         "id_if_not_in_tracks_table, added_at, is_local, name_if_is_local) "
                         "VALUES (?,?,?,?,?,1700000000,?,?)", rows)
        entries += n
        if p % 5000 == 0:
            conn.commit()
            rate = entries / (time.perf_counter() - started)
            print(f"\r  {p:>9,} playlists, {entries:>12,} entries  {rate:,.0f}/s", end="", file=sys.stderr)
    conn.executescript(schema.PLAYLISTS_INDEXES)
    conn.commit()
    conn.close()
    print(f"\n{args.playlists:,} playlists, {entries:,} entries in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
