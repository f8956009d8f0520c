"""Scrobbling: the services' own rules, the queue that loses nothing, and the real player
sending to loopback servers shaped like ListenBrainz and Last.fm (they check the token,
the payload and the signature as the real APIs do)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrobble_servers import LastfmServer, ListenBrainzServer

from tui.catalogue.records import AlbumRef, ArtistRef, Track
from tui.player.events import Ended, Position, Seeked, Started
from tui.scrobble.queue import ScrobbleQueue
from tui.scrobble.rules import ListenDue, ListenRules, NowPlayingDue
from tui.scrobble.scrobbler import Scrobbler
from tui.scrobble.services import Lastfm, ListenBrainz

EXE = Path(sys.executable).with_name("longtail")


def track(n: int, seconds: float = 200.0) -> Track:
    return Track(n, f"{n:022d}", f"Song {n}", 40, int(seconds * 1000), 1, n, False, f"USAAA{n:07d}",
                 AlbumRef(1, "a" * 22, "An album", "album", "2001"), (ArtistRef(1, "b" * 22, "Someone"),))


def played(rules: ListenRules, track_id: str, positions: list[float], duration: float = 200.0) -> list:
    out = rules.apply(Started(track_id, "vorbis", "local", 0, duration))
    for p in positions:
        out += rules.apply(Position(track_id, p, duration))
    return out


def test_the_rules_half_or_four_minutes_of_time_actually_played():
    clock = iter(range(1_700_000_000, 1_800_000_000)).__next__
    rules = ListenRules(lambda _t: None, clock=lambda: float(clock()))
    steps = [i * 0.25 for i in range(0, 401)]  # 100 s, a step at a time
    due = played(rules, "a", steps)
    assert isinstance(due[0], NowPlayingDue) and [type(d) for d in due[1:]] == [ListenDue]  # at 100 s of 200
    rules.apply(Started("b", "vorbis", "local", 0, 200.0))
    assert rules.apply(Position("b", 1.0, 200.0)) == []
    assert rules.apply(Seeked("b", 150.0)) == []  # a seek forward earns nothing
    assert [d for p in (150.5, 151.0) for d in rules.apply(Position("b", p, 200.0))] == []
    assert rules.apply(Ended("b", "eof", 2.0)) == []  # the player's own count agrees: 2 s
    long = played(rules, "c", [i * 0.5 for i in range(0, 481)], duration=3600.0)  # 240 s of an hour
    assert any(isinstance(d, ListenDue) for d in long)
    short = played(rules, "d", [0.0, 0.5], duration=20.0)
    assert rules.apply(Ended("d", "eof", 10.0))[0].track_id == "d"  # from the player's count at the end
    assert not [d for d in short if isinstance(d, ListenDue)]
    assert not Lastfm("k", "s", "sk", "u").accepts(30.0) and Lastfm("k", "s", "sk", "u").accepts(30.5)
    assert ListenBrainz("t", "http://127.0.0.1:9").accepts(5.0)  # ListenBrainz has no minimum


@pytest.fixture
def lb():
    server = ListenBrainzServer()
    yield server
    server.close()


@pytest.fixture
def fm():
    server = LastfmServer()
    yield server
    server.close()


def scrobbler(services, store, tracks: dict[str, Track], said: list) -> Scrobbler:
    return Scrobbler(services, store, tracks.get, lambda text, level: said.append((level, text)), "test",
                     first_backoff=0.2)


def feed(s: Scrobbler, t: Track, start: float = 0.0) -> None:
    s.post(Started(t.id, "vorbis", "local", 0, t.duration_ms / 1000))
    s.post(Ended(t.id, "eof", t.duration_ms / 1000))


def wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_listen_past_its_backoff_never_overtakes_an_older_one_still_waiting(tmp_path):
    """The full suite once saw "Song 3, Song 1, Song 2": the last listen, postponed once, was
    due before the first two (postponed more, longer); a queue hands out the oldest first."""
    store = ScrobbleQueue(tmp_path / "scrobbles.sqlite3")
    try:
        for n in (1, 2, 3):
            assert store.add("listenbrainz", f"{n:022d}", 1_700_000_000, {"n": n})
        ids = [q.id for q in store.due("listenbrainz", 10)]
        store.postpone(ids[:2], "503", 3600.0)  # the older two: a long backoff left
        store.postpone(ids[2:], "503", -1.0)  # the newest: due now
        assert [q.payload["n"] for q in store.due("listenbrainz", 10)] == [1, 2, 3]
        store.postpone(ids, "503", 3600.0)
        assert store.due("listenbrainz", 10) == []  # none due: none handed out
    finally:
        store.close()


def test_a_service_down_then_up_gets_every_listen_once_in_order(lb, tmp_path):
    tracks = {t.id: t for t in (track(1), track(2), track(3))}
    store = ScrobbleQueue(tmp_path / "scrobbles.sqlite3")
    said: list = []
    lb.mode = "down"
    s = scrobbler([ListenBrainz(ListenBrainzServer.TOKEN, lb.url)], store, tracks, said)
    try:
        for t in tracks.values():
            feed(s, t)
        wait(lambda: sum(c.queued for c in store.counts()) == 3 and all(c.last_error for c in store.counts()))
        assert lb.listens == [] and said == []  # down is not worth a word: it is kept for later
        lb.mode = "up"
        wait(lambda: len(lb.listens) == 3)
        time.sleep(1.0)
        assert [x["track_metadata"]["track_name"] for x in lb.listens] == ["Song 1", "Song 2", "Song 3"]
        assert len(lb.listens) == 3 and store.counts()[0].sent == 3 and store.counts()[0].queued == 0
    finally:
        s.close()
        store.close()


def test_a_wrong_token_is_said_once_and_the_listens_are_kept(lb, tmp_path):
    tracks = {t.id: t for t in (track(1), track(2))}
    store = ScrobbleQueue(tmp_path / "scrobbles.sqlite3")
    said: list = []
    s = scrobbler([ListenBrainz("a-wrong-token", lb.url)], store, tracks, said)
    try:
        for t in tracks.values():
            feed(s, t)
        wait(lambda: sum(c.queued for c in store.counts()) == 2 and store.counts()[0].last_error)
        time.sleep(0.5)
    finally:
        s.close()
    assert len([t for _l, t in said if "token" in t]) == 1, said
    assert lb.listens == [] and store.counts()[0].queued == 2
    store.close()


KILLED = """
import sys, time
sys.path.insert(0, sys.argv[3])
from test_scrobble import track
from tui.player.events import Ended, Started
from tui.scrobble.queue import ScrobbleQueue
from tui.scrobble.scrobbler import Scrobbler
from tui.scrobble.services import ListenBrainz
store = ScrobbleQueue(__import__("pathlib").Path(sys.argv[1]))
tracks = {t.id: t for t in (track(1), track(2), track(3))}
s = Scrobbler([ListenBrainz("lb-good-token", sys.argv[2])], store, tracks.get, lambda *a: None, "test")
for t in tracks.values():
    s.post(Started(t.id, "vorbis", "local", 0, 200.0))
    s.post(Ended(t.id, "eof", 200.0))
