"""Peers as a real user gets them, and a swarm with a bad peer in it: no `--peer` anywhere.

Real libtorrent sessions, opentracker (Debian's, with its info-hash whitelist) and aria2c on
127.0.0.1. The DHT test runs in a network namespace of its own (`unshare -n`), as everything
that starts a DHT node must."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import swarm_kit as kit
from expect import present

from tui.config import Settings, StatePaths
from tui.config.schema import Swarm as SwarmConfig
from tui.core.commands import Play
from tui.core.events import Ended, Started
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.torrent_service import TorrentService

pytestmark = pytest.mark.slow
LOOPBACK_SWARM = SwarmConfig(listen=["127.0.0.1:0"], dht=False, lsd=False, upnp=False)


def demo_folder(small_demo, root: Path, tracker: str | None, piece: int = 64 * 1024):
    """A mirror with the demo's catalogue and one of its data folders re-torrented (announcing to
    `tracker`), every file of it missing; the demo's full copy is the swarm's."""
    from tui.mirror.torrents import make_v1_torrent

    data = next(small_demo.swarm.glob("annas_archive_data__*"))
    mirror = root / "mirror"
    metadata = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata"))
    shutil.copytree(metadata, mirror / metadata.name)
    (mirror / data.name).mkdir()
    torrent = make_v1_torrent(data, piece, mirror / f"{data.name}.torrent", (tracker,) if tracker else ())
    return mirror, torrent, data


def tracks_of(mirror: Path, state: Path) -> list[str]:
    files = FileIndex(state / "probe.sqlite3")
    files.refresh(discover(mirror))
    ids = sorted(t for t, s in files.all_states() if s == "fetchable")
    files.close()
    return ids


def explain(service: TorrentService, status) -> str:
    """What a failed fetch looked like inside libtorrent (block states of each piece in flight,
    peers), so a rare failure says more than its status line."""
    if status is None or status.state == "done":
        return ""
    lines = [status.line()]
    for torrent in service.torrents.values():
        for q in torrent.handle.get_download_queue():
            lines.append(f"piece {q['piece_index']}: blocks {[b.get('state') for b in q['blocks']]}")
        for p in torrent.handle.get_peer_info():
            lines.append(f"peer {p.ip} got {p.total_download} B, queue {p.download_queue_length}, flags {p.flags}")
        lines.append(f"have {sorted(torrent.have)}, rechecked at {torrent.rechecked_at:.0f}")
    return "\n".join(lines)


def wait_for(events, kind, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = events.get(0.2)
        if isinstance(event, kind):
            return event
        if isinstance(event, Ended) and event.reason == "error":
            raise AssertionError(event.message)
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


@pytest.mark.skipif(not shutil.which("opentracker"), reason="needs opentracker (./dev test installs it)")
def test_peers_from_the_torrents_own_tracker_alone_play_a_missing_track(small_demo, tmp_path):
    swarm = kit.Swarm(tmp_path)
    port = kit.free_port()
    mirror, torrent, data = demo_folder(small_demo, tmp_path, f"http://127.0.0.1:{port}/announce")
    import libtorrent as lt

    try:
        swarm.start_tracker([str(lt.torrent_info(str(torrent)).info_hash())], port)
        swarm.libtorrent_seeder("seed", [(torrent, data.parent)], 0)
        settings = Settings(swarm=LOOPBACK_SWARM)  # no peers named anywhere
        session = Session(open_services(Location(mirror, StatePaths(tmp_path / "state"), None), settings))
        try:
            track = tracks_of(mirror, tmp_path)[0]
            events = session.bus.queue((Started, Ended))
            session.start_fetching()
            session.start_player(ao="null", remember=False)
            session.send(Play((track,)))
            started = wait_for(events, Started, 60)
            assert started.track_id == track and started.kind == "stream"
        finally:
            session.close()
    finally:
        swarm.close()


DHT_SCRIPT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
import libtorrent as lt
import swarm_kit as kit
from pathlib import Path
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.torrent_add import SwarmOptions
from tui.mirror.torrent_service import TorrentService
cfg = json.loads(sys.argv[1])
# several nodes on one address: libtorrent keeps one node per IP unless told otherwise
LOCAL_DHT = {"dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
             "dht_prefer_verified_node_ids": False}
ports = [kit.free_port() for _ in range(5)]
nodes = []
for i, port in enumerate(ports):
    nodes.append(lt.session({"listen_interfaces": f"127.0.0.1:{port}", "enable_dht": True, "enable_lsd": False,
                             "enable_upnp": False, "enable_natpmp": False, "alert_mask": 0,
                             "dht_bootstrap_nodes": ",".join(f"127.0.0.1:{p}" for p in ports[:i]), **LOCAL_DHT}))
    time.sleep(0.3)
a = lt.add_torrent_params(); a.ti = lt.torrent_info(cfg["torrent"]); a.save_path = cfg["swarm"]
a.flags |= lt.torrent_flags.seed_mode; a.flags &= ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
seed = nodes[0].add_torrent(a)
for _ in range(24):  # the nodes find each other and the seeder is announced
    time.sleep(0.5); seed.force_dht_announce()
files = FileIndex(Path(cfg["state"]) / "files.sqlite3"); files.refresh(discover(Path(cfg["mirror"])))
entry = files.entry(cfg["track"])
options = SwarmOptions(listen=("127.0.0.1:0",), dht=True, dht_bootstrap=tuple(f"127.0.0.1:{p}" for p in ports),
                       lsd=False, utp=True, upnp=False)
service = TorrentService(files, Path(cfg["state"]) / "parts", Path(cfg["state"]) / "q", [], swarm=options, seed=False)
service.session.apply_settings(LOCAL_DHT)
began = time.monotonic()
service.request(entry)
status = service.wait(entry.track_id, 90)
print(json.dumps({"state": status.state, "verified": status.verified, "dht_ready": service.dht_ready.is_set(),
                  "seconds": time.monotonic() - began}), flush=True)
service.close()
"""


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare for a network namespace of its own")
def test_peers_from_the_dht_alone_fetch_a_track(small_demo, tmp_path):
    mirror, torrent, data = demo_folder(small_demo, tmp_path, None)  # no tracker at all
    track = tracks_of(mirror, tmp_path)[0]
    cfg = {"torrent": str(torrent), "swarm": str(data.parent), "mirror": str(mirror), "state": str(tmp_path / "s"),
           "track": track}
    script = tmp_path / "dht_swarm.py"
    script.write_text(DHT_SCRIPT)
    out = subprocess.run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", sys.executable,
                          str(script), json.dumps(cfg), str(kit.ROOT / "bench")],
                         capture_output=True, text=True, timeout=240, cwd=kit.ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # no tracker, no peer named, LSD off: the seeder could only be found through the DHT
    assert result["state"] == "done" and result["verified"], result
    assert (mirror / data.name).exists()


