"""What catalogue code needs to know about the mirror's files (shuffle's "playable",
tier coverage), as a protocol: the mirror's file index provides it, and the
catalogue never imports the mirror."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


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

    def local_track_ids(self) -> Iterator[str]: ...

    def present_track_ids(self) -> Iterator[str]:
        """Tracks with anything at their file's path, the right file or not."""
        ...

    def playable_track_ids(self) -> Iterator[str]:
        """Tracks that are local or that a known torrent can fetch."""
        ...

    def state(self, track_id: str) -> str:
        """local | damaged | partial | fetchable | absent."""
        ...
