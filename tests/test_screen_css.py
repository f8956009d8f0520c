"""Opening a screen for the first time re-parses no stylesheet: the other screens' CSS is read
once the app is idle after its first screen, and a screen made after that starts with the CSS as
it is. Textual (8.2) re-parsed every source twice on each first `2`-`6` (~40 ms of the tiers
screen's first rows, bench/RESULTS.md). (A widget class met for the first time still adds its
own CSS: ~1 ms, the rest comes from the stylesheet's cache.) A theme changed before a screen
first opens still reaches it."""

from __future__ import annotations

from test_tui import demo_session, wait_for
from textual.css.stylesheet import Stylesheet

from tui.assets import SCREENS_CSS
from tui.ui.app import make_app
from tui.ui.screens import base
from tui.ui.widgets.virtual_list import VirtualList


async def test_the_other_screens_css_is_read_when_idle_and_opening_one_reparses_nothing(small_demo, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setattr(base, "OTHER_SCREENS_AFTER", 0.05)
    session = demo_session(small_demo, tmp_path)
    parses: list[str] = []
    original_reparse, original_parse = Stylesheet.reparse, Stylesheet.parse

    def reparse(self):
        parses.append("reparse")
        return original_reparse(self)

    def parse(self):
        parses.append("parse")
        return original_parse(self)

    monkeypatch.setattr(Stylesheet, "reparse", reparse)
    monkeypatch.setattr(Stylesheet, "parse", parse)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.stylesheet.has_source(str(SCREENS_CSS), ""))
            await pilot.pause(0.1)
            parses.clear()
            for key, list_id in (("4", "#tier-tracks"), ("5", "#queue")):
                await pilot.press(key)
                await wait_for(pilot, lambda list_id=list_id: bool(app.screen.query(list_id)))
                await pilot.pause(0.1)
            assert "reparse" not in parses, parses
            # styled as before: the screens' own rules apply (a round border on the tier's list)
            await pilot.press("4")
            await pilot.pause(0.05)
            tracks = app.screen.query_one("#tier-tracks", VirtualList)
            assert tracks.styles.border_top[0] == "round"
    finally:
        session.close()


async def test_a_theme_changed_before_a_screen_first_opens_reaches_it(small_demo, tmp_path):
    from textual.color import Color

    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.screen.query_one("#artists", VirtualList).row_at(0) is not None)
            before = Color.parse(app.current_theme.accent or "")
            other = next(name for name, theme in app.available_themes.items()
                         if theme.accent and Color.parse(theme.accent) != before)
            app.theme = other
            await pilot.pause(0.1)
            await pilot.press("4")
            await wait_for(pilot, lambda: bool(app.screen.query("#tier-tracks")))
            await pilot.pause(0.1)
            tracks = app.screen.query_one("#tier-tracks", VirtualList)
            assert tracks.has_focus
            # `#tier-tracks:focus { border: round $pane-border-focus }`, which is the theme's accent
            assert tracks.styles.border_top[1] == Color.parse(app.available_themes[other].accent or "")
    finally:
        session.close()


async def test_preparing_the_other_screens_while_the_app_closes_is_quiet(small_demo, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "OTHER_SCREENS_AFTER", 60)  # called below, not by its timer
    session = demo_session(small_demo, tmp_path)
    try:
        app = make_app(session, start_player=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.screen.query_one("#artists", VirtualList).row_at(0) is not None)
            app.db.shutdown(wait=True)  # as `q` leaves it, before the app has stopped
            screen = app.screen
            assert isinstance(screen, base.MainScreen)
            screen._prepare_other_screens()  # no read ahead is asked for, and nothing is raised
            assert app.stylesheet.has_source(str(SCREENS_CSS), "")
    finally:
        session.close()
