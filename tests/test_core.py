"""The session core: its event bus, the NowPlaying snapshot, and the shuffle stream that
feeds the queue (real catalogue, fake engine)."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import pytest
from expect import present
from fake_engine import FakeEngine

from tui.config import Settings, StatePaths
from tui.core.bus import EventBus
from tui.core.commands import Play, PlayIndex, PlayStream
from tui.core.events import (
    Ended,
    FetchProgress,
    NowPlaying,
    Position,
    QueueChanged,
    Started,
)
from tui.core.nowplaying import NowPlayingTracker
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.core.streams import ShuffleStream
from tui.mirror.fetch_status import FetchState


def progress(track_id: str, state: FetchState = "fetching", done: int = 10) -> FetchProgress:
    return FetchProgress(track_id, state, 100, done, 0.0, 1, 0, 4, None, None, None, False, 0.0, state)


def test_a_slow_subscriber_gets_the_latest_snapshot_and_nothing_out_of_order():
    bus = EventBus()
    sub = bus.queue()
    for s in range(5):
        bus.publish(Position("a", float(s), 60.0))
    bus.publish(Ended("a", "eof", 5.0))
    bus.publish(Position("b", 0.5, 60.0))  # must not jump ahead of the Ended
    got = [sub.get(0) for _ in range(3)]
    assert got == [Position("a", 4.0, 60.0), Ended("a", "eof", 5.0), Position("b", 0.5, 60.0)]
    assert sub.get(0) is None


def test_push_subscribers_run_on_their_own_thread_and_a_broken_one_stops_nobody():
    bus = EventBus()
    seen: list = []
    threads: set = set()
    done = threading.Event()

    def good(event) -> None:
        threads.add(threading.current_thread().name)
        seen.append(event)
        if len(seen) == 3:
            done.set()


    def broken(_event: object) -> None:
        raise ZeroDivisionError("a subscriber's own bug")

    bus.subscribe(broken, name="broken")
    bus.subscribe(good, name="good")
    for n in range(3):
        bus.publish(Ended(str(n), "eof", 0.0))
    assert done.wait(2)
    assert [e.track_id for e in seen] == ["0", "1", "2"]
    assert threads == {"longtail-good"} and threading.current_thread().name not in threads


def test_kinds_filter_what_a_subscription_receives():
    bus = EventBus()
    sub = bus.queue((Ended,))
    bus.publish(Position("a", 1.0, None))
    bus.publish(Ended("a", "eof", 1.0))
    assert isinstance(sub.get(0), Ended) and sub.get(0) is None


class Track:
    def __init__(self, id: str) -> None:
        self.id = id


def test_now_playing_shows_a_streaming_track_before_it_starts():
    tracker = NowPlayingTracker(lambda track_id: cast(Any, Track(track_id)))  # only its id is read
    snap = present(tracker.apply(QueueChanged(("a", "b"), 0, "off")))
    assert snap.state == "loading" and present(snap.track).id == "a"
    snap = present(tracker.apply(progress("a", "stalled")))
    assert present(snap.fetch).state == "stalled"  # the bar can say the swarm has stalled
    assert tracker.apply(progress("b")) is None  # another track's fetch is not the bar's business
    snap = present(tracker.apply(Started("a", "opus", "stream", 0, 12.0)))
    assert snap.state == "playing" and snap.duration == 12.0 and present(snap.fetch).state == "stalled"
    snap = present(tracker.apply(Position("a", 3.0, 12.0)))
    assert snap.position == 3.0
    snap = present(tracker.apply(Ended("a", "error", 3.0, "cannot fetch it")))
    assert "cannot fetch it" in present(snap.message)


@pytest.fixture
def session(small_demo, tmp_path):
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    s = Session(services)
    s.start_player(engine=FakeEngine(), remember=False)
    yield s
    s.close()


def wait(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_the_shuffle_stream_feeds_the_queue_from_where_enter_was_pressed(session):
    from tui.catalogue.shuffle import ShuffleFilter

    # local files only: the fake engine "plays" them (absent ones would be skipped)
    stream = ShuffleStream(session.services.shuffle(ShuffleFilter(present_only=True), seed=7, endless=True))
    listed = stream.tracks(0, 200)  # what the shuffle screen shows
    queues = session.bus.queue((QueueChanged,))
    session.send(PlayStream(stream, 3))  # Enter on the fourth row
    first = wait(lambda: queues.get(0.1))
    assert [t.id for t in listed[3:23]] == list(first.items)[:20]
    # near the end of what was queued, the core feeds the very next rows of the same stream
    for index in range(16, 20):
        session.send(PlayIndex(index))
    last = wait(lambda: next((q for q in iter(lambda: queues.get(0.2), None) if len(q.items) > 20), None))
    assert list(last.items) == [t.id for t in listed[3:43]]


def test_playing_other_tracks_stops_the_stream(session):
    from tui.catalogue.shuffle import ShuffleFilter

    stream = ShuffleStream(session.services.shuffle(ShuffleFilter(present_only=True), seed=8, endless=True))
    stream.tracks(0, 50)
    queues = session.bus.queue((QueueChanged,))
    session.send(PlayStream(stream, 0))
    wait(lambda: queues.get(0.1))
    other = [t.id for t in stream.tracks(40, 2)]
    session.send(Play(tuple(other)))
    session.send(PlayIndex(1))  # at the end of the new queue: a live stream would add tracks now
    time.sleep(0.5)
    seen = list(iter(lambda: queues.get(0.1), None))
    since = next(i for i, q in enumerate(seen) if q.items == tuple(other))
    assert all(q.items == tuple(other) for q in seen[since:])  # nothing was fed after it


def test_now_playing_reaches_subscribers_from_the_core(session, small_demo):
    snaps = session.bus.queue((NowPlaying,))
    local = [t for t, s in session.services.files.all_states() if s == "local"][:1]
    session.send(Play(tuple(local)))
    snap = wait(lambda: next((s for s in iter(lambda: snaps.get(0.1), None)
                              if s.state == "playing"), None))
    assert snap.track is not None and snap.track.id == local[0] and snap.kind == "local"