@pytest.mark.skipif(not shutil.which("aria2c"), reason="needs aria2c (./dev test installs it)")
def test_a_corrupt_seeder_beside_a_clean_one_never_stalls_the_fetch_and_is_banned(small_demo, tmp_path):
    """aria2c serves a copy with a flipped byte in every 16 KiB block (`--bt-seed-unverified`
    sends it unchecked), a libtorrent seeder the real one: the fetch completes and is verified
    every time, and the peer that sent bad data is banned."""
    mirror, torrent, data = demo_folder(small_demo, tmp_path, None, piece=256 * 1024)
    folder = kit.Folder(data.name, 256 * 1024, torrent, [], sorted(p.name for p in data.iterdir()))
    evil = tmp_path / "evil"
    kit.corrupt_copy(data.parent, evil, folder)
    swarm = kit.Swarm(tmp_path)
    good_port, evil_port = kit.free_port(), kit.free_port()
    try:
        swarm.libtorrent_seeder("good", [(torrent, data.parent)], 100_000, port=good_port)  # slower than the bad one
        swarm.aria2_seeder("evil", [torrent], evil, 0, good=False, port=evil_port)
        time.sleep(1.5)
        ids = tracks_of(mirror, tmp_path)
        probe = FileIndex(tmp_path / "probe.sqlite3")
        sizes = {t: present(probe.entry(t)).size for t in ids}
        biggest = sorted(ids, key=lambda t: -sizes[t])[:3]  # files of several pieces
        for n, track in enumerate(biggest):
            state = tmp_path / f"state-{n}"
            files = FileIndex(state / "files.sqlite3")
            files.refresh(discover(mirror))
            service = TorrentService(files, state / "parts", state / "q",
                                     [("127.0.0.1", evil_port), ("127.0.0.1", good_port)], loopback=True, seed=False)
            try:
                service.request(present(files.entry(track)))
                status = service.wait(track, 60)
                said = explain(service, status)
            finally:
                service.close()
            assert status is not None and status.state == "done" and status.verified, said
            assert status.hash_failures >= 1  # the bad copy did reach us...
            assert status.banned >= 1  # ...and the peer that sent it was banned
            assert present(files.entry(track)).local
            files.close()
    finally:
        swarm.close()


