"""Looking after a mirror from the command line: demo, unpack, index, check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.cli.main import Context, check_tui_config, common_options, friendly_errors, main, run_tui
from tui.cli.output import ProgressPrinter, RateBar, emit_json, print_report
from tui.cli.params import AO, PEER, SECONDS, SEED, TRACK_ID, path_option, say
from tui.config import StatePaths
from tui.core.events import CheckProgress, FetchProgress, IndexProgress, Notice, SweepProgress
from tui.core.services import Location, demo_paths
from tui.core.session import Session
from tui.errors import LongtailError, UsageError


@main.command()
@common_options
@click.option("--rebuild", is_flag=True, help="Throw away the demo and build it again.")
@click.option("--no-ui", is_flag=True, help="Only build the demo; do not start the seeder or the TUI.")
@click.option("--ao", type=AO, default=None, help="mpv audio output for the TUI.")
@click.option("--scrobble-sink", is_flag=True,
              help="Scrobble to loopback stand-ins for ListenBrainz and Last.fm and show what they receive.")
@click.pass_obj
@friendly_errors
def demo(obj: Context, rebuild: bool, no_ui: bool, ao: str | None, scrobble_sink: bool = False) -> None:
    """Build the demo mirror (once), start its loopback seeder and open the TUI on it."""
    from tui.core.demos import build_demo

    if obj.mirror is not None:
        raise UsageError("`longtail demo` builds its own mirror; --mirror does not apply",
                         "drop --mirror (use --state DIR to choose where the demo goes)")
    if scrobble_sink and no_ui:
        raise UsageError("--scrobble-sink shows listens arriving in the TUI; --no-ui has none",
                         "drop --no-ui (or --scrobble-sink)")
    paths = demo_paths(obj.state)
    if not no_ui:
        check_tui_config(obj.settings)  # a minute of building, then a bad keymap, would be unkind
    if rebuild or not paths.is_built():
        click.echo(f"Building the demo mirror in {paths.home} ...", err=True)
        bars: dict[str, RateBar] = {}

        def progress(label: str, done: int, total: int) -> None:
            bars.setdefault(label, RateBar(f"  {label}", "items")).update(done, total)
            if done >= total:
                bars[label].close()

        try:
            build_demo(paths, progress=progress)
        except OSError as exc:
            raise LongtailError(f"cannot build the demo in {paths.home} ({exc.strerror or exc})",
                                "free some space or pass --state DIR on another disk") from None
        click.echo(f"Demo ready: {paths.mirror}", err=True)
    session = Session.open(Location(paths.mirror, StatePaths(paths.state), paths), obj.settings)
    try:
        if no_ui:
            counts = session.library.file_counts()
            click.echo(f"{counts['files']} audio files in {counts['torrents']} torrents, "
                       f"{counts['local']} local", err=True)
            return
    finally:
        session.close()
    obj.state = paths.home
    if not scrobble_sink:
        run_tui(obj, ao=ao)  # the demo's loopback seeder runs inside, as its "swarm"
        return
    from tui.core.demos import scrobble_sink as sink_for

    with sink_for(paths, obj.settings) as sink:
        click.echo(f"Scrobbling to the demo's sink (ListenBrainz and Last.fm on 127.0.0.1; Last.fm takes only "
                   f"tracks over 30 s, longer than the demo's); "
                   f"what it receives shows in the TUI and goes to {sink.log_path}", err=True)
        obj.use_settings(sink.settings)

        def show_arrivals(session: Session) -> None:
            sink.say = lambda text: session.publish(Notice(text))

        run_tui(obj, ao=ao, on_session=show_arrivals)


@main.command()
@common_options
@click.pass_obj
@friendly_errors
def unpack(obj: Context) -> None:
    """Decompress the mirror's .sqlite3.zst databases beside themselves (resumable)."""
    from tui.core.unpacking import compressed_databases, unpack_database

    location = obj.location()
    compressed, unpacked = compressed_databases(location.mirror)
    if not compressed:
        click.echo(f"Nothing to unpack: {', '.join(unpacked) or 'no databases'}.", err=True)
        return
    for name, zst in compressed.items():
        bar = RateBar(name, "bytes")
        out = unpack_database(zst, bar.update)
        bar.close()
        click.echo(f"Unpacked {out}", err=True)


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Write a JSON report to stdout.")
@click.option("--files-only", is_flag=True, help="Refresh the file index only, not the search index.")
@click.pass_obj
@friendly_errors
def index(obj: Context, as_json: bool, files_only: bool) -> None:
    """Build or refresh longtail's indexes: the file index, the search index, the playlists'.

    The search index indexes popular tracks first, then artists and albums, then the
    long tail; it can be interrupted at any point and carries on where it stopped.
    """
    session = obj.session(refresh_files=False)
    progress = ProgressPrinter(session, (IndexProgress,))
    try:
        report = session.build_indexes(files_only=files_only)
    finally:
        progress.close()
        session.close()
    for err in report.errors:
        say(str(err))
    if as_json:
        emit_json(report.as_json())
    else:
        f = report.files
        moved = f"{f['torrents_moved']} moved or renamed (their rows kept), " if f["torrents_moved"] else ""
        click.echo(f"{f['files']} files ({f['local']} local) in {f['torrents']} torrents; "
                   f"{f['torrents_parsed']} parsed, {f['torrents_unchanged']} unchanged, {moved}"
                   f"{f['folders_rescanned']} data folders looked at again, "
                   f"{f['ignored_names']} other names ignored; {f['seconds']:.2f} s", err=True)
        s = report.search
        if s is not None:
            click.echo(f"search index: {s['tracks']:,} tracks, {s['artists']:,} artists, "
                       f"{s['albums']:,} albums ({'complete' if s['complete'] else s['phase']})", err=True)
        if (p := report.playlists) is not None:
            click.echo(f"playlist index: {p['playlists']:,} playlists "
                       f"({'complete' if p['complete'] else 'carries on next time'})", err=True)
        if (r := report.radio) is not None:
            click.echo(f"radio index: {r['tracks']:,} tracks with audio features", err=True)
        if (c := report.covers) is not None:
            click.echo(f"cover-art index: {c['members']:,} covers "
                       f"({'complete' if c['complete'] else 'the tar is not all there yet: carries on next time'})",
                       err=True)
    if report.errors:
        sys.exit(1)


