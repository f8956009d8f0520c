"""The key bar draws what Textual's Footer drew, cell for cell, as one widget that repaints when
the keys change (the Footer rebuilt a widget per key at every change of focus). A click on a
key presses it; hovering one shows its tooltip."""

from __future__ import annotations

import pytest
from rich.color import Color
from test_tui import demo_session, wait_for
from textual._compositor import LayoutUpdate
from textual.widgets import Footer

from tui.ui.app import make_app
from tui.ui.screens import base
from tui.ui.widgets.key_bar import KeyBar
from tui.ui.widgets.virtual_list import VirtualList

Cell = tuple[str, Color | None, Color | None, bool, bool]  # character, colour, background, bold, dim


class MountedLate(Footer):
    """Textual's Footer as the screens mounted it before: after their first frame, so it asked
    for the bindings it had missed."""

    def on_mount(self) -> None:  # Textual calls Footer's own on_mount too
        self.call_after_refresh(self.screen.refresh_bindings)


async def bottom_line(small_demo, tmp_path, width: int, keys: tuple[str, ...]) -> list[Cell]:
    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(width, 24)) as pilot:
            await wait_for(pilot, lambda: app.screen.query_one("#artists", VirtualList).row_at(0) is not None)
            await pilot.pause(0.3)
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.3)
            update = app.screen._compositor.render_update(full=True)
            assert isinstance(update, LayoutUpdate)
            cells: list[Cell] = []
            for segment in (s for strip in update.strips[-1] for s in strip):
                st = segment.style
                for ch in segment.text:
                    cells.append((ch, st.color if st else None, st.bgcolor if st else None,
                                  bool(st and st.bold), bool(st and st.dim)))
            return cells
    finally:
        session.close()


@pytest.mark.parametrize(("width", "keys"), [(80, ()), (120, ()), (80, ("tab",)), (80, ("4",)),
                                             (120, ("2",)), (120, ("2", "escape", "5"))])
async def test_the_key_bar_draws_the_footers_cells(small_demo, tmp_path, monkeypatch, width, keys):
    ours = await bottom_line(small_demo, tmp_path / "ours", width, keys)
    monkeypatch.setattr(base, "KeyBar", MountedLate)
    footers = await bottom_line(small_demo, tmp_path / "footer", width, keys)
    assert "".join(c[0] for c in ours) == "".join(c[0] for c in footers)
    assert "palette" in "".join(c[0] for c in ours)
    # every cell's background; a character's colour and weight (a space shows none of them)
    assert [c[2] for c in ours] == [c[2] for c in footers]
    assert [c for c in ours if c[0] != " "] == [c for c in footers if c[0] != " "]


async def test_a_click_on_a_key_presses_it_and_hovering_one_shows_its_tooltip(small_demo, tmp_path):
    from tui.ui.screens.help import HelpScreen

    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(120, 24)) as pilot:
            await wait_for(pilot, lambda: bool(app.screen.query(KeyBar)))
            await pilot.pause(0.2)
            bar = app.screen.query_one(KeyBar)
            spans = {key.key: (start, end, key) for start, end, key in bar._spans}
            start, _end, queue = spans["a"]
            await pilot.hover(KeyBar, offset=(start + 1, 0))
            await pilot.pause(0.1)
            assert bar.tooltip == queue.tooltip and queue.tooltip  # the binding's own tooltip
            start, _end, _help = spans["question_mark"]
            await pilot.click(KeyBar, offset=(start + 1, 0))
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    finally:
        session.close()
