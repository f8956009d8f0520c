"""Playback through real libmpv (ao=null) on the demo's real Vorbis and Opus files."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.core.sources import MirrorSources
from tui.player.engine import file_gain
from tui.player.events import Ended, Position, QueueFinished, Started
from tui.player.mpv_engine import MpvEngine, mpv_gain_options
from tui.player.player import Player
from tui.player.queue import Queue, SavedState
from tui.player.source import Source, SourceError, SourceResolver, sniff_codec

FAST = {"ao_null_untimed": "yes"}


@pytest.fixture(scope="module")
def services(small_demo, tmp_path_factory):
    svc = open_services(Location(small_demo.mirror, StatePaths(tmp_path_factory.mktemp("pstate")), small_demo),
                        Settings())
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def local_ids(services):
    ids = [t for t, state in services.files.all_states() if state == "local"]
    assert len(ids) >= 4
    return sorted(ids)


class Recorder:
    def __init__(self) -> None:
        self.events: list = []
        self.finished = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, event) -> None:
        with self.lock:
            self.events.append(event)
        if isinstance(event, QueueFinished):
            self.finished.set()

    def of(self, kind) -> list:
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for e in self.events:
                    if predicate(e):
                        return e
            time.sleep(0.02)
        raise AssertionError(f"timed out; events: {self.events[-10:]}")


def make_player(services, mpv_options=None, **kw) -> tuple[Player, Recorder]:
    rec = Recorder()
    player = Player(MirrorSources(services), MpvEngine(ao="null", options=mpv_options), **kw)
    player.subscribe(rec)
    return player, rec


def test_sniffing():
    assert sniff_codec(b"OggS" + bytes(24) + b"\x01vorbis") == "vorbis"
    assert sniff_codec(b"OggS" + bytes(24) + b"OpusHead") == "opus"
    assert sniff_codec(b"ID3\x03") is None and sniff_codec(b"") is None


def test_plays_to_the_end_and_duration_matches_the_catalogue(services, local_ids):
    player, rec = make_player(services, mpv_options=FAST)
    try:
        player.play(local_ids[:2])
        assert rec.finished.wait(60)
    finally:
        player.close()
    started = rec.of(Started)
    ended = rec.of(Ended)
    assert [e.track_id for e in started] == local_ids[:2]
    assert [(e.track_id, e.reason) for e in ended] == [(i, "eof") for i in local_ids[:2]]
    for event in started:
        track = services.catalogue.track(event.track_id)
        assert abs(event.duration * 1000 - track.duration_ms) <= 100
        assert event.codec == track.tier and event.kind == "local"


def test_gapless_transition(services, local_ids):
    """The next track is in mpv's playlist before the current ends; mpv never goes idle."""
    player, rec = make_player(services, mpv_options=FAST)
    idle_changes: list = []
    playlist_lengths: list[int] = []
    mpv_of(player).observe_property("idle-active", lambda _n, v: idle_changes.append(v))
    mpv_of(player).observe_property("playlist-count", lambda _n, v: playlist_lengths.append(v))
    try:
        player.play(local_ids[:3])
        assert rec.finished.wait(60)
        deadline = time.monotonic() + 10
        while (not idle_changes or idle_changes[-1] is not True) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        player.close()
    assert 2 in playlist_lengths  # current + pre-appended next
    # once playing, mpv is never idle until the queue is done (the initial idle value may or
    # may not be observed before playback starts, depending on timing)
    playing = idle_changes[idle_changes.index(False):]
    assert playing[-1] is True and playing[:-1].count(True) == 0
    assert [e.track_id for e in rec.of(Started)] == local_ids[:3]


def test_pause_and_seek(services, local_ids):
    player, rec = make_player(services)  # timed ao=null: real time passes
    try:
        player.play([local_ids[0]])
        rec.wait_for(lambda e: isinstance(e, Position) and e.seconds > 0.3)
        player.set_paused(True)
        player.sync()
        time.sleep(0.3)
        frozen = player.position
        time.sleep(0.6)
        assert player.paused and abs(player.position - frozen) < 0.05
        player.set_paused(False)
        player.seek(6.0, relative=False)
        rec.wait_for(lambda e: isinstance(e, Position) and e.seconds >= 6.0)
        player.seek(-5.0)
        player.sync()
        rec.wait_for(lambda e: isinstance(e, Position) and 0.5 < e.seconds < 4.0)
        assert not player.paused
    finally:
        player.close()


