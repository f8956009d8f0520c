"""Integrity check of a track, an album or a random sample of a tier: progress and results."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar

from tui.catalogue.lists import ListSource
from tui.widgets.rows import VERDICT_GLYPHS
from tui.widgets.virtual_list import VirtualList


def render_result(row, width: int, selected: bool) -> Text:
    result, name = row
    glyph, color = VERDICT_GLYPHS.get(result.verdict, ("?", "dim"))
    text = Text()
    text.append(f"{glyph} {result.verdict:<8}", style=color)
    text.append(name or result.track_id)
    detail = ", ".join(result.codes) or "; ".join(result.notes[:1])
    if detail:
        text.append(f"  {detail}", style="red" if result.codes else "dim")
    return text


class CheckScreen(ModalScreen):
    """Runs the checker on a list of track ids (or a sample drawn by `draw`)."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="check.close")]

    def __init__(self, title: str, track_ids: list[str] | None = None, draw=None, decode: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.track_ids = track_ids
        self.draw = draw  # a callable returning ids, run off the UI thread (samples)
        self.decode = decode
        self.results: list = []

    def compose(self) -> ComposeResult:
        with Vertical(id="check-box"):
            yield Label(self.title_text, id="check-title", classes="pane-title")
            yield ProgressBar(id="check-progress", show_eta=True)
            yield Label("", id="check-summary")
            yield VirtualList(render_result, id="check-results", empty="checking…")

    def on_mount(self) -> None:
        self.query_one("#check-results", VirtualList).focus()
        self.run_checks()

    @work(thread=True, exclusive=True, group="check")
    def run_checks(self) -> None:
        app = self.app
        services = app.services
        ids = self.track_ids if self.track_ids is not None else self.draw()
        app.call_from_thread(self.query_one("#check-progress", ProgressBar).update, total=len(ids), progress=0)
        checker = services.checker(self.decode)
        names = {}
        for i, track_id in enumerate(ids, start=1):
            if self.is_attached is False:
                return
            result = checker.check(track_id)
            track = services.catalogue.track(track_id)
            names[track_id] = f"{track.name} — {', '.join(track.artist_names)}" if track else track_id
            self.results.append(result)
            app.call_from_thread(self._progress, i, len(ids), result, names[track_id])
        services.verdicts.save(self.results)
        app.call_from_thread(self._done)

    def _progress(self, done: int, total: int, result, name: str) -> None:
        self.query_one("#check-progress", ProgressBar).update(progress=done)
        lst = self.query_one("#check-results", VirtualList)
        rows = list(lst.source.rows) if isinstance(lst.source, ListSource) else []
        rows.append((result, name))
        rows.sort(key=lambda r: {"corrupt": 0, "missing": 1, "ok": 2}.get(r[0].verdict, 3))
        lst.set_source(ListSource(rows), lst.cursor)
        self._summary(done, total)

    def _summary(self, done: int, total: int) -> None:
        counts = {k: sum(1 for r in self.results if r.verdict == k) for k in ("ok", "missing", "corrupt")}
        self.query_one("#check-summary", Label).update(
            f"{done}/{total} checked · {counts['ok']} ok · {counts['missing']} missing · "
            f"{counts['corrupt']} corrupt")

    def _done(self) -> None:
        self._summary(len(self.results), len(self.results))

    def action_close(self) -> None:
        self.app.pop_screen()
        self.app.call_after_refresh(self.app._refresh_lists)  # new verdict badges underneath
