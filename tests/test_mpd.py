"""`longtail serve`'s MPD face, driven by real clients: python-mpd2 for the protocol, and
Debian's mpc as a user types it. The session is the real one on the demo (real catalogue,
file index and libmpv with ao=null)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import mpd
import pytest
from mpd_fixtures import client, free_port, raw, uri
from test_ordering import local_tracks, player_of
from test_queue_sacred import absent_tracks

from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.demo.paths import DemoPaths
from tui.mpd.server import MpdFace, ServeError


def test_status_add_play_and_the_position_moves(served) -> None:
    session, face = served
    a, b = local_tracks(session, 2)
    c = client(face)
    assert c.mpd_version >= "0.23.5"
    c.clear()
    c.add(uri(a))
    song_id = c.addid(uri(b))
    assert [s["file"] for s in c.playlistinfo()] == [uri(a), uri(b)]
    assert c.playlistid(song_id)[0]["file"] == uri(b)
    c.play(0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and float(c.status().get("elapsed", 0)) < 0.5:
        time.sleep(0.1)
    status = c.status()
    assert status["state"] == "play" and status["song"] == "0" and float(status["elapsed"]) >= 0.5
    assert c.currentsong()["file"] == uri(a) and "Title" in {k.title() for k in c.currentsong()}
    c.setvol(40)
    assert c.status()["volume"] == "40"
    c.next()
    assert c.status()["song"] == "1"
    c.stop()  # the queue keeps its place; MPD says "stop", and play goes on from that song
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and c.status()["state"] != "stop":
        time.sleep(0.05)
    assert c.status()["state"] == "stop" and len(c.playlistinfo()) == 2
    c.play()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and c.status()["state"] != "play":
        time.sleep(0.05)
    assert c.status()["state"] == "play" and c.status()["song"] == "1"
    c.close()


def test_an_absent_track_is_refused_with_mpds_error(served) -> None:
    session, face = served
    [absent] = absent_tracks(session, 1)
    c = client(face)
    with pytest.raises(mpd.CommandError) as err:
        c.add(uri(absent))
    assert "[50@0]" in str(err.value) and "absent" in str(err.value)
    with pytest.raises(mpd.CommandError):
        c.add("no-such-thing")
    assert c.playlistinfo() == []
    c.close()


def test_a_command_list_sent_twenty_times_always_ends_as_sent(served) -> None:
    session, face = served
    a, b = local_tracks(session, 2)
    c = client(face)
    for _ in range(20):
        c.command_list_ok_begin()
        c.clear()
        c.add(uri(a))
        c.add(uri(b))
        c.play(0)
        c.command_list_end()
        assert [s["file"] for s in c.playlistinfo()] == [uri(a), uri(b)]
        status = c.status()
        assert status["song"] == "0" and status["state"] == "play"
        assert player_of(session).queue.items == [a, b]
    c.close()


def test_a_failing_command_list_stops_there(served) -> None:
    session, face = served
    [a] = local_tracks(session, 1)
    answer = raw(face, f"command_list_begin\nadd {uri(a)}\nplay 7\nadd {uri(a)}\ncommand_list_end\n")
    assert answer == "ACK [2@1] {play} Bad song index\n"
    c = client(face)
    assert [s["file"] for s in c.playlistinfo()] == [uri(a)]  # the third command never ran
    assert raw(face, 'status\nadd "unterminated\n').startswith("volume: ")
    # an unterminated quote is MPD's tokenizer error, naming the command, and adds nothing
    assert raw(face, f'add "{uri(a)}\n') == 'ACK [2@0] {add} Missing closing \'"\'\n'
    answer = raw(face, f'command_list_begin\nadd {uri(a)}\nadd "{uri(a)}\ncommand_list_end\n')
    assert answer == 'ACK [2@1] {add} Missing closing \'"\'\n'
    assert [s["file"] for s in c.playlistinfo()] == [uri(a), uri(a)]  # the first add ran, the second did not
    c.close()


def test_idle_works_with_a_descriptor_past_1024(served) -> None:
    """A daemon with many files and clients open gives a new client a descriptor of 1024 or more,
    which select() cannot watch: idle failed with "filedescriptor out of range" (one full test
    run had that many open by then)."""
    import os
    import resource

    session, face = served
    [a] = local_tracks(session, 1)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    padding = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # the next sockets get high numbers
    try:
        idler, other = client(face), client(face)
        assert idler._sock.fileno() >= 1024
        woke: list[list[str]] = []
        t = threading.Thread(target=lambda: woke.append(idler.idle("playlist")))
        t.start()
        time.sleep(0.5)
        other.add(uri(a))
        t.join(5)
        assert woke == [["playlist"]]
        idler.close()
        other.close()
    finally:
        for fd in padding:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_idle_wakes_on_a_change_made_by_another_client(served) -> None:
    session, face = served
    [a] = local_tracks(session, 1)
    idler, other = client(face), client(face)
    woke: list[list[str]] = []
    t = threading.Thread(target=lambda: woke.append(idler.idle("playlist")))
    t.start()
    time.sleep(0.5)
    assert not woke  # nothing changed yet
    other.add(uri(a))
    t.join(5)
    assert woke == [["playlist"]]
    assert raw(face, "idle playlist\nnoidle\n") == "OK\n"  # noidle ends an idle with nothing changed
    idler.close()
    other.close()


def test_search_find_and_list_artist_with_a_window(served) -> None:
    session, face = served
    [a] = local_tracks(session, 1)
    track = session.library.track(a)
    assert track is not None
    c = client(face)
    word = max(track.name.split(), key=len)
    found = c.search("title", word)
    assert uri(a) in [s["file"] for s in found]
    quoted = track.name.replace("'", "\\'")
    exact = c.find(f"(title == '{quoted}')")
    assert uri(a) in [s["file"] for s in exact] and all(s["title"] == track.name for s in exact)
    page = c.list("artist", "window", "0:5")
    assert len(page) == 5
    assert c.list("artist", "window", "2:4") == page[2:4]
    c.findadd("title", track.name)
    assert uri(a) in [s["file"] for s in c.playlistinfo()]
    with pytest.raises(mpd.CommandError):
        c.random(1)  # longtail's queue has no random mode: MPD's error says so
    c.close()


def test_a_port_in_use_is_refused_in_one_line(served) -> None:
    session, face = served
    with pytest.raises(ServeError) as err:
        MpdFace(session, face.address)
    assert "cannot listen on" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.skipif(not shutil.which("mpc"), reason="needs mpc (./dev test installs it)")
def test_serve_with_mpc_as_a_user_types_it(small_demo: DemoPaths, tmp_path) -> None:
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "probe"), small_demo), Settings())
    ids = [t for t, s in services.files.all_states() if s == "local"][:2]
    services.close()
    port = free_port()
    exe = Path(sys.executable).with_name("longtail")
    server = subprocess.Popen([str(exe), "--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state"),
                               "serve", "--mpd", f"127.0.0.1:{port}", "--ao", "null"],
                              stderr=subprocess.PIPE, text=True)

    def mpc(*args: str) -> str:
        return subprocess.run(["mpc", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the port opens before the player is up: add at once
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        for track_id in ids:  # answered once the player is up and the saved queue restored, never undone
            mpc("add", uri(track_id))
        mpc("play")
        time.sleep(2.5)
        assert "[playing] #1/2" in mpc("status")
        mpc("volume", "40")
        assert "volume: 40%" in mpc("status")
        mpc("next")
        assert "[playing] #2/2" in mpc("status")
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "the queue and position are saved" in err


def test_a_noidle_that_crossed_the_idles_answer_gets_no_reply(served) -> None:
    """ncmpcpp sends `noidle` while the idle's `changed:` answer is on its way: MPD answers
    nothing to it, and an OK there would shift every later reply by one."""
    _session, face = served
    host, port = face.address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"OK MPD ")
        s.sendall(b"noidle\nping\n")
        assert f.readline() == b"OK\n"  # ping's
        s.settimeout(0.5)
        with pytest.raises(TimeoutError):
            f.readline()  # nothing more
