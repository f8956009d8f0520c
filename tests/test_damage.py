"""Damaged files as they turn up in real mirrors, found by `check` (no ids) and by `check --all`;
things in data folders that are not files; chained Ogg; a .torrent that disagrees with the ledger."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from expect import present

from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.mirror.ogg import parse_ogg

EXE = Path(sys.executable).with_name("longtail")
HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def home(small_demo, tmp_path) -> Path:
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    return home


def indexed_files(home: Path) -> int:
    """Every file the torrents list, on disk or not (an oracle: the file index's own rows)."""
    with sqlite3.connect(home / "state" / "files.sqlite3") as conn:
        return conn.execute("SELECT count(*) FROM files").fetchone()[0]


def entries(home: Path):
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    try:
        ids = sorted(t for t, s in services.files.all_states() if s == "local")
        return [services.files.entry(t) for t in ids]
    finally:
        services.close()


def damage_five(home: Path) -> dict[str, str]:
    """The five damages users find: truncated, an HTML page, a swapped copy, a zero hole, a bit flip."""
    local = entries(home)
    a, b, c, d, e, f = local[:6]
    a.path.write_bytes(a.path.read_bytes()[: a.size // 2])
    b.path.write_bytes(HTML)
    c.path.write_bytes(f.path.read_bytes())
    data = bytearray(d.path.read_bytes())
    data[3000:9000] = bytes(6000)
    d.path.write_bytes(bytes(data))
    data = bytearray(e.path.read_bytes())
    data[len(data) // 2] ^= 0x08
    e.path.write_bytes(bytes(data))
    return {a.track_id: "truncated", b.track_id: "html", c.track_id: "swapped", d.track_id: "hole",
            e.track_id: "bit flip"}


def test_check_with_no_ids_samples_every_file_on_disk_and_finds_each_damage(home):
    damaged = damage_five(home)
    out = run("check", "--sample", "1000", "--seed", "3", "--json", "--state", str(home))
    doc = json.loads(out.stdout)
    corrupt = {r["id"] for r in doc["results"] if r["verdict"] == "corrupt"}
    assert corrupt == set(damaged), out.stderr
    assert out.returncode == 1
    tiers = json.loads(run("tiers", "--json", "--state", str(home)).stdout)
    assert sum(t["damaged"] for t in tiers["tiers"].values()) == len(damaged)
    info = json.loads(run("info", next(iter(damaged)), "--json", "--state", str(home)).stdout)
    assert info["file"] == "damaged" and info["damage"]


def test_check_all_sweeps_every_file_and_reports_strays(home):
    damaged = damage_five(home)
    folder = next((home / "mirror").glob("annas_archive_data__*"))
    (folder / "Thumbs.db").write_bytes(b"\0" * 100)
    (folder / "aacid__spotify_files_pop_0__20260116T000346Z__0000000000000000000000__x").write_bytes(b"x")
    out = run("check", "--all", "--json", "--state", str(home))
    doc = json.loads(out.stdout)
    assert out.returncode == 1, out.stderr
    found = {r["id"]: r for r in doc["results"]}
    assert {t for t, r in found.items() if r["verdict"] == "corrupt"} == set(damaged)
    strays = {Path(r["path"]).name: {p["code"] for p in r["problems"]} for r in doc["results"]
              if r["verdict"] == "stray"}
    assert strays["Thumbs.db"] == {"malformed-name"}
    assert any(codes == {"not-in-torrent"} for codes in strays.values())
    present = len(entries(home)) + len(damaged)
    assert doc["summary"]["corrupt"] == len(damaged) and doc["summary"]["ok"] == present - len(damaged)


def test_a_fifo_and_a_symlink_to_dev_zero_never_block_nor_fill_memory(home):
    local = entries(home)
    fifo_track, zero_track = local[0], local[1]
    fifo_track.path.unlink()
    os.mkfifo(fifo_track.path)
    zero_track.path.unlink()
    zero_track.path.symlink_to("/dev/zero")
    folder = fifo_track.path.parent
    os.mkfifo(folder / "stray.fifo")
    (folder / "stray-zero").symlink_to("/dev/zero")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    sample = run("check", "--sample", "1000", "--json", "--state", str(home), timeout=120)
    sweep = run("check", "--all", "--json", "--state", str(home), timeout=120)
    assert time.monotonic() - started < 120
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(before, peak_kib) < 400 * 1024  # nothing read /dev/zero into memory
    for doc in (json.loads(sample.stdout), json.loads(sweep.stdout)):
        by_id = {r["id"]: r for r in doc["results"]}
        for t in (fifo_track.track_id, zero_track.track_id):
            assert by_id[t]["verdict"] == "corrupt"
            assert [p["code"] for p in by_id[t]["problems"]] == ["not-a-regular-file"]
    strays = {Path(r["path"]).name: r for r in json.loads(sweep.stdout)["results"] if r["verdict"] == "stray"}
    assert "not-a-regular-file" in {p["code"] for p in strays["stray.fifo"]["problems"]}
    info = json.loads(run("info", zero_track.track_id, "--json", "--state", str(home)).stdout)
    assert info["file"] == "damaged" and "symlink" in info["damage"]


def test_check_all_resumes_after_kill_9(home):
    proc = subprocess.Popen([str(EXE), "check", "--all", "--decode", "--state", str(home)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    sweep_db = home / "state" / "sweep.sqlite3"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = sqlite3.connect(sweep_db).execute("SELECT count(*) FROM batches").fetchone()[0]
        except sqlite3.Error:
            done = 0
        if done:
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("the sweep finished before it could be killed")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    out = run("check", "--all", "--json", "--state", str(home))
    doc = json.loads(out.stdout)
    assert doc["resumed"] is True
    # every file on disk, once, all ok; those not downloaded counted as missing, not listed
    assert doc["summary"]["ok"] == len(entries(home)) and doc["summary"]["corrupt"] == 0
    assert doc["checked"] == doc["summary"]["ok"]
    assert doc["summary"]["missing"] == indexed_files(home) - doc["checked"] > 0
    assert doc["results"] == []
    again = json.loads(run("check", "--all", "--json", "--state", str(home)).stdout)
    assert again["resumed"] is False and again["checked"] == doc["checked"]  # a finished run starts afresh


def test_chained_ogg_is_valid_and_its_duration_is_the_sum_of_its_links(home):
    local = entries(home)
    one, two = local[0].path.read_bytes(), local[1].path.read_bytes()
    single = [parse_ogg(one), parse_ogg(two)]
    chained = parse_ogg(one + two)
    assert single[0].problems == [] and single[1].problems == []
    assert chained.problems == [] and len(chained.links) == 2
    assert chained.duration_ms == pytest.approx(present(single[0].duration_ms) + present(single[1].duration_ms))
    cut = parse_ogg((one + two)[: len(one) + len(two) // 2])
    assert [p.code for p in cut.problems] == ["ogg-structure"]


def test_a_torrent_that_disagrees_with_the_ledger_is_blamed_not_the_file(home):
    import libtorrent as lt

    from tui.mirror.aacid import track_id_from_name
    from tui.mirror.torrents import parse_torrent

    local = {e.track_id: e for e in entries(home)}
    torrent_path = next(p for p in (home / "mirror").glob("*.torrent")
                        if any(track_id_from_name(f.path) in local for f in parse_torrent(p).files))
    parsed = parse_torrent(torrent_path)
    target = next(f for f in parsed.files if track_id_from_name(f.path) in local
                  and f.size > 3 * parsed.piece_length)
    inner = target.offset // parsed.piece_length + 1
    decoded: Any = lt.bdecode(torrent_path.read_bytes())  # a bencoded document: any shape
    pieces = bytearray(decoded[b"info"][b"pieces"])
    pieces[inner * 20] ^= 0xFF  # the .torrent now disagrees about one piece inside the file
    decoded[b"info"][b"pieces"] = bytes(pieces)
    torrent_path.write_bytes(lt.bencode(decoded))
    track_id = present(track_id_from_name(target.path))
    before = local[track_id].path.read_bytes()
    out = run("check", track_id, "--repair", "--json", "--state", str(home))
    result = json.loads(out.stdout)["results"][0]
    assert result["verdict"] == "ok" and [p["code"] for p in result["problems"]] == ["torrent-mismatch"]
    assert local[track_id].path.read_bytes() == before  # kept: its own bytes are the ledger's
    assert out.returncode == 0
