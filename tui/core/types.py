"""The domain's types and pure helpers that faces need, re-exported by the core: faces (the
TUI, the CLI, MPRIS, the MPD server) import the core only, never the catalogue, the mirror
or the player (an import-linter contract holds them to it)."""

from __future__ import annotations

from tui.catalogue.features import feature_filter, parse_feature_words
from tui.catalogue.file_states import FileState, can_play
from tui.catalogue.lists import ListSource, RowSource
from tui.catalogue.playlists import PlaylistEntry, PlaylistHit
from tui.catalogue.records import (
    Artist,
    AudioFeatures,
    LedgerEntry,
    NamedHit,
    Track,
    TrackDetails,
    is_track_id,
    track_id_in,
)
from tui.catalogue.shuffle import SEED_LIMIT, ShuffleFilter
from tui.catalogue.tiers import TIER_LABELS, TierCoverage
from tui.mirror.art import image_mime
from tui.mirror.file_index import FileEntry
from tui.mirror.lyrics import Lyrics
from tui.player.engine import VOLUME_MAX, Engine, clamp_volume

__all__ = [
    "SEED_LIMIT",
    "TIER_LABELS",
    "VOLUME_MAX",
    "Artist",
    "AudioFeatures",
    "Engine",
    "FileEntry",
    "FileState",
    "LedgerEntry",
    "ListSource",
    "Lyrics",
    "NamedHit",
    "PlaylistEntry",
    "PlaylistHit",
    "RowSource",
    "ShuffleFilter",
    "TierCoverage",
    "Track",
    "TrackDetails",
    "can_play",
    "clamp_volume",
    "clock",
    "feature_filter",
    "image_mime",
    "is_track_id",
    "parse_feature_words",
    "track_id_in",
]


def clock(seconds: float | None) -> str:
    """`m:ss` (or `h:mm:ss`) for every face; never negative (mpv reports a hair below 0 at a
    track's start, and a bar showing `-1:59` is worse than one that waits at 0:00)."""
    whole = max(0, int(seconds or 0))
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"