while sum(c.queued for c in store.counts()) < 3:
    time.sleep(0.02)
print("queued", flush=True)
time.sleep(60)
"""


def test_kill_9_with_listens_queued_loses_none_and_sends_none_twice(lb, tmp_path):
    db = tmp_path / "scrobbles.sqlite3"
    lb.mode = "down"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(db), lb.url, str(Path(__file__).parent)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "queued"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    lb.mode = "up"
    store = ScrobbleQueue(db)
    s = scrobbler([ListenBrainz(ListenBrainzServer.TOKEN, lb.url)], store, {}, [])
    try:
        wait(lambda: len(lb.listens) == 3)
        time.sleep(0.5)
    finally:
        s.close()
    assert sorted(x["track_metadata"]["track_name"] for x in lb.listens) == ["Song 1", "Song 2", "Song 3"]
    assert store.counts()[0].queued == 0
    store.close()


def test_lastfm_scrobbles_are_signed_and_a_wrong_secret_is_said(fm, tmp_path):
    tracks = {t.id: t for t in (track(1), track(2, seconds=25.0))}
    store = ScrobbleQueue(tmp_path / "scrobbles.sqlite3")
    said: list = []
    wrong = scrobbler([Lastfm(LastfmServer.API_KEY, "not-the-secret", "fm-session-key", fm.url + "/2.0/")],
                      store, tracks, said)
    feed(wrong, tracks[track(1).id])
    wait(lambda: any("credentials" in t for _l, t in said))
    wrong.close()
    assert fm.scrobbles == [] and fm.now_playing == []
    s = scrobbler([Lastfm(LastfmServer.API_KEY, LastfmServer.SECRET, "fm-session-key", fm.url + "/2.0/")],
                  store, tracks, [])
    try:
        for t in tracks.values():
            feed(s, t)
        wait(lambda: len(fm.scrobbles) >= 1)
        time.sleep(0.5)
    finally:
        s.close()
    # the first listen (queued while the secret was wrong) and the second play of it are one
    # listen each; the 25 s track is not scrobbled (Last.fm's 30 s rule)
    assert {x["track"] for x in fm.scrobbles} == {"Song 1"} and all(x["artist"] == "Someone" for x in fm.scrobbles)
    assert all(x["timestamp"].isdigit() and x["duration"] == "200" for x in fm.scrobbles)
    assert [n["track"] for n in fm.now_playing] == ["Song 1"]
    store.close()


def config_for(tmp_path: Path, lb: ListenBrainzServer, fm: LastfmServer | None = None) -> Path:
    text = f'[scrobble.listenbrainz]\ntoken = "{ListenBrainzServer.TOKEN}"\nurl = "{lb.url}"\n'
    if fm is not None:
        text += (f'[scrobble.lastfm]\napi_key = "{LastfmServer.API_KEY}"\napi_secret = "{LastfmServer.SECRET}"\n'
                 f'url = "{fm.url}/2.0/"\n')
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def local_demo_track(home: Path) -> str:
    from tui.config import Settings, StatePaths
    from tui.core.services import Location, open_services
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    try:
        return sorted(t for t, s in services.files.all_states() if s == "local")[0]
    finally:
        services.close()


def test_play_past_the_point_is_one_listen_with_its_ids_and_stopped_before_it_none(small_demo, lb, fm, tmp_path):
    """Real libmpv (ao=null), `longtail play` as a user runs it, with the config naming the
    loopback services; Last.fm logged in with `longtail scrobble login lastfm`."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(small_demo.home, home)
    env = {**os.environ, "LONGTAIL_CONFIG": str(config_for(tmp_path, lb, fm))}
    fm_login = subprocess.Popen([str(EXE), "scrobble", "login", "lastfm", "--state", str(home)], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait(lambda: bool(fm.tokens))
    fm.tokens = dict.fromkeys(fm.tokens, True)  # the user allows longtail in the browser
    out, err = fm_login.communicate("\n", timeout=30)
    assert fm_login.returncode == 0, err
    assert "listener" in out + err and (home / "state" / "lastfm-session.json").stat().st_mode & 0o077 == 0
    track_id = local_demo_track(home)
    done = subprocess.run([str(EXE), "play", track_id, "--ao", "null", "--json", "--state", str(home)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    wait(lambda: len(lb.listens) >= 1)
    time.sleep(0.5)
    assert len(lb.listens) == 1 and len(lb.playing_now) == 1
    listen = lb.listens[0]
    info = listen["track_metadata"]["additional_info"]
    assert info["spotify_id"] == f"https://open.spotify.com/track/{track_id}"
    assert info["media_player"] == "longtail" and info["submission_client"] == "longtail"
    assert info["duration_ms"] > 0 and info.get("isrc") and listen["track_metadata"]["release_name"]
    assert abs(listen["listened_at"] - time.time()) < 120
    assert fm.scrobbles == []  # the demo's tracks are under 30 s: Last.fm's rule
    status = json.loads(subprocess.run([str(EXE), "scrobble", "status", "--json", "--state", str(home)],
                                       env=env, capture_output=True, text=True, timeout=60).stdout)
    assert status["listenbrainz"]["sent"] == 1 and status["listenbrainz"]["queued"] == 0
    assert status["lastfm"]["logged_in"] is True
    # stopped (SIGTERM) two seconds in: "now playing" said, no listen
    before = len(lb.listens)
    proc = subprocess.Popen([str(EXE), "play", track_id, "--ao", "null", "--json", "--state", str(home)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line)["event"] == "started":
            break
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    time.sleep(0.5)
    assert len(lb.listens) == before and len(lb.playing_now) == 2
