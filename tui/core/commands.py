"""What a face can ask the session to do: typed, frozen values on one ordered channel.

Every face (the TUI, the CLI, MPRIS, the MPD server) sends these through
`Session.send`; the session's own thread applies them in the order they were sent,
whichever face sent them. Nothing a face sends reaches the player another way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from tui.core.streams import ShuffleStream


class Play(msgspec.Struct, frozen=True):
    """Replace the queue with these tracks and play from `start` (a stream that was playing stops)."""

    track_ids: tuple[str, ...]
    start: int = 0


class PlayStream(msgspec.Struct, frozen=True):
    """Play a shuffle or radio stream from its row `index`; it keeps feeding the queue from there."""

    stream: ShuffleStream
    index: int = 0

    # Equal by row alone, as the stream object is not a value (it holds a live cursor).
    def __eq__(self, other: object) -> bool:
        return type(other) is PlayStream and other.index == self.index

    def __hash__(self) -> int:
        return hash((PlayStream, self.index))


class Enqueue(msgspec.Struct, frozen=True):
    track_ids: tuple[str, ...]
    next_up: bool = False  # after the current track rather than at the end


class Remove(msgspec.Struct, frozen=True):
    index: int


class Move(msgspec.Struct, frozen=True):
    src: int
    dst: int


class Clear(msgspec.Struct, frozen=True):
    pass


class Undo(msgspec.Struct, frozen=True):
    """Take back the last queue change a listener made."""


class PlayIndex(msgspec.Struct, frozen=True):
    index: int


class Next(msgspec.Struct, frozen=True):
    pass


class Previous(msgspec.Struct, frozen=True):
    pass


class TogglePause(msgspec.Struct, frozen=True):
    pass


class SetPaused(msgspec.Struct, frozen=True):
    paused: bool


class Stop(msgspec.Struct, frozen=True):
    pass


class Seek(msgspec.Struct, frozen=True):
    seconds: float
    relative: bool = True


class SetVolume(msgspec.Struct, frozen=True):
    volume: float


class ChangeVolume(msgspec.Struct, frozen=True):
    delta: float


class ToggleMute(msgspec.Struct, frozen=True):
    pass


class SetMuted(msgspec.Struct, frozen=True):
    muted: bool


class CycleRepeat(msgspec.Struct, frozen=True):
    pass


class SetRepeat(msgspec.Struct, frozen=True):
    mode: str  # off | queue | track


class CycleReplayGain(msgspec.Struct, frozen=True):
    pass


class SetReplayGain(msgspec.Struct, frozen=True):
    mode: str  # track | album | off


class Restore(msgspec.Struct, frozen=True):
    """Bring back the saved queue and position (paused there)."""


class Save(msgspec.Struct, frozen=True):
    """Save the queue and position now."""


Command = (Play | PlayStream | Enqueue | Remove | Move | Clear | Undo | PlayIndex | Next | Previous
           | TogglePause | SetPaused | Stop | Seek | SetVolume | ChangeVolume | ToggleMute | SetMuted
           | CycleRepeat | SetRepeat | CycleReplayGain | SetReplayGain | Restore | Save)
