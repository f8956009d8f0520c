"""The first screen is rendered once: Textual (8.2) laid the screen out during its start-up
batch and rendered a whole frame that App._display then dropped unseen (~30 ms of the first
screen). A frame asked for while a batch is open is drawn once it closes."""

from __future__ import annotations

from test_tui import demo_session, wait_for
from textual._compositor import Compositor

from tui.ui.app import make_app
from tui.ui.widgets.virtual_list import VirtualList


async def test_no_frame_is_rendered_while_a_batch_is_open_and_the_first_is_drawn(small_demo, tmp_path,
                                                                                 monkeypatch):
    session = demo_session(small_demo, tmp_path)
    renders: list[int] = []  # the app's batch depth at each frame rendered
    original = Compositor.render_update
    app = make_app(session, start_player=False)

    def recorded(self, *args, **kwargs):
        renders.append(app._batch_count)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_update", recorded)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            artists = app.screen.query_one("#artists", VirtualList)
            await wait_for(pilot, lambda: bool(renders) and artists.row_at(0) is not None)
            assert renders and all(depth == 0 for depth in renders), renders
            screen = app.screen
            before = len(renders)
            app._begin_batch()
            screen._compositor_refresh()  # asked for inside a batch: held
            await pilot.pause(0.05)
            assert len(renders) == before
            app._end_batch()
            await wait_for(pilot, lambda: len(renders) > before)  # and drawn once it closed
            assert all(depth == 0 for depth in renders)
    finally:
        session.close()


async def test_the_title_bar_draws_the_header_and_its_icon_opens_the_command_palette(small_demo, tmp_path):
    from textual.command import CommandPalette

    from tui.ui.widgets.title_bar import TitleBar

    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(80, 24)) as pilot:
            bar = app.screen.query_one(TitleBar)
            line = bar.render().plain
            assert len(line) == 80 and line.startswith(" ⭘ ") and line.strip().endswith("longtail")
            # where Textual's Header puts the title: centred between its icon cell and clock space
            assert line.index("longtail") == 8 + (80 - 8 - 10 - len("longtail")) // 2
            await pilot.click(TitleBar, offset=(1, 0))
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
            await pilot.click(TitleBar, offset=(40, 0))  # the title itself opens nothing
            await pilot.pause(0.2)
            assert not isinstance(app.screen, CommandPalette)
    finally:
        session.close()
