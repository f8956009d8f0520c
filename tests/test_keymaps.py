"""Keymap presets against the players' own default keys (cmus's `data/rc`, ncmpcpp's
`doc/bindings`), the stop key, and `q` asking while music plays: Pilot with real libmpv."""

from __future__ import annotations

import pytest
from test_tui import demo_session, help_lines, wait_for

from tui.ui.app import make_app
from tui.ui.keymaps import CMUS, NCMPCPP, PRESETS, keymap_in_force
from tui.ui.keys import _scopes, keymap_problems

# cmus's defaults (data/rc, `bind common ...`) for the actions longtail has, in Textual's key names
CMUS_DEFAULTS = {
    "c": "player.pause", "v": "player.stop", "b": "player.next", "z": "player.previous",
    "h": "player.seek_back", "left": "player.seek_back", "l": "player.seek_forward", "right": "player.seek_forward",
    "comma": "player.seek_far_back", "full_stop": "player.seek_far_forward",
    "plus": "player.volume_up", "equals_sign": "player.volume_up", "minus": "player.volume_down",
    "r": "player.repeat", "q": "app.quit", "1": "app.library", "3": "app.playlists", "4": "app.queue",
    "e": "library.enqueue", "E": "library.enqueue_next", "D": "queue.remove", "delete": "queue.remove",
    "g": "list.first", "home": "list.first", "G": "list.last", "end": "list.last",
    "ctrl+f": "list.page_down", "ctrl+b": "list.page_up", "j": "list.down", "k": "list.up", "enter": "list.select",
}
# ncmpcpp's defaults (doc/bindings, `def_key ...`)
NCMPCPP_DEFAULTS = {
    "p": "player.pause", "s": "player.stop", "greater_than_sign": "player.next", "less_than_sign": "player.previous",
    "f": "player.seek_forward", "b": "player.seek_back", "plus": "player.volume_up", "minus": "player.volume_down",
    "r": "player.repeat", "Y": "player.replaygain", "q": "app.quit", "f1": "app.help", "slash": "app.search",
    "1": "app.queue", "3": "app.search_screen", "4": "app.library", "5": "app.playlists",
    "o": "app.jump_to_playing", "space": "library.enqueue", "a": "library.enqueue", "c": "queue.clear",
    "delete": "queue.remove", "i": "library.details", "home": "list.first", "end": "list.last",
    "pageup": "list.page_up", "pagedown": "list.page_down", "up": "list.up", "down": "list.down",
    "enter": "list.select",
}


def keys_in_force(preset: str) -> dict[str, set[str]]:
    defaults = {b.id: b.key for scope in _scopes().values() for b in scope if b.id}
    moved = keymap_in_force(preset, {})
    return {bid: {k.strip() for k in moved.get(bid, keys).split(",")} for bid, keys in defaults.items()}


@pytest.mark.parametrize(("preset", "table"), [("cmus", CMUS_DEFAULTS), ("ncmpcpp", NCMPCPP_DEFAULTS)])
def test_a_preset_gives_the_players_own_keys(preset, table):
    in_force = keys_in_force(preset)
    wrong = {key: bid for key, bid in table.items() if key not in in_force[bid]}
    assert not wrong, wrong


@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_preset_collides_with_itself_on_any_screen(preset):
    """Every binding named explicitly (so each is judged), with the preset on top: no key of
    one screen answers two bindings."""
    every = {b.id: b.key for scope in _scopes().values() for b in scope if b.id}
    assert keymap_problems({**every, **PRESETS[preset]}) == []


def test_the_users_keymap_goes_on_top_and_its_collisions_are_reported():
    assert keymap_in_force("cmus", {"player.pause": "x"})["player.pause"] == "x"
    found = keymap_problems(keymap_in_force("cmus", {"player.mute": "c"}))  # c pauses in the cmus preset
    assert any("keymap.player.mute: 'c' is already the key of player.pause" in f for f in found), found
    assert CMUS["player.stop"] == "v" and NCMPCPP["player.stop"] == "s"


async def test_cmus_keys_pause_and_stop_and_q_asks_while_playing(small_demo, tmp_path):
    """Real libmpv: `c` pauses, `v` stops (the queue keeps its place, `c` plays on), `q`
    while playing asks: any other key keeps playing and reaches no binding, `q` again quits."""
    from tui.ui.screens.quit import ConfirmQuitScreen
    from tui.ui.widgets.now_playing import NowPlayingBar

    session = demo_session(small_demo, tmp_path)
    session.services.settings.keymap_preset = "cmus"
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:3]
    app = make_app(session, ao="null", play_ids=local)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.screen.query_one(NowPlayingBar)
        await wait_for(pilot, lambda: app.now_playing.state == "playing", timeout=20)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.now_playing.state == "paused")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.now_playing.state == "playing")
        await pilot.press("v")
        await wait_for(pilot, lambda: app.now_playing.state == "stopped" and "■" in str(bar.render()))
        assert app.queue.items == tuple(local)  # the queue is kept
        await pilot.press("c")  # and plays on from its place
        await wait_for(pilot, lambda: app.now_playing.state == "playing")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen))
        await pilot.press("c")  # not a yes: keeps playing, and does not reach the pause under it
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmQuitScreen))
        await pilot.pause(0.3)
        assert app.now_playing.state == "playing" and app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    session.close()


async def test_ncmpcpp_keys_and_q_with_nothing_playing_quits_at_once(small_demo, tmp_path):
    session = demo_session(small_demo, tmp_path)
    session.services.settings.keymap_preset = "ncmpcpp"
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")[:2]
    app = make_app(session, ao="null", play_ids=local)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.now_playing.state == "playing", timeout=20)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.now_playing.state == "paused")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.now_playing.state == "stopped")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "queue")
        await pilot.press("question_mark")  # `?` shows the keys in force, and says whose they are
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        shown = help_lines(app.screen)
        assert any("ncmpcpp's keys" in line for line in shown)
        row = next(line for line in shown if "player.stop" in line)
        assert row.split()[0] == "s", row
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "HelpScreen")
        await pilot.press("q")  # stopped: nothing to ask
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    session.close()


def test_every_binding_of_every_screen_has_an_id_and_a_tooltip_and_every_screen_is_a_scope():
    from tui.ui.keys import _scopes

    scopes = _scopes()
    # the screens are found, not listed: a new screen is judged without anyone adding it
    for name in ("LibraryScreen", "PlaylistsScreen", "JumpScreen", "LyricsScreen", "ConfirmQuitScreen"):
        assert name in scopes, name
    from tui.ui.app import LongtailApp
    from tui.ui.keys import _screen_classes
    from tui.ui.widgets.virtual_list import VirtualList

    ours = [b for cls in [LongtailApp, VirtualList, *_screen_classes()] for klass in cls.__mro__
            if klass.__module__.startswith("tui.") for b in klass.__dict__.get("BINDINGS", [])]
    assert len(ours) > 60
    missing = sorted({f"{b.key} ({b.action})" for b in ours if not b.id or not b.tooltip})
    assert missing == []
