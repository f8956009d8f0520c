"""The rows a source already holds are drawn in the frame that shows the source, without a
trip through the list's loader: an album's tracks, and the first artists, which are read
before the first screen (else the first frame showed placeholders and the rows came a frame
later)."""

from __future__ import annotations

import sqlite3
import time

from test_tui import demo_session, wait_for
from test_virtual_list_threads import OneList, RecordedRows

from tui.catalogue.lists import AnchoredSource, ListSource
from tui.catalogue.queries import LISTINGS
from tui.ui.app import make_app
from tui.ui.widgets.virtual_list import PAGE, VirtualList


class InMemory(RecordedRows):
    def ready(self, start: int, n: int) -> list | None:
        return ListSource.ready(self, start, n)


async def test_rows_in_memory_are_shown_with_the_source_not_read_by_the_loader():
    app = OneList(InMemory(range(1000)))
    async with app.run_test(size=(60, 20)) as pilot:
        rows = app.query_one("#rows", VirtualList)
        source = rows.source
        assert isinstance(source, InMemory)
        assert rows.row_at(0) == 0 and rows.row_at(PAGE - 1) == PAGE - 1  # before any frame's request
        await pilot.pause(0.3)
        assert source.started == []  # the first screen and its neighbours were all held
        rows.move_cursor(900)  # a jump: those rows are read by the loader, as from a database
        await wait_for(pilot, lambda: rows.row_at(900) == 900)
        assert 900 // PAGE * PAGE in source.started


async def test_a_database_source_is_still_read_by_the_loader():
    app = OneList(RecordedRows(range(1000)))  # ready() is None: rows come from fetch
    async with app.run_test(size=(60, 20)) as pilot:
        rows = app.query_one("#rows", VirtualList)
        assert rows.row_at(0) is None
        await wait_for(pilot, lambda: rows.row_at(0) is not None)
        source = rows.source
        assert isinstance(source, RecordedRows) and 0 in source.started


async def test_the_first_artists_are_read_before_the_first_frame(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        warmed = session.library._warm_artists
        assert warmed is not None
        first = warmed.ready(0, PAGE)
        assert first is not None and first == warmed.fetch(0, PAGE)  # the same rows as a read of the list
        seen: list[object] = []
        async with app.run_test(size=(120, 40)) as pilot:
            artists = app.screen.query_one("#artists", VirtualList)
            seen.append(artists.row_at(0))  # at once: no page had to arrive
            assert artists.source is warmed
            await pilot.pause(0.1)
        assert seen == [first[0]]
    finally:
        session.close()


def test_a_short_listing_is_whole_in_its_first_rows(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    try:
        source = AnchoredSource(session.services.catalogue.connect, LISTINGS["artists"], lambda r: r)
        everything = source.fetch(0, 10**6)
        source.warm(len(everything) + 50, wait=5)
        assert source.ready(0, 10**6) == everything
        assert source.ready(len(everything), PAGE) == []
        source.close()
    finally:
        session.close()


def test_a_failed_read_ahead_leaves_the_list_to_its_loader(small_demo, tmp_path):
    def unreadable(row: tuple) -> object:
        raise sqlite3.DatabaseError("database disk image is malformed")

    session = demo_session(small_demo, tmp_path)
    try:
        source = AnchoredSource(session.services.catalogue.connect, LISTINGS["artists"], unreadable)
        source.warm(PAGE, wait=5)  # no exception: the list's own read meets the error and shows it
        assert source.ready(0, PAGE) is None
        source.close()
    finally:
        session.close()


async def test_the_tiers_screen_opens_on_rows_read_ahead_while_the_app_was_idle(small_demo, tmp_path, monkeypatch):
    from tui.ui.screens import base

    monkeypatch.setattr(base, "OTHER_SCREENS_AFTER", 0.05)
    session = demo_session(small_demo, tmp_path)
    library = session.library
    listed = library.tier_tracks(base.FIRST_TIER)  # a first listing scans and keeps the tier's anchors
    deadline = time.monotonic() + 10
    while not listed.complete and time.monotonic() < deadline:
        time.sleep(0.01)
    listed.close()
    library._tiers_asked.clear()  # as in a new app, whose tiers screen has not opened yet
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: base.FIRST_TIER in library._warm_tiers)
            warmed, _grow = library._warm_tiers[base.FIRST_TIER]
            first, listing = warmed.ready(0, PAGE), warmed.source
            assert first is not None and len(first) == PAGE
            await pilot.press("4")
            await wait_for(pilot, lambda: bool(app.screen.query("#tier-tracks")))
            tracks = app.screen.query_one("#tier-tracks", VirtualList)
            assert tracks.source is warmed and tracks.row_at(0) == first[0]  # drawn without a read
            assert [tracks.row_at(i) for i in range(PAGE)] == listing.fetch(0, PAGE)  # the rows a read gives
            assert base.FIRST_TIER not in library._warm_tiers  # handed out once
    finally:
        session.close()


def test_a_tier_whose_anchors_are_not_kept_is_not_read_ahead(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    try:
        anchors = session.services.state.anchors("tier-vorbis")
        anchors.unlink(missing_ok=True)
        session.library.warm_tier("vorbis", PAGE)
        assert "vorbis" not in session.library._warm_tiers  # no scan for a screen nobody opened
    finally:
        session.close()
