"""The archive's playlists: search by name, open one in position order, and the playlists
that hold a track (through the sidecar in the state directory, `playlist_index`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.playlist_index import PlaylistIndex, Progress
from tui.catalogue.records import Track
from tui.catalogue.text import fold, match_rank, tokens

EntryKind = Literal["track", "episode", "local", "missing"]
MAX_ENTRIES = 20_000  # Spotify's own cap on a playlist's length is 10,000


class PlaylistHit(msgspec.Struct, frozen=True):
    rowid: int
    id: str
    name: str
    owner: str | None
    followers: int
    tracks_total: int


class PlaylistEntry(msgspec.Struct, frozen=True):
    position: int
    kind: EntryKind
    track: Track | None
    name: str | None  # a local file's own name, or the id of what the catalogue does not have


class Playlist(msgspec.Struct, frozen=True):
    hit: PlaylistHit
    description: str | None
    entries: tuple[PlaylistEntry, ...]
    truncated: bool = False

    @property
    def tracks(self) -> list[Track]:
        return [e.track for e in self.entries if e.track is not None]


def _hit(row: tuple) -> PlaylistHit:
    rowid, id_, name, owner, followers, total = row[:6]
    return PlaylistHit(rowid, id_, name or "", owner, followers or 0, total or 0)


class Playlists:
    def __init__(self, catalogue: Catalogue, index: PlaylistIndex) -> None:
        self.catalogue = catalogue
        self.index = index

    @property
    def available(self) -> bool:
        return self.catalogue.has_playlists

    def _by_rowids(self, rowids: list[int]) -> list[PlaylistHit]:
        if not rowids:
            return []
        sql = self.catalogue.sql["playlists_by_rowids"].replace("{marks}", ",".join("?" * len(rowids)))
        hits = {r[0]: _hit(r) for r in self.catalogue.conn().execute(sql, rowids)}
        return [hits[r] for r in rowids if r in hits]

    def search(self, query: str, limit: int = 25) -> list[PlaylistHit]:
        """Ranked by match (the whole name, then its start, then its words), then followers;
        an empty query is the most-followed playlists (where a browse starts)."""
        if not self.available:
            return []
        if not tokens(query):
            return [_hit(r) for r in self.catalogue.conn().execute(self.catalogue.sql["playlists_most_followed"],
                                                                    (limit,))] if not query.strip() else []
        hits = self._by_rowids(self.index.search(query, max(limit * 4, 100)))
        if not hits:  # no sidecar yet: names that start with the query, through the name index
            hits = self._by_name_prefix(query, limit * 4)
        return sorted(hits, key=lambda h: (match_rank(query, h.name), -h.followers, h.rowid))[:limit]

    def _by_name_prefix(self, query: str, limit: int) -> list[PlaylistHit]:
        sql, seen, out = self.catalogue.sql["playlists_by_name_range"], set(), []
        text = query.strip()
        for start in dict.fromkeys((text, text.lower(), text.capitalize(), text.title(), text.upper())):
            for row in self.catalogue.conn().execute(sql, (start, start + "\U0010ffff", limit)):
                if row[0] not in seen and fold(row[2]).startswith(fold(text)):
                    seen.add(row[0])
                    out.append(_hit(row))
        return out

    def header(self, playlist_id: str) -> tuple[PlaylistHit, str | None] | None:
        """The playlist's own row (name, owner, followers, description), or None."""
        if not self.available:
            return None
        row = self.catalogue.conn().execute(self.catalogue.sql["playlist_by_id"], (playlist_id,)).fetchone()
        return None if row is None else (_hit(row), row[6])

    def length(self, playlist_rowid: int) -> int:
        """How many entries (positions are 0-based and dense): one seek to the last."""
        row = self.catalogue.conn().execute(self.catalogue.sql["playlist_length"], (playlist_rowid,)).fetchone()
        return row[0] or 0 if row else 0

    def entries(self, playlist_rowid: int, start: int, n: int) -> list[PlaylistEntry]:
        """Entries from position `start` (the clustered key: one range read), as records."""
        raw = self.catalogue.conn().execute(self.catalogue.sql["playlist_entries"],
                                            (playlist_rowid, start, n)).fetchall()
        tracks = {t.rowid: t for t in self.catalogue.tracks_by_rowids(
            [r[3] for r in raw if r[3] is not None and not r[1] and not r[2]])}
        entries = []
        for position, is_episode, is_local, track_rowid, other_id, local_name in raw:
            if is_local:
                entries.append(PlaylistEntry(position, "local", None, local_name))
            elif is_episode:
                entries.append(PlaylistEntry(position, "episode", None, other_id))
            elif track_rowid is not None and track_rowid in tracks:
                entries.append(PlaylistEntry(position, "track", tracks[track_rowid], None))
            else:
                entries.append(PlaylistEntry(position, "missing", None, other_id))
        return entries

    def open(self, playlist_id: str) -> Playlist | None:
        """The whole playlist (the CLI's `playlist`); a screen reads it page by page instead."""
        found = self.header(playlist_id)
        if found is None:
            return None
        hit, description = found
        entries = self.entries(hit.rowid, 0, MAX_ENTRIES + 1)
        return Playlist(hit, description, tuple(entries[:MAX_ENTRIES]), len(entries) > MAX_ENTRIES)

    def containing(self, track: Track, limit: int = 20) -> list[PlaylistHit]:
        """The most-followed playlists that hold the track (as far as the sidecar is built)."""
        if not self.available:
            return []
        return self._by_rowids(self.index.containing(track.rowid, limit))

    def build_index(self, progress: Progress | None = None, should_stop: Callable[[], bool] = lambda: False) -> dict:
        """Build (or carry on building) the sidecar: `longtail index` and `I` in the TUI."""
        if not self.available:
            return {"playlists": 0, "complete": True}
        signature = self.catalogue.signature(self.catalogue.paths.playlists)
        return self.index.build(self.catalogue.connect(), self.catalogue.sql, signature, progress, should_stop)
