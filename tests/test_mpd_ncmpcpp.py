"""ncmpcpp, the MPD client longtail's users know best, in a real terminal (tmux) against
`longtail serve` on the demo: it browses the folders and the library, shows the stored
playlists, adds from the browser and plays, and its queue and now-playing follow."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mpd_fixtures import free_port
from test_e2e_tmux import Tmux, longtail_in_tmux

from tui.demo.paths import DemoPaths

pytestmark = pytest.mark.skipif(not (shutil.which("ncmpcpp") and shutil.which("tmux") and shutil.which("mpc")),
                                reason="needs ncmpcpp, tmux and mpc (./dev test installs them)")


def test_ncmpcpp_browses_adds_and_plays(small_demo: DemoPaths, tmp_path) -> None:
    port = free_port()
    exe = Path(sys.executable).with_name("longtail")
    server = subprocess.Popen([str(exe), "--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state"),
                               "serve", "--mpd", f"127.0.0.1:{port}", "--ao", "null"],
                              stderr=subprocess.PIPE, text=True)
    config = tmp_path / "ncmpcpp.conf"
    config.write_text(f"mpd_host = 127.0.0.1\nmpd_port = {port}\n")
    name = f"longtail-ncmpcpp-{time.monotonic_ns()}"
    tmux = Tmux(name)

    def mpc(*args: str) -> str:
        return subprocess.run(["mpc", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        first_song = mpc("ls", "Tiers/Vorbis").splitlines()[0]  # the tier's most popular track that can play
        tmux.run("new-session", "-d", "-s", name, "-x", "120", "-y", "34", f"ncmpcpp -c {config}; sleep 5")
        tmux.wait_for("Playlist (0 items")
        tmux.keys("2")  # the browser: the root's folders and stored playlists
        screen = tmux.wait_for("Browse: /")
        assert "[Artists]" in screen and "[Tiers]" in screen and "playlist " in screen
        tmux.keys("Enter")  # into Artists
        screen = tmux.wait_for("Browse: Artists")
        artist = mpc("ls", "Artists").splitlines()[0].split("/")[-1]
        assert f"[{artist}]" in screen
        tmux.keys("BSpace")  # back up: ncmpcpp's parent folder
        tmux.wait_for("Browse: /")
        tmux.keys("Down", "Enter")  # Tiers
        tmux.wait_for("Browse: Tiers")
        tmux.keys("Down", "Enter")  # Tiers/Vorbis
        tmux.wait_for("Browse: Tiers/Vorbis")
        tmux.keys("Down", "Space")  # the first song: added to the queue
        deadline = time.monotonic() + 10
        while first_song not in mpc("playlist", "-f", "%file%") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert mpc("playlist", "-f", "%file%").split() == [first_song]
        tmux.keys("1")  # the queue shows it; Enter plays it
        tmux.wait_for("Playlist (1 item")
        tmux.keys("Enter")
        deadline = time.monotonic() + 15
        while "[playing]" not in mpc("status") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "[playing] #1/1" in mpc("status")
        screen = tmux.wait_for("Playing")  # ncmpcpp's own now-playing line
        tmux.keys("4")  # the media library: artists, then their albums
        screen = tmux.wait_for("Media library")
        assert "Artists" in screen and "Albums" in screen
        tmux.keys("5")  # the playlist editor: the archive's playlists
        screen = tmux.wait_for("Playlist editor")
        assert "[" in screen.split("Playlists", 1)[1]  # labels end with the playlist's id in brackets
    finally:
        tmux.run("kill-session", "-t", name)
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err


def test_the_tui_serves_mpd_clients_with_in_tui(small_demo: DemoPaths, tmp_path) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[mpd]\nlisten = "127.0.0.1:{port}"\nin_tui = true\n')
    tmux, name, done = longtail_in_tmux(small_demo, tmp_path, "in-tui", env=f"LONGTAIL_CONFIG={config} ")

    def mpc(*args: str) -> str:
        return subprocess.run(["mpc", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout

    try:
        tmux.wait_for("Artists")
        deadline = time.monotonic() + 30
        while True:  # answered once the TUI's saved queue is back; the tiers once its first index is
            listed = subprocess.run(["mpc", "-p", str(port), "ls", "Tiers/Vorbis"], capture_output=True, text=True,
                                    timeout=30)
            if listed.stdout or time.monotonic() > deadline:
                break
            assert "indexed for the first time" in listed.stderr  # never an empty answer meanwhile
            time.sleep(0.2)
        local = listed.stdout.splitlines()[:2]
        assert len(local) == 2, listed.stderr
        for song in local:
            mpc("add", song)
        mpc("play")
        deadline = time.monotonic() + 15
        while "[playing] #1/2" not in mpc("status") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "[playing] #1/2" in mpc("status")
        title = mpc("current", "-f", "%title%").strip()
        tmux.wait_for(title[:20])  # the TUI's bar shows what the client started
        tmux.keys("Space")  # the TUI's pause key: the client sees it
        deadline = time.monotonic() + 10
        while "[paused]" not in mpc("status") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "[paused]" in mpc("status")
        tmux.keys("q")
        tmux.keys("y")
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
        with pytest.raises(OSError):  # the face closed with the TUI
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        tmux.run("kill-session", "-t", name)
