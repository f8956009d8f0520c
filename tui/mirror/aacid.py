"""Track ids from file names inside the archive's data folders.

An AACID is `aacid__{collection}__{timestamp}__{collection id}__{shortuuid}`; for
the Spotify files the collection id (the fourth `__` field) is the 22-character
base62 track id. Press reports also describe files "named by track id", so a
bare id is accepted too. Anything else is not a track and is only counted.
"""

from __future__ import annotations

from tui.catalogue.records import is_track_id as _is_track_id


def track_id_from_name(name: str) -> str | None:
    base = name.rpartition("/")[2]
    if base.startswith("aacid__"):
        fields = base.split("__")
        if len(fields) >= 5 and _is_track_id(fields[3]):
            return fields[3]
        return None
    stem = base.partition(".")[0]
    return stem if _is_track_id(stem) else None


def aacid_for(collection: str, timestamp: str, track_id: str, shortuuid: str) -> str:
    return f"aacid__{collection}__{timestamp}__{track_id}__{shortuuid}"
