"""Rowid sets (the playable lists read their rows in rowid order): every rowid once, ascending,
whether held as a bitmap or, for a span too wide for one, sorted by SQLite; and the `P` lists
built through them equal a brute-force join, with either."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.catalogue import playable_tiers, rowid_sets
from tui.catalogue.playable_artists import playable_artists
from tui.catalogue.playable_tiers import playable_tier_tracks
from tui.catalogue.rowid_sets import RowidSet, rowid_set, rows_in_batches
from tui.demo.build import DemoPaths


def spill_conn() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


@settings(max_examples=60, deadline=None)
@given(lo=st.integers(-5000, 5000), offsets=st.lists(st.integers(0, 200_000), max_size=400), spill=st.booleans())
def test_a_rowid_set_gives_each_rowid_once_ascending(lo, offsets, spill):
    rowids = [lo + o for o in offsets]
    hi = max(rowids, default=lo)
    limit = 0 if spill else rowid_sets.MAX_BITMAP_BITS
    original = rowid_sets.MAX_BITMAP_BITS
    rowid_sets.MAX_BITMAP_BITS = limit
    try:
        found = RowidSet(lo, hi, spill_conn())
        half = len(rowids) // 2
        found.add_many(iter(rowids[:half]))  # in two calls, from generators, duplicates and all
        found.add_many(r for r in rowids[half:])
        assert list(found) == sorted(set(rowids))
        assert list(found) == sorted(set(rowids))  # iterating does not consume it
    finally:
        rowid_sets.MAX_BITMAP_BITS = original


def test_the_bitmap_spans_the_table_and_rows_come_in_the_order_asked(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "t.sqlite3")
    conn.execute("CREATE TABLE t (rowid INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(r, f"v{r}") for r in (-3, 7, 70_000, 1_000_003)])
    found = rowid_set(conn, "t", spill_conn())
    found.add_many([1_000_003, -3, 70_000, -3])
    assert list(found) == [-3, 70_000, 1_000_003]
    rows = list(rows_in_batches(conn, "SELECT rowid, v FROM t WHERE rowid IN ({marks})", found, batch=2))
    assert rows == [(-3, "v-3"), (70_000, "v70000"), (1_000_003, "v1000003")]
    empty = rowid_set(conn, "t", spill_conn())
    assert list(empty) == [] and list(rows_in_batches(conn, "SELECT 1 WHERE 0 IN ({marks})", empty)) == []


@pytest.mark.parametrize("spill", [False, True])
def test_the_playable_lists_equal_a_brute_force_join_either_way(small_demo: DemoPaths, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, spill: bool):
    from test_tui import demo_session

    if spill:
        monkeypatch.setattr(rowid_sets, "MAX_BITMAP_BITS", 0)
    session = demo_session(small_demo, tmp_path)
    try:
        catalogue, files = session.services.catalogue, session.services.files
        playable = set(files.playable_track_ids())
        assert playable
        brute = sqlite3.connect(f"file:{catalogue.paths.main}?mode=ro", uri=True)
        tracks = [(rowid, pop, album) for rowid, tid, pop, album in
                  brute.execute("SELECT rowid, id, popularity, album_rowid FROM tracks") if tid in playable]
        albums = {album for _, _, album in tracks}
        artist_rowids = {a for a, album in brute.execute("SELECT artist_rowid, album_rowid FROM artist_albums")
                         if album in albums}
        artists = sorted(((name, rowid) for rowid, name in brute.execute("SELECT rowid, name FROM artists")
                          if rowid in artist_rowids))
        assert len(artists) > 3
        built = playable_artists(catalogue, files.playable_track_ids(), tmp_path / "lists.sqlite3", f"a{spill}")
        assert [(r.name, r.rowid) for r in built.fetch(0, built.count() + 5)] == artists
        built.close()
        builds: list[int] = []
        real_rowids = playable_tiers.playable_rowids

        def counted(*args):
            builds.append(1)
            return real_rowids(*args)

        monkeypatch.setattr(playable_tiers, "playable_rowids", counted)
        for tier in ("vorbis", "opus"):
            want = [r for r, pop, _ in sorted((t for t in tracks if (t[1] > 0) == (tier == "vorbis")),
                                              key=lambda t: (-t[1], t[0]))]
            assert want
            listed = playable_tier_tracks(catalogue, tier, files.playable_track_ids(), tmp_path / "lists.sqlite3",
                                          f"t{spill}")
            assert [t.rowid for t in listed.fetch(0, listed.count() + 5)] == want
        assert len(builds) == 1  # one pass made both tiers' lists
        brute.close()
    finally:
        session.close()


def test_a_page_read_as_slices_at_once_equals_it_read_whole(small_demo: DemoPaths, tmp_path: Path):
    """TrackItems reads a page as slices on several threads: the same rows in the same order,
    at the start, in the middle and over the end of the list."""
    import threading

    from test_tui import demo_session

    from tui.core import items as items_mod

    session = demo_session(small_demo, tmp_path)
    try:
        import time

        listed = session.library.tier_tracks("opus")
        deadline = time.monotonic() + 30
        while not listed.complete and time.monotonic() < deadline:  # its anchor scan, in the background
            time.sleep(0.02)
        count = listed.count()
        assert listed.tracks.complete and count > 2 * items_mod.SLICE_MIN
        seen: set[str] = set()
        original = listed._items

        def noted(start: int, n: int):
            seen.add(threading.current_thread().name)
            return original(start, n)

        listed._items = noted
        for start in (0, count // 3, max(0, count - 40)):
            assert [i.track.id for i in listed.fetch(start, 100)] == [i.track.id for i in original(start, 100)]
        assert any(name.startswith("longtail-page-slice") for name in seen)
    finally:
        session.close()
