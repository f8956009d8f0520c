"""Every subcommand over the bad inputs users and testers found: each is one line on stderr
naming the cause and what to do, a non-zero exit, no traceback, nothing written outside the
state directory and the data folders, and the metadata databases byte for byte as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import zstandard
from fixtures import build_tiny

EXE = Path(sys.executable).with_name("longtail")


@dataclass
class Rig:
    root: Path  # everything of this test lives here
    home: Path  # a copy of the demo: mirror/ and state/

    @property
    def mirror(self) -> Path:
        return self.home / "mirror"

    @property
    def state(self) -> Path:
        return self.home / "state"

    def meta(self) -> Path:
        return next(self.mirror.glob("annas_archive_spotify_*_metadata"))


@dataclass
class Case:
    args: Callable[[Rig], list[str]]
    words: str  # in the one line
    code: int | None = None  # the exit status, when it is a specific one
    setup: Callable[[Rig], dict] = field(default=lambda rig: {})  # returns extra environment


def config(text: str) -> Callable[[Rig], dict]:
    def write(rig: Rig) -> dict:
        path = rig.root / "config.toml"
        path.write_text(text)
        return {"LONGTAIL_CONFIG": str(path)}
    return write


def corrupt_catalogue(rig: Rig) -> dict:
    copy = rig.root / "corrupt"
    shutil.copytree(rig.meta(), copy / rig.meta().name)
    db = copy / rig.meta().name / "spotify_clean.sqlite3"
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 200_000] = os.urandom(min(200_000, len(data) - middle))
    db.write_bytes(bytes(data))
    return {}


def foreign_catalogue(rig: Rig) -> dict:
    import sqlite3
    (rig.root / "foreign").mkdir()
    sqlite3.connect(rig.root / "foreign" / "spotify_clean.sqlite3").execute("CREATE TABLE notes (x)").close()
    return {}


def text_as_catalogue(rig: Rig) -> dict:
    (rig.root / "text").mkdir()
    (rig.root / "text" / "spotify_clean.sqlite3").write_text("a note, not a database\n")
    return {}


def two_catalogues(rig: Rig) -> dict:
    for name in ("one", "two"):
        shutil.copytree(rig.meta(), rig.root / "both" / name / rig.meta().name)
    return {}


def missing_column(rig: Rig) -> dict:
    build_tiny(rig.root / "tiny", drop_column=("tracks", "duration_ms"))
    return {}


def truncated_zst(rig: Rig) -> dict:
    (rig.root / "packed").mkdir()
    data = (rig.meta() / "spotify_clean.sqlite3").read_bytes()
    blob = zstandard.ZstdCompressor(write_content_size=False).compress(data)
    (rig.root / "packed" / "spotify_clean.sqlite3.zst").write_bytes(blob[: len(blob) // 2])
    return {}


def hide_libmpv(rig: Rig) -> dict:
    hide = rig.root / "hide-libmpv"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import ctypes.util\n_find = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: None if name == 'mpv' else _find(name)\n")
    return {"PYTHONPATH": str(hide)}


def local_track(rig: Rig) -> str:
    from tui.config import Settings, StatePaths
    from tui.core.services import Location, open_services
    services = open_services(Location(rig.mirror, StatePaths(rig.state), None), Settings())
    try:
        return next(t for t, s in sorted(services.files.all_states()) if s == "local")
    finally:
        services.close()


NOBODY = "0000000000000000000000"  # a well-formed id that no track has
S = ["--state"]
CASES: dict[str, Case] = {
    "mirror is empty": Case(lambda r: ["tiers", "--mirror", ""], "is empty", 2),
    "state is empty": Case(lambda r: ["tiers", "--state", ""], "is empty", 2),
    "mirror of 10,000 characters": Case(lambda r: ["tiers", "--mirror", "m" * 10_000], "bytes long", 2),
    "mirror that does not exist": Case(lambda r: ["tiers", "--mirror", str(r.root / "nowhere")], "does not exist", 1),
    "a foreign database": Case(lambda r: ["tiers", "--mirror", str(r.root / "foreign"), *S, str(r.root / "s1")],
                               "not the archive's", 1, foreign_catalogue),
    "a text file as the catalogue": Case(lambda r: ["info", NOBODY, "--mirror", str(r.root / "text"), *S,
                                                    str(r.root / "s2")], "not an SQLite database", 1,
                                         text_as_catalogue),
    "a folder holding two catalogues": Case(lambda r: ["tiers", "--mirror", str(r.root / "both"), *S,
                                                       str(r.root / "s7")], "holds 2 catalogues", 1, two_catalogues),
    "/proc as the mirror": Case(lambda r: ["tiers", "--mirror", "/proc", *S, str(r.root / "s8")], "/proc", 1),
    "a missing column": Case(lambda r: ["search", "x", "--mirror", str(r.root / "tiny"), *S, str(r.root / "s3")],
                             "duration_ms", 1, missing_column),
    "tiers on corrupted pages": Case(lambda r: ["tiers", "--mirror", str(r.root / "corrupt"), *S, str(r.root / "s4")],
                                     "cannot be read", 1, corrupt_catalogue),
    "shuffle on corrupted pages": Case(lambda r: ["shuffle", "--mirror", str(r.root / "corrupt"), *S,
                                                  str(r.root / "s5")], "cannot be read", 1, corrupt_catalogue),
    "shuffle min above max": Case(lambda r: ["shuffle", "--min-popularity", "80", "--max-popularity", "10", *S,
                                             str(r.home)], "popularity from 80 to 10", 2),
    "shuffle of an unknown genre": Case(lambda r: ["shuffle", "--genre", "no such genre", *S, str(r.home)],
                                        "no artist has the genre", 2),
    "shuffle that matches nothing": Case(lambda r: ["shuffle", "--year", "1800", *S, str(r.home)],
                                         "no track matches", 1),
    "shuffle -n abc": Case(lambda r: ["shuffle", "-n", "abc", *S, str(r.home)], "'abc'", 2),
    "an unknown command": Case(lambda r: ["bogus"], "No such command", 2),
    "info of an unknown id": Case(lambda r: ["info", NOBODY, *S, str(r.home)], "no track with id", 1),
    "check of an unknown id": Case(lambda r: ["check", NOBODY, *S, str(r.home)], "no track with id", 1),
    "play of an unknown id": Case(lambda r: ["play", NOBODY, "--no-ui", *S, str(r.home)], "no track with id", 1),
    "fetch of an unknown id": Case(lambda r: ["fetch", NOBODY, *S, str(r.home)], "no track with id", 1),
    "--ao 'a b'": Case(lambda r: ["play", local_track(r), "--ao", "a b", "--no-ui", *S, str(r.home)], "--ao", 2),
    "--peer port over 65535": Case(lambda r: ["fetch", NOBODY, "--peer", "localhost:99999", *S, str(r.home)],
                                   "1 to 65535", 2),
    "--peer bare IPv6": Case(lambda r: ["--peer", "::1:6881", "fetch", NOBODY, *S, str(r.home)], "brackets", 2),
    "--peer name that does not resolve": Case(lambda r: ["fetch", local_track(r), "--peer", "no-such-host.invalid:1",
                                                         *S, str(r.home)], "cannot resolve", 1),
    "config preamp of text": Case(lambda r: ["tiers", *S, str(r.home)], "playback.preamp", 2,
                                  config('[playback]\npreamp = "abc"\n')),
    "config upload limit of text": Case(lambda r: ["shuffle", *S, str(r.home)], "seeding.upload_limit_kib", 2,
                                        config('[seeding]\nupload_limit_kib = "fast"\n')),
    "config NUL in mirror": Case(lambda r: ["tiers"], "NUL", 2, config('mirror = "a\\u0000b"\n')),
    "config unknown key": Case(lambda r: ["tiers", *S, str(r.home)], "not a setting", 2, config("colour = 1\n")),
    "config keymap id": Case(lambda r: [*S, str(r.home)], "no binding has this id", 2,
                             config('[keymap]\n"player.nxt" = "x"\n')),
    "config theme": Case(lambda r: ["demo", *S, str(r.home)], "theme", 2, config('theme = "nope"\n')),
    "unpack of a truncated .zst": Case(lambda r: ["unpack", "--mirror", str(r.root / "packed"), *S,
                                                  str(r.root / "s6")], "truncated", 1, truncated_zst),
    "play without libmpv": Case(lambda r: ["play", local_track(r), "--no-ui", *S, str(r.home)], "libmpv2", 1,
                                hide_libmpv),
    "check --decode without libmpv": Case(lambda r: ["check", local_track(r), "--decode", *S, str(r.home)],
                                          "libmpv2", 1, hide_libmpv),
}


def fingerprint(root: Path, skip: list[Path]) -> dict[str, tuple]:
    """Every file under root outside `skip`, by content (links by target), never followed."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not any((here / d) == s or s in (here / d).parents for s in skip)
                       and (here / d) not in skip]
        for name in filenames:
            path = here / name
            if any(s == path or s in path.parents for s in skip):
                continue
            if path.is_symlink():
                out[str(path)] = ("link", os.readlink(path))
            else:
                out[str(path)] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_changes_nothing(small_demo, tmp_path, name):
    case = CASES[name]
    rig = Rig(tmp_path, tmp_path / "demo")
    shutil.copytree(small_demo.home, rig.home)
    env = {**os.environ, **case.setup(rig)}
    args = case.args(rig)
    # the state directories and the data folders may change; nothing else, the metadata least of all
    skip = [rig.state, *rig.mirror.glob("annas_archive_data__*"), *tmp_path.glob("s[0-9]")]
    before = fingerprint(tmp_path, skip)
    out = subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=120, env=env,
                         stdin=subprocess.DEVNULL)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode != 0 and (case.code is None or out.returncode == case.code), (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("longtail: ") and case.words in lines[0], lines[0]
    after = fingerprint(tmp_path, skip + [p for p in tmp_path.glob("s[0-9]")])
    assert after == before


@pytest.fixture
def small_disk(tmp_path):
    """A mount point for a tiny or read-only filesystem (root only; skipped elsewhere)."""
    mounted: list[Path] = []

    def mount(name: str, size_kib: int, read_only: bool = False) -> Path:
        point = tmp_path / name
        point.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(point)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a small filesystem here (needs root)")
        mounted.append(point)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], capture_output=True)


