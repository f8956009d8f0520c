"""Peers on a real machine: late seeders, names, nobody at all. Real libtorrent sessions on
127.0.0.1, real libmpv (ao=null) for play."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from expect import present
from test_player import Recorder

from tui.config import PeerAddress, Settings, StatePaths
from tui.core.commands import Play
from tui.core.events import Ended, NowPlaying
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.errors import LongtailError
from tui.mirror import fetch_status
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.peers import resolve_peers
from tui.mirror.seeder import LoopbackSeeder
from tui.mirror.torrent_service import TorrentService

EXE = Path(sys.executable).with_name("longtail")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def home(small_demo, tmp_path) -> Path:
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    return home


def fetchable(files: FileIndex) -> list:
    return [files.entry(t) for t, s in sorted(files.all_states()) if s == "fetchable"]


def test_a_seeder_that_starts_late_is_reached_within_a_second_or_two(home, small_demo):
    files = FileIndex(home / "state" / "late.sqlite3")
    files.refresh(discover(home / "mirror"))
    entry = fetchable(files)[0]
    port = free_port()
    service = TorrentService(files, home / "state" / "parts", home / "state" / "quarantine",
                             [("127.0.0.1", port)], loopback=True)
    seeder = LoopbackSeeder(small_demo.torrents_and_swarm(), port=port)
    try:
        service.request(entry)
        time.sleep(10)  # every dial so far was refused (more than libtorrent's 3 failures): nobody listens yet
        assert present(service.file_status(entry.track_id)).state != "done"
        seeder.start()
        up = time.monotonic()
        status = service.wait(entry.track_id, 30)
        assert status is not None and status.state == "done" and status.verified
        assert time.monotonic() - up < 6  # dialled again, not left for libtorrent's minute-long backoff
    finally:
        service.close()
        seeder.stop()


def test_names_resolve_once_and_a_name_that_does_not_is_one_line():
    assert ("127.0.0.1", 6881) in resolve_peers([PeerAddress("localhost", 6881)])
    assert resolve_peers([PeerAddress("::1", 7)]) == [("::1", 7)]
    with pytest.raises(LongtailError) as caught:
        resolve_peers([PeerAddress("no-such-host.invalid", 6881)])
    assert "no-such-host.invalid" in str(caught.value) and "\n" not in str(caught.value)


def test_fetch_by_peer_name_and_an_unresolvable_peer(home, small_demo):
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    track = fetchable(services.files)[0].track_id
    services.close()
    with LoopbackSeeder(small_demo.torrents_and_swarm()) as seeder:
        out = subprocess.run([str(EXE), "fetch", track, "--peer", f"localhost:{seeder.port}", "--mirror",
                              str(home / "mirror"), "--state", str(home / "state"), "--json", "--timeout", "30"],
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([str(EXE), "fetch", track, "--peer", "no-such-host.invalid:6881", "--mirror",
                          str(home / "mirror"), "--state", str(home / "state")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "cannot resolve" in out.stderr


def test_play_with_no_peer_ends_with_an_error_after_the_give_up_time_and_counts_down(home, monkeypatch):
    monkeypatch.setattr(fetch_status, "STALL_SECONDS", 0.5)
    monkeypatch.setattr(fetch_status, "GIVE_UP_SECONDS", 3.0)
    session = Session(open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings()))
    rec = Recorder()
    session.bus.subscribe(rec)
    try:
        track = fetchable(session.services.files)[0].track_id
        session.start_fetching((f"127.0.0.1:{free_port()}",))  # nobody there, ever
        session.start_player(ao="null", remember=False)
        began = time.monotonic()
        session.send(Play((track,)))
        ended = rec.wait_for(lambda e: isinstance(e, Ended) and e.track_id == track, 30)
        assert ended.reason == "error" and "no peer sent any of it" in ended.message
        assert 2.5 < time.monotonic() - began < 15
        lines = [e.fetch.line for e in rec.of(NowPlaying) if e.fetch is not None and e.fetch.state == "stalled"]
        assert any("giving up in" in line for line in lines)  # the countdown the bar shows
    finally:
        session.close()
