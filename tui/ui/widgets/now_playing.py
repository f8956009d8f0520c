"""The now-playing bar: what plays, where it is, and how it is being played.

The second line is laid out by priority, so that 80 columns always show what a key just
changed: the position and the status (volume, mute, repeat, ReplayGain) first; the
progress bar shrinks to make room; notes (fetch, errors, codec, "no sound device") take
what is left, cut with an ellipsis.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.events import NowPlaying
from tui.core.types import clock

BAR_MIN, BAR_MAX = 5, 30


def status_text(state: NowPlaying, with_place: bool = True) -> Text:
    """What `+`, `-`, `m`, `r` and `g` change: always shown."""
    text = Text(f"vol {int(state.volume)}", style="dim")
    if state.muted:
        text.append(" muted", style="bold yellow")
    text.append(f" · repeat {state.repeat} · RG {state.replaygain}", style="dim")
    if with_place and state.queue_index is not None and state.queue_length:
        text.append(f" · {state.queue_index + 1}/{state.queue_length}", style="dim")
    return text


def notes_text(state: NowPlaying, with_output: bool = True) -> Text:
    """Everything else the bar can say, most urgent first."""
    notes = Text()

    def note(words: str, style: str) -> None:
        if notes:
            notes.append(" · ", style="dim")
        notes.append(words, style=style)

    if state.track is not None:
        if state.fetch is not None and state.fetch.state != "done":
            stalled = state.fetch.state in ("stalled", "failed")
            note(state.fetch.line, "red" if stalled else "yellow")
            if state.fetch.state == "stalled":
                note("n skips it", "bold")  # the way to give up now
        if state.buffering:
            note("buffering", "yellow")
    if state.message:
        note(state.message, "red")
    if state.track is not None:
        if state.note:
            note(state.note, "cyan")
        if state.quality:
            note(state.quality, "magenta")
        if state.kind:
            note(state.kind, "green" if state.kind == "local" else "yellow")
    if state.output_note and with_output:
        note(state.output_note, "yellow")
    return notes


def second_line(state: NowPlaying, width: int) -> Text:
    """Position · bar · notes … status, in exactly `width` cells or fewer."""
    status = status_text(state)
    if status.cell_len > width // 2:  # a huge queue's "1234/56789" is the first thing to go
        status = status_text(state, with_place=False)
    notes = notes_text(state)
    left = Text()
    if state.track is not None:
        duration = state.duration or state.track.duration_ms / 1000
        left.append(f"{clock(state.position)} / {clock(duration)} ")
        room = width - left.cell_len - status.cell_len - 4  # the gaps around the notes
        # notes before the bar, but not the output's (a toast said it, and it stays for good)
        bar_width = max(BAR_MIN, min(BAR_MAX, width // 4, room - notes_text(state, with_output=False).cell_len))
        filled = int(bar_width * min(1.0, max(0.0, state.position) / duration)) if duration else 0
        left.append("━" * filled, style="cyan")
        left.append("─" * (bar_width - filled), style="dim")
        left.append("  ")
    room = width - left.cell_len - status.cell_len - 2
    if room < 4:
        notes = Text()
    elif notes.cell_len > room:
        notes.truncate(room, overflow="ellipsis")
    gap = max(2, width - left.cell_len - notes.cell_len - status.cell_len)
    line = Text.assemble(left, notes, " " * gap, status)
    line.truncate(width, overflow="ellipsis")
    return line


class NowPlayingBar(Static):
    DEFAULT_CSS = """
    NowPlayingBar { height: 2; padding: 0 1; }
    """

    _shown: tuple[NowPlaying, str | None] | None = None

    def on_resize(self) -> None:
        # The lines are cut to the width when shown: a paused or idle player sends nothing
        # new, so a wider terminal would keep the narrow lines.
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, state: NowPlaying, player_error: str | None = None) -> None:
        self._shown = (state, player_error)
        width = max(20, self.size.width - 2)
        line1 = Text()
        if player_error:
            line1.append(f"player unavailable: {player_error}", style="red")
        elif state.track is None:
            line1.append("■ nothing playing", style="dim")
            if state.queue_length:
                line1.append(f"  ·  {state.queue_length} in the queue (space plays)", style="dim")
        else:
            icon = {"paused": "⏸", "loading": "⋯", "stopped": "■"}.get(state.state, "⋯" if state.buffering else "▶")
            line1.append(f"{icon} ", style="bold")
            t = state.track
            line1.append(t.name or "(no title)", style="bold")
            line1.append(" — " + ", ".join(t.artist_names), style="")
            line1.append(" · " + (t.album.name or "(no title)"), style="dim")
        line1.truncate(width, overflow="ellipsis")
        self.update(Text.assemble(line1, "\n", second_line(state, width)))
