"""Track details: credits, ISRC siblings, audio features, ledger, file and verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.assets import SCREENS_CSS
from tui.core.checking import CheckRequest
from tui.core.types import Track, TrackDetails, clock
from tui.core.views import DetailsView
from tui.ui.navigation import NAVIGATION_BINDINGS, aimed_at_app
from tui.ui.track_keys import track_key
from tui.ui.widgets.pictures import show_audio_picture, show_picture
from tui.ui.widgets.rows import FILE_GLYPHS, popularity_bar

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp


class TrackDetailsScreen(ModalScreen):
    CSS_PATH = SCREENS_CSS
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [
        Binding("escape,q,i", "close", "Close", id="details.close", tooltip="Close the details"),
        Binding("enter,p", "play", "Play", id="details.play", tooltip="Play this track now"),
        track_key("details", "enqueue"),
        Binding("c", "check", "Check", id="details.check",
                tooltip="Check this track's file against the ledger and the torrent"),
        *aimed_at_app(NAVIGATION_BINDINGS),  # `?` and the digits, whatever is on top
    ]

    def __init__(self, track: Track) -> None:
        super().__init__()
        self.track = track
        self.details: TrackDetails | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details-box"):
            with Horizontal(id="details-head"):
                yield Static(Text(self.track.name or "(no title)", style="bold"), id="details-title")
                yield Container(id="details-cover")
            yield Static("loading…", id="details-body")
            yield Static("", id="details-audio-title")
            yield Container(id="details-spectrogram")

    def on_mount(self) -> None:
        self.load()
        if self.app.session.settings.art:
            self.load_cover()
            self.load_spectrogram()

    @work(exclusive=True, group="details-cover")
    async def load_cover(self) -> None:
        path = await self.app.run_db(self.app.session.library.cover, self.track)
        await show_picture(self.query_one("#details-cover"), path)

    @work(exclusive=True, group="details-spectrogram")
    async def load_spectrogram(self) -> None:
        await show_audio_picture(self.query_one("#details-audio-title", Static), self.query_one("#details-spectrogram"),
                                 self.app.session.library, self.track.id, 320, 120)

    @work(exclusive=True, group="details")
    async def load(self) -> None:
        view = await self.app.run_db(self.app.session.library.details, self.track)
        self.details = view.details
        self.query_one("#details-body", Static).update(self.render_details(view))

    def render_details(self, view: DetailsView) -> Table:
        d, entry, state, album = view.details, view.entry, view.file, view.album
        sibling_states = view.sibling_files
        verdict = self.app.live.verdicts.get(self.track.id, view.verdict)  # a check run since
        t = d.track
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column()

        def row(label: str, value: RenderableType | None) -> None:
            if value not in (None, "", []):
                grid.add_row(label, value)

        row("artists", ", ".join(a.name or "(no name)" for a in t.artists))
        if album:
            row("album", f"{album.name or '(no title)'} ({album.album_type}, {album.release_date})")
            row("label", album.label)
            row("album by", ", ".join(a.name for a in album.artists))
        row("number", f"disc {t.disc_number}, track {t.track_number}")
        row("duration", clock(t.duration_ms / 1000))
        row("popularity", Text.assemble(popularity_bar(t.popularity), f" {t.popularity}"))
        row("tier", "vorbis: original Ogg Vorbis 160 kbit/s" if t.tier == "vorbis"
            else "opus: Ogg Opus ~75 kbit/s (re-encoded)")
        row("explicit", "yes" if t.explicit else None)
        row("ISRC", t.isrc)
        row("genres", ", ".join(d.genres))
        f = d.features
        if f:
            row("BPM", f"{f.tempo:.1f}" if f.tempo is not None else None)
            row("key", f.key_name)
            row("time signature", f"{f.time_signature}/4" if f.time_signature else None)
            row("energy", _pct(f.energy))
            row("danceability", _pct(f.danceability))
            row("valence", _pct(f.valence))
            row("acousticness", _pct(f.acousticness))
            row("loudness", f"{f.loudness:.1f} dB" if f.loudness is not None else None)
        led = d.ledger
        if led:
            row("ledger", led.status)
            kbit = f" {led.reencoded_kbit_vbr} kbit/s" if led.reencoded_kbit_vbr else ""
            row("codec (ledger)", f"{led.codec}{kbit}")
            row("SHA-256", led.sha256_with_embedded_meta)
            if led.replaygain:
                rg = led.replaygain
                row("ReplayGain", f"track {rg.track_gain_db:+.2f} dB (peak {rg.track_peak:.3f}), "
                                  f"album {rg.album_gain_db:+.2f} dB")
        else:
            row("ledger", Text("no ledger row (or no track_files database)", style="dim"))
        glyph, color = FILE_GLYPHS.get(state, ("·", "dim"))
        row("file", Text(f"{glyph} {state}", style=color))
        row("damage", Text(view.damage, style="red") if view.damage else None)
        if entry is not None:
            row("path", str(entry.path))
            row("size", f"{entry.size:,} bytes")
            if entry.torrent_path:
                row("torrent", f"{entry.torrent_path.name} (file {entry.file_index})")
        row("integrity", verdict or Text("not checked yet (c checks it)", style="dim"))
        row("id", t.id)
        if d.isrc_siblings:
            grid.add_row("", "")
            grid.add_row("same ISRC", f"{len(d.isrc_siblings)} other track(s)")
            for s in d.isrc_siblings[:20]:
                g, c = FILE_GLYPHS.get(sibling_states.get(s.id, "absent"), ("·", "dim"))
                grid.add_row("", Text.assemble((g + " ", c), f"{s.name} — {s.album.name} ({s.album.year}) "
                                               f"pop {s.popularity}"))
        if view.playlists:  # the most-followed first, as far as `longtail index` has gone
            grid.add_row("", "")
            for i, p in enumerate(view.playlists):
                grid.add_row("in playlists" if i == 0 else "", Text.assemble(
                    p.name or "(no name)", (f"  {p.followers:,} followers", "dim")))
        return grid

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_play(self) -> None:
        self.app.play_tracks([self.track.id])

    def action_enqueue(self) -> None:
        self.app.enqueue_tracks([self.track.id])

    def action_check(self) -> None:
        self.app.pop_screen()
        self.app.check(CheckRequest((self.track.id,)), f"Checking {self.track.name or self.track.id}")


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:.0f}%"
