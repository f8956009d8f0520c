"""Playlists on the demo's real playlists database (the archive's schema): search, open,
the reverse index (track → playlists) against a brute-force scan, kill -9 and resume."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest
from expect import present

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.playlist_index import PlaylistIndex
from tui.catalogue.playlists import Playlists
from tui.catalogue.schema import LARGE_TABLES
from tui.mirror.layout import discover

EXE = Path(sys.executable).with_name("longtail")


def playlists_db(small_demo) -> Path:
    return next(small_demo.mirror.rglob("spotify_clean_playlists.sqlite3"))


def open_catalogue(small_demo) -> Catalogue:
    return Catalogue(CataloguePaths.from_databases(discover(small_demo.mirror).databases))


def brute_force_holders(db: Path) -> dict[int, list[int]]:
    """track rowid → playlist rowids, most-followed first (no follower count last): the oracle."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    order = [r for (r,) in conn.execute(
        "SELECT rowid FROM playlists ORDER BY followers_total IS NULL, followers_total DESC, "
        "CASE WHEN followers_total IS NULL THEN rowid ELSE -rowid END")]
    holders: dict[int, list[int]] = {}
    for p in order:
        for (t,) in conn.execute("SELECT DISTINCT track_rowid FROM playlist_tracks WHERE playlist_rowid = ? "
                                 "AND track_rowid IS NOT NULL", (p,)):
            holders.setdefault(t, []).append(p)
    conn.close()
    return holders


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_playlist_queries_are_served_by_indexes(small_demo):
    catalogue = open_catalogue(small_demo)
    plans = {n: p for n, p in catalogue.query_plans().items() if "playlist" in n}
    assert {"playlist_by_id", "playlist_entries", "playlists_by_followers_after", "playlist_track_rowids",
            "playlists_by_name_range", "playlists_unfollowed_after"} <= set(plans)
    for name, steps in plans.items():
        for step in steps:
            if step.startswith("SCAN"):
                assert not any(t in step for t in LARGE_TABLES), f"{name} scans a large table: {step}"
    catalogue.close()


def test_the_reverse_index_agrees_with_a_full_scan_and_leaves_the_archive_alone(small_demo, tmp_path):
    db = playlists_db(small_demo)
    before = digest(db)
    catalogue = open_catalogue(small_demo)
    playlists = Playlists(catalogue, PlaylistIndex(tmp_path / "playlists.sqlite3"))
    status = playlists.build_index()
    assert status["complete"] and status["playlists"] == 120
    oracle = brute_force_holders(db)
    assert len(oracle) > 1000
    for track_rowid, expected in oracle.items():
        assert playlists.index.containing(track_rowid, 1000) == expected, track_rowid
    assert digest(db) == before  # never written
    catalogue.close()


def test_search_ranks_the_whole_name_then_its_start_then_followers(small_demo, tmp_path):
    catalogue = open_catalogue(small_demo)
    playlists = Playlists(catalogue, PlaylistIndex(tmp_path / "playlists.sqlite3"))
    playlists.build_index()
    conn = sqlite3.connect(f"file:{playlists_db(small_demo)}?mode=ro", uri=True)
    mixes = conn.execute("SELECT name, coalesce(followers_total, 0) FROM playlists WHERE name LIKE '% Mix'").fetchall()
    hits = playlists.search("mix", 100)
    assert [h.name for h in hits] == [n for n, _ in sorted(mixes, key=lambda r: -r[1])]  # every one, by followers
    name = hits[-1].name  # the least followed: asked for by its whole name, it comes first
    assert playlists.search(name, 5)[0].name == name
    first_word = name.split()[0]
    assert all(h.name.split()[0] == first_word or first_word.casefold() in h.name.casefold()
               for h in playlists.search(first_word, 50))
    catalogue.close()


