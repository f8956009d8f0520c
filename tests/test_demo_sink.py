"""`longtail demo --scrobble-sink` as a listener runs it: the real CLI in tmux on a copy of
the demo, a local track played with `ao=null` past its scrobble point, the listen arriving
at the demo's own ListenBrainz stand-in (the one the scrobbling tests send to), said in the
TUI and written to the sink's log; nothing of the sink is left in the state directory."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from test_e2e_tmux import Tmux
from test_no_sound import local_ids

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
EXE = Path(sys.executable).with_name("longtail")


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def sink_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_the_demo_sink_shows_a_listen_arriving_and_keeps_nothing(small_demo, tmp_path):
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    track = local_ids(home, 1)[0]
    (home / "state" / "player.json").write_text(json.dumps(
        {"items": [track], "current": 0, "position": 0.0, "repeat": "off", "volume": 100.0,
         "replaygain": "track", "muted": False}))
    mirror_before = tree_digest(home / "mirror")
    name = f"longtail-sink-{time.monotonic_ns()}"
    tmux = Tmux(name)
    done = tmp_path / "exited"
    tmux.run("new-session", "-d", "-s", name, "-x", "120", "-y", "34",
             f"{EXE} demo --state {home} --scrobble-sink --ao null; echo $? > {done}; sleep 5")
    tmux.run("resize-window", "-t", name, "-x", "120", "-y", "34")
    log = home / "scrobble-sink.jsonl"
    try:
        tmux.wait_for("⏸", timeout=30)  # the saved queue is back, its track paused at 0:00
        tmux.keys("Space")
        tmux.wait_for("scrobble sink · ListenBrainz", timeout=20)  # the toast, maybe wrapped
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(sink_lines(log)) < 2:
            time.sleep(0.2)
        arrived = [json.loads(line) for line in sink_lines(log)]
        kinds = [(a["service"], a["kind"]) for a in arrived]
        assert kinds == [("listenbrainz", "playing_now"), ("listenbrainz", "listen")]
        listen = arrived[1]["item"]
        info = listen["track_metadata"]["additional_info"]
        assert info["spotify_id"].endswith(track) and info["media_player"] == "longtail"
        assert isinstance(listen["listened_at"], int)
        tmux.keys("q")
        time.sleep(0.5)
        tmux.keys("y")  # q asks once while music plays
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        tmux.run("kill-server")
    # Last.fm takes only tracks over 30 s (the demo's are shorter): its stand-in saw nothing
    assert all(json.loads(line)["service"] == "listenbrainz" for line in sink_lines(log))
    assert not (home / "state" / "lastfm-session.json").exists()
    assert tree_digest(home / "mirror") == mirror_before


def test_the_sink_refuses_a_log_that_is_a_symlink_and_writes_nothing_through_it(small_demo, tmp_path):
    import subprocess

    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me\n")
    (home / "scrobble-sink.jsonl").symlink_to(outside)
    out = subprocess.run([str(EXE), "demo", "--state", str(home), "--scrobble-sink", "--ao", "null"],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "scrobble sink's log" in lines[0], out.stderr
    assert outside.read_bytes() == b"keep me\n"