def test_a_piece_that_arrived_but_was_never_verified_is_rechecked_and_the_fetch_ends(small_demo, tmp_path):
    """The recovery for a piece libtorrent neither verifies nor asks for again (seen about once
    in fifty fetches beside a corrupt seeder): a recheck finds the right bytes on disk and the
    fetch ends verified, with no peer at all."""
    from tui.mirror.torrents import make_v1_torrent

    mirror, _, data = demo_folder(small_demo, tmp_path, None)
    one = tmp_path / "one" / data.name  # a torrent of one file: its pieces hold no other file's bytes
    one.mkdir(parents=True)
    source = sorted(data.iterdir())[0]
    shutil.copyfile(source, one / source.name)
    make_v1_torrent(one, 16 * 1024, mirror / f"{data.name}.torrent", ())
    files = FileIndex(tmp_path / "files.sqlite3")
    files.refresh(discover(mirror))
    [(track, _)] = [(t, s) for t, s in files.all_states() if s == "fetchable"]
    entry = present(files.entry(track))
    service = TorrentService(files, tmp_path / "parts", tmp_path / "q", [], loopback=True, seed=False)
    try:
        service.request(entry)
        time.sleep(1.0)
        assert service.status[track].state in ("queued", "fetching")
        shutil.copyfile(source, entry.path)  # as if every block had arrived
        service._unstick(service.torrents[present(entry.info_hash)])
        status = service.wait(track, 30)
    finally:
        service.close()
    assert status is not None and status.state == "done" and status.verified, status and status.line()
    assert present(files.entry(track)).local


def test_a_fetch_that_lost_every_peer_after_bad_data_is_added_again_and_keeps_its_verified_pieces(small_demo, tmp_path):
    """libtorrent bans every peer that shared in four failed pieces, the good ones too when the
    bad one sent blocks of each: the fetch had no peer for two minutes. Here bad data is
    counted and the seeder goes away: the torrent is added again, and once a seeder is back
    the file completes, verified, without fetching again a piece it had."""
    import functools

    mirror, torrent, data = demo_folder(small_demo, tmp_path, None)
    port = kit.free_port()
    ids = tracks_of(mirror, tmp_path)
    files = FileIndex(tmp_path / "files.sqlite3")
    files.refresh(discover(mirror))
    track = max(ids, key=lambda t: present(files.entry(t)).size)
    entry = present(files.entry(track))
    first = kit.Swarm(tmp_path / "first")
    first.libtorrent_seeder("slow", [(torrent, data.parent)], 150_000, port=port)
    service = TorrentService(files, tmp_path / "parts", tmp_path / "q", [("127.0.0.1", port)], loopback=True,
                             seed=False)
    second = kit.Swarm(tmp_path / "second")
    try:
        status = service.request(entry)
        active = service.torrents[present(entry.info_hash)]
        deadline = time.monotonic() + 30
        while len(active.have) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(active.have) >= 3, service.status[track].line()
        service.statuses.submit(functools.partial(service.statuses.hash_failed, status))  # as a bad peer's data
        first.close()  # no peer left
        deadline = time.monotonic() + 15
        while active.added_again == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert active.added_again >= 1, "a fetch with no peer after bad data is added again"
        with service.cond:
            had = set(active.have)
        second.libtorrent_seeder("back", [(torrent, data.parent)], 0, port=port)
        done = service.wait(track, 60)
        assert done is not None and done.state == "done" and done.verified, done.line() if done else None
        pieces = torrent_pieces(service, entry)
        again = active.handle.status().total_payload_download
        missing = sum(service.torrents[present(entry.info_hash)].meta.piece_size(p) for p in pieces if p not in had)
        assert again <= missing * 1.05 + 16 * 1024, (again, missing)  # what it had was not fetched again
        assert present(files.entry(track)).local
        assert sorted(p.name for p in (mirror / data.name).iterdir()) == [entry.path.name]  # nothing else written
    finally:
        service.close()
        first.close()
        second.close()
        files.close()


def torrent_pieces(service: TorrentService, entry) -> list[int]:
    meta = service.torrents[present(entry.info_hash)].meta
    return list(meta.file_pieces(meta.file(entry.file_index)))


