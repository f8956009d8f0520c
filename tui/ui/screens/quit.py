"""`q` while music plays asks once, as cmus's `quit -i` does: y (or q again, or Enter) quits,
any other key keeps playing. `confirm_quit = false` in the config quits at once."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Label

CONFIRMING = {"y", "q", "enter"}


class ConfirmQuitScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y,q,enter", "answer(True)", "Quit", id="quit.yes", tooltip="Quit longtail"),
                Binding("n,escape", "answer(False)", "Keep playing", id="quit.no", tooltip="Keep playing")]
    DEFAULT_CSS = """
    ConfirmQuitScreen { align: left bottom; background: transparent; }
    #quit-box { height: 3; width: 60; border: round $warning; background: $panel; }
    #quit-box Label { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="quit-box"):
            yield Label("Quit longtail? The music stops. [y/N]")

    def on_key(self, event: events.Key) -> None:
        # Every key answers: one that is not a yes is a no, and it reaches no other binding
        # (a space would otherwise pause, a digit change screens, under the question).
        event.stop()
        event.prevent_default()
        self.dismiss(event.key in CONFIRMING)

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
