"""No native crash at exit (issue 25 item 2). mpv's event thread read properties in its
callbacks (volume and mute on a mixer change, the duration on file-loaded) while close()
destroyed the handle from another thread: `play` of a track whose fetch failed fast ended in
SIGSEGV (11 of 40 runs with one busy core). Each case runs in a child process, as a
segfault would take the test runner with it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("longtail")
ROOT = Path(__file__).resolve().parent.parent

CLOSE_WHILE_THE_MIXER_CHANGES = """
import sys
from tui.player.mpv_engine import MpvEngine
for _ in range(150):
    engine = MpvEngine(ao="null")
    for volume in (10, 20, 30, 40):
        engine.set_volume(volume)
        engine.set_muted(volume % 20 == 0)
    engine.close()  # the event thread is still telling of those changes
print("ok")
"""


def test_closing_while_mpv_reports_a_mixer_change_never_crashes():
    out = subprocess.run([sys.executable, "-c", CLOSE_WHILE_THE_MIXER_CHANGES], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0 and "ok" in out.stdout, (out.returncode, out.stderr[-2000:])


def test_play_after_a_fetch_that_fails_fast_exits_cleanly_every_time(small_demo, tmp_path):
    """The finding's own repro: a data folder that cannot be made (a file stands where it
    goes), a peer that has the track, `play --json`: a one-line error and exit 1, 15 times."""
    import json

    from tui.mirror.seeder import LoopbackSeeder

    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    mirror, state = home / "mirror", home / "state"
    out = subprocess.run([str(EXE), "shuffle", "-n", "200", "--playable", "--json", "--mirror", str(mirror),
                          "--state", str(state)], capture_output=True, text=True, timeout=120, check=True)
    fetchable = [t["id"] for t in json.loads(out.stdout)["tracks"] if t["file"] == "fetchable"]
    info = json.loads(subprocess.run([str(EXE), "info", fetchable[0], "--json", "--mirror", str(mirror), "--state",
                                      str(state)], capture_output=True, text=True, timeout=60, check=True).stdout)
    folder = next(p for p in mirror.iterdir() if p.is_dir() and p.name in json.dumps(info))
    shutil.rmtree(folder)
    folder.write_text("a file where the data folder goes\n")
    torrents = [(t, home / "swarm") for t in sorted(mirror.glob("*.torrent"))]
    with LoopbackSeeder(torrents) as seeder:
        host, port = seeder.endpoint
        for _ in range(15):
            run = subprocess.run([str(EXE), "play", fetchable[0], "--json", "--ao", "null", "--no-seed", "--peer",
                                  f"{host}:{port}", "--mirror", str(mirror), "--state", str(state)],
                                 capture_output=True, text=True, timeout=90)
            assert run.returncode != -signal.SIGSEGV and run.returncode != 139, run.stderr[-1000:]
            assert run.returncode == 1 and "cannot" in run.stderr, (run.returncode, run.stderr[-1000:])
    # a fetch that wrote nothing leaves the state it found (it said `partial` ever after)
    after = json.loads(subprocess.run([str(EXE), "info", fetchable[0], "--json", "--mirror", str(mirror), "--state",
                                       str(state)], capture_output=True, text=True, timeout=60, check=True).stdout)
    assert after["file"] == "fetchable", after["file"]


def test_a_fetch_mark_with_nothing_on_disk_is_not_partial():
    from tui.mirror.file_entry import DISK_MISSING, DISK_OK, DISK_WRONG, file_state

    assert file_state(DISK_MISSING, False, True, True) == "fetchable"
    assert file_state(DISK_OK, False, True, True) == "partial"  # libtorrent's sparse full-size file
    assert file_state(DISK_WRONG, False, True, True) == "partial"


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
