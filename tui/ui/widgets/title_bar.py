"""The top line: the command palette's icon and the app's title, drawn as Textual's Header
draws them. One widget: the Header is four (icon, title, clock space, itself), with data
bindings and title watchers, and cost ~25 ms of the first screen (bench/RESULTS.md)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # the Header's icon cell, and the clock space it keeps at the right
CLOCK_SPACE = 10


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        self.tooltip = "Open the command palette"

    def render(self) -> Text:
        width = self.size.width
        room = max(0, width - ICON_WIDTH - CLOCK_SPACE)
        title = self.app.title[:room]
        left = (room - len(title)) // 2
        return Text(f" {ICON}".ljust(ICON_WIDTH) + " " * left + title + " " * (width - ICON_WIDTH - left - len(title)),
                    no_wrap=True, overflow="crop")

    async def on_click(self, event: events.Click) -> None:
        if event.x < ICON_WIDTH:
            event.stop()
            self.app.action_command_palette()
