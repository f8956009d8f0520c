"""The now-playing bar: what plays, where it is, and how it is being played."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.events import NowPlaying
from tui.ui.widgets.rows import clock


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
            icon = {"paused": "⏸", "loading": "⋯"}.get(state.state, "⋯" if state.buffering else "▶")
            line1.append(f"{icon} ", style="bold")
            t = state.track
            line1.append(t.name or "(no title)", style="bold")
            line1.append(" — " + ", ".join(t.artist_names), style="")
            line1.append(" · " + (t.album.name or "(no title)"), style="dim")
        line1.truncate(width, overflow="ellipsis")
        line2 = Text()
        if state.track is not None:
            dur = state.duration or state.track.duration_ms / 1000
            line2.append(f"{clock(state.position * 1000)} / {clock(dur * 1000)} ")
            bar_width = max(5, min(30, width // 4))
            filled = int(bar_width * min(1.0, state.position / dur)) if dur else 0
            line2.append("━" * filled, style="cyan")
            line2.append("─" * (bar_width - filled), style="dim")
            if state.codec:
                kbit = "160k" if state.codec == "vorbis" else "~75k"
                line2.append(f"  {state.codec} {kbit}", style="magenta")
            if state.kind:
                line2.append(f" · {state.kind}", style="green" if state.kind == "local" else "yellow")
            if state.buffering:
                line2.append(" · buffering", style="yellow")
            if state.fetch is not None and state.fetch.state != "done":
                stalled = state.fetch.state in ("stalled", "failed")
                line2.append(f" · {state.fetch.line}", style="red" if stalled else "yellow")
                if state.fetch.state == "stalled":
                    line2.append(" · n skips it", style="bold")  # the way to give up now
            if state.note:
                line2.append(f" · {state.note}", style="cyan")
        if state.message:
            line2.append(f"  {state.message}", style="red")
        if state.output_note:
            line2.append(f"  {state.output_note}", style="yellow")
        status = Text(f"  vol {int(state.volume)}{' muted' if state.muted else ''} · repeat {state.repeat}"
                      f" · RG {state.replaygain}", style="dim")
        if state.queue_index is not None and state.queue_length:
            status.append(f" · {state.queue_index + 1}/{state.queue_length}", style="dim")
        line2.append_text(status)
        line2.truncate(width, overflow="ellipsis")
        self.update(Text.assemble(line1, "\n", line2))
