"""A state directory that heals itself (issue 24): each of longtail's own files, garbage,
truncated, a directory, a FIFO or a symlink, is moved into `damaged/` with one note and built
again; nothing else in the directory changes, nothing a link points at is touched, every
command still answers, and the run after says nothing more."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.config import StatePaths
from tui.core.state_heal import heal_state
from tui.player.queue import SavedState

EXE = Path(sys.executable).with_name("longtail")
KINDS = ["garbage", "truncated", "directory", "fifo", "symlink"]
# each state file, and a command that reads it
FILES = {
    "files.sqlite3": ["tiers"],
    "search.sqlite3": ["search", "a"],
    "playlists.sqlite3": ["playlists", "a"],
    "lyrics.sqlite3": ["lyrics", "{id}"],
    "checks.sqlite3": ["info", "{id}"],
    "shuffle.sqlite3": ["shuffle", "-n", "3", "--playable"],
    "coverart.sqlite3": ["info", "{id}"],
    "stats.sqlite3": ["tiers"],
    "radio/ids.npy": ["radio", "{id}", "-n", "3"],
    "radio/vectors.npy": ["radio", "{id}", "-n", "3"],
    "radio/meta.json": ["radio", "{id}", "-n", "3"],
    "player.json": ["info", "{id}"],
    "longtail.log": ["info", "{id}"],
}


def longtail(state: Path, mirror: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args, "--mirror", str(mirror), "--state", str(state)], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def full_state(small_demo, tmp_path_factory) -> tuple[Path, str]:
    """The demo's state with every sidecar built, and a local track's id."""
    state = tmp_path_factory.mktemp("heal") / "state"
    shutil.copytree(small_demo.state, state)
    mirror = small_demo.mirror
    assert longtail(state, mirror, "index").returncode == 0
    out = longtail(state, mirror, "shuffle", "-n", "1", "--playable", "--seed", "3", "--json")
    track_id = json.loads(out.stdout)["tracks"][0]["id"]
    for args in (["radio", track_id, "-n", "2"], ["check", track_id], ["tiers"], ["info", track_id]):
        assert longtail(state, mirror, *args).returncode in (0, 1)
    SavedState(items=[track_id], current=0, position=1.5).save(state / "player.json")
    missing = [name for name in FILES if not (state / name).exists()]
    assert not missing, missing
    return state, track_id


def damage(path: Path, kind: str, outside: Path) -> None:
    data = path.read_bytes()
    path.unlink()
    if kind == "garbage":
        path.write_bytes(os.urandom(max(len(data), 4096)))
    elif kind == "truncated":
        path.write_bytes(data[: max(len(data) // 3, 101)] if len(data) > 101 else data[:-1] + b"{")
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(outside)


def fingerprint(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = "link:" + os.readlink(path)
        elif path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif not path.is_dir():
            out[str(path.relative_to(root))] = "special"
    return out


def test_a_healthy_state_directory_is_left_exactly_as_it_is(full_state, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(full_state[0], state)
    before = fingerprint(state)
    assert heal_state(StatePaths(state)) == []
    assert fingerprint(state) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(FILES))
def test_a_damaged_state_file_is_set_aside_and_nothing_else_changes(full_state, tmp_path, name, kind):
    state = tmp_path / "state"
    shutil.copytree(full_state[0], state)
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"the user's own bytes\n" * 1000)
    outside_hash = hashlib.sha256(outside.read_bytes()).hexdigest()
    damage(state / name, kind, outside)
    if name == "longtail.log" and kind in ("garbage", "truncated"):  # text appended to: any bytes will do
        assert heal_state(StatePaths(state)) == []
        return
    moved = "radio" if name.startswith("radio/") else name  # the radio's files are one build
    untouched = {k: v for k, v in fingerprint(state).items() if not k.startswith(moved)}

    notes = heal_state(StatePaths(state))

    assert len(notes) == 1 and notes[0].startswith(moved.split("/")[0]), notes
    assert "moved to damaged/" in notes[0]
    assert not (state / moved).exists() and not (state / moved).is_symlink()
    assert any(p.name.startswith(Path(moved).name + ".") for p in (state / "damaged").iterdir())
    after = {k: v for k, v in fingerprint(state).items() if not k.startswith(("damaged/", moved))}
    assert after == untouched
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == outside_hash  # a link's target is never touched
    assert heal_state(StatePaths(state)) == []


@pytest.mark.parametrize("name", list(FILES))
def test_every_command_answers_over_a_damaged_state_file(full_state, small_demo, tmp_path, name):
    """One damage per file (every kind is met across the table), through a real command: it
    answers as on a healthy directory with one note, and the next run says nothing more."""
    kind = KINDS[list(FILES).index(name) % len(KINDS)]
    kind = "fifo" if name == "longtail.log" else kind  # the one damage a log can have (it hung every command)
    state = tmp_path / "state"
    shutil.copytree(full_state[0], state)
    damage(state / name, kind, tmp_path / "outside.bin")
    args = [a.replace("{id}", full_state[1]) for a in FILES[name]]
    started = time.monotonic()
    out = longtail(state, small_demo.mirror, *args, timeout=60)
    assert time.monotonic() - started < 60
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert out.returncode == 0, (kind, out.stderr)
    notes = [line for line in out.stderr.splitlines() if "in the state directory" in line]
    assert len(notes) == 1 and "moved to damaged/" in notes[0], out.stderr
    again = longtail(state, small_demo.mirror, *args, timeout=60)
    assert again.returncode == 0 and "in the state directory" not in again.stderr, again.stderr


WRONG_PLAYER_STATES = [
    {"items": "abc", "current": 0},
    {"items": [1, 2, 3], "current": 1},
    {"items": None, "current": "x", "position": "late", "volume": "loud", "muted": "yes"},
    {"current": 5, "items": []},
    {"items": ["x" * 22 + "!"], "current": 0, "position": float("nan")},
    {"repeat": ["queue"], "replaygain": 3, "volume": None},
    {"volume": 1e400, "position": -5},
    [],
    "text",
    None,
]


@pytest.mark.parametrize("doc", WRONG_PLAYER_STATES, ids=range(len(WRONG_PLAYER_STATES)))
def test_a_player_state_of_wrong_types_comes_back_as_defaults_field_by_field(tmp_path, doc):
    path = tmp_path / "player.json"
    path.write_text(json.dumps(doc))
    state = SavedState.load(path)
    assert all(isinstance(i, str) and len(i) == 22 for i in state.items)
    assert state.current is None or 0 <= state.current < len(state.items)
    assert isinstance(state.position, float) and state.position >= 0 and state.position == state.position
    assert isinstance(state.volume, float) and abs(state.volume) < 1e300
    assert state.repeat in ("off", "queue", "track") and isinstance(state.replaygain, str)
    assert state.muted in (True, False)


def test_a_player_state_keeps_what_is_right_beside_what_is_wrong(tmp_path):
    good = "4uLU6hMCjMI75M1A2tKUQC"
    path = tmp_path / "player.json"
    path.write_text(json.dumps({"items": [good, good], "current": 1, "position": 12.5, "volume": "x",
                                "repeat": "queue", "muted": True}))
    state = SavedState.load(path)
    assert (state.items, state.current, state.position, state.volume, state.repeat, state.muted) == \
        ([good, good], 1, 12.5, 100.0, "queue", True)


SQLITE_FILES = [name for name in FILES if name.endswith(".sqlite3")]


def stamp(path: Path, version: int) -> None:
    """What a newer longtail leaves: its format number in SQLite's header (user_version),
    checkpointed into the main file as SQLite does when the last connection closes."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_every_database_longtail_writes_is_stamped_with_its_state_format(full_state):
    from tui.db import STATE_FORMAT

    for name in SQLITE_FILES:
        header = (full_state[0] / name).read_bytes()[:100]
        assert int.from_bytes(header[60:64], "big") in (0, STATE_FORMAT), name  # 0 until checkpointed
    import sqlite3

    for name in SQLITE_FILES:
        with sqlite3.connect(f"file:{full_state[0] / name}?mode=ro", uri=True) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == STATE_FORMAT, name


