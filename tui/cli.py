"""The `longtail` command: the TUI by default, and scriptable subcommands.

Every command accepts --mirror and --state; every `--json` writes one JSON
document to stdout. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from tui import __version__
from tui.config import Settings, StatePaths
from tui.errors import LongtailError, UnknownTrack, UsageError
from tui.services import Location, Services, demo_paths, open_services, resolve_location


class Context:
    def __init__(self) -> None:
        self.mirror: Path | None = None
        self.state: Path | None = None
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.load()
        return self._settings

    def location(self, allow_unbuilt_demo: bool = False) -> Location:
        return resolve_location(self.mirror, self.state, self.settings, allow_unbuilt_demo)

    def services(self, refresh_files: bool = True) -> Services:
        return open_services(self.location(), self.settings, refresh_files)


def _set_mirror(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Context).mirror = value


def _set_state(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Context).state = value


def common_options(fn: Callable) -> Callable:
    """--mirror/--state on the group *and* on each subcommand, wherever users put them."""
    fn = click.option("--state", type=click.Path(file_okay=False, path_type=Path),
                      callback=_set_state, expose_value=False, is_eager=True,
                      help="longtail's own state directory (default: per mirror, in the user data dir).")(fn)
    fn = click.option("--mirror", type=click.Path(path_type=Path), callback=_set_mirror,
                      expose_value=False, is_eager=True, envvar="LONGTAIL_MIRROR",
                      help="Root of the archive mirror (env LONGTAIL_MIRROR, or `mirror =` in the config).")(fn)
    return fn


def friendly_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LongtailError as exc:
            click.echo(f"longtail: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("longtail: interrupted", err=True)
            sys.exit(130)
    return wrapper


def emit_json(doc: object) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.option("--ao", default=None, help="mpv audio output for the TUI (e.g. null, pulse, alsa).")
@click.option("--peer", "peers", multiple=True, help="A known peer HOST:PORT for fetching (repeatable).")
@click.option("--no-seed", is_flag=True, help="Do not seed fetched files back.")
@click.version_option(__version__, prog_name="longtail")
@click.pass_context
@friendly_errors
def main(ctx: click.Context, ao: str | None, peers: tuple[str, ...], no_seed: bool) -> None:
    """Browse, play and check a local mirror of the archive's music.

    With no command, opens the TUI (on the demo when no mirror is configured).
    """
    ctx.ensure_object(Context)
    if ctx.invoked_subcommand is None:
        obj: Context = ctx.obj
        if obj.mirror is None and obj.settings.mirror is None and not demo_paths(
                obj.state or obj.settings.state).is_built():
            ctx.invoke(demo, rebuild=False, no_ui=False, ao=ao)  # no mirror yet: the demo
            return
        run_tui(obj, ao=ao, peers=peers, seed=False if no_seed else None)


def run_tui(context: Context, ao: str | None = None, play_ids: list[str] | None = None,
            peers: tuple[str, ...] = (), seed: bool | None = None) -> None:
    from tui.app import make_app

    services = context.services(refresh_files=False)
    try:
        services.start_fetching(peers, seed)
    except Exception as exc:  # noqa: BLE001 - browsing and local playback work without it
        click.echo(f"longtail: fetching is off ({exc})", err=True)
    app = make_app(services, ao=ao, play_ids=play_ids)
    try:
        app.run()
    finally:
        services.close()


@main.command()
@common_options
@click.option("--rebuild", is_flag=True, help="Throw away the demo and build it again.")
@click.option("--no-ui", is_flag=True, help="Only build the demo; do not start the seeder or the TUI.")
@click.option("--ao", default=None, help="mpv audio output for the TUI.")
@click.pass_obj
@friendly_errors
def demo(obj: Context, rebuild: bool, no_ui: bool, ao: str | None) -> None:
    """Build the demo mirror (once), start its loopback seeder and open the TUI on it."""
    from tui.demo.build import build_demo

    if obj.mirror is not None:
        raise UsageError("`longtail demo` builds its own mirror; --mirror does not apply",
                         "drop --mirror (use --state DIR to choose where the demo goes)")
    paths = demo_paths(obj.state)
    if rebuild or not paths.is_built():
        click.echo(f"Building the demo mirror in {paths.home} ...", err=True)
        bars: dict[str, object] = {}

        def progress(label: str, done: int, total: int) -> None:
            bar = bars.get(label)
            if bar is None:
                bar = click.progressbar(length=max(total, 1), label=f"  {label:<10}",
                                        file=sys.stderr, show_pos=True)
                bar.__enter__()
                bars[label] = bar
            bar.update(done - bar.pos)
            if done >= total:
                bar.render_finish()

        try:
            build_demo(paths, progress=progress)
        except OSError as exc:
            raise LongtailError(f"cannot build the demo in {paths.home} ({exc.strerror or exc})",
                                "free some space or pass --state DIR on another disk") from None
        click.echo(f"Demo ready: {paths.mirror}", err=True)
    services = open_services(Location(paths.mirror, StatePaths(paths.state), paths), obj.settings)
    try:
        if no_ui:
            counts = services.files.counts()
            click.echo(f"{counts['files']} audio files in {counts['torrents']} torrents, "
                       f"{counts['local']} local", err=True)
            return
    finally:
        services.close()
    obj.state = paths.home
    run_tui(obj, ao=ao)  # the demo's loopback seeder runs inside, as its "swarm"


@main.command()
@common_options
@click.pass_obj
@friendly_errors
def unpack(obj: Context) -> None:
    """Decompress the mirror's .sqlite3.zst databases beside themselves (resumable)."""
    from tui.mirror.layout import discover
    from tui.mirror.unpack import unpack as unpack_one

    location = obj.location()
    layout = discover(location.mirror)
    if not layout.compressed_only:
        found = ", ".join(sorted(layout.databases)) or "no databases"
        click.echo(f"Nothing to unpack: {found}.", err=True)
        return
    for name, zst in sorted(layout.compressed_only.items()):
        size = zst.stat().st_size
        with click.progressbar(length=size, label=f"{name}", file=sys.stderr,
                               show_percent=True, show_eta=True) as bar:
            def progress(done: int, _total: int, bar=bar) -> None:
                bar.update(done - bar.pos)
            out = unpack_one(zst, progress)
        click.echo(f"Unpacked {out}", err=True)