def test_resume_after_restart(services, local_ids, tmp_path):
    state = tmp_path / "player.json"
    player, rec = make_player(services, state_path=state)
    try:
        player.play(local_ids[:3], start_index=1)
        rec.wait_for(lambda e: isinstance(e, Started))
        player.seek(4.0, relative=False)
        rec.wait_for(lambda e: isinstance(e, Position) and e.seconds >= 4.0)
    finally:
        player.close()  # saves
    saved = SavedState.load(state)
    assert saved.items == local_ids[:3] and saved.current == 1 and saved.position >= 4.0
    again, rec2 = make_player(services, state_path=state)
    try:
        again.restore()
        started = rec2.wait_for(lambda e: isinstance(e, Started))
        assert started.track_id == local_ids[1]
        again.sync()
        time.sleep(0.3)
        assert again.paused and again.queue.items == local_ids[:3] and again.queue.current == 1
        assert abs(again.position - saved.position) < 0.5
    finally:
        again.close()


class FileResolver(SourceResolver):
    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def resolve(self, track_id: str) -> Source:
        if track_id not in self.files:
            raise SourceError("absent: no local file and no known torrent holds it")
        path = self.files[track_id]
        return Source(track_id, "vorbis", "local", path=path)


def test_corrupt_and_absent_tracks_error_and_the_queue_moves_on(services, local_ids, tmp_path):
    good = services.files.entry(local_ids[0]).path
    truncated = tmp_path / "truncated"
    truncated.write_bytes(good.read_bytes()[:200])
    garbage = tmp_path / "garbage"
    garbage.write_bytes(os.urandom(50_000))
    resolver = FileResolver({"bad1": truncated, "bad2": garbage, "good": good})
    rec = Recorder()
    player = Player(resolver, MpvEngine(ao="null", options=FAST))
    player.subscribe(rec)
    try:
        player.play(["bad1", "absent", "bad2", "good"])
        assert rec.finished.wait(60)
    finally:
        player.close()
    ended = {e.track_id: e for e in rec.of(Ended)}
    for bad in ("bad1", "absent", "bad2"):
        assert ended[bad].reason == "error" and ended[bad].message
    assert ended["good"].reason == "eof"
    assert "absent" in ended["absent"].message


def test_replaygain_is_applied_as_mpv_options(services, local_ids):
    player, rec = make_player(services, replaygain="album", preamp=2.0)
    try:
        assert mpv_of(player)["replaygain"] == "album"
        assert mpv_of(player)["replaygain-clip"] is False
        assert float(mpv_of(player)["replaygain-preamp"]) == 2.0
        player.play([local_ids[0]])
        rec.wait_for(lambda e: isinstance(e, Started))
        rg = services.catalogue.ledger(local_ids[0]).replaygain
        assert float(mpv_of(player)["replaygain-fallback"]) == pytest.approx(rg.album_gain_db, abs=0.01)
        player.set_replaygain("off")
        player.sync()
        assert mpv_of(player)["replaygain"] in (False, "no")
    finally:
        player.close()


def test_clipping_guard_uses_the_ledger_peak():
    from tui.catalogue.records import ReplayGain
    loud = ReplayGain(6.0, 0.9, -3.0, 0.9)
    opts = mpv_gain_options(file_gain(loud, "track", 0.0))
    # +6 dB on a 0.9 peak would clip: the preamp is lowered by the excess
    assert float(opts["replaygain-preamp"]) == pytest.approx(-(6.0 + 20 * __import__("math").log10(0.9)), abs=0.01)
    assert "replaygain-preamp" not in mpv_gain_options(file_gain(loud, "album", 0.0))
    assert mpv_gain_options(file_gain(loud, "off", 0.0)) == {}


def test_queue_logic():
    q = Queue(["a", "b", "c"])
    q.current = 1
    q.insert_next("x")
    assert q.items == ["a", "b", "x", "c"]
    q.move(3, 0)
    assert q.items == ["c", "a", "b", "x"] and q.current == 2
    q.remove(0)
    assert q.current == 1 and q.current_id == "b"
    assert q.index_after(3) is None
    q.repeat = "queue"
    assert q.index_after(2) == 0
    q.repeat = "track"
    assert q.index_after(1) == 1 and q.index_after(1, manual=True) == 2
    q.clear()
    assert q.current is None and q.index_after(None) is None