@pytest.mark.parametrize("command", [["tiers"], ["shuffle"], ["info", NOBODY]])
def test_a_read_only_state_dir_says_read_only(small_demo, tmp_path, small_disk, command):
    state = small_disk("ro", 1024, read_only=True)
    out = subprocess.run([str(EXE), *command, "--mirror", str(small_demo.mirror), "--state", str(state)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and out.stderr.count("\n") == 1 and "read-only" in out.stderr, out.stderr


@pytest.mark.parametrize("command", [["tiers"], ["shuffle"]])
def test_a_full_state_disk_says_full_and_nothing_else_does(small_demo, tmp_path, small_disk, command):
    state = small_disk("full", 48)
    out = subprocess.run([str(EXE), *command, "--mirror", str(small_demo.mirror), "--state", str(state)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "is full" in out.stderr, out.stderr


def test_each_state_database_failure_names_its_own_cause(tmp_path):
    """"The disk is full" only for ENOSPC: locked, read-only and damaged databases say so."""
    import errno
    import sqlite3

    from tui.db import state_error

    db = tmp_path / "files.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(db, timeout=0.05).execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    holder.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as read_only:
        ro.execute("INSERT INTO t VALUES (1)")
    ro.close()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    with pytest.raises(sqlite3.DatabaseError) as malformed:
        sqlite3.connect(damaged).execute("SELECT * FROM sqlite_master").fetchall()
    full = OSError(errno.ENOSPC, "No space left on device")
    said = {name: str(state_error(exc.value if hasattr(exc, "value") else exc, db))
            for name, exc in (("locked", locked), ("read-only", read_only), ("damaged", malformed), ("full", full))}
    assert "locked by another longtail process" in said["locked"]
    assert "read-only" in said["read-only"]
    assert "damaged" in said["damaged"] and "delete" in said["damaged"]
    assert "full" in said["full"]
    assert all("full" not in text for name, text in said.items() if name != "full")


def test_two_first_runs_at_once_on_a_new_state_dir_both_succeed(small_demo, tmp_path):
    state = tmp_path / "new-state"
    runs = [subprocess.Popen([str(EXE), *command, "--mirror", str(small_demo.mirror), "--state", str(state)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for command in (["tiers"], ["shuffle"], ["index", "--files-only"], ["search", "a"])]
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0 and "Traceback" not in err, err
