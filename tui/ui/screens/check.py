"""Integrity check of a track, an album, a random sample of a tier or the whole mirror:
progress and results.

The check runs in the core; this screen starts it and shows its events as they come.
Closing it stops the run (a whole-mirror sweep carries on from there the next time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from tui.assets import SCREENS_CSS
from tui.core.checking import CheckRequest
from tui.core.events import CheckFinished, CheckProgress, SweepProgress
from tui.core.types import ListSource
from tui.ui.messages import CheckUpdated
from tui.ui.widgets.rows import VERDICT_GLYPHS
from tui.ui.widgets.virtual_list import VirtualList

ORDER = {"corrupt": 0, "stray": 1, "missing": 2, "ok": 3}

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
    CSS_PATH = SCREENS_CSS
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [Binding("escape,q", "close", "Close", id="check.close",
                        tooltip="Close; a check stopped so carries on at the next run")]

    def __init__(self, title: str, request: CheckRequest | None) -> None:
        super().__init__()
        self.title_text = title
        self.request = request  # None: the whole mirror
        self.run: int | None = None
        self.finished = False
        self.results: list[CheckProgress] = []  # a sweep sends only the files that are not ok
        self.swept: SweepProgress | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="check-box"):
            yield Label(self.title_text, id="check-title", classes="pane-title")
            yield ProgressBar(id="check-progress", show_eta=True)
            yield Label("", id="check-summary")
            yield VirtualList(render_result, id="check-results", empty="checking…")
            yield Static("", id="check-audio-title")
            yield Container(id="check-spectrogram")  # one track checked: what it sounds like

    def on_mount(self) -> None:
        self.query_one("#check-results", VirtualList).focus()
        session = self.app.session
        self.run = session.start_sweep() if self.request is None else session.start_check(self.request)

    @on(CheckUpdated)
    def check_updated(self, message: CheckUpdated) -> None:
        event = message.event
        if event.run != self.run:
            return
        if isinstance(event, SweepProgress):
            self.swept = event
            self.query_one("#check-progress", ProgressBar).update(total=max(1, event.total), progress=event.done)
            rate = event.bytes_read / 1e6 / max(event.seconds, 1e-3)
            self._summary(f"{event.done:,}/{event.total:,} files · {rate:,.0f} MB/s")
        elif isinstance(event, CheckProgress):
            self.results.append(event)
            self.results.sort(key=lambda r: ORDER.get(r.verdict, 3))
            self.query_one("#check-progress", ProgressBar).update(total=event.total, progress=event.done)
            lst = self.query_one("#check-results", VirtualList)
            lst.set_source(ListSource(list(self.results)), lst.cursor)
            if self.request is not None:
                self._summary(f"{event.done}/{event.total} checked")
        elif isinstance(event, CheckFinished):
            self.finished = True
            self.query_one("#check-progress", ProgressBar).update(total=max(1, event.checked),
                                                                  progress=event.checked)
            stray = sum(1 for r in self.results if r.verdict == "stray")
            self.query_one("#check-summary", Label).update(
                f"{event.checked:,} checked · {event.ok:,} ok · {event.missing:,} missing · {event.corrupt:,} corrupt"
                + (f" · {stray:,} stray" if stray else "")
                + (f" · verdicts not kept: {event.error}" if event.error else ""))
            results = self.query_one("#check-results", VirtualList)
            if not event.checked:
                results.empty = "nothing to check"
            elif not self.results:
                results.empty = "every file checked is ok"
            results.refresh()
            if self.request is not None and len(self.request.track_ids) == 1 and self.app.session.settings.art:
                self.show_spectrogram(self.request.track_ids[0])

    @work(group="check-spectrogram", exclusive=True)
    async def show_spectrogram(self, track_id: str) -> None:
        """After the check: hashes say the bytes are right, this shows whether the sound is."""
        from tui.ui.widgets.pictures import show_audio_picture

        await show_audio_picture(self.query_one("#check-audio-title", Static),
                                 self.query_one("#check-spectrogram", Container),
                                 self.app.session.library, track_id, 320, 90)

    def _summary(self, head: str) -> None:
        counts = {k: sum(1 for r in self.results if r.verdict == k) for k in ("ok", "missing", "corrupt", "stray")}
        if self.swept is not None:  # a sweep: the ok files are counted, not listed
            counts["ok"] = self.swept.done - counts["missing"] - counts["corrupt"]
        stray = f" · {counts['stray']} stray" if counts["stray"] else ""
        self.query_one("#check-summary", Label).update(
            f"{head} · {counts['ok']:,} ok · {counts['missing']:,} missing · {counts['corrupt']:,} corrupt{stray}")

    def action_close(self) -> None:
        if self.run is not None and not self.finished:
            self.app.session.stop_run(self.run)
        self.app.pop_screen()
