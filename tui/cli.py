"""The `longtail` command: the TUI by default, and scriptable subcommands.

Every command accepts --mirror and --state; every `--json` writes one JSON
document to stdout. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from tui import __version__
from tui.config import Settings
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
@click.version_option(__version__, prog_name="longtail")
@click.pass_context
@friendly_errors
def main(ctx: click.Context, ao: str | None) -> None:
    """Browse, play and check a local mirror of the archive's music.

    With no command, opens the TUI (on the demo when no mirror is configured).
    """
    ctx.ensure_object(Context)
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, ao=ao)


def run_tui(context: Context, ao: str | None = None, demo_seeder: bool = False) -> None:
    from tui.app import make_app

    services = context.services(refresh_files=False)
    app = make_app(services, ao=ao)
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
    services = open_services(Location(paths.mirror, _state_paths(paths), paths), obj.settings)
    try:
        if no_ui:
            counts = services.files.counts()
            click.echo(f"{counts['files']} audio files in {counts['torrents']} torrents, "
                       f"{counts['local']} local", err=True)
            return
    finally:
        services.close()
    from tui.mirror.seeder import LoopbackSeeder

    seeder = LoopbackSeeder(paths.torrents_and_swarm())
    port = seeder.start()
    _state_paths(paths).seeder_info.write_text(json.dumps({"host": "127.0.0.1", "port": port}))
    try:
        obj.state = paths.home
        run_tui(obj, ao=ao, demo_seeder=True)
    finally:
        _state_paths(paths).seeder_info.unlink(missing_ok=True)
        seeder.stop()


def _state_paths(paths):
    from tui.config import StatePaths

    return StatePaths(paths.state)


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


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Write a JSON report to stdout.")
@click.pass_obj
@friendly_errors
def index(obj: Context, as_json: bool) -> None:
    """Build or refresh longtail's indexes of the mirror (the file index)."""
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover

    location = obj.location()
    layout = discover(location.mirror)
    state = location.state.ensure()
    files = FileIndex(state.file_index)
    with click.progressbar(length=max(1, len(layout.torrents)), label="torrents",
                           file=sys.stderr, show_pos=True,
                           item_show_func=lambda n: n) as bar:
        def progress(done: int, _total: int, name: str) -> None:
            bar.current_item = name[:40]
            bar.update(done - bar.pos)
        report = files.refresh(layout, progress)
    for err in report.errors:
        click.echo(f"longtail: {err}", err=True)
    doc = {
        "torrents_parsed": report.torrents_parsed, "torrents_unchanged": report.torrents_unchanged,
        "torrents_removed": report.torrents_removed,
        "folders_without_torrent": report.folders_without_torrent,
        "files": report.files_indexed, "local": report.local_files,
        "ignored_names": report.ignored_names, "errors": [str(e) for e in report.errors],
        "seconds": round(report.seconds, 3),
    }
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"{report.files_indexed} files ({report.local_files} local) in "
                   f"{report.torrents_parsed + report.torrents_unchanged} torrents; "
                   f"{report.torrents_parsed} parsed, {report.torrents_unchanged} unchanged, "
                   f"{report.ignored_names} other names ignored; {report.seconds:.2f} s")
    files.close()
    if report.errors:
        sys.exit(1)


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
    if doc["file_entry"]:
        line("path", doc["file_entry"]["path"])
    if doc["isrc_siblings"]:
        line("same isrc", f"{len(doc['isrc_siblings'])} other track(s)")
        for s in doc["isrc_siblings"][:5]:
            line("", f"{s['id']}  {s['name']} — {s['album']} ({s['file']})")
    line("id", doc["id"])


if __name__ == "__main__":  # pragma: no cover
    main()
