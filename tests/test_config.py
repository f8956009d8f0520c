"""The config file against its schema, peers as users write them, and the keymap against
the app's bindings: every problem one line, naming the file and the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import Settings, parse_peer
from tui.config.peers import PeerAddress
from tui.errors import UsageError
from tui.ui.keys import key_problem, keymap_problems

EXE = Path(sys.executable).with_name("longtail")


def longtail(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LONGTAIL_CONFIG": str(config)})


BAD = {
    'preamp_text': ('[playback]\npreamp = "abc"\n', "playback.preamp", "expected a number"),
    'upload_text': ('[seeding]\nupload_limit_kib = "fast"\n', "seeding.upload_limit_kib", "whole number"),
    'ratio_negative': ('[seeding]\nratio = -1\n', "seeding.ratio", ">= 0"),
    'replaygain_choice': ('[playback]\nreplaygain = "loud"\n', "playback.replaygain", "track, album, off"),
    'unknown_key': ('colour = "red"\n', "colour", "not a setting"),
    'unknown_table_key': ('[seeding]\nspeed = 3\n', "seeding.speed", "not a setting"),
    'table_as_number': ('seeding = 3\n', "seeding", "expected a table"),
    'peers_not_list': ('peers = "1.2.3.4:5"\n', "peers", "expected a list"),
    'peer_port': ('peers = ["h:99999"]\n', "peers[0]", "1 to 65535"),
    'peer_bare_v6': ('peers = ["::1:6881"]\n', "peers[0]", "brackets"),
    'nul_in_mirror': ('mirror = "a\\u0000b"\n', "mirror", "NUL"),
    'long_mirror': (f'mirror = "{"m" * 5000}"\n', "mirror", "bytes long"),
    'ao_spaces': ('[playback]\nao = "a b"\n', "playback.ao", "audio output"),
    'ao_moved': ('ao = "pulse"\n', "ao", "moved to [playback] ao"),
    'keymap_value': ('[keymap]\n"app.help" = 2\n', "keymap.app.help", "expected a string"),
    'not_toml': ('mirror = \n', None, "not valid TOML"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_config_is_one_line_naming_the_file_and_the_key(tmp_path, name):
    text, key, words = BAD[name]
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(UsageError) as caught:
        Settings.load(config)
    message = str(caught.value)
    assert str(config) in message and words in message and "\n" not in message
    if key:
        assert f"{key}:" in message
    out = longtail(config, "tiers")  # any command: the same line, exit 2, nothing else
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and words in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_every_problem_is_found_at_once_and_longtail_config_lists_them(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('colour = 1\n[seeding]\nupload_limit_kib = "fast"\nratio = "x"\n'
                      '[playback]\npreamp = 99\nreplaygain = "loud"\n')
    out = longtail(config, "config")
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "colour", "seeding.upload_limit_kib", "seeding.ratio", "playback.preamp", "playback.replaygain"]
    doc = json.loads(longtail(config, "config", "--json").stdout)
    assert doc["path"] == str(config) and len(doc["problems"]) == 5
    short = longtail(config, "tiers")
    assert short.stderr.count("\n") == 1 and "(and 2 more)" in short.stderr and "longtail config" in short.stderr


def test_a_good_config_is_taken_as_written(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('mirror = "data"\npeers = ["localhost:6881", "[::1]:7000", "10.0.0.2:1"]\n'
                      '[playback]\nao = "pulse,alsa"\nreplaygain = "album"\npreamp = -3\n[seeding]\nenabled = false\n'
                      'upload_limit_kib = 0\nratio = 1.5\n[keymap]\n"app.help" = "f2"\n')
    settings = Settings.load(config)
    assert settings.mirror_dir == tmp_path / "data" and settings.playback.ao == "pulse,alsa"
    assert settings.peer_addresses == [PeerAddress("localhost", 6881), PeerAddress("::1", 7000),
                                       PeerAddress("10.0.0.2", 1)]
    assert (settings.playback.replaygain, settings.playback.preamp, settings.seeding.enabled) == ("album", -3.0, False)
    assert (settings.seeding.upload_limit_kib, settings.seeding.ratio, settings.keymap) == (0, 1.5, {"app.help": "f2"})
    assert longtail(config, "config").returncode == 0


@pytest.mark.parametrize("text,expected", [
    ("127.0.0.1:6881", ("127.0.0.1", 6881)), ("localhost:1", ("localhost", 1)),
    ("[::1]:65535", ("::1", 65535)), ("seed-1.example.org:51413", ("seed-1.example.org", 51413)),
])
def test_peers_take_addresses_brackets_and_names(text, expected):
    assert tuple(parse_peer(text)) == expected


@pytest.mark.parametrize("text", ["localhost", ":6881", "h:0", "h:65536", "h:6881x", "::1:6881", "[::1]6881",
                                  "[nothost]:1", "bad_name:1", "999.1.1.1:5", "h:٣", "-a.b:1", "a" * 300 + ":1"])
def test_peers_that_cannot_be_are_refused_with_a_reason(text):
    with pytest.raises(ValueError) as caught:
        parse_peer(text)
    assert str(caught.value)


def test_the_keymap_is_checked_against_the_bindings():
    assert keymap_problems({"app.help": "f2", "app.tiers": "T", "player.next": "n,ctrl+n"}) == []
    assert "list.down" in keymap_problems({"player.next": "n,j"})[0]  # a list would move its cursor instead
    # a list never scrolls sideways: Textual's scroll_right passes `right` on to the screen
    assert keymap_problems({"player.next": "n,right", "library.next_pane": "l"}) == []
    assert "no binding has this id" in keymap_problems({"player.nxt": "x"})[0]
    assert "not a key name" in keymap_problems({"app.help": "ctrl+bogus"})[0]
    assert "not a modifier" in keymap_problems({"app.help": "cmd+x"})[0]
    clash = keymap_problems({"app.search": "ctrl+f"})
    assert clash and "list.page_down" in clash[0]  # a list would page down instead of searching
    assert keymap_problems({"player.next": "q"})[0].startswith("keymap.player.next: 'q' is already the key of")
    assert keymap_problems({"player.next": "q", "app.quit": "Q", "details.close": "escape",
                            "check.close": "escape", "help.close": "escape,question_mark",
                            "lyrics.close": "escape,y"}) == []  # the lyrics screen takes the player keys too
    assert all(key_problem(k) is None for k in ("space", "question_mark", "plus", "ctrl+shift+x", "f12", "é"))


def test_a_bad_keymap_or_theme_stops_the_tui_before_it_draws(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "nope"\n[keymap]\n"app.search" = "ctrl+f"\n')
    out = longtail(config, "--state", str(tmp_path / "state"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "keymap.app.search" in out.stderr and "theme" in out.stderr
    assert longtail(config, "config").returncode == 1


def schema_keys(struct, prefix: str = "") -> list[str]:
    import msgspec

    keys = []
    for field in msgspec.structs.fields(struct):
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct):
            keys += schema_keys(field.type, f"{prefix}{field.name}.")
        else:
            keys.append(f"{prefix}{field.name}")
    return keys


def test_the_example_config_documents_every_key_and_is_valid_as_it_stands(tmp_path):
    """assets/config.example.toml: each key of the schema is there (set or commented out,
    under its table), and the file, and the file with every commented key set, load clean."""
    import re
    import tomllib

    from tui.assets import EXAMPLE_CONFIG
    from tui.config.schema import ConfigFile, problems

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    table, written = "", set()
    for line in text.splitlines():
        if m := re.match(r"^\[([\w.]+)\]", line):
            table = m.group(1) + "."
        elif m := re.match(r'^#? ?"?([\w.]+)"? = ', line):
            written.add(table + m.group(1) if "." not in m.group(1) else f"{table}*")
    missing = [k for k in schema_keys(ConfigFile) if k not in written and f"{k}.*" not in written]
    assert missing == []
    assert problems(tomllib.loads(text)) == []
    uncommented = re.sub(r"^# ((\w+|\"[\w.]+\") = )", r"\1", text, flags=re.M)
    assert problems(tomllib.loads(uncommented)) == []
    config = tmp_path / "config.toml"
    config.write_text(uncommented.replace("/data/spotify", str(tmp_path)).replace("/fast-disk/longtail-state",
                                                                                  str(tmp_path / "st")))
    checked = longtail(config, "config")
    assert checked.returncode == 0, checked.stdout  # also what only the TUI judges: keymap and theme
    assert longtail(config, "config", "--example").stdout == text


def test_five_problems_of_five_kinds_are_five_lines(tmp_path):
    """A type error does not hide a bad address, nor a bad theme a keymap's unknown id, nor an
    unknown id a key collision: `longtail config` judges every key and prints every problem."""
    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\npeers = ["h:99999"]\n[playback]\nvolume = "loud"\n'
                      '[keymap]\n"no.such.binding" = "x"\n"player.mute" = "n"\n')
    out = longtail(config, "config")
    assert out.returncode == 1, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 5, lines
    assert all(line.startswith(f"{config}: ") for line in lines)
    said = "\n".join(lines)
    for words in ("playback.volume", "peers[0]: ", "theme: 'no-such-theme'", "keymap.no.such.binding: no binding",
                  "keymap.player.mute: 'n' is already the key of player.next"):
        assert words in said, (words, said)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_config_that_is_not_a_file_is_one_line_and_no_hang(tmp_path, kind):
    config = tmp_path / "config.toml"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.mkdir()
    for args in (("config",), ("tiers",)):
        out = longtail(config, *args)  # a read of the FIFO would hang past the timeout
        assert out.returncode in (1, 2) and "Traceback" not in out.stderr
        said = out.stdout + out.stderr
        assert said.count("\n") == 1 and "a config file is a TOML file" in said, said


@pytest.mark.parametrize("doc", ['[keymap]\n"\\n" = []\n', '[keymap]\n"a\\nb" = "x"\n', '["a\\nb"]\nc = 1\n'])
def test_a_key_with_a_newline_is_named_in_one_line(tmp_path, doc):
    """Found by the config fuzzer: a keymap key of "\\n" was echoed raw and broke the line."""
    config = tmp_path / "config.toml"
    config.write_text(doc)
    out = subprocess.run([str(Path(sys.executable).with_name("longtail")), "config"], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "LONGTAIL_CONFIG": str(config)})
    problems = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert problems and all("\\n" in line for line in problems), problems  # quoted, on its line
    assert len(problems) == 1, problems