class RateBar:
    """A click progress bar whose label shows the rate; click adds the ETA."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.bar = None
        self.started = time.perf_counter()
        self.first = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=f"{self.label:<15}", file=sys.stderr,
                                         show_eta=True, show_percent=True,
                                         item_show_func=lambda x: x)
            self.bar.__enter__()
            self.first = done
            self.started = time.perf_counter()
        self.bar.length = max(total, done, 1)
        rate = (done - self.first) / max(1e-6, time.perf_counter() - self.started)
        self.bar.current_item = f"{rate:,.0f} {self.unit}/s"
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Write a JSON report to stdout.")
@click.option("--files-only", is_flag=True, help="Refresh the file index only, not the search index.")
@click.pass_obj
@friendly_errors
def index(obj: Context, as_json: bool, files_only: bool) -> None:
    """Build or refresh longtail's indexes: the file index, then the search index.

    The search index indexes popular tracks first, then artists and albums, then the
    long tail; it can be interrupted at any point and carries on where it stopped.
    """
    from tui.catalogue.search_index import SearchIndexBuilder
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover

    location = obj.location()
    layout = discover(location.mirror)
    state = location.state.ensure()
    files = FileIndex(state.file_index)
    bar = RateBar("torrents", "torrents")
    report = files.refresh(layout, lambda done, total, _name: bar.update(done, total))
    bar.close()
    for err in report.errors:
        click.echo(f"longtail: {err}", err=True)
    doc: dict = {
        "torrents_parsed": report.torrents_parsed, "torrents_unchanged": report.torrents_unchanged,
        "torrents_removed": report.torrents_removed,
        "folders_without_torrent": report.folders_without_torrent,
        "files": report.files_indexed, "local": report.local_files,
        "ignored_names": report.ignored_names, "errors": [str(e) for e in report.errors],
        "seconds": round(report.seconds, 3),
    }
    if not as_json:
        click.echo(f"{report.files_indexed} files ({report.local_files} local) in "
                   f"{report.torrents_parsed + report.torrents_unchanged} torrents; "
                   f"{report.torrents_parsed} parsed, {report.torrents_unchanged} unchanged, "
                   f"{report.ignored_names} other names ignored; {report.seconds:.2f} s", err=True)
    files.close()
    if not files_only:
        services = obj.services(refresh_files=False)
        try:
            hist_bar = RateBar("histogram", "tracks")
            histogram = services.tiers.histogram(lambda _l, d, t: hist_bar.update(d, t))
            hist_bar.close()
            bars: dict[str, RateBar] = {}

            def progress(label: str, done: int, total: int) -> None:
                for other, b in list(bars.items()):
                    if other != label:
                        b.close()
                        del bars[other]
                bars.setdefault(label, RateBar(label, "rows")).update(done, total)

            started = time.perf_counter()
            status = SearchIndexBuilder(services.catalogue, state.search_index).build(progress, histogram)
            for b in bars.values():
                b.close()
            seconds = time.perf_counter() - started
            doc["search_index"] = {"phase": status.phase, "tracks": status.tracks,
                                   "artists": status.artists, "albums": status.albums,
                                   "complete": status.complete, "seconds": round(seconds, 2)}
            if not as_json:
                click.echo(f"search index: {status.tracks:,} tracks, {status.artists:,} artists, "
                           f"{status.albums:,} albums ({'complete' if status.complete else status.phase})",
                           err=True)
        finally:
            services.close()
    if as_json:
        emit_json(doc)
    if report.errors:
        sys.exit(1)


def track_docs(services: Services, tracks) -> list[dict]:
    from tui.jsonout import track_json

    states = services.files.states([t.id for t in tracks])
    return [track_json(t, states[t.id]) for t in tracks]


def print_tracks(services: Services, tracks) -> None:
    states = services.files.states([t.id for t in tracks])
    for t in tracks:
        minutes, seconds = divmod(t.duration_ms // 1000, 60)
        click.echo(f"{t.id}  {t.popularity:>3}  {t.tier:<6} {states[t.id]:<9} {minutes:>2}:{seconds:02d}  "
                   f"{t.name or '(no title)'} — {', '.join(t.artist_names)} — {t.album.name}")


@main.command()
@common_options
@click.argument("query")
@click.option("--kind", type=click.Choice(["track", "artist", "album"]), default="track", show_default=True)
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def search(obj: Context, query: str, kind: str, limit: int, as_json: bool) -> None:
    """Search tracks, artists or albums (accent-insensitive, word prefixes)."""
    services = obj.services()
    try:
        results = services.searcher.search(query, (kind,), limit)
        if results.note:
            click.echo(f"note: {results.note}", err=True)
        if kind == "track":
            docs = track_docs(services, results.tracks)
        else:
            docs = [{"id": h.id, "name": h.name, "popularity": h.popularity}
                    for h in results.by_kind(kind)]
        if as_json:
            emit_json({"query": query, "kind": kind, "results": docs})
        elif kind == "track":
            print_tracks(services, results.tracks)
        else:
            for d in docs:
                click.echo(f"{d['id']}  {d['popularity']:>3}  {d['name']}")
    finally:
        services.close()


@main.command()
@common_options
@click.option("-n", "count", type=click.IntRange(1), default=20, show_default=True, help="How many tracks.")
@click.option("--seed", type=int, default=None, help="Reproduce a shuffle (printed with --json).")
@click.option("--tier", type=click.Choice(["vorbis", "opus"]))
@click.option("--min-popularity", type=click.IntRange(0, 100))
@click.option("--max-popularity", type=click.IntRange(0, 100))
@click.option("--playable", is_flag=True, help="Only tracks that are local or fetchable.")
@click.option("--genre", default=None, help="Only tracks by artists with this genre.")
@click.option("--year", type=int, default=None, help="Only tracks released in this year.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def shuffle(obj: Context, count: int, seed: int | None, tier: str | None, min_popularity: int | None,
            max_popularity: int | None, playable: bool, genre: str | None, year: int | None,
            as_json: bool) -> None:
    """A true shuffle: uniform over the catalogue (or the filtered part), no repeats."""
    from tui.catalogue.shuffle import ShuffleFilter

    services = obj.services()
    try:
        flt = ShuffleFilter(tier, min_popularity, max_popularity, playable, genre, year)
        sh = services.shuffle(flt, seed)
        tracks = sh.take(count)
        if as_json:
            emit_json({"seed": sh.seed, "filter": flt.describe(), "tracks": track_docs(services, tracks)})
        else:
            click.echo(f"seed {sh.seed}; {flt.describe()}", err=True)
            print_tracks(services, tracks)
    finally:
        services.close()


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def tiers(obj: Context, as_json: bool) -> None:
    """The popularity histogram and, per tier, how much is archived, local, fetchable, absent."""
    from tui.catalogue.tiers import TIER_LABELS

    services = obj.services()
    try:
        bar = RateBar("counting", "rows")
        coverage = services.tiers.coverage(lambda _l, d, t: bar.update(d, t))
        bar.close()
        histogram = services.tiers.histogram()
        if as_json:
            emit_json({"histogram": {str(k): histogram.get(k, 0) for k in range(0, 101)},
                       "tiers": {k: v.as_json() for k, v in coverage.items()}})
            return
        total = sum(histogram.values()) or 1
        for name, tier in coverage.items():
            archived = "n/a" if tier.archived is None else f"{tier.archived:,}"
            click.echo(f"{name:<7} {TIER_LABELS[name]}")
            click.echo(f"        {tier.tracks:,} tracks ({tier.tracks / total:.1%}); archived {archived}; "
                       f"local {tier.local:,}; fetchable {tier.fetchable:,}; absent {tier.absent:,}")
        peak = max(histogram.values()) or 1
        click.echo("popularity histogram (log scale)")
        import math
        for level in range(0, 101, 5):
            n = sum(histogram.get(k, 0) for k in range(level, min(level + 5, 101)))
            width = int(40 * math.log10(n + 1) / math.log10(peak + 1)) if n else 0
            click.echo(f"  {level:>3}-{min(level + 4, 100):<3} {'█' * width} {n:,}")
    finally:
        services.close()


@main.command()
@common_options
@click.argument("track_ids", nargs=-1, required=True)
@click.option("--peer", "peers", multiple=True, help="A known peer HOST:PORT for fetching (repeatable).")
@click.option("--ao", default=None, help="mpv audio output (e.g. null, pulse, alsa; default: the config's, else mpv's).")
@click.option("--no-ui", is_flag=True, help="Play headless, printing progress; exit when the queue ends.")
@click.option("--no-seed", is_flag=True, help="Do not seed fetched files back.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line: started, position, ended.")
@click.pass_obj
@friendly_errors
def play(obj: Context, track_ids: tuple[str, ...], peers: tuple[str, ...], ao: str | None, no_ui: bool,
         no_seed: bool, as_json: bool) -> None:
    """Play tracks by id: local files directly, missing ones streamed from the swarm."""
    if not (no_ui or as_json):
        run_tui(obj, ao=ao, play_ids=list(track_ids), peers=peers, seed=False if no_seed else None)
        return
    import threading

    from tui.player.player import Ended, Player, Position, QueueFinished, Started
    from tui.player.sources import MirrorSources

    services = obj.services()
    finished = threading.Event()
    errors: list[str] = []

    def on_event(event) -> None:
        if isinstance(event, Started):
            if as_json:
                emit_line({"event": "started", "id": event.track_id, "codec": event.codec,
                           "source": event.kind, "duration": event.duration})
            else:
                track = services.catalogue.track(event.track_id)
                title = f"{track.name} — {', '.join(track.artist_names)}" if track else event.track_id
                click.echo(f"\r▶ {title} [{event.codec}, {event.kind}]", err=True)
        elif isinstance(event, Position):
            if as_json:
                emit_line({"event": "position", "id": event.track_id, "seconds": round(event.seconds, 3)})
            else:
                total = f" / {_clock(event.duration)}" if event.duration else ""
                click.echo(f"\r  {_clock(event.seconds)}{total}   ", nl=False, err=True)
        elif isinstance(event, Ended):
            if event.reason == "error":
                errors.append(event.track_id)
            if as_json:
                doc = {"event": "ended", "id": event.track_id, "reason": event.reason,
                       "played_seconds": event.played_seconds}
                if event.message:
                    doc["message"] = event.message
                emit_line(doc)
            elif event.reason == "error":
                click.echo(f"\rlongtail: {event.track_id}: {event.message}", err=True)
        elif isinstance(event, QueueFinished):
            finished.set()

    fetcher = services.start_fetching(peers, seed=False if no_seed else None)
    player = Player(MirrorSources(services, fetcher), ao=ao or obj.settings.ao,
                    replaygain=obj.settings.replaygain, preamp=obj.settings.replaygain_preamp)
    player.subscribe(on_event)
    try:
        player.play(list(track_ids))
        while not finished.wait(0.2):
            pass
    finally:
        player.close()
        services.close()
    if not as_json:
        click.echo("", err=True)
    sys.exit(1 if errors else 0)


def emit_line(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _clock(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@main.command()
@common_options
@click.argument("track_ids", nargs=-1, required=True)
@click.option("--peer", "peers", multiple=True, help="A known peer HOST:PORT (repeatable).")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds to wait per track.")
@click.option("--no-seed", is_flag=True, help="Do not seed the files back afterwards.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def fetch(obj: Context, track_ids: tuple[str, ...], peers: tuple[str, ...], timeout: float, no_seed: bool,
          as_json: bool) -> None:
    """Fetch missing tracks' files (only their pieces) from the swarm, and verify them."""
    services = obj.services()
    results = []
    try:
        fetcher = services.start_fetching(peers, seed=False if no_seed else None)
        service = fetcher.service
        for track_id in track_ids:
            results.append(_fetch_one(services, service, track_id, timeout, as_json))
    finally:
        services.close()
    if as_json:
        emit_json({"tracks": results})
    sys.exit(0 if results and all(r["ok"] for r in results) else 1)


