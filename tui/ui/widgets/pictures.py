"""Pictures in the terminal (album covers, spectrograms) through textual-image: Kitty
graphics or Sixel where the terminal has them (asked at start, before Textual owns the
terminal), else half-block cells, which tmux draws too."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widget import Widget


async def show_picture(holder: Widget, source) -> None:
    """`holder` shows this picture (a file path or a PIL image) instead of what it showed,
    or nothing when `source` is None."""
    await holder.remove_children()
    if isinstance(source, Path):
        from PIL import Image as PILImage
        from PIL import UnidentifiedImageError

        try:  # read whole here: a file that is gone or damaged by now is no picture, not a crash
            with PILImage.open(source) as opened:
                opened.load()
                source = opened.copy()
        except (OSError, UnidentifiedImageError, ValueError):
            source = None
    if source is not None:
        from textual_image.widget import Image

        await holder.mount(Image(source))


def audio_words(report: dict) -> Text:
    """The line above a spectrogram, and each suspicion with what it means."""
    cut = f"{report['cutoff_hz'] / 1000:.1f} kHz" if report.get("cutoff_hz") else "—"
    words = [Text.assemble(("spectrogram", "bold"), f" · cutoff {cut} (dashed) · {report['loudness_lufs']} LUFS, "
                           f"true peak {report['true_peak_dbtp']} dBTP · loudness below")]
    words += [Text(f"{s['code']}: {s['detail']}", style="yellow") for s in report["suspicions"]]
    return Text("\n").join(words)
