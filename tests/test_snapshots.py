"""Snapshots of the main screens at a fixed terminal size, on the hand-written catalogue."""

from __future__ import annotations

import pytest
from test_tui import wait_for

from tui.catalogue.search_index import SearchIndexBuilder
from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.ui.app import make_app
from tui.ui.widgets.virtual_list import VirtualList

SIZE = (110, 30)


@pytest.fixture
def app(tiny_mirror, tmp_path):
    services = open_services(Location(tiny_mirror, StatePaths(tmp_path / "state"), None), Settings())
    SearchIndexBuilder(services.catalogue, services.state.search_index, shards=1).build()
    session = Session(services)
    app = make_app(session, start_player=False)
    yield app
    session.close()


async def settled(pilot, *list_ids: str) -> None:
    app = pilot.app

    def ready() -> bool:
        for list_id in list_ids:
            lists = app.screen.query(f"#{list_id}")
            if not lists or lists.first(VirtualList).count == 0:
                return False
            lst = lists.first(VirtualList)
            if lst.row_at(0) is None or not lst.source.complete:
                return False
        return not app.workers._workers or all(w.is_finished for w in app.workers._workers
                                               if w.group != "player")

    await wait_for(pilot, ready)
    await pilot.pause(0.3)  # let the last count updates and the late-mounted footer draw


def test_library(snap_compare, app):
    async def run_before(pilot):
        await settled(pilot, "artists", "albums", "tracks")
        await pilot.press("j")
        await settled(pilot, "artists", "albums", "tracks")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_search(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("slash")
        await pilot.press(*"around")
        await settled(pilot, "results")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_tiers(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("4")
        await settled(pilot, "tier-tracks")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
