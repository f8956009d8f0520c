"""`longtail demo` for the faces: build the demo mirror (a miniature of the archive), and its
scrobble sink (loopback ListenBrainz and Last.fm that show a listener their listens arriving)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from tui.config import Settings
from tui.config.schema import LastfmSettings, ListenBrainzSettings, Scrobble
from tui.demo.build import build_demo as _build
from tui.demo.paths import DemoPaths
from tui.demo.scrobble_sink import LastfmServer, ListenBrainzServer, ScrobbleSink
from tui.errors import LongtailError

SINK_LOG = "scrobble-sink.jsonl"


def build_demo(paths: DemoPaths, progress: Callable[[str, int, int], None] | None = None) -> DemoPaths:
    return _build(paths, progress=progress)


class DemoSink:
    """The running sink: `settings` send to it; `say` is where its one-line arrivals go (a
    face sets it once it can show them; until then they are only logged)."""

    def __init__(self, sink: ScrobbleSink, settings: Settings, log_path: Path) -> None:
        self._sink, self.settings, self.log_path = sink, settings, log_path

    @property
    def say(self) -> Callable[[str], None]:
        return self._sink.say

    @say.setter
    def say(self, say: Callable[[str], None]) -> None:
        self._sink.say = say


@contextmanager
def scrobble_sink(paths: DemoPaths, settings: Settings) -> Iterator[DemoSink]:
    """The demo's scrobble sink for the length of the block. The settings it yields replace the
    config's services (and lend the sink's Last.fm session) for this run only: nothing of it is
    kept in the state directory."""
    log_path = paths.home / SINK_LOG
    try:  # never through a link, never blocking on a FIFO
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        raise LongtailError(f"cannot write the scrobble sink's log {log_path} ({exc.strerror or exc})",
                            "remove what is there (it must be a regular file) and try again") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LongtailError(f"the scrobble sink's log {log_path} is not a regular file", "remove it and try again")
    log = os.fdopen(fd, "a", encoding="utf-8")
    sink = ScrobbleSink(log)
    sink_settings = msgspec.structs.replace(settings, scrobble=Scrobble(
        listenbrainz=ListenBrainzSettings(token=ListenBrainzServer.TOKEN, url=sink.listenbrainz.url),
        lastfm=LastfmSettings(api_key=LastfmServer.API_KEY, api_secret=LastfmServer.SECRET,
                              url=sink.lastfm.api_root)), lastfm_session=LastfmServer.SESSION)
    try:
        yield DemoSink(sink, sink_settings, log_path)
    finally:
        sink.close()
        log.close()
