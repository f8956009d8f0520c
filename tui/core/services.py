"""Resolve which mirror and state directory to use, and open what they hold.

Every face goes through `resolve_location` and `open_services`, so they agree on
paths and on errors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.config import Settings, StatePaths, data_root, default_state_dir
from tui.core.state_heal import heal_state
from tui.demo.paths import DemoPaths
from tui.errors import LongtailError, MirrorError
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import MirrorLayout, discover

if TYPE_CHECKING:  # imported where used: the first screen should not wait for them
    from tui.catalogue.playlists import Playlists
    from tui.catalogue.radio import Radio, RadioIndex
    from tui.catalogue.records import Track
    from tui.catalogue.search import Searcher
    from tui.catalogue.shuffle import Shuffle, ShuffleFilter
    from tui.catalogue.tiers import Tiers
    from tui.mirror.coverart import CoverArtIndex
    from tui.mirror.verdicts import VerdictStore


class Location(msgspec.Struct, frozen=True):
    mirror: Path
    state: StatePaths
    demo: DemoPaths | None  # set when the mirror is the demo's


def demo_paths(state_option: Path | None) -> DemoPaths:
    return DemoPaths(Path(state_option) if state_option else data_root() / "demo")


def resolve_location(mirror_option: Path | None, state_option: Path | None,
                     settings: Settings, allow_unbuilt_demo: bool = False) -> Location:
    mirror = mirror_option or settings.mirror_dir
    state = state_option or settings.state_dir
    if mirror is not None:
        mirror = Path(mirror).expanduser()
        state_dir = Path(state).expanduser() if state else default_state_dir(mirror)
        return Location(mirror, StatePaths(state_dir), None)
    demo = demo_paths(state)
    if not demo.is_built() and not allow_unbuilt_demo:
        raise MirrorError("no mirror is configured and the demo is not built",
                          "pass --mirror DIR (or set LONGTAIL_MIRROR), or run `longtail demo`")
    return Location(demo.mirror, StatePaths(demo.state), demo)


class Services:
    """What a session reads: the catalogue, the file index, and what is built on them.

    Everything here is safe to use from any thread (per-thread connections); the
    searcher, the tiers and the verdict store are opened when first used.
    """

    def __init__(self, settings: Settings, location: Location, layout: MirrorLayout,
                 catalogue: Catalogue, files: FileIndex) -> None:
        self.settings = settings
        self.location = location
        self.layout = layout
        self.catalogue = catalogue
        self.files = files
        self._searcher: Searcher | None = None
        self._playlists: Playlists | None = None
        self._verdicts: VerdictStore | None = None
        self._coverart: CoverArtIndex | None = None
        self._lock = threading.Lock()
        self._radio_lock = threading.Lock()  # one build of the radio sidecar at a time
        self.healed: list[str] = []  # state files found damaged and set aside at open (said once)

    @property
    def state(self) -> StatePaths:
        return self.location.state

    @property
    def searcher(self) -> Searcher:
        from tui.catalogue.search import Searcher

        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher(self.catalogue, self.state.search_index)
            return self._searcher

    @property
    def playlists(self) -> Playlists:
        from tui.catalogue.playlist_index import PlaylistIndex
        from tui.catalogue.playlists import Playlists

        with self._lock:  # one, so that its read connections are kept between lookups
            if self._playlists is None:
                self._playlists = Playlists(self.catalogue, PlaylistIndex(self.state.playlist_index))
            return self._playlists

    def radio_index(self, progress: Callable[[str, int, int], None] | None = None,
                    should_stop: Callable[[], bool] = lambda: False) -> RadioIndex:
        """Radio's vector sidecar, built first when it is missing or the features database
        changed (20 s at 10^7 tracks: off the UI thread); one build at a time, whoever asks."""
        from tui.catalogue.radio import RadioIndex

        path = self.catalogue.paths.features
        if path is None:
            raise LongtailError("this mirror has no audio features (spotify_clean_audio_features.sqlite3)",
                                "radio needs them: download and unpack the audio features database")
        index = RadioIndex(self.state.radio_vectors)
        signature = self.catalogue.signature(path)
        with self._radio_lock:
            if not index.ready(signature):
                index.build(self.catalogue, signature, progress, should_stop)
        return index

    def radio(self, seed: Track, playable: bool = False,
              progress: Callable[[str, int, int], None] | None = None) -> Radio:
        """Tracks near `seed` in audio-feature space."""
        from tui.catalogue.radio import Radio

        return Radio(self.catalogue, self.radio_index(progress), seed, self.files, playable)

    @property
    def tiers(self) -> Tiers:
        from tui.catalogue.tiers import StatsCache, Tiers

        return Tiers(self.catalogue, StatsCache(self.state.stats), self.files)

    def shuffle(self, flt: ShuffleFilter, seed: int | None = None, endless: bool = False) -> Shuffle:
        from tui.catalogue.shuffle import Shuffle

        return Shuffle(self.catalogue, flt, seed, files=self.files, subsets_path=self.state.shuffle_subsets,
                       histogram=self.tiers.cached_histogram(), endless=endless)

    @property
    def coverart(self) -> CoverArtIndex:
        """Where the covers of the mirror's cover-art tar sit in it (empty until indexed)."""
        from tui.mirror.coverart import CoverArtIndex

        with self._lock:  # one, so that its read connections are kept between lookups
            if self._coverart is None:
                self._coverart = CoverArtIndex(self.state.coverart_index)
            return self._coverart

    @property
    def verdicts(self) -> VerdictStore:
        """The last integrity verdict per track (badges, `info`)."""
        from tui.mirror.verdicts import VerdictStore

        with self._lock:
            if self._verdicts is None:
                self._verdicts = VerdictStore(self.state.verdicts)
            return self._verdicts

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._playlists is not None:
            self._playlists.index.close()
        if self._verdicts is not None:
            self._verdicts.close()
        if self._coverart is not None:
            self._coverart.close()
        self.catalogue.close()
        self.files.close()


def open_services(location: Location, settings: Settings, refresh_files: bool = True) -> Services:
    layout = discover(location.mirror)
    layout.require_main()
    catalogue = Catalogue(CataloguePaths.from_databases(layout.databases))
    state = location.state.ensure()
    healed = heal_state(state)  # before anything opens them: a FIFO would hang, garbage would raise
    files = FileIndex(state.file_index)
    if refresh_files:
        # Cheap when nothing changed: one stat per torrent and per data folder.
        files.refresh(layout, tier_of=tier_lookup(catalogue))
    services = Services(settings, location, layout, catalogue, files)
    services.healed = healed
    return services


class CatalogueTiers:
    """Track ids -> 1 (popularity > 0, the Vorbis tier) or 0, for the file index's counts.
    Picklable: the index's worker processes each open the catalogue themselves."""

    def __init__(self, paths: CataloguePaths) -> None:
        self.paths = paths
        self._catalogue: Catalogue | None = None

    def __getstate__(self) -> dict:
        return {"paths": self.paths, "_catalogue": None}

    def __call__(self, track_ids: list[str]) -> dict[str, int]:
        if self._catalogue is None:
            self._catalogue = Catalogue(self.paths)
        return {t: int(p > 0) for t, p in self._catalogue.popularity_by_ids(track_ids).items()}


def tier_lookup(catalogue: Catalogue) -> CatalogueTiers:
    return CatalogueTiers(catalogue.paths)