def _fetch_one(services: Services, service, track_id: str, timeout: float, as_json: bool) -> dict:
    from tui.mirror.fetch import FetchError

    doc = {"id": track_id, "ok": False, "bytes_downloaded": 0, "first_piece_ms": None, "complete_ms": None,
           "verified": False, "path": None, "error": None}
    entry = services.files.entry(track_id)
    if services.catalogue.track(track_id) is None and entry is None:
        doc["error"] = "no such track in the catalogue"
    elif entry is None or not entry.info_hash:
        doc["error"] = "absent: no known torrent holds this track's file"
    elif entry.local and entry.is_present():
        doc.update(ok=True, verified=False, path=str(entry.path), error=None)
        doc["note"] = "already local"
    if doc["error"] or doc.get("note"):
        if not as_json:
            click.echo(f"{track_id}: {doc['error'] or doc['note']}", err=True)
        return doc
    doc["path"] = str(entry.path)
    before = service.downloaded_bytes()
    try:
        status = service.request(entry)
    except FetchError as exc:
        doc["error"] = str(exc)
        return doc
    bar = None if as_json else click.progressbar(length=max(1, entry.size), label=track_id, file=sys.stderr,
                                                 item_show_func=lambda s: s, show_eta=False)
    if bar is not None:
        bar.__enter__()
    deadline = time.monotonic() + timeout
    while status.state not in ("done", "failed", "cancelled") and time.monotonic() < deadline:
        service.wait(track_id, 0.25)
        status = service.file_status(track_id)
        if bar is not None:
            bar.current_item = (f"{status.rate / 1e6:5.1f} MB/s {status.peers} peers "
                                f"{status.pieces_done}/{status.pieces_total} pieces {status.state}")
            bar.update(status.bytes_done - bar.pos)
    if bar is not None:
        bar.render_finish()
    doc["bytes_downloaded"] = service.downloaded_bytes() - before
    doc["first_piece_ms"] = None if status.first_piece_ms is None else round(status.first_piece_ms, 1)
    doc["complete_ms"] = None if status.complete_ms is None else round(status.complete_ms, 1)
    doc["verified"] = status.verified
    doc["ok"] = status.state == "done" and status.verified
    if status.state not in ("done", "failed"):
        doc["error"] = (f"timed out after {timeout:.0f} s ({status.line()})")
        service.cancel(track_id)
    elif status.state == "failed":
        doc["error"] = status.message
    if not as_json:
        click.echo(f"{track_id}: {'fetched and verified' if doc['ok'] else doc['error']}", err=True)
    return doc


