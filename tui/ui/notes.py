"""What the core found wrong in the user's data or longtail's own state, said as toasts: each
note in full goes to longtail.log as well, so a toast may sum several up."""

from __future__ import annotations

from textual.app import App

from tui.core.notes import catalogue_notes


def say_state_notes(app: App, notes: list[str]) -> None:
    for note in notes:
        app.notify(note, title="state directory", severity="warning", timeout=10)


def say_catalogue_notes(app: App) -> None:
    """One toast for the values of the wrong type met since the last call."""
    notes = catalogue_notes()
    if len(notes) == 1:
        app.notify(notes[0], title="catalogue", severity="warning", timeout=10)
    elif notes:
        columns = ", ".join(n.split("the catalogue's ", 1)[-1].split(" ", 1)[0] for n in notes)
        app.notify(f"values the schema does not allow in {columns}: read as empty or 0 "
                   "(each with its first row in longtail.log)", title="catalogue", severity="warning", timeout=10)
