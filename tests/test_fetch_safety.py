"""What a fetch may touch: the wanted file's own bytes in its own data folder, nothing else.

Real libtorrent sessions on 127.0.0.1, torrents made here with pieces of 32 KiB, 256 KiB and
1 MiB so that neighbours share boundary pieces; every neighbour damaged in its own way and
hashed (bytes, type, link target) before and after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from expect import present
from mirrors import build, fingerprint

from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.seeder import LoopbackSeeder
from tui.mirror.torrent_service import TorrentService

EXE = Path(sys.executable).with_name("longtail")


def damage_neighbours(data: Path, target: str, outside: Path) -> dict[Path, tuple]:
    """Every other file of the folder damaged a different way (some left pristine)."""
    names = sorted(p.name for p in data.iterdir())
    i = names.index(target)
    others = [n for n in names[max(0, i - 4):i + 5] if n != target]
    kinds = ["truncate", "html", "swap", "hole", "flip", "link-out", "fifo", "pristine"]
    for name, kind in zip(others, kinds, strict=False):
        p = data / name
        body = p.read_bytes()
        if kind == "truncate":
            p.write_bytes(body[: len(body) // 3])
        elif kind == "html":
            p.write_bytes(b"<html><body>404 Not Found</body></html>\n")
        elif kind == "swap":
            p.write_bytes((data / names[0]).read_bytes() + b"extra")
        elif kind == "hole":
            p.write_bytes(body[:1000] + bytes(5000) + body[6000:])
        elif kind == "flip":
            p.write_bytes(body[:-3] + bytes([body[-3] ^ 0xFF]) + body[-2:])
        elif kind == "link-out":
            p.unlink()
            p.symlink_to(outside)
        elif kind == "fifo":
            p.unlink()
            os.mkfifo(p)
    (data / target).unlink()  # the one to fetch
    return {p: fingerprint(p) for p in data.iterdir()}


@pytest.mark.parametrize("piece", [32 * 1024, 256 * 1024, 1024 * 1024])
def test_fetching_next_to_damaged_neighbours_leaves_them_byte_for_byte(small_demo, tmp_path, piece):
    mirror, swarm, torrent, name = build(small_demo, tmp_path, piece)
    data = mirror / name
    names = sorted(p.name for p in data.iterdir())
    target = names[len(names) // 2]
    outside = tmp_path / "outside-the-mirror"
    outside.write_bytes(b"a file of the user's, elsewhere" * 100)
    outside_before = fingerprint(outside)
    before = damage_neighbours(data, target, outside)
    state = tmp_path / "state"
    files = FileIndex(state / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = next(e for e in files.torrent_entries(files.torrents()[0][0]) if e.path.name == target)
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        service = TorrentService(files, state / "parts", state / "quarantine", [seeder.endpoint], loopback=True)
        try:
            service.request(entry)
            status = present(service.wait(entry.track_id, 60))
        finally:
            service.close()
    assert status is not None and status.state == "done" and status.verified, status and status.line()
    assert (data / target).read_bytes() == (swarm / name / target).read_bytes()
    after = {p: fingerprint(p) for p in data.iterdir() if p.name != target}
    assert after == before  # every neighbour exactly as it was: bytes, sizes, links, FIFOs
    assert fingerprint(outside) == outside_before
    assert not list(mirror.rglob("*.parts")) and set(data.iterdir()) == set(before) | {data / target}
    assert status.bytes_downloaded <= entry.size + 2 * piece


def test_a_symlink_at_the_wanted_path_is_moved_aside_never_written_through(small_demo, tmp_path):
    mirror, swarm, torrent, name = build(small_demo, tmp_path, 32 * 1024)
    data = mirror / name
    target = sorted(p.name for p in data.iterdir())[2]
    outside = tmp_path / "precious"
    outside.write_bytes(b"do not touch" * 5000)
    before = fingerprint(outside)
    (data / target).unlink()
    (data / target).symlink_to(outside)
    state = tmp_path / "state"
    files = FileIndex(state / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = next(e for e in files.torrent_entries(files.torrents()[0][0]) if e.path.name == target)
    assert entry.state == "damaged"
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        service = TorrentService(files, state / "parts", state / "quarantine", [seeder.endpoint], loopback=True)
        try:
            status = service.request(entry)
            assert status.moved_aside and Path(status.moved_aside).is_symlink()  # the link itself went aside
            status = present(service.wait(entry.track_id, 60))
        finally:
            service.close()
    assert status.state == "done" and status.verified
    assert fingerprint(outside) == before
    assert fingerprint(data / target)[0] == "file"
    assert (data / target).read_bytes() == (swarm / name / target).read_bytes()


def test_a_hybrid_torrent_is_checked_with_its_pad_files(small_demo, tmp_path):
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.checks import Checker

    mirror, _swarm, _torrent, _name = build(small_demo, tmp_path, 32 * 1024, hybrid=True)
    files = FileIndex(tmp_path / "state" / "files.sqlite3")
    files.refresh(discover(mirror))
    catalogue = Catalogue(CataloguePaths.from_databases(discover(mirror).databases))
    checker = Checker(catalogue, files)
    entries = list(files.torrent_entries(files.torrents()[0][0]))
    assert all(checker.check_entry(e).verdict == "ok" for e in entries)
    victim = entries[1]
    body = bytearray(victim.path.read_bytes())
    body[-1] ^= 0x01  # the last byte: in the file's last piece, the one padded with zeros
    victim.path.write_bytes(bytes(body))
    result = checker.check_entry(victim)
    assert result.verdict == "corrupt" and "piece-hash-mismatch" in result.codes
    catalogue.close()


def test_an_interrupted_repair_is_finished_by_the_next_run(small_demo, tmp_path):
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    services_state = home / "state"
    local = sorted(p for p in (home / "mirror").glob("annas_archive_data__*/*") if p.is_file())
    victim = local[0]
    pristine = victim.read_bytes()
    victim.write_bytes(pristine[:-1] + bytes([pristine[-1] ^ 1]))
    from tui.mirror.aacid import track_id_from_name
    track_id = present(track_id_from_name(victim.name))
    # the first run cannot reach the swarm (the mirror opened directly: no demo seeder): it moves
    # the file aside and gives up on the fetch
    first = subprocess.run([str(EXE), "check", track_id, "--repair", "--timeout", "2", "--json",
                            "--peer", "127.0.0.1:9",  # nobody there (and loopback only: no DHT)
                            "--mirror", str(home / "mirror"), "--state", str(services_state)],
                           capture_output=True, text=True, timeout=120)
    result = json.loads(first.stdout)["results"][0]
    assert any("repair failed" in n for n in result["notes"]), result
    assert not victim.exists() and list((services_state / "quarantine").glob(f"{track_id}.*"))
    # the next run, with the swarm reachable (the demo's seeder), finishes it, asked for nothing else
    second = subprocess.run([str(EXE), "check", "--repair", "--sample", "1", "--json", "--state", str(home)],
                            capture_output=True, text=True, timeout=120)
    doc = json.loads(second.stdout)
    finished = next(r for r in doc["results"] if r["id"] == track_id)
    assert finished["verdict"] == "ok" and victim.read_bytes() == pristine
    assert "finishing 1 repair" in second.stderr
    third = subprocess.run([str(EXE), "check", "--repair", "--sample", "1", "--json", "--state", str(home)],
                           capture_output=True, text=True, timeout=120)
    assert "finishing" not in third.stderr  # nothing left pending


def test_fetching_two_tracks_of_one_torrent_adds_it_once_and_counts_each_ones_bytes(small_demo, tmp_path,
                                                                                     monkeypatch):
    from tui.config import Settings, StatePaths
    from tui.core.services import Location, open_services
    from tui.core.swarm import Swarm
    from tui.mirror import torrent_service

    mirror, swarm, torrent, name = build(small_demo, tmp_path, 32 * 1024)
    data = mirror / name
    names = sorted(p.name for p in data.iterdir())
    for n in names[1:3]:
        (data / n).unlink()
    services = open_services(Location(mirror, StatePaths(tmp_path / "state"), None), Settings())
    adds = []
    real_add = torrent_service.TorrentService._add

    def counted_add(self, *a):
        adds.append(1)
        return real_add(self, *a)

    monkeypatch.setattr(torrent_service.TorrentService, "_add", counted_add)
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        host, port = seeder.endpoint
        s = Swarm(services, lambda _e: None, (f"{host}:{port}",))
        try:
            from tui.mirror.aacid import track_id_from_name
            ids = [present(track_id_from_name(n)) for n in names[1:3]]
            reports = s.fetch(ids, 60)
        finally:
            s.close()
    assert len(adds) == 1
    for report, n in zip(reports, names[1:3], strict=True):
        size = (swarm / name / n).stat().st_size
        assert report.ok and size - 32 * 1024 <= report.bytes_downloaded <= size + 2 * 32 * 1024, report
    services.close()


def test_playing_a_damaged_track_moves_it_aside_says_so_and_streams_the_real_one(small_demo, tmp_path):
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    from tui.mirror.aacid import track_id_from_name
    victim = sorted(p for p in (home / "mirror").glob("annas_archive_data__*/*") if p.is_file())[1]
    pristine = victim.read_bytes()
    victim.write_bytes(b"<html>gateway timeout</html>")
    track_id = present(track_id_from_name(victim.name))
    out = subprocess.run([str(EXE), "play", track_id, "--json", "--ao", "null", "--state", str(home)],
                         capture_output=True, text=True, timeout=120)
    events = [json.loads(line) for line in out.stdout.splitlines()]
    started = next(e for e in events if e["event"] != "buffering")  # buffering lines may come first
    # streamed, or already fetched whole by the ask `play` sends while mpv starts: said either way
    assert started["event"] == "started" and started["source"] in ("stream", "local")
    assert "moved aside" in started["note"]
    assert events[-1]["event"] == "ended" and events[-1]["reason"] == "eof", out.stderr
    assert victim.read_bytes() == pristine
    kept = list((home / "state" / "quarantine").glob(f"{track_id}.*"))
    assert kept and kept[0].read_bytes() == b"<html>gateway timeout</html>"


def ledger_of(mirror: Path):
    """The track ledger's SHA-256 lookup, as the session gives the torrent service."""
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths

    catalogue = Catalogue(CataloguePaths.from_databases(discover(mirror).databases))

    def sha256(track_id: str) -> str | None:
        entry = catalogue.ledger(track_id)
        return entry.sha256_with_embedded_meta if entry and entry.archived else None
    return catalogue, sha256


