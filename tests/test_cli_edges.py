"""Values at the edges of every CLI input (issue 24): numbers that are negative, zero, not a
number or absurd; ids far too long or not ids at all; configs nested past any setting. Each
is one line on stderr under 200 characters, exit 2, no traceback, in bounded time, and the
mirror answers normally afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("longtail")
WELL_FORMED = "0000000000000000000000"  # an id no track has: the option must fail first
LONG_ID = "x" * 100_000

NUMERIC: dict[str, tuple[list[str], list[str]]] = {
    # option: (command before it, values that must be refused)
    "fetch --timeout": (["fetch", WELL_FORMED, "--timeout"], ["-1", "0", "-0", "nan", "inf", "1e308", "abc"]),
    "check --timeout": (["check", WELL_FORMED, "--repair", "--timeout"], ["-1", "0", "nan", "inf", "1e308"]),
    "check --sample": (["check", "--sample"], ["-1", "0", "nan", "1000000000000"]),
    "shuffle -n": (["shuffle", "-n"], ["-1", "0", "nan", "1000000000000"]),
    "shuffle --year": (["shuffle", "--year"], ["-1", "nan", "99999999999999999999999"]),
    "radio -n": (["radio", WELL_FORMED, "-n"], ["-1", "0", "nan", "1000000000000"]),
    "search --limit": (["search", "x", "--limit"], ["-1", "0", "nan", "1000000000000"]),
}
NUMERIC_CASES = [(name, value) for name, (_, values) in NUMERIC.items() for value in values]

ID_COMMANDS = [["info"], ["radio"], ["art"], ["lyrics"], ["fetch"], ["play", "--no-ui"], ["check"]]
NOT_IDS = {"100,000 characters": LONG_ID, "21 characters": "a" * 21, "not base62": "ÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßx",
           "a path": "../../etc/passwd"}


def run(args: list[str], home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args, "--state", str(home)], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env=env)


def assert_one_short_line(out: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2, (out.returncode, out.stderr[:500])
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert len(lines) == 1, out.stderr[:2000]
    assert len(lines[0]) < 200, (len(lines[0]), lines[0][:300])
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(("option", "value"), NUMERIC_CASES, ids=[f"{n} {v[:12]}" for n, v in NUMERIC_CASES])
def test_numbers_out_of_range_are_one_line(small_demo, option, value):
    command, _ = NUMERIC[option]
    out = run([*command, value], small_demo.home)
    assert_one_short_line(out, option.split()[-1])


@pytest.mark.parametrize("command", ID_COMMANDS, ids=[c[0] for c in ID_COMMANDS])
@pytest.mark.parametrize("what", list(NOT_IDS))
def test_what_is_not_a_track_id_is_said_before_anything_opens(small_demo, tmp_path, command, what):
    state = tmp_path / "never-made"  # nothing is opened, so not even the state directory is made
    out = subprocess.run([str(EXE), command[0], NOT_IDS[what], *command[1:], "--state", str(state)],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert_one_short_line(out, "is not a track id")
    assert not state.exists()


def test_pasted_spotify_links_are_read_as_the_id(small_demo):
    track_id = subprocess.run([str(EXE), "shuffle", "-n", "1", "--seed", "1", "--json", "--state",
                               str(small_demo.home)], capture_output=True, text=True, timeout=60, check=True)
    wanted = json.loads(track_id.stdout)["tracks"][0]["id"]
    for pasted in (f"spotify:track:{wanted}", f"https://open.spotify.com/track/{wanted}?si=abc123"):
        out = run(["info", pasted, "--json"], small_demo.home)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["id"] == wanted


def test_check_sample_beyond_the_files_says_so(small_demo):
    out = run(["check", "--sample", "100000", "--json"], small_demo.home)
    assert out.returncode in (0, 1), out.stderr
    assert "is more than the" in out.stderr and "checking all" in out.stderr, out.stderr


@pytest.mark.parametrize("depth", [7, 50, 5_000])
@pytest.mark.parametrize("shape", ["array", "inline table"])
@pytest.mark.parametrize("command", [["config"], ["tiers"]])
def test_config_nested_too_deep_is_one_line(small_demo, tmp_path, depth, shape, command):
    path = tmp_path / "config.toml"
    nested = "[" * depth + "]" * depth if shape == "array" else "{a=" * depth + "1" + "}" * depth
    path.write_text(f"peers = {nested}\n")
    state = [] if command == ["config"] else ["--state", str(small_demo.home)]
    out = subprocess.run([str(EXE), *command, *state], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "LONGTAIL_CONFIG": str(path)})
    assert "Traceback" not in out.stderr and "RecursionError" not in out.stdout + out.stderr, out.stderr[-1000:]
    said = out.stdout if command == ["config"] else out.stderr
    assert out.returncode != 0 and "more than 6 deep" in said, (out.returncode, said[:500])
    assert len([line for line in out.stderr.splitlines() if line.strip()]) <= 1


def test_the_mirror_answers_normally_after_every_edge(small_demo):
    """After all of the above (in this session) the same state directory still works."""
    out = run(["tiers", "--json"], small_demo.home)
    assert out.returncode == 0, out.stderr
