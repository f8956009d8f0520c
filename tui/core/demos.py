"""`longtail demo` for the faces: build the demo mirror (a miniature of the archive)."""

from __future__ import annotations

from collections.abc import Callable

from tui.demo.build import build_demo as _build
from tui.demo.paths import DemoPaths


def build_demo(paths: DemoPaths, progress: Callable[[str, int, int], None] | None = None) -> DemoPaths:
    return _build(paths, progress=progress)
