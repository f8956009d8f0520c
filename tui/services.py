"""Resolve which mirror and state directory to use, and open what they hold.

Both the CLI and the TUI go through `open_services`, so they agree on paths and
on errors. Nothing here imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.config import Settings, StatePaths, data_root, default_state_dir
from tui.demo.paths import DemoPaths
from tui.errors import MirrorError
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import MirrorLayout, discover

if TYPE_CHECKING:  # imported where used: the first screen should not wait for them
    from tui.catalogue.search import Searcher
    from tui.catalogue.shuffle import Shuffle, ShuffleFilter
    from tui.catalogue.tiers import Tiers


@dataclass(frozen=True)
class Location:
    mirror: Path
    state: StatePaths
    demo: DemoPaths | None  # set when the mirror is the demo's


def demo_paths(state_option: Path | None) -> DemoPaths:
    return DemoPaths(Path(state_option) if state_option else data_root() / "demo")


def resolve_location(mirror_option: Path | None, state_option: Path | None,
                     settings: Settings, allow_unbuilt_demo: bool = False) -> Location:
    mirror = mirror_option or settings.mirror
    state = state_option or settings.state
    if mirror is not None:
        mirror = Path(mirror).expanduser()
        state_dir = Path(state).expanduser() if state else default_state_dir(mirror)
        return Location(mirror, StatePaths(state_dir), None)
    demo = demo_paths(state)
    if not demo.is_built() and not allow_unbuilt_demo:
        raise MirrorError("no mirror is configured and the demo is not built",
                          "pass --mirror DIR (or set LONGTAIL_MIRROR), or run `longtail demo`")
    return Location(demo.mirror, StatePaths(demo.state), demo)


@dataclass
class Services:
    settings: Settings
    location: Location
    layout: MirrorLayout
    catalogue: Catalogue
    files: FileIndex

    @property
    def state(self) -> StatePaths:
        return self.location.state

    _searcher: "Searcher | None" = None
    fetcher: object | None = None  # a StreamingFetcher once fetching is started
    _service: object | None = None
    _seeder: object | None = None

    @property
    def searcher(self) -> "Searcher":
        from tui.catalogue.search import Searcher

        if self._searcher is None:
            self._searcher = Searcher(self.catalogue, self.state.search_index)
        return self._searcher

    @property
    def tiers(self) -> "Tiers":
        from tui.catalogue.tiers import StatsCache, Tiers

        return Tiers(self.catalogue, StatsCache(self.state.stats), self.files)

    def shuffle(self, flt: "ShuffleFilter", seed: int | None = None, endless: bool = False) -> "Shuffle":
        from tui.catalogue.shuffle import Shuffle

        return Shuffle(self.catalogue, flt, seed, files=self.files, subsets_path=self.state.shuffle_subsets,
                       histogram=self.tiers.cached_histogram(), endless=endless)

    _verdicts: object | None = None

    @property
    def verdicts(self):
        """Last integrity verdicts per track (badges); see tui.mirror.checks."""
        if self._verdicts is None:
            from tui.mirror.checks import VerdictStore

            self._verdicts = VerdictStore(self.state.verdicts)
        return self._verdicts

    def checker(self, decode: bool = False):
        from tui.mirror.checks import Checker

        return Checker(self.catalogue, self.files, decode)

    def quarantine(self, track_id: str) -> Path | None:
        """Move a local file aside into the state directory (never deleted); returns where."""
        import shutil
        import time as _time

        entry = self.files.entry(track_id)
        if entry is None or not entry.path.exists():
            return None
        target = self.state.quarantine / f"{track_id}.{int(_time.time())}.corrupt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(entry.path), str(target))
        self.files.set_local(track_id, entry.torrent_id, False)
        return target

    def start_fetching(self, extra_peers: tuple[str, ...] = (), seed: bool | None = None):
        """The torrent service, once per process; on the demo, with its loopback seeder."""
        if self.fetcher is not None:
            return self.fetcher
        from tui.errors import UsageError
        from tui.mirror.fetch import StreamingFetcher, TorrentService, parse_peer

        try:
            peers = [parse_peer(p) for p in (*self.settings.peers, *extra_peers)]
        except ValueError as exc:
            raise UsageError(f"bad peer: {exc}", "give peers as HOST:PORT") from None
        demo = self.location.demo
        if demo is not None:
            from tui.mirror.seeder import LoopbackSeeder

            self._seeder = LoopbackSeeder(demo.torrents_and_swarm())
            self._seeder.start()
            peers.append(self._seeder.endpoint)

        def ledger_sha256(track_id: str) -> str | None:
            entry = self.catalogue.ledger(track_id)
            return entry.sha256_with_embedded_meta if entry and entry.archived else None

        self._service = TorrentService(
            self.files, self.state.torrent_parts, self.state.quarantine, peers,
            loopback=demo is not None or all(h in ("127.0.0.1", "localhost", "::1") for h, _ in peers) and bool(peers),
            seed=self.settings.seed if seed is None else seed,
            upload_limit_kib=self.settings.upload_limit_kib, seed_ratio=self.settings.seed_ratio,
            ledger_sha256=ledger_sha256)
        self.fetcher = StreamingFetcher(self._service)
        return self.fetcher

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None
            self.fetcher = None
        if self._seeder is not None:
            self._seeder.stop()
            self._seeder = None
        if self._searcher is not None:
            self._searcher.close()
        self.catalogue.close()
        self.files.close()


def open_services(location: Location, settings: Settings, refresh_files: bool = True) -> Services:
    layout = discover(location.mirror)
    layout.require_main()
    catalogue = Catalogue(CataloguePaths.from_databases(layout.databases))
    state = location.state.ensure()
    files = FileIndex(state.file_index)
    if refresh_files:
        # Cheap when nothing changed: one stat per torrent and per data folder.
        files.refresh(layout)
    return Services(settings, location, layout, catalogue, files)
