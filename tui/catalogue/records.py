"""Typed records of the catalogue. Plain data: no database handles, no UI."""

from __future__ import annotations

import struct
from typing import Literal, NamedTuple

import msgspec

Tier = Literal["vorbis", "opus"]
ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")


def is_track_id(text: str) -> bool:
    """A Spotify track id: 22 base62 characters (str methods, not a regex: this runs 60,000
    times per torrent)."""
    return len(text) == 22 and text.isascii() and text.isalnum()


def track_id_in(value: str) -> str | None:
    """The track id a user pasted: bare, `spotify:track:ID` or an open.spotify.com link."""
    if value.startswith("spotify:track:"):
        value = value[len("spotify:track:"):]
    elif value.startswith(("https://open.spotify.com/", "http://open.spotify.com/")):
        path = value.split("?", 1)[0].rstrip("/").split("/")
        value = path[-1] if len(path) >= 2 and path[-2] == "track" else ""
    return value if is_track_id(value) else None


def tier_for_popularity(popularity: int) -> Tier:
    """The archive's rule: popularity > 0 keeps the original Vorbis, 0 is Opus."""
    return "vorbis" if popularity > 0 else "opus"


class NamedHit(NamedTuple):
    """An artist or an album in a list or among search results."""

    rowid: int
    id: str
    name: str
    popularity: int


class ArtistRef(msgspec.Struct, frozen=True):
    rowid: int
    id: str
    name: str


class AlbumRef(msgspec.Struct, frozen=True):
    rowid: int
    id: str
    name: str
    album_type: str = ""
    release_date: str = ""

    @property
    def year(self) -> str:
        return self.release_date[:4]


class Image(msgspec.Struct, frozen=True):
    width: int
    height: int
    url: str


class Track(msgspec.Struct, frozen=True):
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


class Artist(msgspec.Struct, frozen=True):
    rowid: int
    id: str
    name: str
    popularity: int
    followers: int | None
    genres: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()


class Album(msgspec.Struct, frozen=True):
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


class Discography(msgspec.Struct, frozen=True):
    """An artist's releases, grouped as listeners expect; newest first in each group."""

    albums: tuple[AlbumRef, ...] = ()
    singles: tuple[AlbumRef, ...] = ()
    compilations: tuple[AlbumRef, ...] = ()
    appears_on: tuple[AlbumRef, ...] = ()
    truncated: bool = False  # True when an enormous artist was capped

    @classmethod
    def from_rows(cls, rows: list[tuple], truncated: bool) -> Discography:
        """From (album rowid, is_appears_on, is_implicit_appears_on, id, name, type, release)
        rows: an artist's own releases by type, everything else under "appears on"."""
        own = {r[0] for r in rows if not r[1] and not r[2]}
        groups: dict[str, dict[int, AlbumRef]] = {
            "album": {}, "single": {}, "compilation": {}, "appears_on": {}}
        for album_rowid, _appears, _implicit, id_, name, album_type, release in rows:
            ref = AlbumRef(album_rowid, id_, name, album_type, release)
            if album_rowid in own:
                key = album_type if album_type in ("album", "single", "compilation") else "album"
            else:
                key = "appears_on"
            groups[key].setdefault(album_rowid, ref)

        def newest_first(d: dict[int, AlbumRef]) -> tuple[AlbumRef, ...]:
            return tuple(sorted(d.values(), key=lambda a: (a.release_date, a.rowid), reverse=True))

        return cls(newest_first(groups["album"]), newest_first(groups["single"]),
                   newest_first(groups["compilation"]), newest_first(groups["appears_on"]), truncated)

    def groups(self) -> list[tuple[str, tuple[AlbumRef, ...]]]:
        return [("Albums", self.albums), ("Singles", self.singles),
                ("Compilations", self.compilations), ("Appears on", self.appears_on)]


KEY_NAMES = ("C", "C♯/D♭", "D", "D♯/E♭", "E", "F", "F♯/G♭", "G", "G♯/A♭", "A", "A♯/B♭", "B")


class AudioFeatures(msgspec.Struct, frozen=True):
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


class ReplayGain(msgspec.Struct, frozen=True):
    track_gain_db: float
    track_peak: float
    album_gain_db: float
    album_peak: float


def parse_replaygain(packet: bytes | None) -> ReplayGain | None:
    """ReplayGain floats (little-endian float32) at offsets 144/148/152/156 of the packet."""
    if not isinstance(packet, (bytes, bytearray)) or len(packet) < 160:
        return None
    track_gain, track_peak, album_gain, album_peak = struct.unpack_from("<4f", packet, 144)
    values = (track_gain, track_peak, album_gain, album_peak)
    if any(v != v or abs(v) > 1e4 for v in values):  # NaN or nonsense: not a gain block
        return None
    return ReplayGain(*values)


class LedgerEntry(msgspec.Struct, frozen=True):
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


class TrackDetails(msgspec.Struct, frozen=True):
    track: Track
    features: AudioFeatures | None
    ledger: LedgerEntry | None
    isrc_siblings: tuple[Track, ...]
    genres: tuple[str, ...] = ()
