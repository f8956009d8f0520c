"""Lyrics for a track, from where they are: the file's own tags (`LYRICS`, `UNSYNCEDLYRICS`),
an `.lrc` beside a local file, then an LRCLIB dump found in the mirror (opened read-only,
its schema checked when opened), matched as LRCLIB's own "get" does: normalised title,
artist and album with the duration within 2 s, then title and artist alone.

The dump's own indexes are on LRCLIB's lower-cased names, not on normalised ones, so a
sidecar in the state directory (`LyricsIndex`) holds (title, artist) keys with an index:
a lookup is one indexed read whatever the dump's size.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.catalogue.databases import check_sqlite_file, sqlite_uri
from tui.catalogue.text import tokens
from tui.db import open_state_db, state_error, transaction
from tui.errors import LongtailError

DURATION_SLACK = 2.0  # seconds, as LRCLIB's /api/get
DUMP_GLOB = "lrclib-db-dump-*.sqlite3"
TRACK_COLUMNS = {"id", "name", "artist_name", "album_name", "duration", "last_lyrics_id"}
LYRICS_COLUMNS = {"id", "plain_lyrics", "synced_lyrics", "track_id", "instrumental"}
TIME_TAG = re.compile(r"\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]")
WORD_TAG = re.compile(r"<\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?>")
OFFSET_TAG = re.compile(r"^\[offset:\s*([+-]?\d+)\s*\]\s*$", re.I)
# what titles carry that LRCLIB's entries mostly do not: "(feat. X)", "- 2011 Remaster", "[Live]"
DECORATION = re.compile(r"\s*[(\[][^)\]]*(feat\.|ft\.|with |remaster|live|version|edit|mix)[^)\]]*[)\]]"
                        r"|\s+-\s+.*(remaster|version|edit|mix|live).*$", re.I)


@dataclass(frozen=True)
class Lyrics:
    source: str  # "tags", "lrc", "lrclib", or "none"
    synced: list[tuple[float, str]] = field(default_factory=list)  # (seconds, line), in time order
    plain: str | None = None
    instrumental: bool = False

    def line_at(self, seconds: float) -> int | None:
        """The index of the synced line sung at `seconds` (None before the first)."""
        found = None
        for i, (t, _line) in enumerate(self.synced):
            if t > seconds:
                break
            found = i
        return found

    def as_json(self, track_id: str) -> dict:
        return {"id": track_id, "source": self.source, "instrumental": self.instrumental,
                "synced": [{"t": round(t, 3), "line": line} for t, line in self.synced], "plain": self.plain}


def parse_lrc(text: str) -> list[tuple[float, str]]:
    """LRC lines: one or more `[mm:ss.xx]` tags before each line, `[offset:±ms]` (positive:
    the lines come sooner), word-level `<mm:ss.xx>` tags dropped from the text."""
    offset = 0.0
    lines: list[tuple[float, str]] = []
    for raw in text.splitlines():
        if m := OFFSET_TAG.match(raw.strip()):
            offset = int(m.group(1)) / 1000
            continue
        stamps, rest = [], raw.strip()
        while m := TIME_TAG.match(rest):
            fraction = m.group(3) or "0"
            stamps.append(int(m.group(1)) * 60 + int(m.group(2)) + int(fraction) / 10 ** len(fraction))
            rest = rest[m.end():]
        words = " ".join(WORD_TAG.sub("", rest).split())
        lines += [(round(max(0.0, t - offset), 3), words) for t in stamps]
    return sorted(lines, key=lambda pair: pair[0])


def normal(text: str | None, title: bool = False) -> str:
    """The words of a name, folded (case, diacritics, punctuation), titles without decoration."""
    if not text:
        return ""
    if title:
        text = DECORATION.sub("", text) or text
    return " ".join(tokens(text))


def from_text(source: str, text: str) -> Lyrics | None:
    if not text.strip():
        return None
    synced = parse_lrc(text)
    if synced:
        return Lyrics(source, synced, "\n".join(line for _t, line in synced))
    return Lyrics(source, [], text.strip())


def from_file(path: Path) -> Lyrics | None:
    """The file's own tags, then an `.lrc` of the same name beside it."""
    try:
        import mutagen

        audio = mutagen.File(path)
    except Exception:  # noqa: BLE001 - a damaged file has no lyrics to give, and that is all
        audio = None
    if audio is not None and audio.tags is not None:
        for key in ("LYRICS", "UNSYNCEDLYRICS", "lyrics", "unsyncedlyrics"):
            values = audio.tags.get(key)
            if values and (found := from_text("tags", str(values[0]))):
                return found
    lrc = path.with_suffix(".lrc")
    try:
        if lrc.is_file() and lrc.stat().st_size < 1 << 20:
            return from_text("lrc", lrc.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return None


class LrclibDump:
    """An LRCLIB dump, read-only; its schema is checked here (it is not longtail's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        check_sqlite_file(path, "LRCLIB dump")  # a FIFO or garbage is one line, not a hang
        try:
            self.conn = sqlite3.connect(sqlite_uri(path), uri=True, check_same_thread=False)
            columns = {t: {r[1] for r in self.conn.execute(f"PRAGMA table_info({t})")} for t in ("tracks", "lyrics")}
        except sqlite3.Error as exc:
            raise LongtailError(f"{path.name} cannot be read as an LRCLIB dump ({exc})",
                                "remove it from the mirror, or download it again") from None
        missing = (TRACK_COLUMNS - columns["tracks"]) | {f"lyrics.{c}" for c in LYRICS_COLUMNS - columns["lyrics"]}
        if missing:
            self.conn.close()
            raise LongtailError(
                f"{path.name} is not an LRCLIB dump as published (missing {', '.join(sorted(missing))})",
                "remove it from the mirror, or download it again")

    def close(self) -> None:
        self.conn.close()

    def rows(self, after: int, limit: int) -> list[tuple]:
        return self.conn.execute("SELECT id, name, artist_name, album_name, duration FROM tracks WHERE id > ? "
                                 "ORDER BY id LIMIT ?", (after, limit)).fetchall()

    def lyrics_of(self, track_id: int) -> Lyrics | None:
        row = self.conn.execute(
            "SELECT l.plain_lyrics, l.synced_lyrics, l.instrumental FROM tracks t JOIN lyrics l "
            "ON l.id = t.last_lyrics_id WHERE t.id = ?", (track_id,)).fetchone()
        if row is None:
            return None
        plain, synced, instrumental = row
        if instrumental:
            return Lyrics("lrclib", instrumental=True)
        lines = parse_lrc(synced or "")
        return Lyrics("lrclib", lines, plain or ("\n".join(line for _t, line in lines) or None))


INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys(title TEXT NOT NULL, artist TEXT NOT NULL, album TEXT NOT NULL,
                                duration REAL, track_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS keys_by_name ON keys(title, artist);
CREATE TABLE IF NOT EXISTS progress(dump TEXT PRIMARY KEY, done_id INTEGER NOT NULL, complete INTEGER NOT NULL);
"""
BATCH = 20_000


class LyricsIndex:
    """(normalised title, artist) -> LRCLIB track ids, built once per dump, resumable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = open_state_db(path, autocommit=True)
        try:
            self.conn.executescript(INDEX_SCHEMA)
        except sqlite3.Error as exc:
            raise state_error(exc, path) from None

    def close(self) -> None:
        self.conn.close()

    def complete(self, dump: Path) -> bool:
        row = self.conn.execute("SELECT complete FROM progress WHERE dump = ?", (dump.name,)).fetchone()
        return bool(row and row[0])

    def build(self, dump: LrclibDump, progress: Callable[[int], None] | None = None) -> int:
        """Index what is not indexed yet (a killed build carries on from its last batch)."""
        row = self.conn.execute("SELECT done_id FROM progress WHERE dump = ?", (dump.path.name,)).fetchone()
        done, added = (row[0] if row else 0), 0
        while rows := dump.rows(done, BATCH):
            keys = [(normal(name, title=True), normal(artist), normal(album), duration, tid)
                    for tid, name, artist, album, duration in rows]
            done = rows[-1][0]
            try:
                with transaction(self.conn):
                    self.conn.executemany("INSERT INTO keys VALUES (?,?,?,?,?)", keys)
                    self.conn.execute("INSERT OR REPLACE INTO progress VALUES (?, ?, 0)", (dump.path.name, done))
            except sqlite3.Error as exc:
                raise state_error(exc, self.path) from None
            added += len(keys)
            if progress is not None:
                progress(added)
        self.conn.execute("INSERT OR REPLACE INTO progress VALUES (?, ?, 1)", (dump.path.name, done))
        return added

    def match(self, title: str, artists: list[str], album: str, duration: float) -> list[int]:
        """LRCLIB track ids, best first: album and duration agree, then duration, then names alone."""
        wanted = normal(title, title=True)
        names = sorted({normal(a) for a in artists} | {normal(", ".join(artists))})
        # title and artist both in the index's key: a common title ("Intro") is not read whole
        rows = self.conn.execute(f"SELECT artist, album, duration, track_id FROM keys WHERE title = ? "
                                 f"AND artist IN ({','.join('?' * len(names))})", (wanted, *names)).fetchall()
        album_key = normal(album)

        def rank(row: tuple) -> tuple[int, float]:
            near = row[2] is not None and abs(row[2] - duration) <= DURATION_SLACK
            return (0 if near and row[1] == album_key else 1 if near else 2, abs((row[2] or 0) - duration))

        return [r[3] for r in sorted(rows, key=rank)]
