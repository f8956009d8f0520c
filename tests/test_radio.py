"""Radio on the demo's real features database: near the seed, compatible keys, never the
seed, one track per ISRC, a few per artist, playable only on request, one-line errors."""

from __future__ import annotations

import hashlib
import json
import math
import random
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from expect import present

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.radio import Radio, RadioIndex
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.ui.screens.library import LibraryScreen

EXE = Path(sys.executable).with_name("longtail")
NUMBER_OF = {  # Camelot as printed on the wheel: (pitch, mode) -> code
    (8, 0): "1A", (3, 0): "2A", (10, 0): "3A", (5, 0): "4A", (0, 0): "5A", (7, 0): "6A", (2, 0): "7A",
    (9, 0): "8A", (4, 0): "9A", (11, 0): "10A", (6, 0): "11A", (1, 0): "12A", (11, 1): "1B", (6, 1): "2B",
    (1, 1): "3B", (8, 1): "4B", (3, 1): "5B", (10, 1): "6B", (5, 1): "7B", (0, 1): "8B", (7, 1): "9B",
    (2, 1): "10B", (9, 1): "11B", (4, 1): "12B"}


def compatible(a: tuple[int, int], b: tuple[int, int]) -> bool:
    ca, cb = NUMBER_OF[a], NUMBER_OF[b]
    na, la, nb, lb = int(ca[:-1]), ca[-1], int(cb[:-1]), cb[-1]
    if la == lb:
        return (na - nb) % 12 in (0, 1, 11)
    return na == nb


def features(db: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = {r[0]: r[1:] for r in conn.execute(
        "SELECT track_id, tempo, key, mode, energy, danceability, valence, acousticness, instrumentalness "
        "FROM track_audio_features WHERE null_response = 0")}
    conn.close()
    return out


def distance(a: tuple, b: tuple) -> float:
    """Normalised feature distance, written out here as the test's own yardstick."""
    octaves = abs(math.log2(a[0] / b[0]))
    tempo = min(octaves, abs(octaves - 1)) / 3  # half/double time is the same feel; 3 octaves span
    return math.sqrt(tempo ** 2 + sum((x - y) ** 2 for x, y in zip(a[3:], b[3:], strict=True)))


@pytest.fixture
def demo(small_demo, tmp_path):
    layout = discover(small_demo.mirror)
    catalogue = Catalogue(CataloguePaths.from_databases(layout.databases))
    index = RadioIndex(tmp_path / "radio")
    index.build(catalogue, "test")
    yield catalogue, index, catalogue.paths.features
    catalogue.close()


def test_radio_stays_near_the_seed_and_keeps_its_promises(demo):
    catalogue, index, features_db = demo
    feats = features(features_db)
    rng = random.Random(5)
    ids = sorted(feats)
    seeds = [t for t in catalogue.tracks_by_rowids(catalogue.rowids_for_ids(rng.sample(ids, 40)))
             if feats[t.id][1] is not None and feats[t.id][1] >= 0 and feats[t.id][0]][:8]
    ratios = []
    for seed in seeds:
        tracks = Radio(catalogue, index, seed).take(60)
        assert len(tracks) == 60
        assert seed.id not in {t.id for t in tracks} and len({t.id for t in tracks}) == 60
        isrcs = [t.isrc for t in tracks if t.isrc]
        assert len(isrcs) == len(set(isrcs)) and seed.isrc not in isrcs
        per_artist = Counter(a.id for t in tracks for a in t.artists)
        assert max(per_artist.values()) <= 3
        sf = feats[seed.id]
        for t in tracks:
            f = feats[t.id]
            assert compatible((sf[1], sf[2]), (f[1], f[2])), (NUMBER_OF[(sf[1], sf[2])], NUMBER_OF[(f[1], f[2])])
        near = sum(distance(sf, feats[t.id]) for t in tracks) / len(tracks)
        sample = [feats[i] for i in rng.sample(ids, 200) if feats[i][0]]
        far = sum(distance(sf, f) for f in sample) / len(sample)
        # the best any radio could do here: the 60 nearest of the compatible keys, by this yardstick
        best = sorted(distance(sf, f) for i, f in feats.items() if i != seed.id and f[1] is not None
                      and f[1] >= 0 and compatible((sf[1], sf[2]), (f[1], f[2])))[:60]
        ratios.append((near / far, near / (sum(best) / len(best))))
    # A 4,000-track demo with uniform random features leaves little room (the ideal is ~0.53 of a
    # random sample here; at 10^7 tracks bench/bench_radio.py measures the 0.3 the issue asks):
    # radio must be near that ideal and well below random.
    mean_vs_random = sum(r[0] for r in ratios) / len(ratios)
    mean_vs_best = sum(r[1] for r in ratios) / len(ratios)
    assert len(ratios) == 8 and mean_vs_random <= 0.7 and mean_vs_best <= 1.3, ratios


def test_playable_radio_and_a_seed_with_no_features(small_demo, demo, tmp_path):
    catalogue, index, features_db = demo
    files = FileIndex(tmp_path / "files.sqlite3")
    files.refresh(discover(small_demo.mirror))
    seed = catalogue.track(next(iter(features(features_db))))
    tracks = Radio(catalogue, index, seed, files, playable=True).take(10)
    assert tracks and all(files.state(t.id) != "absent" for t in tracks)
    conn = sqlite3.connect(f"file:{features_db}?mode=ro", uri=True)
    silent = conn.execute("SELECT track_id FROM track_audio_features WHERE null_response = 1 LIMIT 1").fetchone()[0]
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]
    out = subprocess.run([EXE, "radio", silent, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no audio features" in out.stderr
    files.close()


def test_cli_radio_json_and_the_archive_untouched(small_demo, tmp_path):
    db = next(small_demo.mirror.rglob("spotify_clean_audio_features.sqlite3"))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    seed = next(iter(features(db)))
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]
    out = subprocess.run([EXE, "radio", seed, "-n", "7", "--json", *args], capture_output=True, text=True,
                         timeout=120)
    doc = json.loads(out.stdout)
    assert doc["seed"] == seed and len(doc["tracks"]) == 7 and seed not in [t["id"] for t in doc["tracks"]]
    assert (tmp_path / "state" / "radio" / "vectors.npy").exists()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_longtail_index_builds_the_radio_sidecar_too(small_demo, tmp_path):
    db = next(small_demo.mirror.rglob("spotify_clean_audio_features.sqlite3"))
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]
    doc = json.loads(subprocess.run([EXE, "index", "--json", *args], capture_output=True, text=True,
                                    timeout=300).stdout)
    assert doc["radio_index"]["tracks"] == len(features(db))
    again = json.loads(subprocess.run([EXE, "index", "--json", *args], capture_output=True, text=True,
                                      timeout=300).stdout)
    assert again["radio_index"]["tracks"] == len(features(db))  # current: kept, not rebuilt


