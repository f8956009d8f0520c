"""Help: every binding of the screen it was opened from, with its id for the keymap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.assets import SCREENS_CSS

if TYPE_CHECKING:
    from textual import getters

    from tui.ui.app import LongtailApp



def _keys(app: App, binding: Binding) -> str:
    # The keymap may have rebound it: show the keys in force.
    keymap = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))


class HelpScreen(ModalScreen):
    CSS_PATH = SCREENS_CSS
    if TYPE_CHECKING:
        app = getters.app(LongtailApp)

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close", tooltip="Close the help")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        preset = self.app.session.settings.keymap_preset
        in_force = f" ({preset}'s keys, keymap_preset in the config)" if preset != "longtail" else ""
        table = Table(title=f"Keys — {type(self.for_screen).__name__.replace('Screen', '')}{in_force}",
                      expand=True, box=None, pad_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("does")
        table.add_column("id (for \\[keymap] in the config)", style="dim")
        sections = [("This screen", getattr(self.for_screen, "BINDINGS", []))]
        focused = self.for_screen.focused
        if focused is not None and getattr(focused, "BINDINGS", None):
            sections.append((type(focused).__name__, focused.BINDINGS))
        sections.append(("Everywhere", self.app.BINDINGS))
        seen = set()
        for title, bindings in sections:
            rows = [b for b in bindings if isinstance(b, Binding) and b.id not in seen]
            if not rows:
                continue
            table.add_row(f"[b]{title}[/b]", "", "")
            for b in rows:
                seen.add(b.id)
                does = b.description or b.action
                table.add_row(_keys(self.app, b), f"{does} — {b.tooltip}" if b.tooltip else does, b.id or "")
        table.add_row("ctrl+p", "command palette: every action by name", "")
        with VerticalScroll(id="help-box"):
            yield Static(table)

    def action_close(self) -> None:
        self.app.pop_screen()