@main.command()
@common_options
@click.argument("track_ids", nargs=-1)
@click.option("--sample", "sample", type=click.IntRange(1), default=20, show_default=True,
              help="With no ids: how many local files to check, drawn uniformly at random.")
@click.option("--seed", type=int, default=None, help="Reproduce a sample.")
@click.option("--tier", type=click.Choice(["vorbis", "opus"]), help="Sample only this tier.")
@click.option("--decode", is_flag=True, help="Also decode every frame through libmpv.")
@click.option("--repair", is_flag=True, help="Move corrupt files aside (into the state dir) and fetch them again.")
@click.option("--peer", "peers", multiple=True, help="A known peer HOST:PORT for --repair (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def check(obj: Context, track_ids: tuple[str, ...], sample: int, seed: int | None, tier: str | None,
          decode: bool, repair: bool, peers: tuple[str, ...], as_json: bool) -> None:
    """Check files against the ledger, the torrents and the Ogg format. Exit 1 if any is corrupt.

    With no ids, checks a uniformly random sample of the local files.
    """
    from tui.catalogue.shuffle import ShuffleFilter

    services = obj.services()
    try:
        ids = list(track_ids)
        if not ids:
            sh = services.shuffle(ShuffleFilter(tier=tier, local_only=True), seed)
            ids = [t.id for t in sh.take(sample)]
            if not as_json:
                click.echo(f"checking {len(ids)} local files drawn at random (seed {sh.seed})", err=True)
        checker = services.checker(decode)
        results = []
        with click.progressbar(ids, label="checking", file=sys.stderr, show_pos=True,
                               item_show_func=lambda i: i or "") as bar:
            for track_id in bar:
                results.append(checker.check(track_id))
        if repair:
            results = [_repair(services, r, peers, checker) if r.verdict == "corrupt" else r for r in results]
        services.verdicts.save(results)
    finally:
        services.close()
    summary = {k: sum(1 for r in results if r.verdict == k) for k in ("ok", "missing", "corrupt")}
    if as_json:
        emit_json({"checked": len(results), "summary": summary, "results": [r.as_json() for r in results]})
    else:
        for r in results:
            if r.verdict != "ok":
                codes = ", ".join(f"{p.code} ({p.detail})" for p in r.problems) or "; ".join(r.notes)
                click.echo(f"{r.verdict:<8} {r.track_id}  {codes}")
        click.echo(f"{len(results)} checked: {summary['ok']} ok, {summary['missing']} missing, "
                   f"{summary['corrupt']} corrupt", err=True)
    sys.exit(1 if summary["corrupt"] else 0)


