"""True shuffle: an endless, uniform stream over the catalogue or a filtered part."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Select, Switch

from tui.core.commands import PlayStream
from tui.core.streams import ShuffleStream
from tui.core.types import ShuffleFilter, parse_feature_words
from tui.core.views import TrackItem
from tui.errors import LongtailError
from tui.ui.screens.base import TrackListScreen
from tui.ui.track_keys import track_key
from tui.ui.widgets.ordered_input import OrderedInput
from tui.ui.widgets.virtual_list import VirtualList


class ShuffleScreen(TrackListScreen):
    TRACK_LIST_ID = "stream"
    BINDINGS = [
        Binding("s", "reshuffle", "New shuffle", id="shuffle.new", tooltip="A new shuffle with the same filters"),
        Binding("f", "focus_filters", "Filters", id="shuffle.filters",
                tooltip="Edit the tier, popularity, genre and year filters"),
        Binding("F", "focus_features", "Audio features", id="shuffle.features",
                tooltip="Filter by audio features: tempo 120..128 key 8A energy 0.6.."),
        Binding("escape", "focus_stream", "Back to the list", show=False, id="shuffle.list",
                tooltip="Back to the shuffled list"),
        track_key("shuffle", "enqueue"),
        track_key("shuffle", "enqueue_next"),
        track_key("shuffle", "details"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="shuffle-filters"):
            yield Label("tier")
            yield Select([("any", "any"), ("vorbis (pop > 0)", "vorbis"), ("opus (pop 0)", "opus")],
                         value="any", allow_blank=False, id="tier")
            yield OrderedInput(placeholder="min pop", id="min-pop", type="integer", max_length=3)
            yield OrderedInput(placeholder="max pop", id="max-pop", type="integer", max_length=3)
            yield Label("playable")
            # on at first: Enter should play, and on a mirror with a part of the audio most of the
            # whole catalogue cannot (switched off, the stream skips what cannot play)
            yield Switch(value=True, id="playable")
            yield OrderedInput(placeholder="genre", id="genre")
            yield OrderedInput(placeholder="year", id="year", type="integer", max_length=4)
        yield OrderedInput(placeholder="audio features, e.g. tempo 120..128 key 8A energy 0.6.. valence ..0.4",
                    id="features", select_on_focus=False)
        yield Label("", id="shuffle-status")
        yield VirtualList(self.renderer(), id="stream", empty="nothing matches these filters")

    def on_mount(self) -> None:
        super().on_mount()
        self.stream: ShuffleStream | None = None
        self.start_shuffle()
        self.query_one("#stream", VirtualList).focus()

    def current_filter(self) -> ShuffleFilter:
        def number(widget_id: str) -> int | None:
            text = self.query_one(widget_id, Input).value.strip()
            try:
                return int(text) if text else None
            except ValueError:
                return None

        value = self.query_one("#tier", Select).value
        tier = value if isinstance(value, str) and value != "any" else None
        lo, hi = number("#min-pop"), number("#max-pop")
        return ShuffleFilter(
            tier=tier,
            min_popularity=None if lo is None else max(0, min(100, lo)),
            max_popularity=None if hi is None else max(0, min(100, hi)),
            playable=self.query_one("#playable", Switch).value,
            genre=self.query_one("#genre", Input).value.strip() or None,
            year=number("#year"),
            features=parse_feature_words(self.query_one("#features", Input).value))  # ValueError: said

    @on(Select.Changed)
    @on(Switch.Changed)
    def filters_changed(self, _event: Message) -> None:
        self.start_shuffle()

    @on(Input.Submitted)
    def filter_submitted(self, _event: Input.Submitted) -> None:
        # The field keeps focus: the next letters typed fix the filter rather than fire keys
        # (mute, previous, pause) on the list; Escape or Tab is the way to the list.
        self.start_shuffle()

    def action_reshuffle(self) -> None:
        self.start_shuffle()

    def action_focus_filters(self) -> None:
        self.query_one("#tier", Select).focus()

    def action_focus_features(self) -> None:
        self.query_one("#features", Input).focus()

    def action_focus_stream(self) -> None:
        """Escape leaves the filters for the list (where Enter plays), as it leaves an input in cmus."""
        self.query_one("#stream", VirtualList).focus()

    @work(group="shuffle", exclusive=True)
    async def start_shuffle(self) -> None:
        status = self.query_one("#shuffle-status", Label)
        try:
            flt = self.current_filter()
        except ValueError as exc:
            status.update(f"features: {exc}")
            return
        status.update(f"shuffling {flt.describe()}…")
        try:
            shuffle = await self.app.run_db(lambda: self.library.shuffle(flt, endless=True))
        except LongtailError as exc:
            status.update(str(exc))
            return
        self.stream = ShuffleStream(shuffle)
        self.query_one("#stream", VirtualList).set_source(self.library.stream(self.stream))
        status.update(f"{flt.describe()} · seed {shuffle.seed} · {shuffle.strategy} · "
                      "every track equally likely, none twice until all are played · Enter plays")

    @on(VirtualList.Selected, "#stream")
    def selected(self, event: VirtualList.Selected) -> None:
        if self.stream is None or not isinstance(event.row, TrackItem):
            return
        self.session.send(PlayStream(self.stream, event.index))
        self.notify("playing the shuffle stream from here; it keeps feeding the queue", timeout=3)