@main.command()
@common_options
@click.argument("track_ids", nargs=-1, type=TRACK_ID)
@click.option("--sample", "sample", type=click.IntRange(1, 100_000_000), default=20, show_default=True,
              help="With no ids: how many local files to check, drawn uniformly at random.")
@click.option("--seed", type=SEED, default=None, help="Reproduce a sample.")
@click.option("--tier", type=click.Choice(["vorbis", "opus"]), help="Sample only this tier.")
@click.option("--all", "sweep_all", is_flag=True,
              help="Sweep the whole mirror: every file of every data folder, over every core (resumable).")
@click.option("--decode", is_flag=True, help="Also decode every frame through libmpv.")
@click.option("--repair", is_flag=True, help="Move corrupt files aside (into the state dir) and fetch them again.")
@click.option("--peer", "peers", type=PEER, multiple=True, help="A known peer HOST:PORT for --repair (repeatable).")
@click.option("--timeout", type=SECONDS, default=120.0, show_default=True,
              help="With --repair: seconds to wait for each file's fetch.")
@click.option("--report", is_flag=True,
              help="Also measure the decoded audio: cutoff, peaks, clipping, loudness, silence, suspicions.")
@path_option("--spectrogram", default=None,
             help="With --report and one track: write its spectrogram (PNG) here.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def check(obj: Context, track_ids: tuple[str, ...], sample: int, seed: int | None, tier: str | None,
          sweep_all: bool, decode: bool, repair: bool, peers: tuple[str, ...], timeout: float,
          report: bool, spectrogram: Path | None, as_json: bool) -> None:
    """Check files against the ledger, the torrents and the Ogg format. Exit 1 if any is corrupt.

    With no ids, checks a uniformly random sample of the files on disk (right size or not).
    """
    from tui.core.checking import CheckRequest

    if sweep_all:
        if track_ids or repair:
            raise UsageError("--all checks every file; it takes no track ids and no --repair",
                             "run `longtail check --all`, then `longtail check --repair ID...` on what it finds")
        _sweep(obj, decode, as_json)
        return
    if spectrogram is not None and (len(track_ids) != 1 or not report):
        raise UsageError("--spectrogram draws one track's: give one track id and --report",
                         "longtail check ID --report --spectrogram FILE.png")
    if spectrogram is not None:
        from tui.files import check_output

        check_output(spectrogram)  # before the decode: a typo in the folder costs no work
    session = obj.session()
    progress = ProgressPrinter(session, (CheckProgress, FetchProgress, Notice))
    try:
        session.library.require_tracks(track_ids)
        if repair:
            session.start_fetching(peers)
        request = CheckRequest(tuple(track_ids), sample, seed, tier, decode, repair, timeout)
        results = session.check(request)
        reports = {r.track_id: session.library.audio_report(r.track_id, spectrogram)
                   or {"error": f"not measured: the file is {r.verdict} (its problems are listed)"}
                   for r in results if report and r.path}
    finally:
        progress.close()
        session.close()
    summary = {k: sum(1 for r in results if r.verdict == k) for k in ("ok", "missing", "corrupt")}
    if as_json:
        docs = [r.as_json() for r in results]
        for doc in docs:
            if doc["id"] in reports:
                doc["report"] = reports[doc["id"]]
        emit_json({"checked": len(results), "summary": summary, "results": docs})
    else:
        for track_id, found in reports.items():
            print_report(track_id, found)
        for r in results:
            if r.verdict != "ok":
                codes = ", ".join(f"{p.code} ({p.detail})" for p in r.problems)
                said = " · ".join(part for part in (codes, "; ".join(r.notes)) if part)  # what a repair did, too
                click.echo(f"{r.verdict:<8} {r.track_id}  {said}")
        click.echo(f"{len(results)} checked: {summary['ok']} ok, {summary['missing']} missing, "
                   f"{summary['corrupt']} corrupt", err=True)
    unwritten = [found["spectrogram_error"] for found in reports.values() if "spectrogram_error" in found]
    for error in unwritten:
        say(error)
    sys.exit(1 if summary["corrupt"] or unwritten else 0)