def test_a_fetched_file_that_differs_from_the_ledger_is_failed_moved_aside_and_never_local(small_demo, tmp_path):
    """The swarm serves a copy whose pieces match its torrent but not the archive's ledger (a
    torrent made from altered files): every piece passes libtorrent's hash, the ledger's
    SHA-256 does not; the file must be failed, moved aside, and never counted local."""
    from tui.mirror.torrents import make_v1_torrent

    mirror, swarm, torrent, name = build(small_demo, tmp_path, 32 * 1024)
    data = mirror / name
    target = sorted(p.name for p in data.iterdir())[3]
    altered = swarm / name / target
    body = bytearray(altered.read_bytes())
    body[len(body) // 2] ^= 0x01  # one bit: same size, other bytes
    altered.write_bytes(bytes(body))
    make_v1_torrent(swarm / name, 32 * 1024, torrent)  # the swarm's torrent now vouches for them
    (data / target).unlink()
    before = {p: fingerprint(p) for p in data.iterdir()}
    state = tmp_path / "state"
    files = FileIndex(state / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = next(e for e in files.torrent_entries(files.torrents()[0][0]) if e.path.name == target)
    catalogue, sha256 = ledger_of(mirror)
    assert sha256(entry.track_id) is not None
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        service = TorrentService(files, state / "parts", state / "quarantine", [seeder.endpoint], loopback=True,
                                 ledger_sha256=sha256)
        try:
            service.request(entry)
            status = present(service.wait(entry.track_id, 60))
        finally:
            service.close()
    catalogue.close()
    assert status is not None and status.state == "failed" and "ledger" in (status.message or "")
    assert not (data / target).exists()  # not left where the mirror counts it
    aside = list((state / "quarantine").iterdir())
    assert len(aside) == 1 and aside[0].read_bytes() == bytes(body)  # kept, never deleted
    assert present(files.entry(entry.track_id)).state != "local" and not present(files.entry(entry.track_id)).local
    assert {p: fingerprint(p) for p in data.iterdir()} == before


def test_a_symlink_to_a_file_of_the_right_size_is_moved_aside_and_its_target_keeps_every_byte(small_demo,
                                                                                            tmp_path):
    """The guard is the link itself, not its size: a symlink at the wanted path whose target has
    exactly the torrent's size is still never written through."""
    mirror, swarm, torrent, name = build(small_demo, tmp_path, 32 * 1024)
    data = mirror / name
    target = sorted(p.name for p in data.iterdir())[4]
    size = (data / target).stat().st_size
    outside = tmp_path / "same-size-elsewhere"
    outside.write_bytes(bytes((i * 7) % 251 for i in range(size)))
    assert outside.stat().st_size == size
    before = fingerprint(outside)
    (data / target).unlink()
    (data / target).symlink_to(outside)
    state = tmp_path / "state"
    files = FileIndex(state / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = next(e for e in files.torrent_entries(files.torrents()[0][0]) if e.path.name == target)
    assert entry.size == size and entry.state == "damaged"  # a link is never the file, whatever its size
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        service = TorrentService(files, state / "parts", state / "quarantine", [seeder.endpoint], loopback=True)
        try:
            status = service.request(entry)
            assert status.moved_aside and Path(status.moved_aside).is_symlink()
            status = present(service.wait(entry.track_id, 60))
        finally:
            service.close()
    assert status.state == "done" and status.verified
    assert fingerprint(outside) == before  # the link's target: every byte as it was
    assert fingerprint(data / target)[0] == "file"
    assert (data / target).read_bytes() == (swarm / name / target).read_bytes()
