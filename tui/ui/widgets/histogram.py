"""The popularity histogram as a bar chart of block characters (log scale on `l`)."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


class Histogram(Widget):
    DEFAULT_CSS = """
    Histogram { height: 12; }
    """

    log_scale: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[int, int] = {}

    def set_counts(self, counts: dict[int, int]) -> None:
        self.counts = {k: v for k, v in counts.items() if 0 <= k <= 100}
        self.refresh()

    def render(self) -> Text:
        if not self.counts:
            return Text("counting the popularity histogram…", style="dim")
        width = max(10, self.size.width - 8)
        height = max(3, self.size.height - 2)
        buckets = max(1, min(101, width))
        per = 101 / buckets
        values = []
        for b in range(buckets):
            lo, hi = int(b * per), int((b + 1) * per)
            values.append(sum(self.counts.get(p, 0) for p in range(lo, max(hi, lo + 1))))
        scale = (lambda v: math.log10(v + 1)) if self.log_scale else (lambda v: float(v))
        top = max(scale(v) for v in values) or 1.0
        lines = []
        for row in range(height, 0, -1):
            line = Text(" " * 7)
            for i, v in enumerate(values):
                level = scale(v) / top * height
                fill = max(0.0, min(1.0, level - (row - 1)))
                ch = BLOCKS[round(fill * 8)]
                line.append(ch, style="magenta" if i else "blue")
            lines.append(line)
        peak = max(values)
        lines[0] = Text(f"{peak:>6,} "[-7:]) + lines[0][7:]
        axis = Text(" " * 7 + "0" + " " * max(0, buckets - 4) + "100", style="dim")
        caption = Text(f"       tracks per popularity value · {'log' if self.log_scale else 'linear'} scale "
                       "(l toggles) · blue = popularity 0 (Opus tier)", style="dim")
        return Text("\n").join([*lines, axis, caption])
