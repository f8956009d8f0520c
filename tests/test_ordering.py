"""One ordered command channel: commands from every face are applied in the order they were
sent, through the real session (real catalogue and file index), on the fake engine and on
libmpv (`ao=null`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fake_engine import FakeEngine

from tui.config import Settings, StatePaths
from tui.core.commands import Clear, Enqueue, Next, Play, Restore, Undo
from tui.core.events import QueueChanged, Seeked
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.demo.paths import DemoPaths
from tui.player.player import Player

FAST_MPV = {"ao_null_untimed": "no"}


def _session(small_demo: DemoPaths, tmp_path, engine: FakeEngine | None) -> Session:
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    session = Session(services)
    if engine is None:
        session.start_player(ao="null", engine_options=FAST_MPV, remember=False)
    else:
        session.start_player(engine=engine, remember=False)
    return session


@pytest.fixture
def fake_session(small_demo: DemoPaths, tmp_path) -> Iterator[Session]:
    session = _session(small_demo, tmp_path, FakeEngine())
    yield session
    session.close()


def local_tracks(session: Session, n: int) -> list[str]:
    ids = [t for t, s in session.services.files.all_states() if s == "local"][:n]
    assert len(ids) == n
    return ids


def player_of(session: Session) -> Player:
    assert session.player is not None
    return session.player


def test_play_then_enqueue_ends_as_sent_a_thousand_times(fake_session: Session) -> None:
    a, x = local_tracks(fake_session, 2)
    for _ in range(1000):
        fake_session.send(Play((a,)))
        fake_session.send(Enqueue((x,)))  # sent at once after the play: must land after it
        fake_session.sync()
        assert player_of(fake_session).queue.items == [a, x]


def test_clear_then_undo_brings_the_queue_back_a_thousand_times(fake_session: Session) -> None:
    a, b = local_tracks(fake_session, 2)
    fake_session.send(Play((a, b)))
    fake_session.sync()
    for _ in range(1000):
        fake_session.send(Clear())
        fake_session.send(Undo())  # takes back the clear, not the play before it
        fake_session.sync()
        player = player_of(fake_session)
        assert player.queue.items == [a, b] and player.queue.current == 0


def test_commands_from_many_threads_keep_each_senders_order(fake_session: Session) -> None:
    tracks = local_tracks(fake_session, 8)
    senders = [tracks[i * 2:i * 2 + 2] for i in range(4)]  # each thread alternates its own two tracks
    rounds = 200
    go = threading.Barrier(len(senders))

    def send(mine: list[str]) -> None:
        go.wait()
        for n in range(rounds):
            fake_session.send(Enqueue((mine[n % 2],)))

    threads = [threading.Thread(target=send, args=(mine,)) for mine in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fake_session.sync()
    queue = player_of(fake_session).queue.items
    assert len(queue) == rounds * len(senders)
    for mine in senders:
        assert [t for t in queue if t in mine] == [mine[n % 2] for n in range(rounds)]


def test_a_command_sent_while_the_player_starts_waits_for_it(small_demo: DemoPaths, tmp_path, monkeypatch) -> None:
    import tui.player.mpv_engine as mpv_engine

    made = threading.Event()
    release = threading.Event()

    def slow_engine(**_options: object) -> FakeEngine:  # libmpv taking its time to start
        made.set()
        release.wait(10)
        return FakeEngine()

    monkeypatch.setattr(mpv_engine, "MpvEngine", slow_engine)
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    session = Session(services)
    try:
        a, x = local_tracks(session, 2)
        starting = threading.Thread(target=session.start_player, kwargs={"remember": False})
        starting.start()
        assert made.wait(10)
        session.send(Play((a,)))
        session.send(Enqueue((x,)))
        session.sync()
        assert session.player is None  # not refused with "not ready": waiting
        release.set()
        starting.join(10)
        session.sync()
        assert player_of(session).queue.items == [a, x]  # both applied once it was there, in order
    finally:
        release.set()
        session.close()


@pytest.mark.slow
def test_the_order_holds_with_libmpv(small_demo: DemoPaths, tmp_path) -> None:
    session = _session(small_demo, tmp_path, None)
    try:
        a, b, x = local_tracks(session, 3)
        for _ in range(100):
            session.send(Play((a, b)))
            session.send(Enqueue((x,)))
            session.send(Next())
            session.sync()
            player = player_of(session)
            assert player.queue.items == [a, b, x] and player.queue.current == 1
        for _ in range(100):
            session.send(Clear())
            session.send(Undo())
            session.sync()
            assert player_of(session).queue.items == [a, b, x]
    finally:
        session.close()


def test_a_seek_is_published_where_it_landed(fake_session: Session) -> None:
    (a,) = local_tracks(fake_session, 1)
    seeks = fake_session.bus.queue((Seeked, QueueChanged))
    fake_session.send(Play((a,)))
    fake_session.sync()
    player = player_of(fake_session)
    engine = player.engine
    assert isinstance(engine, FakeEngine)
    engine.at(3.0)  # playing: no seek
    engine.seek(40.0, False)
    engine.at(40.0)  # where it landed
    engine.at(40.25)
    fake_session.sync()
    got = [e for e in iter(lambda: seeks.get(0.2), None) if isinstance(e, Seeked)]
    assert got == [Seeked(a, 40.0)]


def test_commands_sent_while_the_player_starts_follow_the_start_ups_restore(small_demo: DemoPaths, tmp_path) -> None:
    """The TUI draws its first screen before libmpv loads; a key pressed meanwhile is kept, and
    applied after the start-up's Restore, so the restored queue never undoes it."""
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    session = Session(services)
    saved, wanted = local_tracks(session, 2)
    session.start_player(engine=FakeEngine())
    session.send(Play((saved,)))
    session.sync()
    session.stop_player()  # saves a queue of `saved`, as a quit would

    drawn = threading.Event()
    starting = threading.Thread(target=session.start_player,
                                kwargs={"engine": FakeEngine(), "after": drawn, "first": Restore()})
    starting.start()
    while not session.mailbox.call(lambda: session._starting):  # the thread has said a player is coming
        time.sleep(0.001)
    session.send(Play((wanted,)))  # the listener's Enter, before the player exists
    session.sync()
    assert session.player is None  # it waits for the first screen
    drawn.set()
    starting.join(10)
    session.sync()
    assert player_of(session).queue.items == [wanted]
    assert session.queue_settled.is_set()
    session.close()
