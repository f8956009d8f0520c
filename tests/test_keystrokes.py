"""Every key typed into an input keeps its place (issue 25 item 4), and a search typed fast
ends on the results of what was typed last (issue 24 item 4).

The bursts are posted to the app all at once, as the terminal driver posts the keys of one
read: Textual's Input ran Backspace, Ctrl+U and the arrows from the app's queue while it
inserted characters from its own, so `C-u sigxyz ⌫⌫⌫ ur ros` in one read ended as an empty
query or `yzur` (3 of 6 tries in tmux)."""

from __future__ import annotations

import time

import pytest
from test_tui import demo_app, wait_for  # noqa: F401  (the fixture is used by name)
from textual import events
from textual.widgets import Input

from tui.ui.messages import SearchFinished
from tui.ui.widgets.virtual_list import VirtualList

CTRL_U, BACKSPACE, LEFT, END = ("ctrl+u", None), ("backspace", None), ("left", None), ("end", None)


def keys_of(text: str) -> list[tuple[str, str | None]]:
    return [("space" if ch == " " else ch, ch) for ch in text]


EDITS = [  # a burst, and what the input must hold after it
    ([CTRL_U, *keys_of("sigxyz"), BACKSPACE, BACKSPACE, BACKSPACE, *keys_of("ur ros")], "sigur ros"),
    ([CTRL_U, *keys_of("abc"), LEFT, LEFT, *keys_of("X"), END, *keys_of("Y")], "aXbcY"),
    ([CTRL_U, *keys_of("ro"), BACKSPACE, BACKSPACE, BACKSPACE, *keys_of("o'brien")], "o'brien"),
]
NUMERIC_EDITS = [([CTRL_U, *keys_of("123"), BACKSPACE, *keys_of("45")], "1245"),
                 ([CTRL_U, *keys_of("19"), LEFT, *keys_of("8"), END, *keys_of("7")], "1897")]
POPULARITY_EDITS = [([CTRL_U, *keys_of("12"), BACKSPACE, *keys_of("45")], "145"),  # at most 3 digits
                    ([CTRL_U, *keys_of("9"), LEFT, *keys_of("8"), END, *keys_of("7")], "897")]
INPUTS = {  # the screen's key, and each input on it with the bursts it takes
    "slash": {"#query": EDITS},
    "6": {"#playlist-query": EDITS},
    "3": {"#genre": EDITS, "#features": EDITS, "#min-pop": POPULARITY_EDITS, "#year": NUMERIC_EDITS},
}


def burst(app, target: Input, keys: list[tuple[str, str | None]], spacing: float = 0.0) -> None:
    """Post every key to the focused input's app at once (or `spacing` seconds apart)."""
    for key, character in keys:
        app.post_message(events.Key(key, character))
        if spacing:
            time.sleep(spacing)


@pytest.mark.parametrize("screen_key", list(INPUTS))
async def test_bursts_with_edits_keep_every_key_in_every_input(demo_app, screen_key):  # noqa: F811
    async with demo_app.run_test(size=(120, 36)) as pilot:
        await pilot.press(screen_key)
        await pilot.pause(0.3)
        for selector, edits in INPUTS[screen_key].items():
            field = demo_app.screen.query_one(selector, Input)
            field.focus()
            await pilot.pause(0.05)
            for keys, wanted in edits:
                for _ in range(3):
                    burst(demo_app, field, keys)
                    try:
                        await wait_for(pilot, lambda field=field, wanted=wanted: field.value == wanted, timeout=5)
                    except AssertionError:
                        raise AssertionError(f"{selector} holds {field.value!r}, not {wanted!r}") from None
                    assert field.has_focus, selector


async def test_a_search_typed_fast_ends_on_the_last_querys_results(demo_app):  # noqa: F811
    """Earlier queries answer last here (the catalogue is slowed for short queries), and must
    never replace the answer to what was typed last."""
    library = demo_app.session.library
    search = library.search

    def slowed(query, *args, **kwargs):
        time.sleep(max(0.0, 0.4 - 0.04 * len(query)))  # "s" answers after "sigur ros"
        return search(query, *args, **kwargs)

    library.search = slowed
    messages: list = []
    query = "sigur ros"
    async with demo_app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await pilot.press("slash")
        await wait_for(pilot, lambda: demo_app.current_mode == "search")
        field = demo_app.screen.query_one("#query", Input)
        for key, character in keys_of(query):  # 10 ms a key
            demo_app.post_message(events.Key(key, character))
            await pilot.pause(0.01)
        await wait_for(pilot, lambda: field.value == query)
        await pilot.pause(1.0)  # every slower, earlier answer has come back by now
        finished = [m for m in messages if isinstance(m, SearchFinished)]
        assert finished and finished[-1].query == query, [m.query for m in finished]
        expected = search(query, ("track",), 25)[0].tracks
        results = demo_app.screen.query_one("#results", VirtualList)
        shown = [results.row_at(i) for i in range(results.count)]
        shown_ids = [getattr(getattr(r, "track", None), "id", None) for r in shown]
        assert [t.id for t in expected][:3] == [i for i in shown_ids if i][:3]
