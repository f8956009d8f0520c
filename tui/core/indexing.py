"""Index builds: the file index, the popularity histogram, the search index, then the
playlists' sidecar (names, and which playlists hold each track), radio's vectors, and where
each cover of the cover-art tar sits in it.

`longtail index` runs them with one process per core; the TUI's `I` runs the
search index shard after shard in a background thread. Either way progress
reaches the bus as `IndexProgress`, and a build can be stopped at any point and
carries on where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.core.events import IndexProgress, Notice
from tui.core.services import Services, tier_lookup
from tui.errors import LongtailError


@dataclass
class IndexReport:
    files: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    search: dict | None = None
    playlists: dict | None = None
    radio: dict | None = None
    covers: dict | None = None
    lyrics: dict | None = None

    def as_json(self) -> dict:
        doc = dict(self.files)
        doc["errors"] = list(self.errors)
        if self.search is not None:
            doc["search_index"] = self.search
        if self.playlists is not None:
            doc["playlist_index"] = self.playlists
        if self.radio is not None:
            doc["radio_index"] = self.radio
        if self.covers is not None:
            doc["coverart_index"] = self.covers
        if self.lyrics is not None:
            doc["lyrics_index"] = self.lyrics
        return doc


def refresh_files(services: Services, publish: Callable[[object], None],
                  should_stop: Callable[[], bool] = lambda: False) -> IndexReport:
    report = services.files.refresh(
        services.layout, lambda done, total, _name: publish(IndexProgress("torrents", done, total)),
        tier_lookup(services.catalogue), should_stop)
    out = IndexReport(files={
        "torrents_parsed": report.torrents_parsed, "torrents_unchanged": report.torrents_unchanged,
        "torrents_moved": report.torrents_moved, "torrents": report.torrents_seen,
        "torrents_removed": report.torrents_removed, "folders_rescanned": report.folders_rescanned,
        "folders_without_torrent": report.folders_without_torrent,
        "files": report.files_indexed, "local": report.local_files, "ignored_names": report.ignored_names,
        "seconds": round(report.seconds, 3)})
    out.errors = [str(e) for e in report.errors]
    return out


def build_search(services: Services, publish: Callable[[object], None], inline: bool = False,
                 should_stop: Callable[[], bool] = lambda: False) -> dict:
    """The histogram (counted once, cached), then the search index; returns its status."""
    from tui.catalogue.search_index import SearchIndexBuilder

    histogram = services.tiers.histogram(lambda label, done, total: publish(IndexProgress(label, done, total)))
    started = time.perf_counter()
    status = SearchIndexBuilder(services.catalogue, services.state.search_index).build(
        lambda label, done, total: publish(IndexProgress(label, done, total)), histogram,
        should_stop=should_stop, inline=inline)
    return {"phase": status.phase, "tracks": status.tracks, "artists": status.artists,
            "albums": status.albums, "complete": status.complete,
            "seconds": round(time.perf_counter() - started, 2)}


def build_playlists(services: Services, publish: Callable[[object], None],
                    should_stop: Callable[[], bool] = lambda: False) -> dict | None:
    """Playlist names and track → playlists (most-followed first), when there are playlists."""
    playlists = services.playlists
    if not playlists.available:
        return None
    started = time.perf_counter()
    status = playlists.build_index(lambda label, done, total: publish(IndexProgress(label, done, total)),
                                   should_stop)
    return {**status, "seconds": round(time.perf_counter() - started, 2)}


def build_radio(services: Services, publish: Callable[[object], None],
                should_stop: Callable[[], bool] = lambda: False) -> dict | None:
    """Radio's vector sidecar (when the mirror has audio features and it is not current)."""
    if services.catalogue.paths.features is None:
        return None
    started = time.perf_counter()
    index = services.radio_index(lambda label, done, total: publish(IndexProgress(label, done, total)), should_stop)
    return {"tracks": (index.meta() or {}).get("tracks", 0), "seconds": round(time.perf_counter() - started, 2)}


def build_covers(services: Services, publish: Callable[[object], None],
                 should_stop: Callable[[], bool] = lambda: False) -> dict | None:
    """Where each cover of the cover-art tar sits (when the mirror has the tar)."""
    if not services.layout.coverart:
        return None
    started = time.perf_counter()
    status = services.coverart.build(services.layout.coverart[0],
                                     lambda label, done, total: publish(IndexProgress(label, done, total)),
                                     should_stop)
    return {**status, "seconds": round(time.perf_counter() - started, 2)}


def build_lyrics(services: Services, publish: Callable[[object], None]) -> dict | None:
    """The LRCLIB dump's names, normalised, in the sidecar (when the mirror has a dump)."""
    from tui.core.lyrics import LyricsService

    service = LyricsService(services)
    try:
        started = time.perf_counter()
        status = service.build(lambda done: publish(IndexProgress("lyrics", done, 0)))
    finally:
        service.close()
    return None if status is None else {**status, "seconds": round(time.perf_counter() - started, 2)}


def build_all(services: Services, publish: Callable[[object], None], files_only: bool = False,
              inline: bool = False, should_stop: Callable[[], bool] = lambda: False) -> IndexReport:
    report = refresh_files(services, publish, should_stop)
    if not files_only:
        try:
            report.search = build_search(services, publish, inline, should_stop)
            report.playlists = build_playlists(services, publish, should_stop)
            report.radio = build_radio(services, publish, should_stop)
        except LongtailError as exc:
            publish(IndexProgress("failed", 0, 0, finished=True, error=str(exc)))
            raise
        try:  # covers and lyrics are extra: a tar still downloading (or not a tar) is said, the rest stands
            report.covers = build_covers(services, publish, should_stop)
            report.lyrics = build_lyrics(services, publish)
        except LongtailError as exc:
            report.errors.append(str(exc))
            publish(Notice(str(exc), "warning"))
    done = report.search["tracks"] if report.search else report.files.get("files", 0)
    publish(IndexProgress("files-done" if files_only else "done", done, done, finished=True))
    return report
