"""kill -9 of the lyrics and cover-art sidecar builds (the others have theirs in the search,
playlists, radio and file index tests): each build runs in a process of its own, is killed
at several points (also inside a commit, as the timing falls), carries on in the next run,
and ends with exactly the rows an uninterrupted build writes."""

from __future__ import annotations

import io
import random
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tui.mirror.coverart import CoverArtIndex
from tui.mirror.lyrics import LrclibDump, LyricsIndex

ROOT = Path(__file__).resolve().parent.parent
DUMP_SCHEMA = """
CREATE TABLE tracks (id INTEGER PRIMARY KEY, name TEXT, name_lower TEXT, artist_name TEXT,
    artist_name_lower TEXT, album_name TEXT, album_name_lower TEXT, duration FLOAT, last_lyrics_id INTEGER);
CREATE TABLE lyrics (id INTEGER PRIMARY KEY, plain_lyrics TEXT, synced_lyrics TEXT, track_id INTEGER,
    has_plain_lyrics BOOLEAN, has_synced_lyrics BOOLEAN, instrumental BOOLEAN);
"""
BUILD_LYRICS = """
import sys
from pathlib import Path
from tui.mirror.lyrics import LrclibDump, LyricsIndex
index = LyricsIndex(Path(sys.argv[2]))
index.build(LrclibDump(Path(sys.argv[1])))
"""
BUILD_COVERS = """
import sys
from pathlib import Path
from tui.mirror.coverart import CoverArtIndex
CoverArtIndex(Path(sys.argv[2])).build(Path(sys.argv[1]))
"""


def lrclib_dump(path: Path, rows: int) -> Path:
    rng = random.Random(5)
    conn = sqlite3.connect(path)
    conn.executescript(DUMP_SCHEMA)
    words = ["rain", "Día", "ночь", "夜", "Blue", "fire", "O'Brien", "héros"]
    conn.executemany("INSERT INTO tracks VALUES (?,?,?,?,?,?,?,?,?)", [
        (i, f"{rng.choice(words)} {i}", "", f"Artist {i % 997}", "", f"Album {i % 31}", "",
         round(rng.uniform(60, 400), 1), i) for i in range(1, rows + 1)])
    conn.commit()
    conn.close()
    return path


def cover_tar(path: Path, members: int) -> Path:
    with tarfile.open(path, "w") as tar:
        for i in range(members):
            data = f"jpeg {i}".encode()
            info = tarfile.TarInfo(f"{i % 256:02x}/{i:040x}.jpg")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def progress_of(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            row = conn.execute(sql).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not made yet, or between its first statements
    return int(row[0]) if row and row[0] is not None else 0


def kill_at_points(code: str, source: Path, db: Path, sql: str, points: list[int]) -> int:
    """Start the build, kill -9 it once `sql` says it has got past each point; returns how many
    kills landed before the build had ended by itself."""
    landed = 0
    for point in points:
        proc = subprocess.Popen([sys.executable, "-c", code, str(source), str(db)], cwd=ROOT)
        deadline = time.monotonic() + 60
        while proc.poll() is None and progress_of(db, sql) < point and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            landed += 1
        proc.wait(10)
    return landed


def table(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_lyrics_index_killed_at_several_points_ends_as_an_uninterrupted_one(tmp_path, seed):
    dump = lrclib_dump(tmp_path / "lrclib-db-dump-20250101.sqlite3", 130_000)  # 7 batches
    whole = LyricsIndex(tmp_path / "whole.sqlite3")
    whole.build(LrclibDump(dump))
    whole.close()
    killed = tmp_path / "killed.sqlite3"
    rng = random.Random(seed)
    points = sorted(rng.sample(range(1, 120_000), 3))
    sql = "SELECT done_id FROM progress"
    assert kill_at_points(BUILD_LYRICS, dump, killed, sql, points) >= 2  # the kills landed mid-build
    resumed = LyricsIndex(killed)
    resumed.build(LrclibDump(dump))
    assert resumed.complete(dump)
    resumed.close()
    rows = "SELECT title, artist, album, duration, track_id FROM keys ORDER BY track_id"
    assert table(killed, rows) == table(tmp_path / "whole.sqlite3", rows)  # none lost, none twice


def test_a_cover_art_index_killed_at_several_points_ends_as_an_uninterrupted_one(tmp_path):
    tar = cover_tar(tmp_path / "annas_archive_spotify_2025_07_coverart.tar", 110_000)  # 6 batches
    whole = CoverArtIndex(tmp_path / "whole.sqlite3")
    whole.build(tar)
    killed = tmp_path / "killed.sqlite3"
    sql = "SELECT value FROM meta WHERE key = 'members'"
    assert kill_at_points(BUILD_COVERS, tar, killed, sql, [1, 30_000, 70_000]) >= 2
    resumed = CoverArtIndex(killed)
    summary = resumed.build(tar)
    rows = "SELECT name, offset, size FROM members ORDER BY name"
    assert table(killed, rows) == table(tmp_path / "whole.sqlite3", rows)
    assert len(table(killed, rows)) == 110_000 and summary == whole.build(tar)
