"""The keys that move between screens (`?`, `/`, the digits), declared once: the app binds them,
and a modal screen (which hides the app's bindings from Textual) takes the same ones aimed
at the app, so they do what they do in cmus and ncmpcpp whatever is on top."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

NAVIGATION_BINDINGS = [
    Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key of this screen"),
    Binding("slash", "search", "Search", id="app.search", tooltip="Search, the query ready for typing"),
    Binding("1", "mode('library')", "Library", show=False, id="app.library", tooltip="Artists, albums, tracks"),
    Binding("2", "search", "Search", show=False, id="app.search_screen", tooltip="Search as you type"),
    Binding("3", "mode('shuffle')", "Shuffle", show=False, id="app.shuffle", tooltip="A true shuffle"),
    Binding("4", "mode('tiers')", "Tiers", show=False, id="app.tiers", tooltip="Popularity tiers and coverage"),
    Binding("5", "mode('queue')", "Queue", show=False, id="app.queue", tooltip="What plays next"),
    Binding("6", "mode('playlists')", "Playlists", show=False, id="app.playlists",
            tooltip="The archive's playlists"),
]


def aimed_at_app(bindings: list[Binding]) -> list[Binding]:
    """The same bindings (ids, keys: a keymap moves both) run as the app's actions."""
    return [replace(b, action=f"app.{b.action}") for b in bindings]
