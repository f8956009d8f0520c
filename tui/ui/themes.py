"""Themes: Textual's own, and the ones shipped in `assets/themes/` (one TOML file each, with
the fields of `textual.theme.Theme`)."""

from __future__ import annotations

import functools
import tomllib

from textual.theme import BUILTIN_THEMES, Theme

from tui.assets import THEMES


@functools.cache
def shipped_themes() -> tuple[Theme, ...]:
    found = []
    for path in sorted(THEMES.glob("*.toml")):
        with path.open("rb") as f:
            found.append(Theme(**tomllib.load(f)))  # a broken shipped file is our bug: let it raise
    return tuple(found)


def theme_names() -> set[str]:
    """Every theme a config file may name."""
    return set(BUILTIN_THEMES) | {t.name for t in shipped_themes()}
