"""Pictures in the terminal (album covers, spectrograms): through textual-image where the
terminal draws Kitty graphics or Sixel (asked once at start, before Textual owns the
terminal: `ui.terminal_graphics`), else as longtail's own half-block cells, which tmux draws
too. Either widget has the class `picture`, which the stylesheet sizes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from tui.core.views import Library
from tui.ui.widgets.half_blocks import HalfBlockPicture


def _decoded(path: Path) -> Any:
    """The picture at `path` read whole (a file gone or damaged by now is no picture)."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as opened:
            opened.load()
            return opened.copy()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


async def show_picture(holder: Widget, source: Any) -> None:
    """`holder` shows this picture (a file path or a PIL image) instead of what it showed,
    or nothing when `source` is None. A file is decoded on a thread, never the UI's."""
    if isinstance(source, Path):
        source = await asyncio.to_thread(_decoded, source)
    await holder.remove_children()
    if source is not None:
        await holder.mount(picture_widget(source))


def picture_widget(image: Any) -> Widget:
    """The widget that draws this PIL image in the terminal at hand."""
    from tui.ui import terminal_graphics

    if terminal_graphics.in_force == "cells":
        return HalfBlockPicture(image, classes="picture")
    from textual_image.widget import Image  # imported before Textual started (use_terminal_graphics)

    return Image(image, classes="picture")


async def show_audio_picture(title: Static, holder: Widget, library: Library, track_id: str, width: int,
                             height: int) -> None:
    """A local file's spectrogram with the words above it: decoded, measured and drawn on a
    thread of its own (a second or so); nothing when the file is not here or not audio."""
    found = await asyncio.to_thread(library.audio_picture, track_id, width, height)
    if found is None:
        return
    report, picture = found
    title.update(audio_words(report))
    await show_picture(holder, picture)


def audio_words(report: dict) -> Text:
    """The line above a spectrogram, and each suspicion with what it means."""
    cut = f"{report['cutoff_hz'] / 1000:.1f} kHz" if report.get("cutoff_hz") else "—"
    words = [Text.assemble(("spectrogram", "bold"), f" · cutoff {cut} (dashed) · {report['loudness_lufs']} LUFS, "
                           f"true peak {report['true_peak_dbtp']} dBTP · loudness below")]
    words += [Text(f"{s['code']}: {s['detail']}", style="yellow") for s in report["suspicions"]]
    return Text("\n").join(words)