def _sweep(obj: Context, decode: bool, as_json: bool) -> None:
    session = obj.session()
    progress = ProgressPrinter(session, (SweepProgress, Notice))
    try:
        report = session.sweep(decode)
    finally:
        progress.close()
        session.close()
    summary = report.head_json()["summary"]
    if as_json:
        for text in report.json_text():  # streamed: a damaged mirror's report has millions of rows
            sys.stdout.write(text)
        sys.stdout.write("\n")
    else:
        for row in report.findings():
            codes = ", ".join(row.codes)
            click.echo(f"{row.verdict:<8} {row.track_id or '-':<22}  {row.path}  {codes}")
        rate = report.summary.get("bytes", 0) / 1e6 / max(report.seconds, 1e-6)
        click.echo(f"{report.checked:,} files checked{' (resumed)' if report.resumed else ''}: "
                   f"{summary['ok']:,} ok, {summary['missing']:,} missing, {summary['corrupt']:,} corrupt, "
                   f"{summary['stray']:,} stray; {rate:,.0f} MB/s", err=True)
    sys.exit(1 if summary["corrupt"] else 0)


@main.command("config")
@click.option("--json", "as_json", is_flag=True)
@click.option("--example", is_flag=True, help="Print an example config with every key documented.")
def config_command(as_json: bool, example: bool) -> None:
    """Check the config file: every problem, one line each (exit 1 when there is any)."""
    from tui.config import config_problems

    if example:
        from tui.assets import EXAMPLE_CONFIG

        click.echo(EXAMPLE_CONFIG.read_text(encoding="utf-8"), nl=False)
        return

    path, config, problems = config_problems()
    if config is not None:  # and what only the TUI can judge: its bindings and themes
        from tui.ui.keys import tui_config_problems

        problems += tui_config_problems(config)
    if as_json:
        emit_json({"path": str(path), "exists": path.is_file(), "problems": problems})
    elif not path.exists():
        click.echo(f"{path}: no config file (every setting has its default)")
    else:
        for problem in problems:
            click.echo(f"{path}: {problem}")
        if not problems:
            click.echo(f"{path}: no problems")
    sys.exit(1 if problems else 0)
