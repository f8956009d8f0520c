"""A stream over the whole catalogue on a mirror with a part of the audio: Enter on an absent
row carries on through the stream to the first track that can play (the resolver itself is
the oracle), and a stream with nothing playable stops after a bound with one line of advice.
Real catalogue, file index and resolver; a fake engine."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from test_core import wait

from tui.catalogue.shuffle import ShuffleFilter
from tui.config import Settings, StatePaths
from tui.core.commands import PlayStream
from tui.core.events import Notice, Started
from tui.core.services import Location, open_services
from tui.core.session import Session
from tui.core.sources import MirrorSources
from tui.core.streams import STREAM_BATCH, UNPLAYABLE_BATCHES, ShuffleStream
from tui.player.source import SourceError

BOUND = UNPLAYABLE_BATCHES * STREAM_BATCH


@pytest.fixture
def session(small_demo, tmp_path):
    services = open_services(Location(small_demo.mirror, StatePaths(tmp_path / "state"), small_demo), Settings())
    s = Session(services)
    s.start_player(engine=FakeEngine(), remember=False)  # no fetching: only what is here can play
    yield s
    s.close()


def playable(session, track_id: str) -> bool:
    try:
        session_sources = MirrorSources(session.services)
        session_sources.resolve(track_id).close()
        return True
    except SourceError:
        return False


def test_enter_on_an_absent_row_plays_the_streams_first_playable_track_past_a_batch(session):
    # a seed whose first playable row lies beyond the first batch, within the bound
    for seed in range(1, 400):
        stream = ShuffleStream(session.services.shuffle(ShuffleFilter(), seed=seed, endless=True))
        rows = stream.tracks(0, BOUND)
        first = next((i for i, t in enumerate(rows) if playable(session, t.id)), None)
        if first is not None and first >= STREAM_BATCH + 2:
            break
    else:
        pytest.skip("no seed puts the first playable track past a batch")
    started = session.bus.queue((Started,))
    session.send(PlayStream(stream, 0))  # Enter on the first row: absent
    got = wait(lambda: started.get(0.1), timeout=20)
    assert got.track_id == rows[first].id  # nothing skipped that could play, nothing played out of order


def test_a_stream_with_nothing_playable_stops_after_the_bound_with_one_line(session):
    absent = [t for t in session.services.shuffle(ShuffleFilter(), seed=3).take(2000)
              if not playable(session, t.id)]

    class OnlyAbsent:
        seed, strategy = 0, "test"

        def __init__(self) -> None:
            self.given = 0

        def take(self, n: int):
            out = absent[self.given:self.given + n]
            self.given += len(out)
            return out

    draws = OnlyAbsent()
    assert len(absent) > BOUND + 2 * STREAM_BATCH
    notices = session.bus.queue((Notice,))
    session.send(PlayStream(ShuffleStream(draws), 0))
    said = wait(lambda: next((n for n in iter(lambda: notices.get(0.1), None) if "playable" in n.text), None),
                timeout=30)
    assert "\n" not in said.text and "turn on `playable`" in said.text
    # it stopped: (the first batch + the bound's batches) fed, no more
    assert draws.given <= BOUND + STREAM_BATCH + ShuffleStream.GROW
