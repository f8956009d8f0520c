"""Keymap presets: the main keys of cmus and ncmpcpp on longtail's bindings.

Each preset is a `[keymap]` the user did not have to write: binding id = keys, taken from
those players' own defaults (cmus's `data/rc`, ncmpcpp's `doc/bindings`) wherever longtail
has the same action. Where a player's key would land on a longtail binding of the same
screen, that binding moves too (said in a comment), so a preset never collides with
itself. The user's own `[keymap]` goes on top. `keymap_in_force` is the one rule for
which keys are in force: the app binds from it, `?` and the hints read from it, and
`longtail config` checks it.
"""

from __future__ import annotations

from typing import Literal

PresetName = Literal["longtail", "cmus", "ncmpcpp"]

CMUS: dict[str, str] = {
    # playback: c pause, v stop, b next, z previous, h/l and arrows ±5 s, ,/. ±1 min
    "player.pause": "c",
    "player.stop": "v",
    "player.next": "b",
    "player.previous": "z",
    "player.seek_back": "h,left",
    "player.seek_forward": "l,right",
    "player.seek_far_back": "comma",
    "player.seek_far_forward": "full_stop",
    # +, = and - for the volume, r for repeat and q to quit (asking) are longtail's keys too
    # views: 1 tree (the library), 2 sorted (a flat track list: search), 3 playlists,
    # 4 queue, 5 browser (the mirror's tiers), 6 filters (the shuffle's)
    "app.library": "1",
    "app.search_screen": "2",
    "app.playlists": "3",
    "app.queue": "4",
    "app.tiers": "5",
    "app.shuffle": "6",
    # e adds to the queue, E to its front; D and delete remove from it
    "library.enqueue": "e",
    "library.enqueue_next": "E",
    "search.enqueue": "e",
    "search.enqueue_next": "E",
    "shuffle.enqueue": "e",
    "shuffle.enqueue_next": "E",
    "tiers.enqueue": "e",
    "tiers.enqueue_next": "E",
    "playlists.enqueue": "e",
    "playlists.enqueue_next": "E",
    "queue.remove": "D,delete",
    # moved for the keys above: tab (cmus's win-next) moves between panes, and c pauses
    "library.next_pane": "alt+l",
    "library.previous_pane": "alt+h",
    "tiers.log": "L",
    "library.check": "V",
    "tiers.check": "V",
    "details.check": "V",
    "queue.clear": "X",
}

NCMPCPP: dict[str, str] = {
    # playback: p pause, s stop, > next, < previous, f/b seek, Y ReplayGain mode
    "player.pause": "p",
    "player.stop": "s",
    "player.next": "greater_than_sign",
    "player.previous": "less_than_sign",
    "player.seek_forward": "f",
    "player.seek_back": "b",
    "player.replaygain": "Y",
    # +/- volume, r repeat, o the playing song, / find, c clear, i info are longtail's too
    # views: 1 playlist (the queue), 2 browser (the mirror's tiers), 3 search engine,
    # 4 media library, 5 playlist editor, 6 the shuffle
    "app.queue": "1",
    "app.tiers": "2",
    "app.search_screen": "3",
    "app.library": "4",
    "app.playlists": "5",
    "app.shuffle": "6",
    "app.help": "question_mark,f1",
    # space adds the selected item to the playlist, as in ncmpcpp (p pauses now)
    "library.enqueue": "space,a",
    "search.enqueue": "space,a",
    "shuffle.enqueue": "space,a",
    "tiers.enqueue": "space,a",
    "playlists.enqueue": "space,a",
    # moved for the keys above: Z shuffles (ncmpcpp's shuffle), e edits the filters
    "shuffle.new": "Z",
    "playlists.shuffle": "Z",
    "shuffle.filters": "e",
    "details.play": "enter",
    # l shows the lyrics, as in ncmpcpp; the library's panes keep the arrows, the tiers' log scale takes L
    "app.lyrics": "l",
    "library.next_pane": "right",
    "tiers.log": "L",
}

PRESETS: dict[str, dict[str, str]] = {"longtail": {}, "cmus": CMUS, "ncmpcpp": NCMPCPP}


def keymap_in_force(preset: str, user: dict[str, str]) -> dict[str, str]:
    """The bindings moved from their defaults: the preset's, then the user's on top."""
    return {**PRESETS.get(preset, {}), **user}
