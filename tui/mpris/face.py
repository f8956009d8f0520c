"""The MPRIS face: a thread with an asyncio loop, a connection to the session bus, and a
subscription to the core's events. With no session bus (a server, a container) it is
off, with one line in the log."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.core.bus import Subscription
from tui.core.commands import Stop
from tui.core.events import NowPlaying, Seeked
from tui.core.session import Session

if TYPE_CHECKING:
    from dbus_fast.aio import MessageBus

log = logging.getLogger("longtail.mpris")
BUS_NAME = "org.mpris.MediaPlayer2.longtail"
OBJECT_PATH = "/org/mpris/MediaPlayer2"


class MprisFace:
    def __init__(self, session: Session, on_quit: Callable[[], None] | None = None) -> None:
        self.session = session
        self.on_quit = on_quit or (lambda: session.send(Stop()))
        self.loop: asyncio.AbstractEventLoop | None = None  # made by start(), closed by its thread
        self.name: str | None = None  # the bus name we own, once connected
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="longtail-mpris")
        self._subscription: Subscription | None = None
        self._bus: MessageBus | None = None

    def start(self, wait: float = 3.0) -> MprisFace:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            log.info("MPRIS is off: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
            return self
        # made only when there is a bus, and closed when its thread ends: an event loop left to
        # the garbage collector at exit prints a traceback about its self-pipe on stderr
        self.loop = asyncio.new_event_loop()
        self._thread.start()
        self._ready.wait(wait)
        return self

    def _run(self) -> None:
        loop = self.loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._connect())
            except Exception as exc:  # noqa: BLE001 - no bus, a bus that refuses us, or stopped: MPRIS is off
                log.info("MPRIS is off: %s", exc)
                return
            finally:
                self._ready.set()
            if not self._stopping.is_set():  # a stop while it connected: done
                loop.run_forever()
        finally:
            # here, not in stop(): a connection still being made when stop() ran subscribes after it
            if self._subscription is not None:
                self._subscription.close()
            if self._bus is not None:
                self._bus.disconnect()
            loop.close()

    async def _connect(self) -> None:
        from dbus_fast import NameFlag, RequestNameReply
        from dbus_fast.aio import MessageBus

        from tui.mpris.interfaces import PlayerInterface, RootInterface

        bus = await MessageBus().connect()
        player = PlayerInterface(self.session)
        bus.export(OBJECT_PATH, RootInterface(self.on_quit))
        bus.export(OBJECT_PATH, player)
        for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):  # a second longtail: its own name
            if await bus.request_name(name, NameFlag.DO_NOT_QUEUE) == RequestNameReply.PRIMARY_OWNER:
                self.name = name
                break
        self._bus = bus

        loop = asyncio.get_running_loop()
        covers: dict[str, str | None] = {}  # track id -> file:// URL of its cover (looked up once)

        def deliver(event: object) -> None:  # on this face's delivery thread: file lookups are fine here
            if isinstance(event, NowPlaying):
                art = None
                if event.track is not None and self.session.settings.art:
                    if event.track.id not in covers:
                        covers.clear()
                        try:
                            found = self.session.library.cover(event.track)
                        except OSError:
                            found = None
                        covers[event.track.id] = found.resolve().as_uri() if found else None
                    art = covers[event.track.id]
                loop.call_soon_threadsafe(player.update, event, art)
            elif isinstance(event, Seeked):
                loop.call_soon_threadsafe(player.seeked, event.track_id, event.seconds)

        self._subscription = self.session.bus.subscribe(deliver, (NowPlaying, Seeked), name="mpris")
        log.info("MPRIS on the session bus as %s", self.name)

    def stop(self) -> None:
        self._stopping.set()
        loop = self.loop
        if loop is not None and self._thread.is_alive():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:
                pass  # closed in between: its thread has ended
            self._thread.join(timeout=2)


def start_mpris(session: Session, on_quit: Callable[[], None] | None = None, wait: float = 3.0) -> MprisFace:
    """`wait`: how long to wait for the name on the bus (0: connect in the background, as the
    TUI does, whose first screen does not need it)."""
    return MprisFace(session, on_quit).start(wait)