RADIO_SLOWLY = """
import sys, time
from pathlib import Path
import tui.catalogue.radio as radio
radio.CHUNK = 200
from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.mirror.layout import discover
cat = Catalogue(CataloguePaths.from_databases(discover(Path(sys.argv[1])).databases))
radio.RadioIndex(Path(sys.argv[2])).build(cat, "sig", lambda *a: time.sleep(0.05))
"""


def test_a_radio_build_killed_with_sigkill_carries_on_and_ends_the_same(small_demo, tmp_path):
    import os
    import signal
    import time

    import numpy as np

    path = tmp_path / "radio"
    progress = tmp_path / "radio.building" / "progress.json"
    proc = subprocess.Popen([sys.executable, "-c", RADIO_SLOWLY, str(small_demo.mirror), str(path)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if progress.exists() and json.loads(progress.read_text())["chunks"] >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    chunks_before = json.loads(progress.read_text())["chunks"]
    assert chunks_before >= 3 and not path.exists()  # killed mid-way: nothing half-written in place
    layout = discover(small_demo.mirror)
    catalogue = Catalogue(CataloguePaths.from_databases(layout.databases))
    import tui.catalogue.radio as radio
    read = []
    original = radio.CHUNK
    radio.CHUNK = 200
    try:
        resumed = RadioIndex(path).build(catalogue, "sig", lambda _l, done, _t: read.append(done))
    finally:
        radio.CHUNK = original
    assert read and read[0] > 200 * (chunks_before - 1)  # carried on; did not start again from row 1
    fresh = RadioIndex(tmp_path / "fresh")
    assert fresh.build(catalogue, "sig") == resumed == len(features(present(catalogue.paths.features)))
    for name in ("ids.npy", "vectors.npy", "starts.npy"):
        assert np.array_equal(np.load(path / name), np.load(tmp_path / "fresh" / name)), name
    catalogue.close()


async def test_w_in_the_library_starts_a_radio_from_the_selected_track(small_demo, tmp_path):
    """Nothing plays: w on a track of the library's tracks pane starts from that track."""
    from fake_engine import FakeEngine
    from test_tui import demo_session, wait_for

    from tui.core.views import TrackItem
    from tui.ui.app import make_app
    from tui.ui.widgets.virtual_list import VirtualList

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")
    seed = next(t for t in session.services.catalogue.tracks_by_rowids(
        session.services.catalogue.rowids_for_ids(local)) if features(session.services.catalogue.paths.features)
        .get(t.id) and t.artists)
    app = make_app(session, engine=FakeEngine())
    notes: list[str] = []
    original = app.notify
    def noted(message, **kw):
        notes.append(str(message))
        return original(message, **kw)

    app.notify = noted  # type: ignore[method-assign]  # a spy on what is said
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: session.player is not None)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        library.open_artist(seed.artists[0].rowid, seed.album.rowid, seed.rowid)
        tracks = app.screen.query_one("#tracks", VirtualList)
        await wait_for(pilot, lambda: isinstance(tracks.row_at(tracks.cursor), TrackItem)
                       and present(tracks.row_at(tracks.cursor)).track.id == seed.id and app.focused is tracks)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.now_playing.queue_length > 0, timeout=20)
        assert any(f"radio from {seed.name}" in n for n in notes)
    session.close()
