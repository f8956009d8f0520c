"""Tiers: the histogram, the archive's two tiers with coverage, and paging through a tier."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static

from tui.core.checking import CheckRequest
from tui.core.types import TIER_LABELS, TierCoverage
from tui.core.views import TrackItem
from tui.ui.screens.base import FIRST_TIER, TrackListScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.histogram import Histogram
from tui.ui.widgets.virtual_list import VirtualList


class CoverageTable(Static):
    """The coverage table. Its height is known only once it is laid out, after the counts came:
    then the histogram is fitted again (before, a race with that layout could leave the tier's
    tracks a row or two short)."""

    class Resized(Message):
        pass

    def on_resize(self) -> None:
        self.post_message(self.Resized())


def coverage_table(coverage: dict[str, TierCoverage] | None, total: int) -> Group:
    """The tiers' counts, then what each tier is, a line each (in the table they wrapped into
    four lines of the first column and, at 80×24, left the tier's tracks no room)."""
    table = Table(expand=True, box=None)
    columns = ("tier", "tracks", "archived", "local", "damaged", "fetchable", "absent")
    for col in columns:
        table.add_column(col, justify="left" if col == "tier" else "right")
    blank = [""] * (len(columns) - 1)
    if coverage is None:
        table.add_row("counting…", *blank)
        return Group(table)
    for name, c in coverage.items():
        share = f" ({c.tracks / total:.0%})" if total else ""
        table.add_row(Text(name, style="magenta" if name == "vorbis" else "blue"), f"{c.tracks:,}{share}",
                      "n/a" if c.archived is None else f"{c.archived:,}", Text(f"{c.local:,}", style="green"),
                      Text(f"{c.damaged:,}", style="bold red" if c.damaged else "dim"),
                      Text(f"{c.fetchable:,}", style="yellow"), Text(f"{c.absent:,}", style="dim"))
    labels = [Text(f"{name}: {TIER_LABELS[name]}", style="dim", no_wrap=True, overflow="ellipsis")
              for name in coverage]
    return Group(table, *labels)


class TiersScreen(TrackListScreen):
    TRACK_LIST_ID = "tier-tracks"
    BINDINGS = [
        Binding("l", "toggle_log", "Log scale", id="tiers.log",
                tooltip="Switch the histogram between a log and a linear scale"),
        Binding("t", "other_tier", "Other tier", id="tiers.toggle", tooltip="Show the other tier's tracks"),
        track_key("tiers", "enqueue"),
        track_key("tiers", "enqueue_next"),
        track_key("tiers", "details"),
        Binding("c", "check_sample", "Check a sample", id="tiers.check",
                tooltip="Check a sample of this tier's local files"),
        track_key("tiers", "playable"),
    ]
    playable_only = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="tiers"):
            yield Histogram(id="histogram")
            yield CoverageTable(coverage_table(None, 0), id="coverage")
            yield Label("", id="tier-title", classes="pane-title")
            yield VirtualList(self.renderer(), id="tier-tracks", empty="no tracks in this tier")

    HISTOGRAM_ROWS = (3, 12)  # its fewest and most rows
    TRACK_ROWS = 7  # the tier's list keeps at least these (5 tracks and its border)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_histogram)

    @on(CoverageTable.Resized)
    def coverage_resized(self) -> None:
        self.call_after_refresh(self._fit_histogram)

    def _fit_histogram(self) -> None:
        """The histogram gives way first on a short terminal, so the tier's tracks keep rows."""
        tiers = self.query_one("#tiers").size.height
        fixed = self.query_one("#coverage").size.height + self.query_one("#tier-title").size.height
        low, high = self.HISTOGRAM_ROWS
        rows = max(low, min(high, tiers - fixed - self.TRACK_ROWS))
        histogram = self.query_one("#histogram", Histogram)
        if histogram.styles.height is None or histogram.styles.height.value != rows:
            histogram.styles.height = rows

    def on_mount(self) -> None:
        super().on_mount()
        self.load_stats()
        self.action_tier(FIRST_TIER)  # its first rows are read ahead (base.py)
        self.query_one("#tier-tracks", VirtualList).focus()

    @work(group="tier-stats", exclusive=True)
    async def load_stats(self) -> None:
        histogram = await self.app.run_db(self.library.tier_histogram)
        self.query_one("#histogram", Histogram).set_counts(histogram)
        coverage = await self.app.run_db(self.library.tier_coverage)
        self.query_one("#coverage", Static).update(coverage_table(coverage, sum(histogram.values())))
        self.call_after_refresh(self._fit_histogram)  # the table's height is known now

    def action_toggle_log(self) -> None:
        h = self.query_one("#histogram", Histogram)
        h.log_scale = not h.log_scale

    def action_other_tier(self) -> None:
        self.action_tier("opus" if self.tier == "vorbis" else "vorbis")

    def action_tier(self, tier: str) -> None:
        self.tier = tier
        if self.playable_only:
            self.load_playable(tier)
            return
        lst = self.query_one("#tier-tracks", VirtualList)
        source = self.library.tier_tracks(tier, lambda: self.app.call_from_thread(self._grew, tier))
        lst.set_source(source)
        self._grew(tier)

    def action_toggle_playable(self) -> None:
        self.playable_only = not self.playable_only
        self.action_tier(self.tier)

    @work(group="tier-playable", exclusive=True)
    async def load_playable(self, tier: str) -> None:
        self.query_one("#tier-title", Label).update(f"{tier} tier · listing what can be played…")
        source = await self.app.run_db(self.library.playable_tier_tracks, tier)
        if self.tier != tier or not self.playable_only:
            return  # toggled again meanwhile
        lst = self.query_one("#tier-tracks", VirtualList)
        lst.empty = "nothing in this tier can be played (P shows everything)"
        lst.set_source(source)
        self._grew(tier)

    def _grew(self, tier: str) -> None:
        lst = self.query_one("#tier-tracks", VirtualList)
        lst.update_count()
        more = "" if lst.source.complete else "+"
        which = "playable (local or fetchable), " if self.playable_only else ""
        self.query_one("#tier-title", Label).update(
            f"{tier} tier, {which}most popular first · {lst.source.count():,}{more} tracks · t: the other tier"
            f" · P: {'everything' if self.playable_only else 'playable only'}")

    def action_check_sample(self) -> None:
        self.app.check(CheckRequest(sample=50, tier=self.tier),
                       f"Checking 50 random local files of the {self.tier} tier")

    @on(VirtualList.Selected, "#tier-tracks")
    def selected(self, event: VirtualList.Selected) -> None:
        if isinstance(event.row, TrackItem):
            self.app.play_tracks([event.row.track.id])