def _repair(services: Services, result, peers: tuple[str, ...], checker):
    """Move the corrupt file aside (never deleted) and fetch it again from the swarm."""
    moved = services.quarantine(result.track_id)
    if moved is not None:
        result.notes.append(f"moved aside to {moved}")
    try:
        service = services.start_fetching(peers).service
        entry = services.files.entry(result.track_id)
        if entry is None or not entry.info_hash:
            result.notes.append("no torrent to fetch it again from")
            return result
        service.request(entry)
        status = service.wait(result.track_id, 120)
    except Exception as exc:  # noqa: BLE001 - a failed repair is reported, the check stands
        result.notes.append(f"repair failed: {exc}")
        return result
    if status is None or status.state != "done":
        result.notes.append(f"repair failed: {status.line() if status else 'no status'}")
        return result
    fresh = checker.check(result.track_id)
    fresh.notes.insert(0, f"repaired: the corrupt copy was moved to {moved}")
    return fresh


@main.command()
@common_options
@click.argument("track_id")
@click.option("--json", "as_json", is_flag=True, help="Write the track as JSON to stdout.")
@click.pass_obj
@friendly_errors
def info(obj: Context, track_id: str, as_json: bool) -> None:
    """Everything known about one track: credits, features, ledger, file."""
    from tui.jsonout import details_json

    services = obj.services()
    try:
        track = services.catalogue.track(track_id)
        if track is None:
            raise UnknownTrack(f"no track with id {track_id!r} in the catalogue",
                               "track ids are the 22-character base62 Spotify ids")
        details = services.catalogue.track_details(track)
        entry = services.files.entry(track.id)
        state = "absent"
        if entry is not None:
            state = "local" if entry.is_present() else ("fetchable" if entry.info_hash else "absent")
        siblings = services.files.states([s.id for s in details.isrc_siblings])
        album = services.catalogue.album_by_rowid(track.album.rowid)
        doc = details_json(details, state, entry, siblings, album)
        doc["verdict"] = services.verdicts.get(track.id)  # the last `longtail check`, or null
    finally:
        services.close()
    if as_json:
        emit_json(doc)
        return
    print_details(doc)