@pytest.mark.parametrize("name", SQLITE_FILES)
def test_a_database_from_a_newer_longtail_is_set_aside_and_nothing_else_changes(full_state, tmp_path, name):
    """Issue 24, "a version longtail does not know": kept byte for byte in damaged/ with one
    line, every other file as it was."""
    from tui.db import STATE_FORMAT

    state = tmp_path / "state"
    shutil.copytree(full_state[0], state)
    stamp(state / name, STATE_FORMAT + 1)
    newer = hashlib.sha256((state / name).read_bytes()).hexdigest()
    untouched = {k: v for k, v in fingerprint(state).items() if not k.startswith(name)}
    notes = heal_state(StatePaths(state))
    assert len(notes) == 1 and "written by a newer longtail" in notes[0] and "moved to damaged/" in notes[0], notes
    kept = [p for p in (state / "damaged").iterdir() if p.name.startswith(name + ".")
            and not p.name.endswith(("-wal", "-shm"))]
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in kept] == [newer]
    assert {k: v for k, v in fingerprint(state).items() if not k.startswith(("damaged/", name))} == untouched
    assert heal_state(StatePaths(state)) == []


@pytest.mark.parametrize("name", SQLITE_FILES)
def test_a_command_over_a_database_from_a_newer_longtail_answers(full_state, small_demo, tmp_path, name):
    from tui.db import STATE_FORMAT

    state = tmp_path / "state"
    shutil.copytree(full_state[0], state)
    stamp(state / name, STATE_FORMAT + 1)
    args = [a.replace("{id}", full_state[1]) for a in FILES[name]]
    out = longtail(state, small_demo.mirror, *args, timeout=60)
    assert "Traceback" not in out.stderr and out.returncode == 0, out.stderr[-3000:]
    notes = [line for line in out.stderr.splitlines() if "in the state directory" in line]
    assert len(notes) == 1 and "written by a newer longtail" in notes[0], notes
    again = longtail(state, small_demo.mirror, *args, timeout=60)
    assert again.returncode == 0 and "in the state directory" not in again.stderr, again.stderr
