"""What catalogue code needs to know about the mirror's files (shuffle's "playable",
tier coverage), as a protocol: the mirror's file index provides it, and the
catalogue never imports the mirror."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Protocol


class FileState(StrEnum):
    """What a track's file is, as users see it (and as JSON says it)."""

    LOCAL = "local"  # a regular file of the torrent's size is at its path, no check found it wrong
    DAMAGED = "damaged"  # something is at its path but it is not the file
    PARTIAL = "partial"  # a fetch is writing it
    FETCHABLE = "fetchable"  # not here; a known torrent holds it
    ABSENT = "absent"  # none of the above
    INDEXING = "indexing"  # not known yet: the file index has not read every torrent (a first index)


def can_play(state: str, fetchable: bool) -> bool:
    """The one rule for what can play: the right file is here, or a torrent can fetch it (a
    damaged copy is then moved aside first). A damaged file no torrent holds cannot."""
    return state == FileState.LOCAL or fetchable


class FileStates(Protocol):
    def generation(self) -> int:
        """Changes whenever any file's state changes (the key of caches built on it)."""
        ...

    def counts(self) -> dict[str, int]:
        """At least `files` (known to a torrent or a data folder), `present` and `local`."""
        ...

    def all_states(self) -> Iterator[tuple[str, str]]:
        """(track id, file state) of every track the mirror knows."""
        ...

    def present_track_ids(self) -> Iterator[str]:
        """Tracks with anything at their file's path, the right file or not."""
        ...

    def playable_track_ids(self) -> Iterator[str]:
        """Tracks that are local or that a known torrent can fetch."""
        ...

    def state(self, track_id: str) -> str:
        """local | damaged | partial | fetchable | absent | indexing."""
        ...

    def coverage(self) -> dict[int, dict[str, int]]:
        """Tracks per tier (1: popularity > 0, 0: popularity 0, -1: not in the catalogue) that are
        local, damaged, fetchable: kept as the files change, never counted on demand."""
        ...

    def playable_generation(self) -> int:
        """Changes when which tracks can play may have changed."""
        ...

    def playable(self, track_id: str) -> bool:
        """`can_play` for this track's best copy."""
        ...
