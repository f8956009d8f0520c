"""A small LRCLIB dump in the schema LRCLIB publishes (docs: ../shared/reference/ecosystem.md),
for the demo's tracks with audio: synced lyrics (some with word-level tags and an offset),
plain-only lyrics, instrumentals, and names as LRCLIB has them (titles without "(feat. …)"
or "- Remastered …", durations a little off, a decoy with the right name at the wrong length)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from tui.demo.generator import AudioTrack
from tui.demo.rows import connect_new

LRCLIB_DUMP = "lrclib-db-dump-20261201.sqlite3"
SCHEMA = """
CREATE TABLE tracks (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, name_lower TEXT, artist_name TEXT,
  artist_name_lower TEXT, album_name TEXT, album_name_lower TEXT, duration FLOAT, last_lyrics_id INTEGER,
  created_at DATETIME, updated_at DATETIME,
  UNIQUE(name_lower, artist_name_lower, album_name_lower, duration));
CREATE TABLE lyrics (id INTEGER PRIMARY KEY AUTOINCREMENT, plain_lyrics TEXT, synced_lyrics TEXT,
  track_id INTEGER, has_plain_lyrics BOOLEAN, has_synced_lyrics BOOLEAN, instrumental BOOLEAN,
  source TEXT, created_at DATETIME, updated_at DATETIME, FOREIGN KEY (track_id) REFERENCES tracks (id));
CREATE INDEX idx_tracks_name_lower ON tracks (name_lower);
CREATE INDEX idx_lyrics_track_id ON lyrics (track_id);
"""
STAMP = "2026-11-30T12:00:00Z"
UNDECORATED = re.compile(r"\s+-\s+Remastered \d{4}$|\s+\(feat\. [^)]*\)$")
WORDS = ("we ran along the river all night long under the lights of the city and the sea "
         "was calling out your name again so hold on till the morning comes").split()


def _lines(rng: random.Random, title: str, seconds: float) -> list[tuple[float, str]]:
    """One line every couple of seconds, the title as a refrain (so every script is sung)."""
    lines, t = [], rng.uniform(0.4, 1.2)
    while t < seconds - 0.5:
        line = title if rng.random() < 0.3 else " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
        lines.append((round(t, 2), line.capitalize() if line != title else line))
        t += rng.uniform(1.6, 3.0)
    return lines


def _stamp(t: float) -> str:
    return f"{int(t // 60):02d}:{t % 60:05.2f}"


def _lrc(lines: list[tuple[float, str]], enhanced: bool, offset_ms: int) -> str:
    head = [f"[offset:{offset_ms:+d}]"] if offset_ms else []
    if not enhanced:
        return "\n".join(head + [f"[{_stamp(t + offset_ms / 1000)}] {line}" for t, line in lines])
    out = []
    for t, line in lines:
        words = line.split()
        tagged = " ".join(f"<{_stamp(t + 0.3 * i)}> {w}" for i, w in enumerate(words))
        out.append(f"[{_stamp(t)}] {tagged}")
    return "\n".join(head + out)


def write_lrclib_dump(path: Path, tracks: Sequence[AudioTrack], seed: int) -> Path:
    rng = random.Random(seed + 23)
    conn = connect_new(path)
    conn.executescript(SCHEMA)

    def add(name: str, artist: str, album: str, duration: float, plain: str | None, synced: str | None,
            instrumental: bool = False) -> None:
        cur = conn.execute("INSERT INTO tracks (name, name_lower, artist_name, artist_name_lower, album_name, "
                           "album_name_lower, duration, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                           (name, name.lower(), artist, artist.lower(), album, album.lower(), duration,
                            STAMP, STAMP))
        track_id = cur.lastrowid
        lyric = conn.execute("INSERT INTO lyrics (plain_lyrics, synced_lyrics, track_id, has_plain_lyrics, "
                             "has_synced_lyrics, instrumental, source, created_at, updated_at) "
                             "VALUES (?,?,?,?,?,?,?,?,?)",
                             (plain, synced, track_id, plain is not None, synced is not None, instrumental,
                              "lrclib", STAMP, STAMP)).lastrowid
        conn.execute("UPDATE tracks SET last_lyrics_id = ? WHERE id = ?", (lyric, track_id))

    for i, track in enumerate(tracks):
        kind = rng.random()
        if kind < 0.15 and i > 2:
            continue  # LRCLIB does not know every track
        name = UNDECORATED.sub("", track.name) or track.name
        artist = ", ".join(track.artists) if len(track.artists) > 1 and rng.random() < 0.5 else track.artists[0]
        duration = round(track.seconds + rng.uniform(-1.5, 1.5), 1)
        lines = _lines(rng, name, track.seconds)
        plain = "\n".join(line for _t, line in lines)
        if i == 2 or 0.15 <= kind < 0.22:
            add(name, artist, track.album, duration, None, None, instrumental=True)
        elif kind < 0.32:
            add(name, artist, track.album, duration, plain, None)
        else:
            enhanced = kind > 0.85
            add(name, artist, track.album, duration, plain,
                _lrc(lines, enhanced, offset_ms=0 if enhanced else rng.choice((0, 0, 0, 250, -300))))
        if i % 7 == 0:  # the same names at another length: another recording, not this one
            add(name, artist, track.album, duration + 90, "Not this recording", "[00:00.50] Not this recording")
    conn.commit()
    conn.close()
    return path
