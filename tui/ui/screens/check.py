"""Integrity check of a track, an album or a random sample of a tier: progress and results.

The check runs in the core; this screen starts it and shows its events as they come.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar

from tui.catalogue.lists import ListSource
from tui.core.checking import CheckRequest
from tui.core.events import CheckFinished, CheckProgress
from tui.ui.messages import CheckUpdated
from tui.ui.widgets.rows import VERDICT_GLYPHS
from tui.ui.widgets.virtual_list import VirtualList

ORDER = {"corrupt": 0, "missing": 1, "ok": 2}

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp


def render_result(row: CheckProgress, width: int, selected: bool) -> Text:
    glyph, color = VERDICT_GLYPHS.get(row.verdict, ("?", "dim"))
    text = Text()
    text.append(f"{glyph} {row.verdict:<8}", style=color)
    text.append(row.name or row.track_id)
    detail = ", ".join(row.codes) or row.detail
    if detail:
        text.append(f"  {detail}", style="red" if row.codes else "dim")
    return text


class CheckScreen(ModalScreen):
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [Binding("escape,q", "close", "Close", id="check.close")]

    def __init__(self, title: str, request: CheckRequest) -> None:
        super().__init__()
        self.title_text = title
        self.request = request
        self.run: int | None = None
        self.results: list[CheckProgress] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="check-box"):
            yield Label(self.title_text, id="check-title", classes="pane-title")
            yield ProgressBar(id="check-progress", show_eta=True)
            yield Label("", id="check-summary")
            yield VirtualList(render_result, id="check-results", empty="checking…")

    def on_mount(self) -> None:
        self.query_one("#check-results", VirtualList).focus()
        self.run = self.app.session.start_check(self.request)

    @on(CheckUpdated)
    def check_updated(self, message: CheckUpdated) -> None:
        event = message.event
        if event.run != self.run:
            return
        if isinstance(event, CheckProgress):
            self.results.append(event)
            self.results.sort(key=lambda r: ORDER.get(r.verdict, 3))
            self.query_one("#check-progress", ProgressBar).update(total=event.total, progress=event.done)
            lst = self.query_one("#check-results", VirtualList)
            lst.set_source(ListSource(list(self.results)), lst.cursor)
            self._summary(f"{event.done}/{event.total} checked")
        elif isinstance(event, CheckFinished):
            self.query_one("#check-progress", ProgressBar).update(total=max(1, event.checked),
                                                                  progress=event.checked)
            self._summary(f"{event.checked}/{event.checked} checked" +
                          (f" · verdicts not kept: {event.error}" if event.error else ""))
            if not event.checked:
                self.query_one("#check-results", VirtualList).empty = "nothing to check"

    def _summary(self, head: str) -> None:
        counts = {k: sum(1 for r in self.results if r.verdict == k) for k in ("ok", "missing", "corrupt")}
        self.query_one("#check-summary", Label).update(
            f"{head} · {counts['ok']} ok · {counts['missing']} missing · {counts['corrupt']} corrupt")

    def action_close(self) -> None:
        self.app.pop_screen()
