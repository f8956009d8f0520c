"""The list's loader thread reads rows, never the widget: Textual's layout belongs to the UI
thread (reading a widget's size from another thread laid the screen out there, and on a busy
machine the loader died with a LookupError and the list stayed empty)."""

from __future__ import annotations

import threading

from test_tui import demo_session, wait_for
from textual.widget import Widget

from tui.ui.app import make_app
from tui.ui.widgets.virtual_list import VirtualList


async def test_the_loader_never_reads_the_widgets_geometry(small_demo, tmp_path, monkeypatch):
    off_thread: list[str] = []

    def guarded(name: str):
        original = getattr(Widget, name)

        def read(self):
            if threading.current_thread() is not threading.main_thread():
                off_thread.append(f"{name} read on {threading.current_thread().name}")
            return original.fget(self)
        return property(read)

    for name in ("size", "scroll_offset", "region", "content_region"):
        monkeypatch.setattr(VirtualList, name, guarded(name))
    session = demo_session(small_demo, tmp_path)
    app = make_app(session, start_player=False)
    async with app.run_test(size=(120, 30)) as pilot:
        artists = app.screen.query_one("#artists", VirtualList)
        await wait_for(pilot, lambda: artists.row_at(0) is not None)
        for _ in range(6):  # pages far from the first: each a request the loader weighs
            await pilot.press("pagedown")
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: artists.row_at(artists.cursor) is not None)
    session.close()
    assert off_thread == []
