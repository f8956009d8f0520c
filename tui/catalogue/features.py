"""Audio-feature filters (tempo, key, mode, energy, danceability, valence, acousticness,
instrumentalness) from `spotify_clean_audio_features`, and the Camelot key notation DJs use.

A row with `null_response = 1` (the API returned nothing) never matches a feature filter.
"""

from __future__ import annotations

import re

import msgspec

from tui.errors import quoted

PITCHES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#", "CB": "B", "FB": "E"}
UNIT_FEATURES = ("energy", "danceability", "valence", "acousticness", "instrumentalness")
# the columns a probe reads, in this order
PROBE_COLUMNS = ("null_response", "tempo", "key", "mode", *UNIT_FEATURES)


def camelot(pitch: int, mode: int) -> str:
    """Camelot wheel position: 8B is C major, 8A its relative minor (A minor)."""
    major = pitch if mode == 1 else (pitch + 3) % 12
    return f"{(7 * major + 7) % 12 + 1}{'B' if mode == 1 else 'A'}"


def parse_key(text: str) -> tuple[int, int | None]:
    """'8A' (Camelot) → (pitch, mode); 'C', 'F#', 'Bb' → (pitch, None); 'Am', 'C#m' → minor."""
    t = text.strip().upper()
    if m := re.fullmatch(r"(1[0-2]|[1-9])([AB])", t):
        number, letter = int(m.group(1)), m.group(2)
        mode = 1 if letter == "B" else 0
        for pitch in range(12):
            if camelot(pitch, mode) == f"{number}{letter}":
                return pitch, mode
    if m := re.fullmatch(r"([A-G][#B]?)(M|MIN|MINOR|MAJ|MAJOR)?", t):
        name = FLATS.get(m.group(1), m.group(1))
        if name in PITCHES:
            suffix = m.group(2)
            named_mode = None if suffix is None else (1 if suffix.startswith("MAJ") else 0)
            return PITCHES.index(name), named_mode
    raise ValueError(f"{quoted(text)} is not a key: write it as Camelot (8A, 11B) or a name (C, F#, Bb, Am)")


def parse_range(text: str, lo_bound: float, hi_bound: float) -> tuple[float, float]:
    """'120..128', '0.6..1', '..0.3', '0.7..' → (lo, hi) within the bounds."""
    m = re.fullmatch(r"\s*(-?[\d.]*)\s*\.\.\s*(-?[\d.]*)\s*", text)
    try:
        if m is None:
            value = float(text)
            return value, value
        lo = float(m.group(1)) if m.group(1) else lo_bound
        hi = float(m.group(2)) if m.group(2) else hi_bound
    except ValueError:
        raise ValueError(f"{quoted(text)} is not a range: write it as LOW..HIGH (120..128, 0.6..1, ..0.3)") from None
    if lo > hi:
        raise ValueError(f"{quoted(text)} is empty: its low end is above its high end")
    return lo, hi


class FeatureFilter(msgspec.Struct, frozen=True):
    tempo: tuple[float, float] | None = None  # BPM
    key: int | None = None  # pitch class 0 = C … 11 = B
    mode: int | None = None  # 1 major, 0 minor
    energy: tuple[float, float] | None = None
    danceability: tuple[float, float] | None = None
    valence: tuple[float, float] | None = None
    acousticness: tuple[float, float] | None = None
    instrumentalness: tuple[float, float] | None = None

    @property
    def active(self) -> bool:
        return self != FeatureFilter()

    def matches(self, row: tuple | None) -> bool:
        """`row`: PROBE_COLUMNS of the track's features (None: the track has none)."""
        if row is None or row[0]:  # no row, or null_response = 1
            return False
        _null, tempo, key, mode, *units = row
        if self.tempo is not None and (tempo is None or not self.tempo[0] <= float(tempo) <= self.tempo[1]):
            return False
        if self.key is not None and key != self.key:
            return False
        if self.mode is not None and mode != self.mode:
            return False
        for name, value in zip(UNIT_FEATURES, units, strict=True):
            bounds = getattr(self, name)
            if bounds is not None and (value is None or not bounds[0] <= value <= bounds[1]):
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.tempo:
            parts.append(f"tempo {self.tempo[0]:g}–{self.tempo[1]:g}")
        if self.key is not None:
            parts.append(f"key {PITCHES[self.key]}" + ("" if self.mode is None else
                                                         f" {'major' if self.mode else 'minor'} "
                                                         f"({camelot(self.key, self.mode)})"))
        elif self.mode is not None:
            parts.append("major" if self.mode else "minor")
        for name in UNIT_FEATURES:
            bounds = getattr(self, name)
            if bounds is not None:
                parts.append(f"{name} {bounds[0]:g}–{bounds[1]:g}")
        return ", ".join(parts)


def feature_filter(tempo: str | None = None, key: str | None = None, mode: str | None = None,
                   **units: str | None) -> FeatureFilter:
    """From the words a user writes (`--tempo 120..128 --key 8A --energy 0.6..1`);
    ValueError says what is wrong with one of them."""
    pitch = key_mode = None
    if key:
        pitch, key_mode = parse_key(key)
    if mode:
        wanted = {"major": 1, "maj": 1, "minor": 0, "min": 0}.get(mode.strip().lower())
        if wanted is None:
            raise ValueError(f"mode {quoted(mode)}: write major or minor")
        if key_mode is not None and key_mode != wanted:
            raise ValueError(f"key {key} is {'major' if key_mode else 'minor'}, mode says {mode}")
        key_mode = wanted
    ranges = {}
    for name, text in units.items():
        if name not in UNIT_FEATURES:
            known = ", ".join(("tempo", "key", "mode", *UNIT_FEATURES))
            raise ValueError(f"{quoted(name)} is not an audio feature ({known})")
        if text:
            lo, hi = parse_range(text, 0.0, 1.0)
            if lo < 0 or hi > 1:
                raise ValueError(f"{name} {quoted(text)}: features are from 0 to 1")
            ranges[name] = (lo, hi)
    return FeatureFilter(tempo=parse_range(tempo, 0.0, 1000.0) if tempo else None, key=pitch, mode=key_mode,
                         **ranges)


def parse_feature_words(text: str) -> FeatureFilter:
    """'tempo 120..128 key 8A energy 0.6..' (the shuffle screen's one field) → a filter."""
    words = text.split()
    if len(words) % 2:
        raise ValueError(f"{quoted(text)}: write NAME VALUE pairs, e.g. tempo 120..128 key 8A energy 0.6..1")
    pairs = dict(zip(words[::2], words[1::2], strict=True))
    tempo, key, mode = pairs.pop("tempo", None), pairs.pop("key", None), pairs.pop("mode", None)
    return feature_filter(tempo, key, mode, **pairs)
