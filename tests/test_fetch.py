"""On-demand fetch with real libtorrent sessions talking over 127.0.0.1."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any, cast

import pytest
from expect import present

from tui.config import Settings, StatePaths
from tui.errors import TorrentError
from tui.mirror import fetch_status as fetch_mod
from tui.mirror.file_index import FileEntry, FileIndex
from tui.mirror.layout import discover
from tui.mirror.seeder import LoopbackSeeder
from tui.mirror.torrent_service import TorrentService


@pytest.fixture
def mirror(small_demo, tmp_path):
    """A private copy of the demo mirror (fetches write into it) and its file index."""
    root = tmp_path / "mirror"
    shutil.copytree(small_demo.mirror, root)
    (tmp_path / "state").mkdir()
    files = FileIndex(tmp_path / "state" / "files.sqlite3")
    files.refresh(discover(root))
    return root, files, tmp_path / "state"


@pytest.fixture
def seeder(small_demo):
    s = LoopbackSeeder(small_demo.torrents_and_swarm())
    s.start()
    yield s
    s.stop()


def missing_entries(files: FileIndex) -> list[FileEntry]:
    ids = [t for t, state in files.all_states() if state == "fetchable"]
    return [present(files.entry(t)) for t in sorted(ids)]


def make_service(files, state, peers, **kw) -> TorrentService:
    return TorrentService(files, state / "parts", state / "quarantine", peers, loopback=True, **kw)


def test_fetch_one_file_only_its_pieces(mirror, seeder, small_demo):
    root, files, state = mirror
    entry = missing_entries(files)[0]
    folder = entry.path.parent
    before = sorted(p.name for p in folder.iterdir())
    service = make_service(files, state, [seeder.endpoint])
    try:
        service.request(entry)
        status = present(service.wait(entry.track_id, 30))
        assert status.state == "done" and status.verified
        downloaded = service.downloaded_bytes()
    finally:
        service.close()
    original = (small_demo.swarm / entry.rel_path).read_bytes()
    assert entry.path.read_bytes() == original
    # no other file of the torrent was created in the mirror
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, entry.path.name])
    assert not list(root.rglob("*.parts"))
    # only the file's own pieces travelled: at most its size plus two boundary pieces
    piece = 32 * 1024
    assert downloaded <= entry.size + 2 * piece
    assert files.entry(entry.track_id).local


def test_play_a_missing_track_to_its_end_through_the_stream(mirror, seeder, small_demo, tmp_path):
    from test_player import Recorder

    from tui.core.services import Location, open_services
    from tui.core.sources import MirrorSources
    from tui.core.swarm import Swarm
    from tui.player.events import Ended, Started
    from tui.player.mpv_engine import MpvEngine
    from tui.player.player import Player

    root, _files, state = mirror
    svc = open_services(Location(root, StatePaths(state), None), Settings())
    host, port = seeder.endpoint
    swarm = Swarm(svc, lambda _event: None, (f"{host}:{port}",))
    entry = missing_entries(svc.files)[0]
    rec = Recorder()
    player = Player(MirrorSources(svc, swarm), MpvEngine(ao="null", options={"ao_null_untimed": "yes"}))
    player.subscribe(rec)
    try:
        player.play([entry.track_id])
        assert rec.finished.wait(60)
    finally:
        player.close()
        swarm.close()
    started = rec.of(Started)
    ended = rec.of(Ended)
    assert started and started[0].kind == "stream"
    track = present(svc.catalogue.track(entry.track_id))
    assert abs(started[0].duration * 1000 - track.duration_ms) <= 100
    assert ended[0].reason == "eof" and ended[0].played_seconds >= track.duration_ms / 1000 - 0.2
    svc.close()


def test_cancel_while_a_read_is_blocked(mirror):
    _root, files, state = mirror
    entry = missing_entries(files)[0]
    service = make_service(files, state, [])  # no peers: the read can only wait
    try:
        stream = service.stream(entry)
        result: list = []
        reader = threading.Thread(target=lambda: result.append(stream.read(4096)))
        reader.start()
        time.sleep(0.5)
        assert reader.is_alive()  # blocked
        started = time.monotonic()
        stream.cancel()
        reader.join(2)
        assert not reader.is_alive() and time.monotonic() - started < 0.5
        assert result == [b""]
        assert not files.entry(entry.track_id).local  # a partial file never counts as local
    finally:
        service.close()


def test_seeder_disappears_then_returns(mirror, small_demo, monkeypatch):
    monkeypatch.setattr(fetch_mod, "STALL_SECONDS", 1.0)
    _root, files, state = mirror
    entries = sorted(missing_entries(files), key=lambda e: -e.size)
    entry = entries[0]
    slow = LoopbackSeeder(small_demo.torrents_and_swarm(), upload_rate_limit=48 * 1024)
    slow.start()
    service = make_service(files, state, [slow.endpoint])
    try:
        service.request(entry)
        deadline = time.monotonic() + 20
        while present(service.file_status(entry.track_id)).pieces_done < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert present(service.file_status(entry.track_id)).state == "fetching"
        slow.stop()  # the swarm goes away mid-track
        stream = service.stream(entry)
        torrent = next(iter(service.torrents.values()))
        pieces = torrent.meta.file_pieces(torrent.meta.file(entry.file_index))
        waiting = next(p for p in pieces if p not in torrent.have)
        # a read that must wait for a piece nobody serves now
        stream.seek(max(0, waiting * torrent.meta.piece_length - entry.offset))
        got: list = []
        reader = threading.Thread(target=lambda: got.append(stream.read(100)))
        reader.start()
        deadline = time.monotonic() + 10
        while present(service.file_status(entry.track_id)).state != "stalled" and time.monotonic() < deadline:
            time.sleep(0.1)
        status = present(service.file_status(entry.track_id))
        assert status.state == "stalled" and "stalled" in status.line()
        back = LoopbackSeeder(small_demo.torrents_and_swarm())
        back.start()
        service.peers.append(back.endpoint)
        for t in service.torrents.values():
            service._connect_peers(t)
        reader.join(20)
        assert got and len(got[0]) == 100  # the blocked read carried on
        assert present(service.wait(entry.track_id, 20)).state == "done"
        back.stop()
    finally:
        service.close()
    assert entry.path.read_bytes() == (small_demo.swarm / entry.rel_path).read_bytes()


def test_hostile_torrent_is_rejected_and_nothing_written(mirror, tmp_path):
    import libtorrent as lt

    from tui.mirror.fetch_status import FetchError
    root, files, state = mirror
    hostile = tmp_path / "evil.torrent"
    hostile.write_bytes(lt.bencode(cast(Any, {b"info": {
        b"name": b"folder", b"piece length": 16384, b"pieces": b"\0" * 20,
        b"files": [{b"length": 10, b"path": [b"..", b"..", b"escaped"]}]}})))
    entry = FileEntry("0000000000000000000000", 1, hostile, "ab" * 20, root, 0, "folder/x", 10, 0, False)
    service = make_service(files, state, [])
    try:
        with pytest.raises((TorrentError, FetchError)):
            service.request(entry)
    finally:
        service.close()
    assert not (root.parent / "escaped").exists() and not (tmp_path / "escaped").exists()


def test_fetch_cli_json(small_demo, tmp_path):
    import json
    import subprocess
    import sys
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    files = FileIndex(home / "state" / "files.sqlite3")
    files.refresh(discover(home / "mirror"))
    entry = missing_entries(files)[0]
    exe = Path(sys.executable).with_name("longtail")
    from mirrors import absent_track
    absent = absent_track(home / "mirror", {t for t, _ in files.all_states()})
    out = subprocess.run([str(exe), "fetch", entry.track_id, absent, "--json",
                          "--state", str(home)], capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    first, second = doc["tracks"]
    assert first["id"] == entry.track_id and first["ok"] and first["verified"]
    assert set(first) >= {"id", "ok", "bytes_downloaded", "added_ms", "first_piece_ms", "complete_ms", "peers",
                          "hash_failures", "banned", "verified", "path", "error"}
    assert 0 <= first["added_ms"] < 30_000 and first["peers"] >= 1
    assert Path(first["path"]).read_bytes() == (small_demo.swarm / entry.rel_path).read_bytes()
    assert not second["ok"] and second["error"]
    assert out.returncode == 1  # not every track was fetched


def test_full_disk_fails_cleanly(small_demo, tmp_path):
    """The mirror's disk fills up mid-fetch: a clear failure, and the partial file is not local."""
    import subprocess as sp
    mount = tmp_path / "small-disk"
    mount.mkdir()
    used = sum(p.stat().st_size for p in small_demo.mirror.rglob("*") if p.is_file())
    size_kib = used // 1024 + 48  # room for the mirror, not for the file to fetch
    if sp.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount)],
              capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        root = mount / "mirror"
        shutil.copytree(small_demo.mirror, root)
        state = tmp_path / "state"
        state.mkdir()
        files = FileIndex(state / "files.sqlite3")
        files.refresh(discover(root))
        entry = max(missing_entries(files), key=lambda e: e.size)
        assert entry.size > 48 * 1024
        seeder = LoopbackSeeder(small_demo.torrents_and_swarm())
        seeder.start()
        service = make_service(files, state, [seeder.endpoint])
        try:
            service.request(entry)
            status = present(service.wait(entry.track_id, 30))
        finally:
            service.close()
            seeder.stop()
        assert status.state == "failed" and "disk is full" in present(status.message)
        assert not present(files.entry(entry.track_id)).local
        files.refresh(discover(root))  # even a fresh scan does not count the partial file
        assert not present(files.entry(entry.track_id)).local
    finally:
        sp.run(["umount", str(mount)], capture_output=True)


def test_a_fetch_state_changed_off_its_owner_thread_is_refused():
    import threading

    from tui.mirror.fetch_status import FetchStatus, FetchStatuses, WrongThread

    statuses = FetchStatuses(threading.Condition(), None, 0.0)
    owner = threading.Thread(target=lambda: None, name="longtail-alerts")
    statuses.owner = owner
    status = statuses.start(FetchStatus("t", "fetching", 100))  # creating one is anyone's
    with pytest.raises(WrongThread):
        statuses.fail(status, "from the wrong thread")
    assert status.state == "fetching"
    changes: list[str] = []
    statuses.submit(lambda: changes.append("made"))  # other threads post instead
    statuses.owner = threading.current_thread()
    statuses.drain()
    assert changes == ["made"]