def test_cli_playlists_and_playlist_json(small_demo, tmp_path):
    state = tmp_path / "state"
    env = {**os.environ}
    args = ["--mirror", str(small_demo.mirror), "--state", str(state)]
    assert subprocess.run([EXE, "index", *args], capture_output=True, timeout=300).returncode == 0
    out = subprocess.run([EXE, "playlists", "mix", "--limit", "3", "--json", *args], capture_output=True,
                         text=True, timeout=60, env=env)
    doc = json.loads(out.stdout)
    assert doc["query"] == "mix" and len(doc["results"]) == 3
    assert set(doc["results"][0]) == {"id", "name", "owner", "followers", "tracks_total"}
    kinds: set[str] = set()
    conn = sqlite3.connect(f"file:{playlists_db(small_demo)}?mode=ro", uri=True)
    for (pid, prowid, total) in conn.execute("SELECT id, rowid, tracks_total FROM playlists"):
        out = subprocess.run([EXE, "playlist", pid, "--json", *args], capture_output=True, text=True, timeout=60)
        doc = json.loads(out.stdout)
        rows = conn.execute("SELECT position, is_episode, is_local, track_rowid, name_if_is_local "
                            "FROM playlist_tracks WHERE playlist_rowid = ? ORDER BY position", (prowid,)).fetchall()
        assert [e["position"] for e in doc["entries"]] == [r[0] for r in rows] and doc["tracks_total"] == total
        for e, (_pos, episode, local, track_rowid, local_name) in zip(doc["entries"], rows, strict=True):
            kinds.add(e["kind"])
            expected = "episode" if episode else "local" if local else "track" if track_rowid else "missing"
            assert e["kind"] == expected
            assert (e["track"] is not None) == (expected == "track")
            if expected == "local":
                assert e["name"] == local_name
            if e["track"]:
                assert set(e["track"]) >= {"id", "name", "artists", "file", "tier"}
        if kinds == {"track", "episode", "local", "missing"} and "local" in {e["track"]["file"] for e in
                                                                        doc["entries"] if e["track"]}:
            break
    assert kinds == {"track", "episode", "local", "missing"}
    unknown = subprocess.run([EXE, "playlist", "nope", *args], capture_output=True, text=True, timeout=60)
    assert unknown.returncode != 0 and unknown.stderr.count("\n") == 1 and "longtail playlists" in unknown.stderr
    track_id = next(e["track"]["id"] for e in doc["entries"] if e["track"])
    info = json.loads(subprocess.run([EXE, "info", track_id, "--json", *args], capture_output=True, text=True,
                                     timeout=60).stdout)
    assert doc["id"] in [p["id"] for p in info["playlists"]]
    followers = [p["followers"] for p in info["playlists"]]
    assert followers == sorted(followers, reverse=True)


BUILD_SLOWLY = """
import sys, time
from pathlib import Path
import tui.catalogue.playlist_index as pi
pi.BATCH = 4
from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.playlists import Playlists
from tui.mirror.layout import discover
cat = Catalogue(CataloguePaths.from_databases(discover(Path(sys.argv[1])).databases))
Playlists(cat, pi.PlaylistIndex(Path(sys.argv[2]))).build_index(lambda *a: time.sleep(0.05))
"""


def test_a_build_killed_with_sigkill_carries_on_and_ends_the_same(small_demo, tmp_path):
    path = tmp_path / "playlists.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", BUILD_SLOWLY, str(small_demo.mirror), str(path)])
    index = PlaylistIndex(path)
    deadline = time.monotonic() + 60
    while index.status()["playlists"] < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = index.status()
    assert 40 <= partial["playlists"] < 120 and not partial["complete"]
    # useful before it is complete: what is there is the most-followed part, in order
    oracle = brute_force_holders(playlists_db(small_demo))
    some = next(t for t, holders in oracle.items() if len(holders) >= 3)
    got = index.containing(some, 1000)
    assert got == oracle[some][:len(got)]
    catalogue = open_catalogue(small_demo)
    assert Playlists(catalogue, index).build_index()["complete"]
    for track_rowid, expected in oracle.items():
        assert index.containing(track_rowid, 1000) == expected
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT playlist_rowid) FROM ranked").fetchone() == (120, 120)
    catalogue.close()


