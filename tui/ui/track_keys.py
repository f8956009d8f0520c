"""The keys every screen with tracks has (`a`, `A`, `i`, `P`), written once: each screen
takes them by name, under its own id (`library.enqueue`...) so a keymap can move one
screen's key without the others'."""

from __future__ import annotations

from textual.binding import Binding

TRACK_KEYS: dict[str, tuple[str, str, str, bool, str]] = {  # key, action, description, shown, tooltip
    "enqueue": ("a", "enqueue", "Queue", True, "Add the selected track (album, playlist) to the end of the queue"),
    "enqueue_next": ("A", "enqueue_next", "Play next", False, "Add the selected track (album, playlist) to "
                     "play next"),
    "details": ("i", "details", "Details", True, "Credits, audio features, ledger, file and verdict of the track"),
    "playable": ("P", "toggle_playable", "Playable only", False, "Hide what is neither local nor fetchable"),
}


def track_key(screen: str, name: str) -> Binding:
    key, action, description, show, tooltip = TRACK_KEYS[name]
    return Binding(key, action, description, show=show, id=f"{screen}.{name}", tooltip=tooltip)
