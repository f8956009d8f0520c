"""Playing and fetching from the command line: `play` and `fetch`."""

from __future__ import annotations

import sys

import click

from tui.cli.main import Context, common_options, friendly_errors, main, run_tui
from tui.cli.output import ProgressPrinter, emit_json, emit_line
from tui.cli.params import AO, PEER, SECONDS, TRACK_ID
from tui.core.commands import Play
from tui.core.events import (
    Ended,
    FetchProgress,
    NowPlaying,
    OutputChanged,
    Position,
    QueueEdited,
    QueueFinished,
    Started,
)
from tui.core.types import clock


@main.command()
@common_options
@click.argument("track_ids", nargs=-1, required=True, type=TRACK_ID)
@click.option("--peer", "peers", type=PEER, multiple=True, help="A known peer HOST:PORT for fetching (repeatable).")
@click.option("--ao", type=AO, default=None,
              help="mpv audio output (e.g. null, pulse, alsa; default: the config's, else mpv's).")
@click.option("--no-ui", is_flag=True, help="Play headless, printing progress; exit when the queue ends.")
@click.option("--no-seed", is_flag=True, help="Do not seed fetched files back.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line: buffering, started, position, ended.")
@click.pass_obj
@friendly_errors
def play(obj: Context, track_ids: tuple[str, ...], peers: tuple[str, ...], ao: str | None, no_ui: bool,
         no_seed: bool, as_json: bool) -> None:
    """Play tracks by id: local files directly, missing ones streamed from the swarm."""
    if not (no_ui or as_json):
        run_tui(obj, ao=ao, play_ids=list(track_ids), peers=peers, seed=False if no_seed else None)
        return
    from tui.mpris import start_mpris

    session = obj.session()
    events = session.bus.queue((Started, Position, Ended, QueueFinished, NowPlaying, OutputChanged, QueueEdited))
    errors: list[str] = []
    printer = PlayPrinter(as_json)
    mpris = None
    try:
        session.library.require_tracks(track_ids)
        session.start_fetching(peers, seed=False if no_seed else None)
        session.ask_swarm_early(track_ids[0])  # the first track's pieces travel while mpv starts
        session.start_player(ao=ao, remember=False)
        mpris = start_mpris(session)
        session.send(Play(track_ids))
        while True:
            event = events.get(0.5)
            if isinstance(event, QueueFinished):
                break
            if isinstance(event, QueueEdited):
                for track_id, why in event.left_out:  # never queued: said, and the exit code says it
                    errors.append(track_id)
                    printer.left_out(track_id, why)
                if event.refused:
                    break
            if isinstance(event, Ended) and event.reason == "error":
                errors.append(event.track_id)
            printer(event)
    finally:
        if mpris is not None:
            mpris.stop()
        session.close()
    if printer.clock_shown:
        click.echo("", err=True)  # end the running clock's line
    sys.exit(1 if errors else 0)


class PlayPrinter:
    """`play --json`: one object per line; without --json, a title line and a running clock."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.title_pending: Started | None = None
        self.said_title: str | None = None  # not said again when a new output replays the track
        self.clock_shown = False
        self.said_buffering: str | None = None

    def left_out(self, track_id: str, why: str) -> None:
        if self.as_json:
            emit_line({"event": "left_out", "id": track_id, "message": why})
        else:
            click.echo(f"\rlongtail: {track_id} cannot play: {why}", err=True)

    def _buffering(self, now: NowPlaying) -> None:
        """What a streamed track waits for before it starts: the bytes of the pieces playback
        needs, the peers, an ETA (README: "buffering 5.1 of 16.0 MiB from 6 peers, ~1.2 s")."""
        fetch = now.fetch
        if now.state != "loading" or fetch is None or not fetch.active or fetch.line == self.said_buffering:
            return
        self.said_buffering = fetch.line
        if self.as_json:
            emit_line({"event": "buffering", "id": fetch.track_id, "state": fetch.state, "need_bytes": fetch.need_bytes,
                       "need_done": fetch.need_done, "peers": fetch.peers,
                       "eta": None if fetch.eta is None else round(fetch.eta, 1), "line": fetch.line})
        else:
            click.echo(f"\r  {fetch.line}   ", nl=False, err=True)
            self.clock_shown = True

    def __call__(self, event: object) -> None:
        if isinstance(event, OutputChanged):
            if event.fallback:
                click.echo(f"\rlongtail: {event.fallback}", err=True)
                self.title_pending = None
                if self.as_json:
                    emit_line({"event": "output", "output": event.output, "note": event.fallback})
        elif isinstance(event, Started):
            if self.as_json:
                doc = {"event": "started", "id": event.track_id, "codec": event.codec,
                       "source": event.kind, "duration": event.duration, "kbps": event.kbps,
                       "kbps_average": event.kbps_average}
                if event.note:
                    doc["note"] = event.note
                if event.via:
                    doc["via"] = event.via
                emit_line(doc)
            elif event.track_id != self.said_title:
                self.title_pending = event  # printed with the track's name, from NowPlaying
                if event.note:
                    click.echo(f"\rlongtail: {event.note}", err=True)
        elif isinstance(event, NowPlaying):
            self._buffering(event)
            started = self.title_pending
            if started is not None and event.track is not None and event.track_id == started.track_id:
                t = event.track
                click.echo(f"\r▶ {t.name} — {', '.join(t.artist_names)} [{started.codec}, {started.kind}]",
                           err=True)
                self.title_pending, self.said_title = None, t.id
        elif isinstance(event, Position):
            self.said_buffering = None
            if self.as_json:
                emit_line({"event": "position", "id": event.track_id, "seconds": round(event.seconds, 3)})
            else:
                total = f" / {clock(event.duration)}" if event.duration else ""
                click.echo(f"\r  {clock(event.seconds)}{total}   ", nl=False, err=True)
                self.clock_shown = True
        elif isinstance(event, Ended):
            self.said_title = None
            if self.as_json:
                doc = {"event": "ended", "id": event.track_id, "reason": event.reason,
                       "played_seconds": event.played_seconds}
                if event.message:
                    doc["message"] = event.message
                emit_line(doc)
            if event.reason == "error":  # on stderr too, --json or not: scripts watch it
                click.echo(f"\rlongtail: {event.track_id}: {event.message}", err=True)


@main.command()
@common_options
@click.argument("track_ids", nargs=-1, required=True, type=TRACK_ID)
@click.option("--peer", "peers", type=PEER, multiple=True, help="A known peer HOST:PORT (repeatable).")
@click.option("--timeout", type=SECONDS, default=120.0, show_default=True, help="Seconds to wait per track.")
@click.option("--no-seed", is_flag=True, help="Do not seed the files back afterwards.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def fetch(obj: Context, track_ids: tuple[str, ...], peers: tuple[str, ...], timeout: float, no_seed: bool,
          as_json: bool) -> None:
    """Fetch missing tracks' files (only their pieces) from the swarm, and verify them."""
    session = obj.session()
    progress = None if as_json else ProgressPrinter(session, (FetchProgress,))
    try:
        session.library.require_tracks(track_ids)
        session.start_fetching(peers, seed=False if no_seed else None)
        reports = session.fetch(list(track_ids), timeout)
    finally:
        if progress is not None:
            progress.close()
        session.close()
    if as_json:
        emit_json({"tracks": [r.as_json() for r in reports]})
    else:
        for r in reports:
            click.echo(f"{r.id}: {r.note or ('fetched and verified' if r.ok else r.error)}", err=True)
    sys.exit(0 if reports and all(r.ok for r in reports) else 1)
