"""What a face can ask the session to do: typed, frozen values on one ordered channel.

Every face (the TUI, the CLI, MPRIS, the MPD server) sends these through
`Session.send`; the session's own thread applies them in the order they were sent,
whichever face sent them. Nothing a face sends reaches the player another way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.streams import ShuffleStream


@dataclass(frozen=True)
class Play:
    """Replace the queue with these tracks and play from `start` (a stream that was playing stops)."""

    track_ids: tuple[str, ...]
    start: int = 0


@dataclass(frozen=True)
class PlayStream:
    """Play a shuffle or radio stream from its row `index`; it keeps feeding the queue from there."""

    stream: ShuffleStream = field(compare=False)
    index: int = 0


@dataclass(frozen=True)
class Enqueue:
    track_ids: tuple[str, ...]
    next_up: bool = False  # after the current track rather than at the end


@dataclass(frozen=True)
class Remove:
    index: int


@dataclass(frozen=True)
class Move:
    src: int
    dst: int


@dataclass(frozen=True)
class Clear:
    pass


@dataclass(frozen=True)
class Undo:
    """Take back the last queue change a listener made."""


@dataclass(frozen=True)
class PlayIndex:
    index: int


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Previous:
    pass


@dataclass(frozen=True)
class TogglePause:
    pass


@dataclass(frozen=True)
class SetPaused:
    paused: bool


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Seek:
    seconds: float
    relative: bool = True


@dataclass(frozen=True)
class SetVolume:
    volume: float


@dataclass(frozen=True)
class ChangeVolume:
    delta: float


@dataclass(frozen=True)
class ToggleMute:
    pass


@dataclass(frozen=True)
class SetMuted:
    muted: bool


@dataclass(frozen=True)
class CycleRepeat:
    pass


@dataclass(frozen=True)
class SetRepeat:
    mode: str  # off | queue | track


@dataclass(frozen=True)
class CycleReplayGain:
    pass


@dataclass(frozen=True)
class SetReplayGain:
    mode: str  # track | album | off


@dataclass(frozen=True)
class Restore:
    """Bring back the saved queue and position (paused there)."""


@dataclass(frozen=True)
class Save:
    """Save the queue and position now."""


Command = (Play | PlayStream | Enqueue | Remove | Move | Clear | Undo | PlayIndex | Next | Previous
           | TogglePause | SetPaused | Stop | Seek | SetVolume | ChangeVolume | ToggleMute | SetMuted
           | CycleRepeat | SetRepeat | CycleReplayGain | SetReplayGain | Restore | Save)
