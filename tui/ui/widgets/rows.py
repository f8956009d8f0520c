"""How rows look: tracks, artists, albums and section headers, as Rich Text.

Columns have fixed cell widths on the right and the name takes what is left, so
long, right-to-left, CJK or emoji names never push the layout around (Rich
measures cell widths; truncation adds an ellipsis).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from rich.text import Text

from tui.core.types import NamedHit, PlaylistEntry, clock
from tui.core.views import TrackItem
from tui.ui.live import LiveState

FILE_GLYPHS = {"local": ("●", "green"), "damaged": ("✖", "bold red"), "partial": ("◔", "cyan"),
               "fetchable": ("◐", "yellow"), "absent": ("·", "dim"), "indexing": ("…", "dim")}
VERDICT_GLYPHS = {"ok": ("✓", "green"), "corrupt": ("✗", "bold red"), "missing": ("?", "yellow")}
BAR = " ▁▂▃▄▅▆▇█"
RowRenderer = Callable[[Any, int, bool], Text]  # (row, width, selected) -> the row's line


class Header(msgspec.Struct, frozen=True):
    """A section title inside a list (Albums, Singles, Tracks…); Enter does nothing."""

    title: str


class MoreRow(msgspec.Struct, frozen=True):
    """The end of a section that stopped at its limit: Enter shows more of it."""

    section: str  # "track" | "artist" | "album"


class NamedRow(msgspec.Struct, frozen=True):
    """An artist or an album in a list."""

    kind: str  # "artist" | "album"
    rowid: int
    id: str
    name: str
    popularity: int | None = None
    extra: str = ""  # e.g. the year and type of an album


OTHER_ENTRY_WORDS = {"episode": "podcast episode", "local": "the listener's own file",
                     "missing": "not in the catalogue"}


def popularity_bar(popularity: int | None) -> Text:
    p = max(0, min(100, popularity or 0))
    cells = 5
    full = p * cells / 100
    out = ""
    for i in range(cells):
        frac = max(0.0, min(1.0, full - i))
        out += BAR[max(1, round(frac * 8))] if frac else "·"
    return Text(out, style="cyan" if p else "dim")


def name_or_placeholder(name: str, placeholder: str) -> Text:
    return Text(name) if name.strip() else Text(placeholder, style="dim italic")


def render_track(item: TrackItem, width: int, selected: bool, live: LiveState | None = None,
                 numbered: bool = False, mark_playing: bool = True) -> Text:
    """A track: file glyph, (disc-track numbers | title — artists), fetch, duration, popularity, tier, verdict.

    The title gets the room first: when the row is narrow, the popularity bar, then its
    number, then the tier, then the duration give way (in that order), never the title."""
    t = item.track
    file: str = item.file
    verdict, fetch = item.verdict, None
    if live is not None:
        file = live.files.get(t.id, file)
        verdict = live.verdicts.get(t.id, verdict)
        fetch = live.fetch_text(t.id)
    glyph, color = FILE_GLYPHS.get(file, ("·", "dim"))
    left = Text()
    if mark_playing and live is not None and live.playing == t.id:
        left.append("▶ ", style="bold")  # in the file glyph's place: no column of the row moves
    else:
        left.append(f"{glyph} ", style=color)
    if numbered:
        left.append(f"{t.disc_number}-{t.track_number:02d}  ", style="dim")
    # right-hand columns, the first to give way first
    optional: list[tuple[str, Text]] = [
        ("bar", Text(" ").append_text(popularity_bar(t.popularity))),
        ("popularity", Text(f" {t.popularity:>3}")),
        ("tier", Text(f" {t.tier:<6}", style="magenta" if t.tier == "vorbis" else "blue")),
        ("duration", Text(f" {clock(t.duration_ms / 1000):>7}")),
    ]
    fetched, judged = Text(), Text()  # always shown: what is happening to the file, and its verdict
    if fetch:
        fetched.append(f" {fetch[:24]:>24}", style="red" if "fail" in fetch or "stall" in fetch else "yellow")
    if verdict == "missing" and file in ("fetchable", "absent", "indexing"):
        verdict = None  # "not downloaded" is the glyph's word already; a `?` beside it read as doubt
    if verdict:
        v, vcolor = VERDICT_GLYPHS.get(verdict, ("?", "dim"))
        judged.append(f" {v}", style=vcolor)
    else:
        judged.append("  ")  # the verdict's place, kept so that columns line up
    # Which columns give way depends on the width alone (never on this row's verdict or
    # marker), so every row of a list keeps the same columns and they line up.
    widths = {"bar": 6, "popularity": 4, "tier": 7, "duration": 8}
    left_room = 2 + (8 if numbered else 0)
    room_for_title = max(12, (width - left_room) * 11 // 20)
    kept = dict(optional)
    for name, _part in optional:  # drop from the least needed while the title would be squeezed
        used = left_room + 3 + sum(widths[n] for n in kept)  # 3: a verdict's place and the margin
        if width - used >= room_for_title:
            break
        del kept[name]
    right = fetched.copy()
    for name in ("duration", "bar", "popularity", "tier"):
        if name in kept:
            right.append_text(kept[name])
    right.append_text(judged)
    right.append(" ")
    name_width = max(4, width - left.cell_len - right.cell_len)
    middle = name_or_placeholder(t.name, "(no title)")
    if not numbered:  # an album's own list (numbered) needs neither its artists nor its name
        middle.append(" — " + ", ".join(t.artist_names), style="dim")
        if t.album.name:
            middle.append(f" · {t.album.name}", style="dim italic")
    middle.truncate(name_width, overflow="ellipsis", pad=True)
    line = Text.assemble(left, middle, right)
    line.truncate(width, overflow="ellipsis")  # never wider than the row, whatever the fonts
    return line


def render_named(row: NamedRow, width: int, selected: bool) -> Text:
    right = Text()
    if row.extra:
        right.append(f" {row.extra}", style="dim")
    if row.popularity is not None:
        right.append(" ")
        right.append_text(popularity_bar(row.popularity))
    name = name_or_placeholder(row.name, "(no name)")
    name.truncate(max(4, width - right.cell_len), overflow="ellipsis", pad=True)
    return Text.assemble(name, right)


def render_header(row: Header, width: int) -> Text:
    return Text(row.title, style="bold underline")


def render_any(row: Any, width: int, selected: bool, live: LiveState | None = None,
               numbered: bool = False) -> Text:
    if isinstance(row, Header):
        return render_header(row, width)
    if isinstance(row, TrackItem):
        return render_track(row, width, selected, live, numbered)
    if isinstance(row, NamedRow):
        return render_named(row, width, selected)
    if isinstance(row, MoreRow):
        return Text(f"  ⋯ more {row.section}s (Enter)", style="dim italic")
    if isinstance(row, PlaylistEntry):  # not a catalogue track: shown for what it is, never played
        line = Text(f"  {OTHER_ENTRY_WORDS.get(row.kind, row.kind)}: {row.name or '—'}", style="dim italic")
        line.truncate(width, overflow="ellipsis")
        return line
    if isinstance(row, NamedHit):  # an artist of the library's list
        return render_named(NamedRow("artist", row.rowid, row.id, row.name, row.popularity), width, selected)
    return Text(str(row))


def renderer(live: LiveState | None, numbered: bool = False) -> RowRenderer:
    """The render function a list of this screen's rows uses (live state passed in, not global)."""
    return lambda row, width, selected: render_any(row, width, selected, live, numbered)
