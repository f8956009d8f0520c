"""Tiers: histogram, coverage per tier, keyset paging."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_catalogue import open_catalogue

from tui.catalogue.tiers import StatsCache, Tiers
from tui.cli import main


def test_histogram_is_counted_once_and_cached(tiny_mirror, tmp_path):
    cat = open_catalogue(tiny_mirror)
    tiers = Tiers(cat, StatsCache(tmp_path / "stats.sqlite3"))
    calls = []
    hist = tiers.histogram(lambda *a: calls.append(a))
    assert hist[0] == 5 and hist[70] == 2 and sum(hist.values()) == 13 and calls
    calls.clear()
    assert tiers.histogram(lambda *a: calls.append(a)) == hist and calls == []
    cat.close()


def test_coverage_per_tier(small_demo, tmp_path):
    result = CliRunner().invoke(main, ["tiers", "--json", "--state", str(small_demo.home)])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc["histogram"]) == {str(i) for i in range(101)}
    assert sum(doc["histogram"].values()) == 4000
    v, o = doc["tiers"]["vorbis"], doc["tiers"]["opus"]
    assert v["tracks"] + o["tracks"] == 4000 and o["tracks"] == doc["histogram"]["0"]
    assert v["local"] + o["local"] + v["fetchable"] + o["fetchable"] == 24
    assert v["local"] > 0 and o["local"] > 0
    for t in (v, o):
        assert t["absent"] == t["tracks"] - t["local"] - t["fetchable"]
        assert t["archived"] >= t["local"] + t["fetchable"]  # every demo audio file is in the ledger


def test_keyset_paging_most_popular_first(tiny_mirror, tmp_path):
    cat = open_catalogue(tiny_mirror)
    tiers = Tiers(cat, StatsCache(tmp_path / "s.sqlite3"))
    first = tiers.page("vorbis", limit=3)
    assert [t.popularity for t in first] == [84, 70, 70]
    seen = []
    after = None
    while True:
        page = tiers.page("vorbis", after, limit=3)
        if not page:
            break
        seen += page
        after = (page[-1].popularity, page[-1].rowid)
    pops = [t.popularity for t in seen]
    assert pops == sorted(pops, reverse=True) and len(seen) == 8 and len({t.rowid for t in seen}) == 8
    opus = tiers.page("opus", limit=10)
    assert [t.rowid for t in opus] == [4, 11, 12, 13, 15]
    cat.close()


@pytest.mark.parametrize("tier", ["vorbis", "opus"])
async def test_p_lists_a_tiers_playable_tracks_most_popular_first(small_demo, tmp_path, tier):
    """The pilot presses P in the tiers screen: exactly the tier's local and fetchable tracks,
    by popularity (then rowid), as the file index and the catalogue say; P again: everything."""
    from test_tui import demo_session, wait_for

    from tui.core.views import TrackItem
    from tui.ui.app import make_app
    from tui.ui.widgets.virtual_list import VirtualList

    session = demo_session(small_demo, tmp_path)
    playable = [t for t, s in session.services.files.all_states() if s in ("local", "fetchable")]
    tracks = session.services.catalogue.tracks_by_rowids(session.services.catalogue.rowids_for_ids(playable))
    expected = [t.id for t in sorted((t for t in tracks if t.tier == tier), key=lambda t: (-t.popularity, t.rowid))]
    assert expected
    app = make_app(session, start_player=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: app.current_mode == "tiers")
        if tier == "opus":
            await pilot.press("t")
        await pilot.press("P")
        lst = app.screen.query_one("#tier-tracks", VirtualList)
        await wait_for(pilot, lambda: lst.count == len(expected) and lst.row_at(0) is not None, timeout=20)
        await wait_for(pilot, lambda: all(lst.row_at(i) is not None for i in range(lst.count)), timeout=20)
        rows = [lst.row_at(i) for i in range(lst.count)]
        assert all(isinstance(r, TrackItem) and r.file in ("local", "fetchable") for r in rows)
        assert [r.track.id for r in rows if isinstance(r, TrackItem)] == expected
        await pilot.press("P")
        await wait_for(pilot, lambda: lst.count > len(expected))
    session.close()


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_the_tiers_tracks_keep_rows_on_a_short_terminal(small_demo, tmp_path, size):
    """At 80×24 the histogram and the wrapped tier descriptions had left the tier's tracks no
    row at all: the histogram gives way first, down to three rows."""
    from test_tui import demo_session, wait_for

    from tui.ui.app import make_app
    from tui.ui.widgets.virtual_list import VirtualList

    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: app.current_mode == "tiers")
        tracks = app.screen.query_one("#tier-tracks", VirtualList)
        await wait_for(pilot, lambda: tracks.row_at(0) is not None and "counting" not in str(
            app.screen.query_one("#coverage").render()))
        await pilot.pause(0.3)
        region = tracks.region
        laid_out = [(w.id, w.region) for w in app.screen.query("#histogram, #coverage, #tier-title, #tier-tracks")]
        assert region.height >= 5 and region.bottom <= size[1] - 3, laid_out  # above the bar and the key bar
        histogram = app.screen.query_one("#histogram").region
        assert 3 <= histogram.height <= 12 and (size[1] < 30 or histogram.height == 12)
    session.close()