def test_play_json_cli(small_demo, local_ids, services):
    import json
    import subprocess
    import sys
    exe = Path(sys.executable).with_name("longtail")
    from mirrors import absent_track
    absent = absent_track(small_demo.mirror, {t for t, _ in services.files.all_states()})  # in no torrent
    out = subprocess.run([str(exe), "play", local_ids[0], absent, "--json", "--ao", "null",
                          "--state", str(small_demo.home)], capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = [d["event"] for d in lines]
    assert kinds[:2] == ["left_out", "started"]  # the queue is made (and what is left out said) before it plays
    assert lines[1]["id"] == local_ids[0] and lines[1]["codec"] in ("vorbis", "opus")
    assert "position" in kinds
    ended = [d for d in lines if d["event"] == "ended"]
    assert ended[0]["id"] == local_ids[0] and ended[0]["reason"] == "eof" and ended[0]["played_seconds"] > 5
    # the absent track never joined the queue: said first, and the exit code says it
    assert {"event": "left_out", "id": absent, "message": "absent: no local file and no known torrent holds it"} \
        in lines and all(d.get("id") != absent for d in ended)
    assert out.returncode == 1  # one track could not be played
    nobody = subprocess.run([str(exe), "play", local_ids[0], "0000000000000000000000", "--json", "--ao", "null",
                             "--state", str(small_demo.home)], capture_output=True, text=True, timeout=120)
    assert nobody.returncode == 1 and nobody.stdout == "" and "no track with id" in nobody.stderr  # refused first
    positions = [d["seconds"] for d in lines if d["event"] == "position"]
    assert positions == sorted(positions) and positions[-1] > 5


def test_an_absent_track_plays_its_archived_isrc_sibling_and_says_so(small_demo, local_ids, services):
    """Real libmpv (ao=null): the same recording under another release stands in, and
    `started` names it in `via`; the file played is the sibling's, untouched."""
    import hashlib
    import json
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("longtail")
    catalogue = services.catalogue
    pair = None
    for local_id in local_ids:
        track = catalogue.track(local_id)
        siblings = catalogue.isrc_siblings(track) if track.isrc else []
        absent = [s for s in siblings if services.files.state(s.id) == "absent"]
        if absent:
            pair = (absent[0], track)
            break
    assert pair is not None, "the demo has an absent track with a local ISRC sibling"
    absent, sibling = pair
    path = services.files.entry(sibling.id).path
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = subprocess.run([str(exe), "play", absent.id, "--json", "--ao", "null", "--state", str(small_demo.home)],
                         capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    started = next(d for d in lines if d["event"] == "started")
    assert started["id"] == absent.id and started["via"] == sibling.id and started["source"] == "local"
    assert "ISRC" in started["note"]
    ended = [d for d in lines if d["event"] == "ended"]
    assert ended[0]["reason"] == "eof" and ended[0]["played_seconds"] > 5 and out.returncode == 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_no_position_is_negative_or_past_the_end_over_20_track_changes(services, local_ids):
    """Real libmpv (ao=null at 16× speed): 20 track changes, gapless and not; every position
    a face is told (what `play --json` prints, what the bar and MPRIS show) is within
    0..duration, and each track's positions never run backwards."""
    player, rec = make_player(services, mpv_options={"speed": "16", "audio_pitch_correction": "no"})
    queue = (local_ids * 6)[:21]
    try:
        player.play(queue)
        assert rec.finished.wait(120), rec.events[-5:]
    finally:
        player.close()
    started = rec.of(Started)
    assert len(started) == 21  # 20 changes
    positions = rec.of(Position)
    assert len(positions) > 40
    for event in positions:
        assert event.seconds >= 0.0, event
        if event.duration:
            assert event.seconds <= event.duration + 0.5, event
    by_entry: list[list[float]] = []
    for event in rec.events:
        if isinstance(event, Started):
            by_entry.append([])
        elif isinstance(event, Position) and by_entry:
            by_entry[-1].append(event.seconds)
    assert all(seconds == sorted(seconds) for seconds in by_entry)


def mpv_of(player) -> Any:
    """The libmpv handle under the player (the real engine is an MpvEngine)."""
    from tui.player.mpv_engine import MpvEngine

    engine = player.engine
    assert isinstance(engine, MpvEngine)
    return engine.mpv
