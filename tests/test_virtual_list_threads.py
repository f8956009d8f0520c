"""The list's loader thread reads rows, never the widget: Textual's layout belongs to the UI
thread (reading a widget's size from another thread laid the screen out there, and on a busy
machine the loader died with a LookupError and the list stayed empty)."""

from __future__ import annotations

import threading
import time

from rich.text import Text
from test_tui import demo_session, wait_for
from textual.app import App, ComposeResult
from textual.widget import Widget

from tui.catalogue.lists import ListSource
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


class UiThreadSet(set):
    """A set that notes every use from a thread other than the UI's."""

    def __init__(self, off_thread: list[str]) -> None:
        super().__init__()
        self.off_thread = off_thread

    def _note(self, what: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.off_thread.append(f"_pending.{what} on {threading.current_thread().name}")

    def add(self, item) -> None:
        self._note("add")
        super().add(item)

    def discard(self, item) -> None:
        self._note("discard")
        super().discard(item)

    def clear(self) -> None:
        self._note("clear")
        super().clear()

    def __contains__(self, item) -> bool:
        self._note("in")
        return super().__contains__(item)


class SlowRows(ListSource):
    """A busy database: every page takes a while, so keys outrun the loader."""

    def fetch(self, start: int, n: int) -> list:
        time.sleep(0.1)
        return super().fetch(start, n)

    def ready(self, start: int, n: int) -> list | None:
        return None  # a database's rows are never in memory before they are read


class OneList(App):
    def __init__(self, rows: ListSource | None = None) -> None:
        super().__init__()
        self.rows = rows or SlowRows(range(10_000))

    def compose(self) -> ComposeResult:
        yield VirtualList(lambda row, _width, _selected: Text(str(row)), id="rows")

    def on_mount(self) -> None:
        self.query_one("#rows", VirtualList).set_source(self.rows)


async def test_the_pending_pages_are_the_ui_threads_alone():
    """The loader drops a request for a page scrolled away from, and answers every other one,
    by message: only the UI thread ever touches what is pending."""
    off_thread: list[str] = []
    app = OneList()
    async with app.run_test(size=(60, 20)) as pilot:
        rows = app.query_one("#rows", VirtualList)
        rows._pending = UiThreadSet(off_thread)
        rows.focus()
        for key in ("end", "home"):  # pages left behind before the loader reaches them
            await pilot.press(key)
            await pilot.pause(0.02)
        await wait_for(pilot, lambda: rows.row_at(rows.cursor) is not None)
        await pilot.pause(0.5)
        assert not set(rows._pending)  # every request was answered, none left hanging
    assert off_thread == []


class RecordedRows(SlowRows):
    def __init__(self, rows) -> None:
        super().__init__(rows)
        self.started: list[int] = []

    def fetch(self, start: int, n: int) -> list:
        self.started.append(start)
        return super().fetch(start, n)


async def test_after_a_jump_the_rows_on_screen_are_read_first():
    """The loader takes the newest request first; the pages on screen are read before the pages
    around them (a jump's rows had waited for the page below and the one above)."""
    from tui.ui.widgets.virtual_list import PAGE

    app = OneList(RecordedRows(range(10_000)))
    async with app.run_test(size=(60, 20)) as pilot:
        rows = app.query_one("#rows", VirtualList)
        source = rows.source
        assert isinstance(source, RecordedRows)
        await wait_for(pilot, lambda: rows.row_at(0) is not None)
        await pilot.pause(0.4)  # the first screen's neighbours read too
        source.started.clear()
        rows.focus()
        rows.move_cursor(5 * PAGE + PAGE // 2)
        await wait_for(pilot, lambda: rows.row_at(rows.cursor) is not None)
        top = rows.scroll_offset.y // PAGE
        on_screen = set(range(top, (rows.scroll_offset.y + rows.size.height - 1) // PAGE + 1))
        assert source.started and source.started[0] // PAGE in on_screen, (source.started, on_screen)
