"""Where the files longtail ships besides code are: `assets/` at the top of the tree.

`tui/_assets` is a link to it, so the same path works from a checkout, an editable
install and a wheel (where setuptools copies the linked files in as package data).
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "_assets"
STYLES = ASSETS / "styles"
SCREENS_CSS = STYLES / "screens.tcss"  # every screen but the library: not parsed before the first screen
THEMES = ASSETS / "themes"
EXAMPLE_CONFIG = ASSETS / "config.example.toml"
SCREENSHOTS = ASSETS / "screenshots"
