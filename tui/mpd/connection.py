"""One MPD client's own state, and the tags longtail's songs carry."""

from __future__ import annotations

from dataclasses import dataclass, field

TAG_TYPES = ("Artist", "AlbumArtist", "Album", "Title", "Track", "Disc", "Date", "Comment", "ISRC")


@dataclass
class Connection:
    """One client's own state (its thread alone touches it)."""

    tagtypes: set[str] = field(default_factory=lambda: set(TAG_TYPES))
    idle_since: dict[str, int] = field(default_factory=dict)
    binary_limit: int = 8192  # MPD's default chunk for albumart/readpicture
    binary: bytes | None = None  # the chunk a command's reply ends with (the server sends it after the lines)
