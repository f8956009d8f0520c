"""What the MPD face's tests share: the real session on the demo, served on a free port,
and a python-mpd2 client connected to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import mpd
import pytest
from test_ordering import FAST_MPV

from tui.config import Settings, StatePaths
from tui.core.commands import Restore
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.demo.paths import DemoPaths
from tui.mpd.server import MpdFace


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(small_demo: DemoPaths, tmp_path) -> Iterator[tuple[Session, MpdFace]]:
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    session = Session(services)
    session.build_indexes(inline=True)  # what `serve` starts in the background
    face = MpdFace(session, f"127.0.0.1:{free_port()}")
    session.start_player(ao="null", engine_options=FAST_MPV, remember=False)
    session.send(Restore())
    yield session, face
    face.stop()
    session.close()


def client(face: MpdFace) -> mpd.MPDClient:
    c = mpd.MPDClient()
    c.timeout = 10
    host, port = face.address.rsplit(":", 1)
    c.connect(host, int(port))
    return c


def uri(track_id: str) -> str:
    return f"longtail:track:{track_id}"


def raw(face: MpdFace, request: str) -> str:
    """Bytes on the wire, for what python-mpd2 does not send (command_list_begin)."""
    host, port = face.address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        f = s.makefile("rw", encoding="utf-8", newline="\n")
        assert f.readline().startswith("OK MPD ")
        f.write(request)
        f.flush()
        lines = []
        while not (line := f.readline()).startswith(("OK", "ACK")):
            lines.append(line)
        return "".join(lines) + line
