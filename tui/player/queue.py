"""The play queue: plain data, no mpv, so its logic is easy to test.

The queue holds track ids; what is playing is `current` (an index, or None). The
repeat mode decides what "next" means at the end of the queue.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, TypeGuard

from tui.catalogue.records import is_track_id
from tui.errors import LongtailError
from tui.files import read_capped, write_atomically


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


RepeatMode = Literal["off", "queue", "track"]
REPEAT_MODES: tuple[RepeatMode, ...] = ("off", "queue", "track")


@dataclass
class Queue:
    items: list[str] = field(default_factory=list)
    current: int | None = None
    repeat: RepeatMode = "off"

    # -- editing ------------------------------------------------------------------------

    def add(self, *track_ids: str) -> None:
        self.items.extend(track_ids)

    def insert_next(self, *track_ids: str) -> None:
        at = (self.current + 1) if self.current is not None else 0
        self.items[at:at] = list(track_ids)

    def remove(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            raise IndexError(index)
        del self.items[index]
        if self.current is not None:
            if index < self.current:
                self.current -= 1
            elif index == self.current:
                self.current = self.current if self.current < len(self.items) else None

    def move(self, src: int, dst: int) -> None:
        if not (0 <= src < len(self.items) and 0 <= dst < len(self.items)):
            raise IndexError((src, dst))
        item = self.items.pop(src)
        self.items.insert(dst, item)
        if self.current is not None:
            if self.current == src:
                self.current = dst
            elif src < self.current <= dst:
                self.current -= 1
            elif dst <= self.current < src:
                self.current += 1

    def clear(self) -> None:
        self.items.clear()
        self.current = None

    # -- navigation ------------------------------------------------------------------------

    @property
    def current_id(self) -> str | None:
        return self.items[self.current] if self.current is not None else None

    def index_after(self, index: int | None, *, manual: bool = False) -> int | None:
        """The entry that follows `index`; `manual` (the user pressed next) skips repeat-track."""
        if not self.items:
            return None
        if index is None:
            return 0
        if self.repeat == "track" and not manual:
            return index
        if index + 1 < len(self.items):
            return index + 1
        return 0 if self.repeat in ("queue", "track") else None

    def index_before(self, index: int | None) -> int | None:
        if not self.items:
            return None
        if index is None or index == 0:
            return len(self.items) - 1 if self.repeat == "queue" else 0
        return index - 1

    def cycle_repeat(self) -> RepeatMode:
        self.repeat = REPEAT_MODES[(REPEAT_MODES.index(self.repeat) + 1) % len(REPEAT_MODES)]
        return self.repeat


@dataclass
class SavedState:
    """What comes back after a restart: the queue, where we were, and settings."""

    items: list[str] = field(default_factory=list)
    current: int | None = None
    position: float = 0.0
    repeat: str = "off"
    volume: float = 100.0
    replaygain: str = "track"
    muted: bool = False

    @classmethod
    def load(cls, path: Path) -> SavedState:
        """What was saved, each field of the right type or its default: the file is ours, but a
        hand edit, another version or a bad disk may have left anything in it (a `current`
        of text ended the TUI's start in a traceback)."""
        try:
            raw = json.loads(read_capped(path, 256 << 20, follow=False))
        except (LongtailError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        default = cls()
        items = raw.get("items")
        state = cls(items=[i for i in items if isinstance(i, str) and is_track_id(i)]
                    if isinstance(items, list) else [])
        # a place in a list that lost entries means nothing: it then starts at its top
        intact = isinstance(items, list) and len(state.items) == len(items)
        current, position, volume = raw.get("current"), raw.get("position"), raw.get("volume")
        if intact and type(current) is int and 0 <= current < len(state.items):
            state.current = current
            if _finite(position) and position >= 0:
                state.position = float(position)
        if _finite(volume):
            state.volume = float(volume)  # the policy clamps it, as every volume
        repeat = raw.get("repeat")
        state.repeat = repeat if isinstance(repeat, str) and repeat in REPEAT_MODES else default.repeat
        if isinstance(raw.get("replaygain"), str):
            state.replaygain = raw["replaygain"]  # the policy takes only the modes it knows
        state.muted = raw.get("muted") is True
        return state

    def save(self, path: Path) -> None:
        """Atomic: a crash never leaves a half-written state file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomically(path, json.dumps(asdict(self)).encode("utf-8"))
        except OSError:
            pass  # a full disk loses the resume point, nothing else