def test_play_json_says_what_a_missing_track_waits_for_before_it_starts(small_demo, tmp_path):
    """`play --json` of a missing track behind a slow seeder: "buffering" lines with the bytes of
    the pieces playback needs (whole pieces), the peers and an ETA, before "started"."""
    piece = 256 * 1024
    mirror, torrent, data = demo_folder(small_demo, tmp_path, None, piece=piece)
    swarm = kit.Swarm(tmp_path)
    port = kit.free_port()
    config = tmp_path / "config.toml"
    config.write_text('[swarm]\nlisten = ["127.0.0.1:0"]\ndht = false\nlsd = false\nupnp = false\n')
    try:
        swarm.libtorrent_seeder("slow", [(torrent, data.parent)], 120_000, port=port)  # a piece takes ~2 s
        track = tracks_of(mirror, tmp_path)[0]
        exe = Path(sys.executable).with_name("longtail")
        run = subprocess.run([str(exe), "play", track, "--json", "--ao", "null", "--no-seed", "--peer",
                              f"127.0.0.1:{port}", "--mirror", str(mirror), "--state", str(tmp_path / "state")],
                             capture_output=True, text=True, timeout=120,
                             env={**__import__("os").environ, "LONGTAIL_CONFIG": str(config)})
    finally:
        swarm.close()
    events = [json.loads(line) for line in run.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert "started" in kinds, (run.returncode, run.stderr[-800:])
    before = [e for e in events[:kinds.index("started")] if e["event"] == "buffering"]
    assert before, kinds[:10]
    assert all(e["id"] == track for e in before), before
    assert all(0 <= e["need_done"] <= e["need_bytes"] for e in before), before
    assert max(e["need_bytes"] for e in before) >= piece  # whole pieces: nothing plays before one is verified
    assert any(e["peers"] >= 1 and e["line"].startswith("buffering") for e in before), before[-1]
    assert any(e["eta"] is not None for e in before), before[-1]


@pytest.mark.skipif(not shutil.which("aria2c"), reason="needs aria2c (./dev test installs it)")
def test_our_smart_ban_names_the_corrupt_peer_among_good_ones_before_they_lose_their_trust(small_demo, tmp_path):
    """Each peer at an address of its own, as in a real swarm: aria2c serves a copy with a
    flipped byte in every 16 KiB block, three libtorrent seeders at the same rate the real one,
    so every attempt at a piece holds some bad blocks and no piece passes to name the bad peer
    by libtorrent's own smart-ban. Comparing the failed copies block by block names it, and
    it is shut out by address; no good peer ever is, and every fetch ends verified."""
    from tui.mirror.torrents import make_v1_torrent

    data = next(small_demo.swarm.glob("annas_archive_data__*"))
    # one file in one piece: every block of it readable, and the corrupt peer (a quarter of the
    # blocks) in every attempt, never alone in one (which libtorrent bans at once)
    biggest = max(data.iterdir(), key=lambda p: p.stat().st_size)
    one = tmp_path / "swarm" / data.name
    one.mkdir(parents=True)
    shutil.copyfile(biggest, one / biggest.name)
    mirror = tmp_path / "mirror"
    metadata = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata"))
    shutil.copytree(metadata, mirror / metadata.name)
    (mirror / data.name).mkdir()
    torrent = make_v1_torrent(one, 512 * 1024, mirror / f"{data.name}.torrent", ())
    evil = tmp_path / "evil"
    kit.corrupt_copy(one.parent, evil, kit.Folder(data.name, 512 * 1024, torrent, [], [biggest.name]))
    swarm = kit.Swarm(tmp_path)
    good = [(f"127.0.0.{n}", kit.free_port()) for n in (2, 3, 4)]
    evil_peer = ("127.0.0.9", kit.free_port())
    named, failures = [], []
    try:
        for n, (host, port) in enumerate(good):
            swarm.libtorrent_seeder(f"good{n}", [(torrent, one.parent)], 100_000, port=port, host=host)
        swarm.aria2_seeder("evil", [torrent], evil, 100_000, good=False, port=evil_peer[1])
        time.sleep(1.5)
        [track] = tracks_of(mirror, tmp_path)
        for n in range(3):
            for fetched in (mirror / data.name).iterdir():
                fetched.unlink()  # each fetch starts from nothing
            state = tmp_path / f"state-{n}"
            files = FileIndex(state / "files.sqlite3")
            files.refresh(discover(mirror))
            service = TorrentService(files, state / "parts", state / "q", [evil_peer, *good], loopback=True,
                                     seed=False)
            try:
                service.request(present(files.entry(track)))
                status = service.wait(track, 90)
                said = explain(service, status)
                named.append(set(service.banned_addresses))
                rules = service.session.get_ip_filter()
                shut_out = {host for host, _ in [evil_peer, *good] if rules.access(host) != 0}
            finally:
                service.close()
            assert status is not None and status.state == "done" and status.verified, said
            assert shut_out <= {evil_peer[0]}, shut_out  # no good peer is ever shut out
            failures.append(status.hash_failures)
            assert present(files.entry(track)).local
            files.close()
    finally:
        swarm.close()
    # named wherever the bad copies went on long enough to be compared twice (three failures)
    assert all(evil_peer[0] in n for n, f in zip(named, failures, strict=True) if f >= 3), (named, failures)
    assert any(named), (named, failures)
