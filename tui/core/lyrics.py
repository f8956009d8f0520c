"""Lyrics as the faces ask for them: a track's, from its file, its `.lrc`, or the mirror's
LRCLIB dump through the sidecar index (`longtail index` builds it; a dump not indexed yet
is indexed at the first lookup when it is small, else said)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from tui.core.services import Services
from tui.errors import LongtailError, quoted
from tui.mirror.lyrics import LrclibDump, Lyrics, LyricsIndex, from_file

__all__ = ["Lyrics", "LyricsService"]

INDEX_AT_LOOKUP = 200_000  # rows: a dump this small is indexed when first asked, in about a second


class LyricsService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.Lock()  # the dump and index connections: one lookup at a time
        self._dump: LrclibDump | None = None
        self._index: LyricsIndex | None = None

    @property
    def dump_path(self) -> Path | None:
        dumps = self.services.layout.lyrics_dumps
        return dumps[-1] if dumps else None  # the newest by name (the dumps are dated)

    def close(self) -> None:
        with self._lock:
            for thing in (self._dump, self._index):
                if thing is not None:
                    thing.close()
            self._dump = self._index = None

    def _open(self) -> tuple[LrclibDump, LyricsIndex] | None:
        if self.dump_path is None:
            return None
        if self._dump is None:
            self._dump = LrclibDump(self.dump_path)
        if self._index is None:
            self._index = LyricsIndex(self.services.state.lyrics_index)
        return self._dump, self._index

    def build(self, progress: Callable[[int], None] | None = None) -> dict | None:
        with self._lock:
            opened = self._open()
            if opened is None:
                return None
            dump, index = opened
            added = index.build(dump, progress)
            return {"dump": dump.path.name, "tracks_added": added}

    def lyrics(self, track_id: str) -> Lyrics:
        track = self.services.catalogue.track(track_id)
        if track is None:
            raise LongtailError(f"no track with id {quoted(track_id)}", "check the id")
        entry = self.services.files.entry(track_id)
        if entry is not None and entry.is_present() and (found := from_file(entry.path)):
            return found
        with self._lock:
            opened = self._open()
            if opened is None:
                return Lyrics("none")
            dump, index = opened
            if not index.complete(dump.path):
                if dump.conn.execute("SELECT count(*) FROM (SELECT 1 FROM tracks LIMIT ?)",
                                     (INDEX_AT_LOOKUP + 1,)).fetchone()[0] > INDEX_AT_LOOKUP:
                    raise LongtailError(f"{dump.path.name} is not indexed yet", "run `longtail index`")
                index.build(dump)
            for lrclib_id in index.match(track.name, track.artist_names, track.album.name,
                                         track.duration_ms / 1000):
                if (found := dump.lyrics_of(lrclib_id)) is not None:
                    return found
        return Lyrics("none")