@pytest.mark.parametrize("query", ['"*', "-", "()"])
def test_odd_queries_find_nothing_and_never_fail(small_demo, tmp_path, query):
    catalogue = open_catalogue(small_demo)
    playlists = Playlists(catalogue, PlaylistIndex(tmp_path / "playlists.sqlite3"))
    playlists.build_index()
    assert playlists.search(query) == []
    catalogue.close()


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_lists_the_most_followed_first(small_demo, tmp_path, query):
    """Where a browse starts (issue 21): the most-followed playlists, with or without the sidecar."""
    catalogue = open_catalogue(small_demo)
    conn = sqlite3.connect(f"file:{playlists_db(small_demo)}?mode=ro", uri=True)
    truth = [r[0] for r in conn.execute("SELECT rowid FROM playlists WHERE followers_total IS NOT NULL "
                                        "ORDER BY followers_total DESC, rowid DESC LIMIT 25")]
    conn.close()
    playlists = Playlists(catalogue, PlaylistIndex(tmp_path / "playlists.sqlite3"))
    assert [h.rowid for h in playlists.search(query, 25)] == truth
    catalogue.close()
    out = subprocess.run([str(Path(sys.executable).with_name("longtail")), "playlists", "--json", "--limit", "5",
                          "--state", str(small_demo.home)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [r["followers"] for r in json.loads(out.stdout)["results"]] == sorted(
        [r["followers"] for r in json.loads(out.stdout)["results"]], reverse=True)


async def test_the_playlists_screen_finds_opens_and_plays_what_can_be_played(small_demo, tmp_path):
    """Real libmpv (ao=null): 6, type a name, Enter, Enter on a local entry plays the playlist
    from there, with only its playable tracks queued; Escape goes back to the results."""
    from test_tui import demo_session, wait_for

    from tui.catalogue.playlists import PlaylistEntry
    from tui.core.views import TrackItem
    from tui.ui.app import make_app
    from tui.ui.screens.playlists import PlaylistsScreen
    from tui.ui.widgets.rows import NamedRow
    from tui.ui.widgets.virtual_list import VirtualList

    session = demo_session(small_demo, tmp_path)
    session.services.playlists.build_index()
    files = dict(session.services.files.all_states())
    conn = sqlite3.connect(f"file:{playlists_db(small_demo)}?mode=ro", uri=True)
    name, _rowid = next((n, r) for n, r in conn.execute("SELECT name, rowid FROM playlists ORDER BY rowid")
                        if any(files.get(t.id) == "local" for t in session.services.playlists.open(
                            conn.execute("SELECT id FROM playlists WHERE rowid = ?", (r,)).fetchone()[0]).tracks))
    app = make_app(session, ao="null")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("6")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen))
        await pilot.press(*name)
        rows = app.screen.query_one("#playlist-rows", VirtualList)
        await wait_for(pilot, lambda: rows.count and isinstance(rows.row_at(0), NamedRow)
                       and present(rows.row_at(0)).name == name)
        await pilot.press("enter", "enter")  # the query to the results, then open the first
        await wait_for(pilot, lambda: rows.count and cast(PlaylistsScreen, app.screen).opened is not None
                       and all(rows.row_at(i) is not None for i in range(rows.count)))
        entries = [rows.row_at(i) for i in range(rows.count)]
        assert all(isinstance(r, (TrackItem, PlaylistEntry)) for r in entries)
        local = next(i for i, r in enumerate(entries) if isinstance(r, TrackItem) and r.file == "local")
        rows.move_cursor(local)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing.track is not None
                       and app.now_playing.track.id == present(entries[local]).track.id, timeout=20)
        # fetching is off in this session: only the local entries can play, the rest are left out
        playable = [r.track.id for r in entries if isinstance(r, TrackItem) and r.file == "local"]
        assert app.now_playing.queue_length == len(playable)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(rows.row_at(0), NamedRow))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode != "playlists")
    session.close()


async def test_the_playlists_screen_opens_on_the_most_followed(small_demo, tmp_path):
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.widgets.rows import NamedRow
    from tui.ui.widgets.virtual_list import VirtualList

    conn = sqlite3.connect(f"file:{playlists_db(small_demo)}?mode=ro", uri=True)
    top = conn.execute("SELECT name FROM playlists ORDER BY followers_total DESC, rowid DESC LIMIT 1").fetchone()[0]
    conn.close()
    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("6")
        await wait_for(pilot, lambda: app.current_mode == "playlists")
        rows = app.screen.query_one("#playlist-rows", VirtualList)
        await wait_for(pilot, lambda: rows.count > 1 and isinstance(rows.row_at(0), NamedRow))
        assert present(rows.row_at(0)).name == top
    session.close()
