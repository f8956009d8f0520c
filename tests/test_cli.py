"""The `longtail` command as scripts use it: exit codes, one-line errors, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

from click.testing import CliRunner

from tui.cli import main


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code != 0
    err = result.stderr.strip()
    assert err.count("\n") == 0, err
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in err, err


def test_info_json_on_both_schema_variants(tiny_mirror, tiny_mirror_no_ean, tmp_path):
    for i, root in enumerate((tiny_mirror, tiny_mirror_no_ean)):
        result = run("info", "000000000000000trackC1", "--json", "--mirror", str(root),
                     "--state", str(tmp_path / f"s{i}"))
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        assert doc["id"] == "000000000000000trackC1"
        assert doc["name"] == "Get Lucky (feat. Pharrell Williams)"
        assert doc["artists"] == ["Daft Punk", "Pharrell Williams"]
        assert doc["album"] == "Random Access Memories" and doc["album_id"] == "00000000000000000albm3"
        assert doc["popularity"] == 84 and doc["duration_ms"] == 369_000
        assert doc["isrc"] == "USQX91300108" and doc["tier"] == "vorbis" and doc["file"] == "absent"
        assert doc["audio_features"]["tempo"] == 116.0
        assert doc["ledger"]["codec"] == "vorbis"


def test_info_non_latin_and_empty_names(tiny_mirror, tmp_path):
    doc = json.loads(run("info", "000000000000000trackG2", "--json", "--mirror", str(tiny_mirror),
                         "--state", str(tmp_path)).stdout)
    assert doc["name"] == "سألوني الناس" and doc["tier"] == "opus" and doc["isrc"] == "LBFA07100001"
    doc = json.loads(run("info", "000000000000000trackF1", "--json", "--mirror", str(tiny_mirror),
                         "--state", str(tmp_path)).stdout)
    assert doc["name"] == "" and doc["album"] == "" and doc["isrc"] is None
    human = run("info", "000000000000000trackF1", "--mirror", str(tiny_mirror), "--state", str(tmp_path))
    assert human.exit_code == 0 and "(no title)" in human.stdout


def test_info_on_the_demo_reports_file_state(small_demo):
    ids = [p.name.split("__")[3] for p in small_demo.swarm.glob("*/aacid__*")]
    assert len(ids) == 24
    states = set()
    for track_id in ids:
        result = run("info", track_id, "--json", "--state", str(small_demo.home))
        doc = json.loads(result.stdout)
        states.add(doc["file"])
        path = Path(doc["file_entry"]["path"])
        assert (doc["file"] == "local") == path.is_file()
    assert states == {"local", "fetchable"}


def test_unknown_track(tiny_mirror, tmp_path):
    nobody = "0000000000000000000000"
    assert_one_line_error(run("info", nobody, "--mirror", str(tiny_mirror), "--state", str(tmp_path)),
                          f"no track with id '{nobody}'")
    assert_one_line_error(run("info", "nope", "--mirror", str(tiny_mirror), "--state", str(tmp_path)),
                          "'nope' is not a track id")


def test_bad_mirrors(tmp_path):
    assert_one_line_error(run("info", "0000000000000000000000", "--mirror", str(tmp_path / "absent")), "does not exist")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run("info", "0000000000000000000000", "--mirror", str(tmp_path / "empty"), "--state",
                              str(tmp_path / "st")), "no spotify_clean.sqlite3")
    (tmp_path / "zst").mkdir()
    (tmp_path / "zst" / "spotify_clean.sqlite3.zst").write_bytes(b"(\xb5/\xfd")
    assert_one_line_error(run("info", "0000000000000000000000", "--mirror", str(tmp_path / "zst"), "--state",
                              str(tmp_path / "st")), "still compressed", "longtail unpack")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "spotify_clean.sqlite3").write_text("hello")
    assert_one_line_error(run("info", "0000000000000000000000", "--mirror", str(tmp_path / "foreign"), "--state",
                              str(tmp_path / "st")), "not an SQLite database")


def test_no_mirror_and_no_demo(tmp_path):
    assert_one_line_error(run("info", "0000000000000000000000"), "no mirror is configured", "longtail demo")


def test_mirror_from_env_and_config(tiny_mirror, tmp_path, monkeypatch):
    env = {"LONGTAIL_MIRROR": str(tiny_mirror), "LONGTAIL_STATE": str(tmp_path / "s1")}
    assert run("info", "000000000000000trackB1", "--json", env=env).exit_code == 0
    config = tmp_path / "config.toml"
    config.write_text(f'mirror = "{tiny_mirror}"\nstate = "{tmp_path / "s2"}"\n')
    monkeypatch.setenv("LONGTAIL_CONFIG", str(config))
    result = run("info", "000000000000000trackB1", "--json")
    assert result.exit_code == 0 and (tmp_path / "s2" / "files.sqlite3").exists()


def test_state_never_goes_inside_the_mirror(tiny_mirror, tmp_path):
    before = sorted(p for p in tiny_mirror.rglob("*"))
    run("info", "000000000000000trackB1", "--mirror", str(tiny_mirror), "--state", str(tmp_path / "s"))
    run("index", "--mirror", str(tiny_mirror), "--state", str(tmp_path / "s"))
    assert sorted(p for p in tiny_mirror.rglob("*")) == before


def test_index_reports_hostile_torrent(small_demo, tmp_path):
    import shutil

    import libtorrent as lt
    mirror = tmp_path / "m"
    shutil.copytree(small_demo.mirror, mirror)
    (mirror / "evil.torrent").write_bytes(lt.bencode(cast(Any, {b"info": {
        b"name": b"x", b"piece length": 16384, b"pieces": b"\0" * 20,
        b"files": [{b"length": 5, b"path": [b"..", b"..", b"etc"]}]}})))
    result = run("index", "--json", "--mirror", str(mirror), "--state", str(tmp_path / "s"))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["files"] == 24 and len(doc["errors"]) == 1 and "escapes" in doc["errors"][0]
    assert "escapes" in result.stderr


def test_console_script_help_for_every_command():
    exe = Path(sys.executable).with_name("longtail")
    for cmd in ([], ["demo"], ["unpack"], ["index"], ["info"], ["search"], ["shuffle"], ["tiers"],
                ["fetch"], ["play"], ["check"]):
        out = subprocess.run([str(exe), *cmd, "--help"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "--mirror" in out.stdout and "--state" in out.stdout


def test_a_shuffle_seed_survives_json_and_reproduces_the_shuffle(tiny_mirror, tmp_path):
    """Seeds are below 2^53, so a JSON reader that holds numbers as doubles (`jq`, JavaScript)
    reads back the seed printed, and `--seed` with it gives the same order."""
    state = str(tmp_path / "s")
    seeds = []
    for _ in range(40):
        doc = json.loads(run("shuffle", "-n", "3", "--json", "--mirror", str(tiny_mirror), "--state", state).stdout)
        seeds.append(doc["seed"])
        assert doc["seed"] < 2 ** 53 and float(doc["seed"]) == doc["seed"]
    assert len(set(seeds)) > 30  # drawn at random, not one fixed seed
    first = json.loads(run("shuffle", "-n", "3", "--json", "--mirror", str(tiny_mirror), "--state", state).stdout)
    again = json.loads(run("shuffle", "-n", "3", "--json", "--seed", str(int(float(first["seed"]))), "--mirror",
                           str(tiny_mirror), "--state", state).stdout)
    assert [t["id"] for t in again["tracks"]] == [t["id"] for t in first["tracks"]]
    assert_one_line_error(run("shuffle", "--seed", str(2 ** 53), "--mirror", str(tiny_mirror), "--state", state),
                          "--seed")
    assert_one_line_error(run("shuffle", "-n", "1000001", "--mirror", str(tiny_mirror), "--state", state), "-n")


def test_each_command_is_found_in_the_module_named_for_it_and_the_tui_imports_none():
    """`longtail` (the TUI) imports no command module; `longtail NAME` imports NAME's; the map
    from names to modules is the commands the modules really register, no more, no fewer."""
    code = ("import sys; import tui.cli as c; "
            "print(sorted(m for m in c.main.command_modules.values() if m in sys.modules)); "
            "import importlib; [importlib.import_module(m) for m in set(c.main.command_modules.values())]; "
            "print({n: cmd.callback.__module__ for n, cmd in sorted(c.main.commands.items())} "
            "== dict(sorted(c.main.command_modules.items())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "True"
