"""The rows faces list: tracks with their file state (and whether they can play) and last
verdict, and the row sources that read them by position, page by page."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import msgspec

from tui.catalogue.file_states import FileState
from tui.catalogue.lists import RowSource
from tui.catalogue.playlists import Playlist, PlaylistEntry, PlaylistHit
from tui.catalogue.records import Album, Track, TrackDetails
from tui.core.streams import ShuffleStream
from tui.mirror.file_index import FileEntry

if TYPE_CHECKING:
    from tui.core.views import Library


class TrackItem(msgspec.Struct, frozen=True):
    track: Track
    file: FileState
    playable: bool = False  # `can_play`: Enter plays it, `a` may queue it
    verdict: str | None = None  # the last check's: ok | missing | corrupt

    @property
    def why_not_playable(self) -> str:
        return unplayable_reason(self.file)


def unplayable_reason(state: str) -> str:
    """Why a track cannot play, in words (the one wording every face uses)."""
    if state == FileState.DAMAGED:
        return "its file is damaged and no known torrent holds a good copy (`longtail check ID` says more)"
    if state == FileState.INDEXING:
        return "not indexed yet: the file index is still reading the mirror's torrents (try again once it is ready)"
    return "absent: no local file and no known torrent holds it"


class AlbumView(msgspec.Struct, frozen=True):
    album: Album | None
    items: tuple[TrackItem, ...]


class DetailsView(msgspec.Struct, frozen=True):
    details: TrackDetails
    album: Album | None
    entry: FileEntry | None
    file: str
    verdict: str | None
    sibling_files: Mapping[str, str]
    damage: str | None = None  # why a present file is not the archive's
    playlists: tuple[PlaylistHit, ...] = ()  # the most-followed that hold it (as far as indexed)


class PlaylistRows(RowSource["TrackItem | PlaylistEntry"]):
    """A playlist's entries by position, page by page: tracks with their file state; episodes,
    local files and missing tracks as they are. Opening a 10,000-entry playlist reads a page."""

    def __init__(self, library: Library, playlist_rowid: int) -> None:
        self.library = library
        self.playlist_rowid = playlist_rowid
        self._count = library.services.playlists.length(playlist_rowid)

    def count(self) -> int:
        return self._count

    def fetch(self, start: int, n: int) -> list[TrackItem | PlaylistEntry]:
        entries = self.library.services.playlists.entries(self.playlist_rowid, start, n)
        files = self.library.services.files.files_of([e.track.id for e in entries if e.track is not None])
        return [TrackItem(e.track, *files[e.track.id]) if e.track is not None else e for e in entries]


class PlaylistView(msgspec.Struct, frozen=True):
    playlist: Playlist
    track_files: Mapping[str, tuple[FileState, bool]]  # track id -> (state, can play), for the tracks

    @property
    def files(self) -> dict[str, FileState]:
        return {t: state for t, (state, _playable) in self.track_files.items()}

    def items(self) -> list[TrackItem]:
        """The entries that are catalogue tracks, in position order."""
        return [TrackItem(t, *self.track_files.get(t.id, (FileState.ABSENT, False))) for t in self.playlist.tracks]


class TrackItems(RowSource[TrackItem]):
    """Tracks by position, each with its file state and verdict (looked up per page)."""

    def __init__(self, library: Library, tracks: RowSource[Track]) -> None:
        self.library = library
        self.tracks = tracks

    def count(self) -> int:
        return self.tracks.count()

    @property
    def complete(self) -> bool:
        return self.tracks.complete

    def fetch(self, start: int, n: int) -> list[TrackItem]:
        """A page's rows are random reads (a track, its album, artists, file and verdict): read
        cold, one after another, a page of 100 took ~100 ms at 10^7 tracks; as slices read at
        once (SQLite lets go of the GIL while it waits for the disk) about half that. Only over
        a finished listing: one still being scanned may end inside a slice."""
        if n < 2 * SLICE_MIN or not self.tracks.complete:
            return self._items(start, n)
        step = max(SLICE_MIN, -(-n // SLICES))
        parts = _slice_readers().map(lambda s: self._items(s, min(step, start + n - s)), range(start, start + n, step))
        return [item for part in parts for item in part]

    def _items(self, start: int, n: int) -> list[TrackItem]:
        return self.library.items(self.tracks.fetch(start, n))

    def close(self) -> None:
        self.tracks.close()


SLICES = 4  # a page read as this many slices at once
SLICE_MIN = 16
_readers: ThreadPoolExecutor | None = None
_readers_made = threading.Lock()


def _slice_readers() -> ThreadPoolExecutor:
    """Threads that only read (each with its own read-only connections), shared by every list."""
    global _readers
    with _readers_made:
        if _readers is None:
            _readers = ThreadPoolExecutor(SLICES, thread_name_prefix="longtail-page-slice")
        return _readers


class QueueRows(RowSource[tuple[int, TrackItem | None]]):
    """(queue index, item) by position; None for a track the catalogue does not have."""

    def __init__(self, library: Library, track_ids: tuple[str, ...]) -> None:
        self.library = library
        self.track_ids = track_ids

    def count(self) -> int:
        return len(self.track_ids)

    def fetch(self, start: int, n: int) -> list[tuple[int, TrackItem | None]]:
        ids = self.track_ids[start:start + n]
        tracks = self.library.services.catalogue.tracks_by_ids(list(dict.fromkeys(ids)))
        items = {item.track.id: item for item in self.library.items(list(tracks.values()))}
        return [(start + k, items.get(track_id)) for k, track_id in enumerate(ids)]


class StreamItems(RowSource[TrackItem]):
    """The shuffle stream as a list that grows as it is scrolled."""

    def __init__(self, library: Library, stream: ShuffleStream) -> None:
        self.library = library
        self.stream = stream

    def count(self) -> int:
        return self.stream.count()

    @property
    def complete(self) -> bool:
        return self.stream.exhausted

    def fetch(self, start: int, n: int) -> list[TrackItem]:
        return self.library.items(self.stream.tracks(start, n))


