"""Typed records of the catalogue. Plain data: no database handles, no UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Tier = Literal["vorbis", "opus"]
ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")


def tier_for_popularity(popularity: int) -> Tier:
    """The archive's rule: popularity > 0 keeps the original Vorbis, 0 is Opus."""
    return "vorbis" if popularity > 0 else "opus"


@dataclass(frozen=True, slots=True)
class ArtistRef:
    rowid: int
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class AlbumRef:
    rowid: int
    id: str
    name: str
    album_type: str = ""
    release_date: str = ""

    @property
    def year(self) -> str:
        return self.release_date[:4]


@dataclass(frozen=True, slots=True)
class Image:
    width: int
    height: int
    url: str


@dataclass(frozen=True, slots=True)
class Track:
    rowid: int
    id: str
    name: str
    popularity: int
    duration_ms: int
    disc_number: int
    track_number: int
    explicit: bool
    isrc: str | None
    album: AlbumRef
    artists: tuple[ArtistRef, ...]
    preview_url: str | None = None
    ean: str | None = None
    upc: str | None = None

    @property
    def tier(self) -> Tier:
        return tier_for_popularity(self.popularity)

    @property
    def artist_names(self) -> list[str]:
        return [a.name for a in self.artists]


@dataclass(frozen=True, slots=True)
class Artist:
    rowid: int
    id: str
    name: str
    popularity: int
    followers: int | None
    genres: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Album:
    rowid: int
    id: str
    name: str
    album_type: str
    popularity: int
    release_date: str
    release_date_precision: str | None
    total_tracks: int | None
    label: str | None
    upc: str | None
    copyright_c: str | None
    copyright_p: str | None
    artists: tuple[ArtistRef, ...]
    images: tuple[Image, ...] = ()

    @property
    def year(self) -> str:
        return self.release_date[:4]


@dataclass(frozen=True, slots=True)
class Discography:
    """An artist's releases, grouped as listeners expect; newest first in each group."""

    albums: tuple[AlbumRef, ...] = ()
    singles: tuple[AlbumRef, ...] = ()
    compilations: tuple[AlbumRef, ...] = ()
    appears_on: tuple[AlbumRef, ...] = ()
    truncated: bool = False  # True when an enormous artist was capped

    def groups(self) -> list[tuple[str, tuple[AlbumRef, ...]]]:
        return [("Albums", self.albums), ("Singles", self.singles),
                ("Compilations", self.compilations), ("Appears on", self.appears_on)]


KEY_NAMES = ("C", "C♯/D♭", "D", "D♯/E♭", "E", "F", "F♯/G♭", "G", "G♯/A♭", "A", "A♯/B♭", "B")


@dataclass(frozen=True, slots=True)
class AudioFeatures:
    tempo: float | None
    key: int | None
    mode: int | None
    time_signature: int | None
    danceability: float | None
    energy: float | None
    loudness: float | None
    speechiness: float | None
    acousticness: float | None
    instrumentalness: float | None
    liveness: float | None
    valence: float | None
    duration_ms: int | None

    @property
    def key_name(self) -> str | None:
        if self.key is None or not 0 <= self.key <= 11:
            return None
        mode = {1: "major", 0: "minor"}.get(self.mode if self.mode is not None else -1, "")
        return f"{KEY_NAMES[self.key]} {mode}".strip()


@dataclass(frozen=True, slots=True)
class ReplayGain:
    track_gain_db: float
    track_peak: float
    album_gain_db: float
    album_peak: float


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A track's row in spotify_clean_track_files (the archive's ledger)."""

    status: str
    codec: Tier | None  # what the archive's file should be; None when no file
    reencoded_kbit_vbr: int | None
    sha256_with_embedded_meta: str | None
    sha256_original: str | None
    filesize_bytes: int | None
    filename: str | None
    replaygain: ReplayGain | None
    original_title: str | None = None
    version_title: str | None = None
    language_of_performance: str | None = None
    artist_roles: str | None = None
    licensor: str | None = None

    @property
    def archived(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True, slots=True)
class TrackDetails:
    track: Track
    features: AudioFeatures | None
    ledger: LedgerEntry | None
    isrc_siblings: tuple[Track, ...]
    genres: tuple[str, ...] = field(default=())
