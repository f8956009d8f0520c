"""A list of any length: a line-API ScrollView over pages of rows read in the background.

The virtual height is the row count; `render_line` draws only what is on screen
from an LRU of pages, and asks a loader thread for any page it lacks (plus the
pages just above and below the viewport). Rows therefore never all live in
memory and no query ever runs on the UI thread.

A `RowSource` says how many rows there are (the count may grow while a background
scan is still running) and fetches a page by position.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.types import ListSource, RowSource

# Rows read at a time. About a screenful: after a jump in a list of millions, every row is a
# few cold reads, and a viewport astride two pages waits for both. Cold page downs at 10^7
# tracks, p95 of the rows on screen: 54-1,183 ms with pages of 100, 26-35 ms with 32
# (bench/RESULTS.md).
PAGE = 32
MAX_PAGES = 200  # rows kept: 6,400
FIRST_PAGES = 4  # pages a source may hold ready when shown: a first screen of up to 128 rows


class VirtualList(ScrollView, can_focus=True):
    """Keyboard-driven list over a RowSource; posts Highlighted and Selected."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down", tooltip="Cursor down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up", tooltip="Cursor up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down", tooltip="A page down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up", tooltip="A page up"),
        Binding("home,g", "first", "First", show=False, id="list.first", tooltip="The first row"),
        Binding("end,G", "last", "Last", show=False, id="list.last", tooltip="The last row"),
        Binding("enter", "select", "Open / play", id="list.select", tooltip="Open the row, or play the track"),
    ]

    DEFAULT_CSS = """
    VirtualList { height: 1fr; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, sender: VirtualList, index: int, row: Any) -> None:
            super().__init__()
            self.list = sender
            self.index = index
            self.row = row

        @property
        def control(self) -> VirtualList:
            return self.list

    class Selected(Highlighted):
        pass

    class CountChanged(Message):
        def __init__(self, sender: VirtualList, count: int, complete: bool) -> None:
            super().__init__()
            self.list = sender
            self.count = count
            self.complete = complete

        @property
        def control(self) -> VirtualList:
            return self.list

    def __init__(self, render_row: Callable[[Any, int, bool], Text],
                 source: RowSource | None = None, placeholder: str = "…",
                 empty: str = "", *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.render_row = render_row
        self.placeholder = placeholder
        self.empty = empty
        self._source: RowSource = source or ListSource()
        self._pages: OrderedDict[int, list] = OrderedDict()  # the UI thread's, like _pending
        self._pending: set[int] = set()  # pages asked of the loader and not yet answered
        self._requests: queue.LifoQueue = queue.LifoQueue()  # newest first: what is on screen now
        self._generation = 0
        # the pages on screen, as the UI thread last drew them: the loader thread reads this
        # snapshot, never the widget's geometry (Textual's layout is the UI thread's alone)
        self._viewport_pages: tuple[int, int] = (0, 0)
        self._count = 0
        self._loader = threading.Thread(target=self._load_loop, daemon=True, name="virtual-list")
        self._loader.start()

    # -- source ------------------------------------------------------------------------

    @property
    def source(self) -> RowSource:
        return self._source

    def set_source(self, source: RowSource, cursor: int = 0, close_previous: bool = True) -> None:
        """Show another source; the one shown before is closed unless the caller keeps it (to
        show it again: the full artists list behind `P`)."""
        old = self._source
        self._source = source
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        if old is not source and close_previous:
            old.close()
        self._count = source.count()
        self.virtual_size = Size(0, self._count)  # rows fit the width: never a horizontal bar
        self.cursor = max(0, min(cursor, self._count - 1)) if self._count else 0
        self.scroll_to(y=0, animate=False)
        # the cursor's rows are shown at once when the source holds them (an album's tracks, the
        # artists read ahead of the first screen), else read now, while Textual lays the screen
        # out, not once a frame asks: a frame of placeholders less (~70 ms on the demo's start)
        first = self.cursor // PAGE
        self._viewport_pages = (first, first)
        for page in range(first, first + FIRST_PAGES):
            if (rows := source.ready(page * PAGE, PAGE)) is None:
                break
            self._pages[page] = rows
        if first not in self._pages:
            self._request(first)
        self.refresh()
        self._announce()

    def reload(self) -> None:
        """Fetch every row again where it is (what they show changed: files were indexed)."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.update_count()
        self.refresh()

    def update_count(self) -> None:
        """The source's count changed (a scan or stream grew it)."""
        count = self._source.count()
        if count != self._count:
            self._count = count
            self.virtual_size = Size(0, count)
            # the last page may have been short: drop it so it is fetched again
            last_page = (count - 1) // PAGE if count else 0
            for page in [p for p in self._pages if p >= last_page - 1]:
                del self._pages[page]
            self.refresh()
        self.post_message(self.CountChanged(self, count, self._source.complete))

    def row_at(self, index: int) -> Any | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    @property
    def count(self) -> int:
        return self._count

    # -- loading (loader thread) ----------------------------------------------------------

    def _request(self, page: int) -> None:
        if page < 0 or page in self._pages or page in self._pending:
            return
        if page * PAGE >= max(self._count, 1):
            return
        self._pending.add(page)
        self._requests.put((self._generation, page, self._source))

    def _load_loop(self) -> None:
        """The loader thread: reads pages and posts them back; it changes nothing of the widget's."""
        while True:
            item = self._requests.get()
            if item is None:
                return
            generation, page, source = item
            rows: list | None = None  # None: scrolled away (or a new source) before we got to it
            if generation == self._generation and self._near_viewport(page):
                try:
                    rows = source.fetch(page * PAGE, PAGE)
                except sqlite3.OperationalError as exc:  # a cancelled read: asked for again when drawn
                    rows = None if "interrupted" in str(exc) else [_LoadError(str(exc))]
                except Exception as exc:  # noqa: BLE001 - shown in the list, never a crash
                    rows = [_LoadError(str(exc))]
            if not self.post_message(_PageArrived(generation, page, rows)):
                return  # the widget is gone

    def _near_viewport(self, page: int) -> bool:
        top, bottom = self._viewport_pages
        return top - 2 <= page <= bottom + 2

    def on__page_arrived(self, message: _PageArrived) -> None:
        message.stop()
        self._page_loaded(message.generation, message.page, message.rows)

    def _page_loaded(self, generation: int, page: int, rows: list | None) -> None:
        self._pending.discard(page)
        if generation != self._generation or rows is None:
            return
        self._pages[page] = rows
        self._pages.move_to_end(page)
        if self._source.count() != self._count:  # a growing source grew while fetching
            self.update_count()
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        self.refresh()
        if page == self.cursor // PAGE:
            self._announce()

    def on_unmount(self) -> None:
        self._requests.put(None)

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        style = self.rich_style
        if index >= self._count:
            if self._count == 0 and y == 0 and self.empty:
                return _strip(Text(self.empty, style="dim"), width, style, self.app.console)
            return Strip.blank(width, style)
        page = index // PAGE
        if y == 0:  # once per frame: prefetch around the viewport
            top = self.scroll_offset.y // PAGE
            bottom = (self.scroll_offset.y + max(1, self.size.height)) // PAGE
            self._viewport_pages = (top, bottom)
            # the loader takes the newest request first: the pages around are asked for
            # before those on screen, so the rows shown are read first (after a jump they
            # had waited for the page below and the page above)
            for p in [top - 1, bottom + 2, bottom + 1, *range(bottom, top - 1, -1)]:
                self._request(p)
        rows = self._pages.get(page)
        if rows is None:
            self._request(page)
            return _strip(Text(self.placeholder, style="dim"), width, style, self.app.console)
        offset = index % PAGE
        if offset >= len(rows):
            return Strip.blank(width, style)
        row = rows[offset]
        selected = index == self.cursor
        if isinstance(row, _LoadError):
            text = Text(f"cannot read this part of the list: {row.message}", style="red")
        else:
            text = self.render_row(row, width, selected and self.has_focus)
        line_style = style
        if selected:
            line_style = style + (self.get_component_rich_style("virtual-list--cursor")
                                  if self.has_focus else Style(reverse=False, bold=True))
        return _strip(text, width, line_style, self.app.console)

    COMPONENT_CLASSES = {"virtual-list--cursor"}

    # -- cursor -------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if not self._count:
            return
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        if self._count:
            self.post_message(self.Highlighted(self, self.cursor, self.row_at(self.cursor)))

    def move_cursor(self, index: int) -> None:
        if self._count:
            self.cursor = max(0, min(index, self._count - 1))

    def jump_to(self, index: int) -> None:
        """The cursor to a far row (a jump, an opened artist), with the row in the middle of the
        view rather than on its bottom line, so what is around it shows too."""
        if not self._count:
            return
        self.move_cursor(index)
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=max(0, self.cursor - height // 2), animate=False)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_offset.y + height, animate=False)
        self.move_cursor(self.cursor + height)

    def action_page_up(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=max(0, self.scroll_offset.y - height), animate=False)
        self.move_cursor(self.cursor - height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._count - 1)

    def action_select(self) -> None:
        if self._count:
            row = self.row_at(self.cursor)
            if row is not None and not isinstance(row, _LoadError):
                self.post_message(self.Selected(self, self.cursor, row))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < self._count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class _PageArrived(Message):
    """A page the loader read (rows None: it dropped the request), for the UI thread."""

    def __init__(self, generation: int, page: int, rows: list | None) -> None:
        super().__init__()
        self.generation, self.page, self.rows = generation, page, rows


class _LoadError:
    def __init__(self, message: str) -> None:
        self.message = message


def _strip(text: Text, width: int, style: Style, console: Console) -> Strip:
    text.truncate(width, overflow="ellipsis")
    segments = [Segment(s.text, style + s.style if s.style else style)
                for s in text.render(console, end="")]
    return Strip(segments).extend_cell_length(width, style).crop(0, width)
