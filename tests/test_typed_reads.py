"""The user's metadata with values the schema does not allow (issue 26 item 4): NULLs in NOT
NULL columns, text where numbers belong, blobs where names belong. Every command answers
without a traceback, says once per table and column what it found, and the databases keep
every byte."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("longtail")


def spoil(db: Path, how: str) -> None:
    """One row in 29 gets a bad value in each column (a different row per column)."""
    conn = sqlite3.connect(db)
    if how == "nulls":  # NOT NULL is only the schema's word: take it out, as a damaged file may have it
        conn.execute("PRAGMA writable_schema = ON")
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall():
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql.replace(" NOT NULL", ""), name))
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute(f"PRAGMA schema_version = {version + 1}")
        conn.commit()
        conn.close()
        conn = sqlite3.connect(db)
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall():
        if "WITHOUT ROWID" in sql.upper():
            continue
        for i, (_, column, kind, _, _, pk) in enumerate(conn.execute(f"PRAGMA table_info({name})").fetchall()):
            if pk:
                continue
            bad = "NULL" if how == "nulls" else ("'not a number'" if "int" in kind.lower() or "real" in kind.lower()
                                                 else "x'deadbeef'")
            conn.execute(f"UPDATE OR IGNORE {name} SET `{column}` = {bad} WHERE (_rowid_ * 7 + {i}) % 29 = 0")
    conn.commit()
    conn.close()


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module", params=["nulls", "wrong types"])
def spoiled(request, small_demo, tmp_path_factory):
    root = tmp_path_factory.mktemp("spoiled")
    meta = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata"))
    copy = root / "mirror" / meta.name
    shutil.copytree(meta, copy)
    for db in sorted(copy.glob("spotify_clean*.sqlite3")):
        spoil(db, "nulls" if request.param == "nulls" else "wrong")
    return root / "mirror", copy, root / "state"


def longtail(mirror: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args, "--mirror", str(mirror), "--state", str(state)], capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)


COMMANDS = [["index"], ["tiers", "--json"], ["search", "a", "--json"], ["search", "road"], ["shuffle", "-n", "60"],
            ["shuffle", "--tempo", "80..160", "-n", "5"], ["shuffle", "--energy", "0..1", "--key", "8A", "-n", "3"],
            ["shuffle", "--year", "2001", "-n", "5"], ["playlists", "a"], ["radio", "{id}", "-n", "5"],
            ["info", "{id}", "--json"]]


def test_every_command_answers_over_spoiled_metadata_and_leaves_it_as_it_was(spoiled):
    mirror, meta, state = spoiled
    before = digest(meta)
    track_id = None
    said: list[str] = []
    for command in COMMANDS:
        if "{id}" in command:
            if track_id is None:
                found = longtail(mirror, state, "shuffle", "-n", "1", "--seed", "7", "--json")
                import json
                track_id = json.loads(found.stdout)["tracks"][0]["id"]
            command = [track_id if a == "{id}" else a for a in command]
        out = longtail(mirror, state, *command)
        assert "Traceback" not in out.stderr, (command, out.stderr[-3000:])
        assert out.returncode in (0, 1), (command, out.returncode, out.stderr[-1000:])
        said += [line for line in out.stderr.splitlines() if "the catalogue's" in line]
    assert said, "the spoiled values were never reported"
    columns = [line.split("the catalogue's ", 1)[1].split(" ", 1)[0] for line in said]
    # once per table and column within a run; a column may be said again by the next command
    assert all("." in c for c in columns), said
    assert digest(meta) == before  # the user's metadata is never written


def test_a_column_is_reported_once_per_run(spoiled):
    mirror, _, state = spoiled
    out = longtail(mirror, state, "shuffle", "-n", "500")
    notes = [line.split("the catalogue's ", 1)[1].split(" ", 1)[0] for line in out.stderr.splitlines()
             if "the catalogue's" in line]
    assert out.returncode == 0 and notes, out.stderr[-2000:]
    assert len(notes) == len(set(notes)), notes
