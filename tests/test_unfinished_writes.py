"""A metadata database with a write left beside it (issues 24 and 25): longtail reads each
database immutable, as its file alone, so a hot rollback journal (a write killed halfway) is
refused in one line, a WAL holding committed changes is said once, and neither file nor its
companion is ever touched."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("longtail")

KILLED_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = " + sys.argv[2])
conn.execute("PRAGMA cache_size = 1")  # dirty pages reach the file before the commit
if sys.argv[2] == "DELETE":
    conn.execute("BEGIN")
conn.execute("UPDATE artists SET name = 'changed ' || name")
os._exit(9)
"""


@pytest.fixture
def metadata(small_demo, tmp_path) -> tuple[Path, Path]:
    meta = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata"))
    copy = tmp_path / "mirror" / meta.name
    shutil.copytree(meta, copy)
    return tmp_path / "mirror", copy / "spotify_clean.sqlite3"


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def longtail(mirror: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args, "--mirror", str(mirror), "--state", str(state)], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_hot_journal_is_refused_in_one_line_and_nothing_is_touched(metadata, tmp_path):
    mirror, db = metadata
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db), "DELETE"], check=False)
    assert Path(f"{db}-journal").stat().st_size > 0
    before = hashes(db.parent)
    for command in (["tiers"], ["search", "a"], ["shuffle", "-n", "3"], ["index"]):
        out = longtail(mirror, tmp_path / "state", *command)
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert out.returncode == 1 and len(lines) == 1, (command, out.stderr)
        assert "unfinished write" in lines[0] and "Traceback" not in out.stderr
    assert hashes(db.parent) == before
    # what the line says to do works: a reader with write access rolls the journal back
    subprocess.run(["sqlite3", str(db), "PRAGMA quick_check"], check=True, capture_output=True)
    assert longtail(mirror, tmp_path / "state", "tiers").returncode == 0


def test_a_wal_with_committed_changes_is_said_once_and_left_as_it_is(metadata, tmp_path):
    mirror, db = metadata
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db), "WAL"], check=False)
    assert Path(f"{db}-wal").stat().st_size > 32
    before = hashes(db.parent)
    out = longtail(mirror, tmp_path / "state", "search", "changed")
    notes = [line for line in out.stderr.splitlines() if "-wal not yet written" in line]
    assert out.returncode == 0 and len(notes) == 1, out.stderr
    assert "wal_checkpoint" in notes[0]
    assert hashes(db.parent) == before  # no -shm made, the WAL not checkpointed


def test_a_fifo_beside_a_database_is_no_journal(metadata, tmp_path):
    mirror, db = metadata
    os.mkfifo(f"{db}-journal")
    out = longtail(mirror, tmp_path / "state", "tiers")
    assert out.returncode == 0, out.stderr


def test_a_state_directory_named_with_uri_characters_keeps_its_search_index(small_demo, tmp_path):
    """`?`, `#` and `%` in the state path are part of the name (an unquoted URI lost the index)."""
    state = tmp_path / "a?b#c%20d"
    shutil.copytree(small_demo.state, state)
    out = subprocess.run([str(EXE), "search", "a", "--json", "--mirror", str(small_demo.mirror), "--state",
                          str(state)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "no search index" not in out.stderr, out.stderr
    import json
    assert json.loads(out.stdout)["results"], out.stdout[:300]
