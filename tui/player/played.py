"""Time actually played: the lengths of the stretches between seeks, so that a skip ahead
does not count, and a fast (untimed) output that reports few positions still does."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass
class PlayedTime:
    closed: float = 0.0  # the stretches that a seek (or the end) closed
    open_from: float | None = None  # where the open stretch began
    seeking: bool = False

    def restart(self) -> None:
        self.closed, self.open_from, self.seeking = 0.0, None, False

    def seek_began(self, position: float) -> None:
        if self.open_from is not None:
            self.closed += max(0.0, position - self.open_from)
        self.open_from = None
        self.seeking = True

    def moved_to(self, seconds: float) -> bool:
        """A position from the engine; True when it is where a seek landed."""
        landed = self.seeking
        if self.seeking or self.open_from is None:
            self.seeking = False
            self.open_from = seconds  # a new stretch starts here
        return landed

    def snapshot(self) -> PlayedTime:
        return replace(self)

    def total(self, end: float) -> float:
        """Everything played, the open stretch closed at `end`."""
        if self.open_from is None:
            return self.closed
        return self.closed + max(0.0, end - self.open_from)
