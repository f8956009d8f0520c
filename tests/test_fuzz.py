"""Property-based fuzzing (hypothesis) of what reads untrusted bytes: the torrent parser, the
Ogg scanner and the checker, the config loader and the command line. Bounded to about a
minute here; bench/bench_fuzz.py runs the same targets for 100,000 inputs each."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import libtorrent as lt
import pytest
from click.testing import CliRunner
from fuzzing import (
    CONFIG_SEEDS,
    config_target,
    mutate,
    ogg_seeds,
    ogg_target,
    torrent_seeds,
    torrent_target,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st


def fuzz(examples: int) -> settings:
    """A budget of examples, no per-example deadline (a slow CI machine is not a bug)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def seeds(small_demo) -> dict[str, list[bytes]]:
    return {"torrent": torrent_seeds([small_demo.mirror]), "ogg": ogg_seeds([small_demo.swarm])}


@fuzz(4000)
@given(pick=st.integers(0, 1000), rng=st.randoms(use_true_random=False))
def test_mutated_torrents_parse_safely_or_are_refused_in_one_line(seeds, work, pick, rng):
    torrents = seeds["torrent"]
    torrent_target(mutate(torrents[pick % len(torrents)], rng, torrents), work)


BENCODE = st.recursive(
    st.integers(-(2**62), 2**62) | st.binary(max_size=40),  # what lt.bencode can write; bytes reach 2**70
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.binary(max_size=12), inner, max_size=5),
    max_leaves=30)
NAMES = st.sampled_from([b"..", b".", b"", b"a/b", b"a\\b", b"C:x", b"\x00", b"ok", b"\xff\xfe", b"tab\there",
                         b"n" * 300, "é".encode(), b"CON", b"trail. "]) | st.binary(max_size=20)


@fuzz(2000)
@given(name=NAMES, files=st.lists(st.tuples(st.lists(NAMES, max_size=4), st.integers(-2, 70_000) | BENCODE),
                                  max_size=6),
       piece=st.sampled_from([16384, 0, -1, 3, 2**40]) | BENCODE, extra=st.dictionaries(st.binary(max_size=10),
                                                                                         BENCODE, max_size=3),
       utf8=st.booleans(), hybrid=st.booleans())
@example(name=b"..", files=[([], 29781), ([], 2**62 - 1), ([], 2**62 - 2)], piece=16384, extra={},
         utf8=False, hybrid=True)  # found by this test: sizes that add up past a C long
def test_any_torrent_structure_parses_safely_or_is_refused(work, name, files, piece, extra, utf8, hybrid):
    entries = [{b"length": length, (b"path.utf-8" if utf8 else b"path"): parts} for parts, length in files]
    # lengths near 2**62 add up past what lt.bencode can write (a C long): the sum is capped there
    total = min(2**62, sum(e[b"length"] for e in entries if isinstance(e[b"length"], int) and e[b"length"] > 0))
    size = piece if isinstance(piece, int) and piece > 0 and piece < 2**20 else 16384
    pieces = min(4096, max(1, -(-total // size)))  # a wrong count is one more thing to refuse
    info = {b"name": name, b"piece length": piece, b"pieces": b"\x01" * 20 * pieces,
            **extra}
    if files:
        info[b"files"] = entries
    else:
        info[b"length"] = total
    if hybrid:
        info[b"meta version"] = 2
        info[b"file tree"] = {name: {b"": {b"length": total}}}
    torrent_target(lt.bencode(cast(Any, {b"info": info})), work)


@fuzz(3000)
@given(pick=st.integers(0, 1000), rng=st.randoms(use_true_random=False),
       cuts=st.lists(st.integers(0, 30_000), max_size=8))
def test_the_ogg_scanner_never_fails_and_chunking_never_changes_its_findings(seeds, pick, rng, cuts):
    oggs = seeds["ogg"]
    ogg_target(mutate(oggs[pick % len(oggs)], rng, oggs), cuts)


@fuzz(2000)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=5))
def test_the_ogg_scanner_takes_any_bytes(data, cuts):
    ogg_target(b"OggS" + data if data[:1] == b"\x00" else data, cuts)


TOML_VALUE = st.recursive(
    st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.booleans()
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4), max_leaves=10)
KEYS = st.sampled_from(["mirror", "state", "ao", "theme", "peers", "keymap", "playback", "seeding", "replaygain",
                        "preamp", "enabled", "upload_limit_kib", "ratio", "app.search", "colour"]) | st.text(max_size=8)


