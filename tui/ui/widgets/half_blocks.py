"""A picture drawn as half-block cells: each cell is two pixels, the upper one the colour of
the glyph ▀ and the lower one its background. Any terminal with 256 or true colours draws it,
tmux included; it needs no question asked of the terminal."""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

UPPER_HALF = "▀"


class HalfBlockPicture(Widget):
    """`image` (a PIL image) fitted inside the widget's cells, its aspect kept, centred."""

    DEFAULT_CSS = """
    HalfBlockPicture {
        width: 100%;
        height: 100%;
    }
    """

    def __init__(self, image: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._image = image.convert("RGB")
        self._drawn: tuple[Size, list[Strip]] | None = None  # the strips for the last size

    def render_line(self, y: int) -> Strip:
        strips = self._strips(self.size)
        return strips[y] if y < len(strips) else Strip.blank(self.size.width)

    def _strips(self, size: Size) -> list[Strip]:
        if self._drawn is not None and self._drawn[0] == size:
            return self._drawn[1]
        strips = draw(self._image, size.width, size.height)
        self._drawn = (size, strips)
        return strips


def draw(image: Any, columns: int, rows: int) -> list[Strip]:
    """The strips of `image` in at most columns x rows cells (a cell is one pixel wide and two
    high, so a square picture of N columns takes N/2 rows)."""
    if columns <= 0 or rows <= 0:
        return []
    width, height = image.size
    scale = min(columns / width, 2 * rows / height)
    fit_w = max(1, min(columns, round(width * scale)))
    fit_h = max(2, min(2 * rows, round(height * scale)))
    fit_h -= fit_h % 2
    pixels = image.resize((fit_w, fit_h)).load()
    left = (columns - fit_w) // 2
    top = (rows - fit_h // 2) // 2
    blank = Strip.blank(columns)
    strips = [blank] * top
    for y in range(0, fit_h, 2):
        cells = [Segment(" " * left)] if left else []
        cells += [Segment(UPPER_HALF, Style(color=Color.from_rgb(*pixels[x, y]),
                                           bgcolor=Color.from_rgb(*pixels[x, y + 1])))
                  for x in range(fit_w)]
        if columns - left - fit_w:
            cells.append(Segment(" " * (columns - left - fit_w)))
        strips.append(Strip(cells, columns))
    return strips
