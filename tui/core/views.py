"""What the faces read: lists by position, records, covers and reports, searches, playlists,
tiers, shuffles and radios (the core's read side; faces import neither the catalogue nor
the mirror).

Screens ask for typed row sources and records here; they never see SQL, tables or
columns. Every method may block on the database: call them off the UI thread (a
row source's `fetch` already runs on the list's loader thread).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.catalogue.lists import AnchoredSource, ReadAhead, RowSource
from tui.catalogue.playable_artists import PlayableArtists, playable_artists
from tui.catalogue.playlists import PlaylistHit
from tui.catalogue.records import Discography, NamedHit, Track, is_track_id
from tui.catalogue.search import Kind, SearchResults
from tui.catalogue.text import match_rank
from tui.core.items import (
    AlbumView,
    DetailsView,
    PlaylistRows,
    PlaylistView,
    QueueRows,
    StreamItems,
    TrackItem,
    TrackItems,
    unplayable_reason,
)
from tui.core.services import Services
from tui.core.streams import ShuffleStream
from tui.errors import UnknownTrack, UsageError, quoted
from tui.files import UnwritableOutput, write_output

if TYPE_CHECKING:
    from tui.catalogue.radio import Radio
    from tui.catalogue.shuffle import Shuffle, ShuffleFilter
    from tui.catalogue.tiers import Progress, TierCoverage
    from tui.mirror.art import Cover

ArtistList = AnchoredSource[NamedHit] | PlayableArtists  # every artist, or those `P` keeps


class Library:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._warm_artists: AnchoredSource[NamedHit] | None = None
        self._warm_tiers: dict[str, tuple[ReadAhead[TrackItem], list[Callable[[], None] | None]]] = {}
        self._tiers_asked: set[str] = set()  # a read ahead serves a tier's first listing only

    def track(self, track_id: str) -> Track | None:
        return self.services.catalogue.track(track_id)

    def require_tracks(self, track_ids: Sequence[str]) -> None:
        """Every id is a track of the catalogue, or one line naming the first that is not."""
        for track_id in track_ids:
            if not is_track_id(track_id):  # checked as an id before the catalogue is asked
                raise UnknownTrack(f"{quoted(track_id, 40)} is not a track id",
                                   "track ids are 22 base62 characters")
            if self.services.catalogue.track(track_id) is None:
                raise UnknownTrack(f"no track with id {quoted(track_id)} in the catalogue",
                                   "track ids are the 22-character base62 Spotify ids")

    def items(self, tracks: Sequence[Track]) -> list[TrackItem]:
        ids = [t.id for t in tracks]
        files = self.services.files.files_of(ids)
        verdicts = self.services.verdicts.get_many(ids)
        return [TrackItem(t, *files[t.id], verdicts.get(t.id)) for t in tracks]

    # -- lists by position ------------------------------------------------------------------

    def artists(self, on_grow: Callable[[], None] | None = None) -> AnchoredSource[NamedHit]:
        source, self._warm_artists = self._warm_artists, None
        if source is None:
            return self.services.catalogue.artists_by_name(self.services.state.anchors("artists"), on_grow)
        source.on_grow = on_grow
        return source

    def warm_artists(self, rows: int, wait: float) -> None:
        """Before the first screen: the artists list with its first rows read ahead (waiting up
        to `wait` seconds for them), handed out by the next `artists()`."""
        self._warm_artists = self.services.catalogue.artists_by_name(self.services.state.anchors("artists"))
        self._warm_artists.warm(rows, wait)

    def playable_artists(self) -> ArtistList:
        """The artists with a local or fetchable track on a release (built once per change of
        the catalogue or the file index: call it off the UI thread)."""
        services = self.services
        signature = f"{services.catalogue.signature()}:{services.files.playable_generation()}"
        return playable_artists(services.catalogue, services.files.playable_track_ids(),
                                services.state.shuffle_subsets, signature)

    def locate_artist(self, source: ArtistList, artist_rowid: int) -> tuple[int | None, str]:
        """The artist's row in the artists list (None if not scanned that far yet), and its name."""
        artist = self.services.catalogue.artist_by_rowid(artist_rowid)
        if artist is None:
            return None, ""
        position = source.position_of((artist.name, artist.rowid), lambda r: r.rowid == artist_rowid)
        return position, artist.name

    def artists_from(self, name: str, limit: int) -> list[NamedHit]:
        """Artists in name order from `name` on (a keyset page: one indexed seek)."""
        return self.services.catalogue.artists_page(name, -1, limit)

    def locate_artist_name(self, source: ArtistList, prefix: str) -> int | None:
        """The first row of the artists list (in its name order) at or after `prefix`; a lower-case
        first letter is read as a capital, as most names are written."""
        if prefix[:1].islower():
            prefix = prefix[:1].upper() + prefix[1:]
        return source.position_of((prefix, -1), lambda r: (r.name, r.rowid) >= (prefix, -1))

    def tier_tracks(self, tier: str, on_grow: Callable[[], None] | None = None) -> RowSource[TrackItem]:
        self._tiers_asked.add(tier)
        if (warm := self._warm_tiers.pop(tier, None)) is not None:
            source, grow = warm
            grow[0] = on_grow
            return source
        return self._tier_items(tier, on_grow)

    def _tier_items(self, tier: str, on_grow: Callable[[], None] | None) -> TrackItems:
        anchors = self.services.state.anchors(f"tier-{tier}")
        return TrackItems(self, self.services.catalogue.tier_tracks(tier, anchors, on_grow))

    def warm_tier(self, tier: str, rows: int) -> None:
        """Off the UI thread, while the app is idle: the tier's first rows read ahead, handed
        out by the next `tier_tracks(tier)`, so the tiers screen does not wait for the disk. Rows
        shown later from them are kept current as any are: by the live state, and a reload once
        the file index has changed."""
        grow: list[Callable[[], None] | None] = [None]  # the on_grow of whoever takes it

        def grew() -> None:
            if (callback := grow[0]) is not None:
                callback()

        source = self._tier_items(tier, grew)
        if not source.complete:  # its anchors are not kept yet: no scan of the tier for a screen not asked for
            source.close()
            return
        first = source.fetch(0, rows)
        if tier in self._tiers_asked:  # listed meanwhile: this one is not needed
            source.close()
            return
        self._warm_tiers[tier] = (ReadAhead(source, first, len(first) < rows), grow)

    def playable_tier_tracks(self, tier: str) -> TrackItems:
        """The tier's tracks that are local or fetchable, most popular first (built once per
        change of the catalogue or the file index: call it off the UI thread)."""
        from tui.catalogue.playable_tiers import playable_tier_tracks

        services = self.services
        signature = f"{services.catalogue.signature()}:{services.files.playable_generation()}"
        return TrackItems(self, playable_tier_tracks(services.catalogue, tier, services.files.playable_track_ids(),
                                                     services.state.shuffle_subsets, signature))

    def stream(self, stream: ShuffleStream) -> StreamItems:
        return StreamItems(self, stream)

    # -- records ------------------------------------------------------------------------------

    def discography(self, artist_rowid: int) -> Discography:
        return self.services.catalogue.discography(artist_rowid)

    def playable_albums(self, disco: Discography) -> set[int]:
        """The albums of a discography with a track that is local or fetchable (one query each)."""
        out = set()
        for _title, albums in disco.groups():
            for album in albums:
                if any(item.playable for item in self.album(album.rowid).items):
                    out.add(album.rowid)
        return out

    def album(self, album_rowid: int) -> AlbumView:
        catalogue = self.services.catalogue
        return AlbumView(catalogue.album_by_rowid(album_rowid),
                         tuple(self.items(catalogue.album_tracks(album_rowid))))

    def album_artist(self, album_rowid: int) -> int | None:
        """The album's first credited artist (to open it in the library), if any."""
        album = self.services.catalogue.album_by_rowid(album_rowid)
        return album.artists[0].rowid if album is not None and album.artists else None

    def queue_rows(self, track_ids: Sequence[str]) -> QueueRows:
        """The queue by position, its tracks looked up a page at a time (50,000 show at once)."""
        return QueueRows(self, tuple(track_ids))

    def queue_minutes(self, track_ids: Sequence[str]) -> int:
        """The queue's length in minutes, summed by SQLite in one statement over the ids as JSON
        (duplicates count each time; call it off the UI thread: ~1 s at 50,000 on a cold disk)."""
        import json

        row = self.services.catalogue.conn().execute(self.services.catalogue.sql["duration_of_ids"],
                                                     (json.dumps(list(track_ids)),)).fetchone()
        return int(row[0] or 0) // 60000

    def details(self, track: Track) -> DetailsView:
        services = self.services
        catalogue = services.catalogue
        details = catalogue.track_details(track)
        entry = services.files.entry(track.id)
        if entry is not None:
            entry = entry.on_disk_now()  # the details say what is there now
        state = entry.state if entry is not None else services.files.missing_state()
        siblings = services.files.states([s.id for s in details.isrc_siblings])
        return DetailsView(details, catalogue.album_by_rowid(track.album.rowid), entry, state,
                           services.verdicts.get(track.id), siblings,
                           entry.damage() if entry is not None and state == "damaged" else None,
                           tuple(services.playlists.containing(track)))

    def cover(self, track: Track) -> Path | None:
        """The album's cover as a file in the state directory: cached, else read from the
        embedded picture of a local file of this track (or of another track of its album),
        else from the archive's cover-art tar when the mirror has it (and it is indexed)."""
        from tui.mirror.art import ArtCache, embedded_cover, image_size

        cache = ArtCache(self.services.state.art)
        if (cached := cache.get(track.album.id)) is not None:
            return cached
        candidates = list(dict.fromkeys(
            [track.id] + [t.id for t in self.services.catalogue.album_tracks(track.album.rowid)]))
        entries = self.services.files.entries(candidates)
        for track_id in candidates:
            entry = entries.get(track_id)
            if entry is None or entry.state != "local":
                continue
            cover = embedded_cover(entry.path)
            if cover is not None and image_size(cover.data) is not None:
                return cache.put(track.album.id, cover)
        cover = self._tar_cover(track)
        return cache.put(track.album.id, cover) if cover is not None else None

    def _tar_cover(self, track: Track) -> Cover | None:
        from tui.mirror.art import Cover, image_mime
        from tui.mirror.coverart import read_member

        tars = self.services.layout.coverart
        album = self.services.catalogue.album_by_rowid(track.album.rowid)
        if not tars or album is None or not album.images:
            return None
        found = self.services.coverart.locate([image.url for image in album.images])
        if found is None:
            return None
        data = read_member(tars[0], *found)
        mime = image_mime(data) if data is not None else None
        return Cover(data, mime) if data is not None and mime is not None else None

    def audio_report(self, track_id: str, spectrogram: Path | None = None) -> dict | None:
        """The decoded audio measured (`check --report`), or None when its file is not here;
        a file that cannot be decoded gets {"error": why}. With `spectrogram`, a PNG too."""
        from tui.mirror.report import UndecodableAudio, decode, measure

        entry = self.services.files.entry(track_id)
        track = self.services.catalogue.track(track_id)
        if entry is None or track is None or not entry.is_present():
            return None
        ledger = self.services.catalogue.ledger(track_id)
        rg = ledger.replaygain if ledger is not None else None
        codec = (ledger.codec if ledger is not None else None) or track.tier
        try:
            samples, rate = decode(entry.path)
        except UndecodableAudio as exc:  # said, never a traceback
            return {"error": str(exc)}
        report = measure(samples, rate, codec, rg.track_gain_db if rg else None)
        if spectrogram is not None:
            from tui.mirror.spectrogram import image

            png = io.BytesIO()
            image(samples, rate, report.cutoff_hz).save(png, "PNG")
            try:
                write_output(spectrogram, png.getvalue())
            except UnwritableOutput as exc:  # the report itself is not lost for it
                return {**report.as_json(), "spectrogram_error": str(exc)}
        return report.as_json()

    def audio_picture(self, track_id: str, width: int, height: int) -> tuple[dict, Any] | None:
        """(report, spectrogram as a PIL image) of a local file, or None (the details screen's)."""
        from tui.mirror.report import UndecodableAudio, decode, measure
        from tui.mirror.spectrogram import image

        entry = self.services.files.entry(track_id)
        if entry is None or entry.state != "local":
            return None
        try:
            samples, rate = decode(entry.path)
        except UndecodableAudio:
            return None  # `c` (check) says why; this is only a picture
        report = measure(samples, rate)
        return report.as_json(), image(samples, rate, report.cutoff_hz, width=width, height=height)

    # -- tiers, shuffles, radio (for faces that must not reach the catalogue themselves) ------

    def tier_histogram(self, progress: Progress | None = None) -> dict[int, int]:
        return self.services.tiers.histogram(progress)

    def tier_coverage(self, progress: Progress | None = None) -> dict[str, TierCoverage]:
        return self.services.tiers.coverage(progress)

    def shuffle(self, flt: ShuffleFilter, seed: int | None = None, endless: bool = False) -> Shuffle:
        """A shuffle over the filter; a filter that no track can pass is one line, said before looking."""
        if why := flt.problem(self.services.catalogue):
            raise UsageError(why, "widen the filter")
        return self.services.shuffle(flt, seed, endless)

    def radio(self, seed: Track, playable: bool = False, progress: Progress | None = None) -> Radio:
        return self.services.radio(seed, playable, progress)

    def file_counts(self) -> dict[str, int]:
        return self.services.files.counts()

    def never_indexed(self) -> bool:
        """A mirror with torrents or data folders whose file index was never built (the first look)."""
        layout = self.services.layout
        return bool(layout.torrents or layout.data_folders) and self.services.files.is_empty()

    def coverart_state(self) -> tuple[bool, bool]:
        """(the mirror has a cover-art tar, its index has members)."""
        has_tar = bool(self.services.layout.coverart)
        return has_tar, has_tar and self.services.coverart.status()["members"] > 0

    @property
    def playlists_available(self) -> bool:
        return self.services.playlists.available

    def playlist_index_status(self) -> dict:
        return self.services.playlists.index.status()

    # -- playlists ------------------------------------------------------------------------------

    def playlist_search(self, query: str, limit: int = 25) -> list[PlaylistHit]:
        return self.services.playlists.search(query, limit)

    def playlist_rows(self, playlist_id: str) -> tuple[PlaylistHit, PlaylistRows] | None:
        """The playlist's header and its entries as a paged source (what a screen lists)."""
        found = self.services.playlists.header(playlist_id)
        if found is None:
            return None
        return found[0], PlaylistRows(self, found[0].rowid)

    def playlist(self, playlist_id: str) -> PlaylistView | None:
        found = self.services.playlists.open(playlist_id)
        if found is None:
            return None
        return PlaylistView(found, self.services.files.files_of([t.id for t in found.tracks]))

    def search(self, query: str, kinds: tuple[Kind, ...], limit: int) -> tuple[SearchResults, list[TrackItem]]:
        results = self.services.searcher.search(query, kinds, limit)
        return results, self.items(results.tracks)

    def album_credits(self, album_rowids: Sequence[int]) -> dict[int, str]:
        """"Artist · year" for a few albums (search results: ≤ 25 indexed lookups)."""
        out: dict[int, str] = {}
        for rowid in album_rowids:
            album = self.services.catalogue.album_by_rowid(rowid)
            if album is not None:
                out[rowid] = " · ".join(p for p in (", ".join(a.name for a in album.artists[:2]), album.year) if p)
        return out

    match_rank = staticmethod(match_rank)  # the search screen orders its sections by their best row's

    def search_index_complete(self) -> bool:
        """Whether the search index is built (searches find tracks only through it)."""
        return self.services.searcher.status().complete

    def interrupt_search(self) -> None:
        self.services.searcher.interrupt()


__all__ = ["AlbumView", "DetailsView", "Library", "PlaylistRows", "PlaylistView", "StreamItems", "TrackItem",
           "TrackItems", "unplayable_reason"]