def to_toml(doc: dict) -> str:
    import json

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)  # a JSON string is a TOML basic string
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    top = [f"{json.dumps(k)} = {value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    tables = [f"[{json.dumps(k)}]\n" + "\n".join(f"{json.dumps(k2)} = {value(v2)}" for k2, v2 in v.items())
              for k, v in doc.items() if isinstance(v, dict)]
    return "\n".join(top + tables) + "\n"


@fuzz(1500)
@given(doc=st.dictionaries(KEYS, TOML_VALUE | st.dictionaries(KEYS, TOML_VALUE, max_size=4), max_size=6))
def test_any_config_loads_with_the_right_types_or_is_one_line(work, doc):
    config_target(to_toml(doc).encode("utf-8", "surrogatepass"), work)


@fuzz(2000)
@given(pick=st.integers(0, 10), rng=st.randoms(use_true_random=False))
def test_mutated_config_files_load_or_are_one_line(work, pick, rng):
    config_target(mutate(CONFIG_SEEDS[pick % len(CONFIG_SEEDS)], rng, CONFIG_SEEDS), work)


@pytest.fixture(scope="module")
def checked_mirror(small_demo, tmp_path_factory):
    """A private copy of the demo whose local files the checker test damages and restores."""
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.checks import Checker
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover

    root = tmp_path_factory.mktemp("checked")
    shutil.copytree(small_demo.mirror, root / "mirror")
    files = FileIndex(root / "files.sqlite3")
    files.refresh(discover(root / "mirror"))
    catalogue = Catalogue(CataloguePaths.from_databases(discover(root / "mirror").databases))
    entries = [files.entry(t) for t, s in sorted(files.all_states()) if s == "local"]
    yield Checker(catalogue, files), entries
    catalogue.close()


@fuzz(300)
@given(pick=st.integers(0, 100), rng=st.randoms(use_true_random=False))
def test_the_checker_calls_any_change_to_a_file_corrupt_and_the_original_ok(checked_mirror, pick, rng):
    checker, entries = checked_mirror
    entry = entries[pick % len(entries)]
    original = entry.path.read_bytes()
    damaged = mutate(original, rng, [])
    try:
        entry.path.write_bytes(damaged)
        result = checker.check_entry(entry)
        assert result.verdict == ("ok" if damaged == original else "corrupt"), result.as_json()
    finally:
        entry.path.write_bytes(original)
    assert checker.check_entry(entry).verdict == "ok"


WORDS = st.sampled_from(["info", "search", "shuffle", "tiers", "config", "check", "unpack", "index", "-n", "--json",
                         "--seed", "--tier", "vorbis", "opus", "--min-popularity", "--max-popularity", "--genre",
                         "--year", "--kind", "track", "--limit", "--sample", "--files-only", "--playable", "-1",
                         "0", "99999999999999999999", "", "\x00", "é", "0000000000000000000000", "--peer",
                         "[::1]:0", "a" * 300, "--help"]) | st.text(max_size=12)


@fuzz(150)
@given(first=st.sampled_from(["info", "search", "shuffle", "tiers", "config", "check", "unpack", "index"]),
       rest=st.lists(WORDS, max_size=5))
def test_any_command_line_ends_in_an_exit_status_not_a_traceback(tiny_mirror, work, first, rest):
    from tui.cli import main

    args = [first, *rest, "--mirror", str(tiny_mirror), "--state", str(work / "cli-state")]
    if "\x00" in "".join(args):
        return  # the OS cannot pass it: argv strings end at NUL
    env = {"LONGTAIL_CONFIG": str(work / "no-config.toml")}
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=True)
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith("longtail: ")]
    assert len(lines) <= 1 and (result.exit_code == 0 or lines or "Usage" in result.output or "--help" in args)
