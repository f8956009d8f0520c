"""Screenshots for the README, taken by the app itself (Textual's SVG export) on the demo.

    .venv/bin/python assets/make_screenshots.py [--out assets/screenshots]

Builds the demo first if it is not built (as `longtail demo` does), works on a copy of its
state so the demo's own queue and settings are left alone, plays with `ao=null`, and
writes one SVG per screen. Run it again after a change a user would see.
"""

from __future__ import annotations

from collections.abc import Callable

from typing import Any

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

from tui.config import Settings
from tui.config.paths import StatePaths
from tui.core.services import Location, demo_paths
from tui.core.session import Session
from tui.demo.build import build_demo
from tui.ui.app import make_app

SIZE = (120, 34)


async def wait_until(pilot: Any, done: Callable[[], bool], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if done():
            return
        await pilot.pause(0.1)
    raise TimeoutError("the screen never got there")


async def shoot(session: Session, out: Path) -> list[Path]:
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")
    app = make_app(session, ao="null", play_ids=local[:8])  # something playing, in the bar and queue
    written: list[Path] = []

    async def save(name: str) -> None:
        await asyncio.sleep(0.6)  # let workers fill the lists
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"longtail · {name}"), encoding="utf-8")
        written.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("apostrophe", *"ulis", "enter")  # an artist with Latin names, for any font
        await asyncio.sleep(0.5)
        await pilot.press("l", "l")
        await save("library")
        await pilot.press("slash")
        await pilot.press(*"midnight")
        await save("search")
        await pilot.press("escape", "escape", "3")
        await save("shuffle")
        await pilot.press("4")
        await save("tiers")
        await pilot.press("5")
        await save("queue")
        await pilot.press("i")
        await save("details")
        await pilot.press("escape", "question_mark")
        await save("help")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    args = parser.parse_args()
    paths = demo_paths(None)
    if not paths.is_built():
        print(f"building the demo in {paths.home} ...")
        build_demo(paths)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        shutil.copytree(paths.state, state)
        session = Session.open(Location(paths.mirror, StatePaths(state), paths), Settings(theme="longtail"))
        try:
            for path in asyncio.run(shoot(session, args.out)):
                print(path)
        finally:
            session.close()


if __name__ == "__main__":
    main()
