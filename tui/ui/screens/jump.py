"""Type to jump in a long sorted list: each letter moves its cursor to the first name that
starts with what is typed so far (the list stays where it is when nothing does)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.ui.widgets.ordered_input import OrderedInput


class JumpScreen(ModalScreen):
    BINDINGS = [Binding("escape,enter", "close", "Done", id="jump.close",
                        tooltip="Stop typing; the list stays where it jumped")]
    DEFAULT_CSS = """
    JumpScreen { align: left bottom; background: transparent; }
    #jump-box { height: 3; width: 60; border: round $accent; background: $panel; }
    #jump-box Label { padding: 0 1; }
    #jump-box Input { border: none; height: 1; width: 1fr; }
    """

    def __init__(self, what: str, jump: Callable[[str], object]) -> None:
        super().__init__()
        self.what, self.jump = what, jump

    def compose(self) -> ComposeResult:
        with Horizontal(id="jump-box"):
            yield Label(f"jump to {self.what}:")
            yield OrderedInput(id="jump", select_on_focus=False)

    @on(Input.Changed, "#jump")
    def typed(self, event: Input.Changed) -> None:
        if event.value:
            self.jump(event.value)

    @on(Input.Submitted, "#jump")
    def submitted(self, _event: Input.Submitted) -> None:
        self.app.pop_screen()

    def action_close(self) -> None:
        self.app.pop_screen()
