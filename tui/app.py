"""The Textual application (kept thin: screens and widgets live in their packages)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from tui.services import Services


class LongtailApp(App):
    TITLE = "longtail"
    BINDINGS = [Binding("q", "quit", "Quit", id="app.quit")]

    def __init__(self, services: Services, ao: str | None = None,
                 play_ids: list[str] | None = None) -> None:
        super().__init__()
        self.services = services
        self.ao = ao
        self.play_ids = play_ids or []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Mirror: {self.services.location.mirror}")
        yield Footer()


def make_app(services: Services, ao: str | None = None,
             play_ids: list[str] | None = None) -> LongtailApp:
    return LongtailApp(services, ao=ao, play_ids=play_ids)
