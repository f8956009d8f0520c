"""`longtail serve`: the core without the TUI, driven by MPD clients and MPRIS until
SIGTERM or SIGINT (then the queue and position are saved and the torrents closed)."""

from __future__ import annotations

import signal
import threading

import click

from tui.cli.main import Context, common_options, friendly_errors, main, say
from tui.cli.params import AO, PEER
from tui.core.commands import Restore
from tui.core.events import OutputChanged
from tui.errors import LongtailError


@main.command()
@common_options
@click.option("--mpd", "listen", default=None, metavar="HOST:PORT|PATH",
              help="Where MPD clients connect (default: [mpd] listen, else 127.0.0.1:6600).")
@click.option("--password", default=None, help="The password MPD clients must send (default: [mpd] password).")
@click.option("--ao", type=AO, default=None, help="mpv audio output (default: the config's, else mpv's).")
@click.option("--peer", "peers", type=PEER, multiple=True, help="A known peer HOST:PORT for fetching (repeatable).")
@click.option("--no-seed", is_flag=True, help="Do not seed fetched files back.")
@click.pass_obj
@friendly_errors
def serve(obj: Context, listen: str | None, password: str | None, ao: str | None, peers: tuple[str, ...],
          no_seed: bool) -> None:
    """Play headless for MPD clients (mpc, ncmpcpp, rmpc, phones) and MPRIS, until stopped."""
    from tui.mpd.server import MpdFace, loopback
    from tui.mpris import start_mpris

    settings = obj.settings
    listen = listen or settings.mpd.listen
    password = password if password is not None else (settings.mpd.password or None)
    if not loopback(listen) and not password:
        raise LongtailError(f"--mpd {listen} reaches beyond this machine: set a password "
                            "(--password, or [mpd] password in the config)")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    session = obj.session()
    face = mpris = None
    try:
        # listening first: a port in use is said before anything starts; clients are answered
        # once the player is up and the saved queue restored (a client's add is never undone by it)
        face = MpdFace(session, listen, password, ready=False)
        try:
            session.start_fetching(peers, seed=False if no_seed else None)
        except LongtailError as exc:
            say(f"fetching is off ({exc})")
        session.start_player(ao=ao)
        session.send(Restore())
        session.sync(30.0)
        face.set_ready()
        if not session.library.search_index_complete():
            session.start_build_indexes()  # MPD clients search; the TUI asks first (I), a daemon just builds it
            say("building the search index in the background (searches say how far it is until then)")
        mpris = start_mpris(session)
        session.bus.subscribe(lambda e: say(e.fallback) if isinstance(e, OutputChanged) and e.fallback else None,
                              (OutputChanged,), name="serve-output")  # "no sound device: ...", once
        say(f"serving MPD clients on {face.address} (stop with Ctrl-C or SIGTERM)")
        while not stop.wait(0.5):
            pass
        say("stopping: the queue and position are saved")
    finally:
        if face is not None:
            face.stop()
        if mpris is not None:
            mpris.stop()
        session.close()