def print_details(doc: dict) -> None:
    def line(label: str, value: object) -> None:
        if value not in (None, "", []):
            click.echo(f"{label:>14}  {value}")

    minutes, seconds = divmod(doc["duration_ms"] // 1000, 60)
    line("track", doc["name"] or "(no title)")
    line("artists", ", ".join(doc["artists"]))
    line("album", f"{doc['album'] or '(no title)'} ({doc['release_date'][:4]}, {doc['album_type']})")
    line("number", f"disc {doc['disc_number']}, track {doc['track_number']}")
    line("duration", f"{minutes}:{seconds:02d}")
    line("popularity", f"{doc['popularity']}  tier {doc['tier']}")
    line("isrc", doc["isrc"])
    line("genres", ", ".join(doc["genres"]))
    f = doc["audio_features"]
    if f:
        line("features", f"{f['tempo']:.0f} BPM, {f['key_name'] or 'no key'}, energy {f['energy']}, "
                         f"danceability {f['danceability']}")
    led = doc["ledger"]
    if led:
        rg = led["replaygain"]
        line("ledger", f"{led['status']}" + (f", {led['codec']}" if led["codec"] else ""))
        if rg:
            line("replaygain", f"track {rg['track_gain_db']:+.2f} dB, album {rg['album_gain_db']:+.2f} dB")
    line("file", doc["file"])
    line("integrity", doc.get("verdict") or "not checked (longtail check ID)")
    if doc["file_entry"]:
        line("path", doc["file_entry"]["path"])
    if doc["isrc_siblings"]:
        line("same isrc", f"{len(doc['isrc_siblings'])} other track(s)")
        for s in doc["isrc_siblings"][:5]:
            line("", f"{s['id']}  {s['name']} — {s['album']} ({s['file']})")
    line("id", doc["id"])


if __name__ == "__main__":  # pragma: no cover
    main()
