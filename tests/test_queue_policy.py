"""The player's queue policy on a fake engine: gapless hand-over, edits, errors, repeat,
played time, undo. The same policy runs on libmpv in test_player.py."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from test_player import Recorder

from tui.catalogue.records import ReplayGain
from tui.player.events import Ended, MixerChanged, QueueChanged, Started
from tui.player.player import Player
from tui.player.source import Source, SourceError, SourceResolver


class Resolver(SourceResolver):
    """Every id resolves to a local file, except those named 'bad...'."""

    def __init__(self) -> None:
        self.resolved: list[str] = []
        self.prefetched: list[str] = []

    def resolve(self, track_id: str) -> Source:
        self.resolved.append(track_id)
        if track_id.startswith("bad"):
            raise SourceError(f"{track_id}: absent")
        rg = ReplayGain(6.0, 0.9, -3.0, 0.9) if track_id == "loud" else None
        return Source(track_id, "vorbis", "local", path=None, replaygain=rg)

    def prefetch(self, track_id: str) -> None:
        self.prefetched.append(track_id)


@pytest.fixture
def rig():
    engine = FakeEngine()
    rec = Recorder()
    player = Player(Resolver(), engine)
    player.subscribe(rec)
    yield player, engine, rec
    player.close()


def started_ids(rec: Recorder) -> list[str]:
    return [e.track_id for e in rec.of(Started)]


def test_the_next_track_is_handed_over_gaplessly(rig):
    player, engine, rec = rig
    player.play(["a", "b", "c"])
    player.sync()
    assert engine.loads == 1 and len(engine.entries()) == 2  # current + the next, ahead of time
    engine.finish()
    player.sync()
    engine.finish()
    player.sync()
    assert started_ids(rec) == ["a", "b", "c"]
    assert engine.loads == 1  # mpv moved on by itself both times: no reload, no gap
    assert player.resolver.prefetched[:1] == ["c"]  # the one after next warms up early
    engine.finish()
    rec.wait_for(lambda e: type(e).__name__ == "QueueFinished")


def test_editing_the_queue_replaces_the_pre_appended_next(rig):
    player, engine, rec = rig
    player.play(["a", "b"])
    player.sync()
    player.insert_next(["x"])
    player.sync()
    assert [s.track_id for _, s in engine.playlist] == ["a", "x"]
    player.move(2, 1)  # b before x
    player.sync()
    assert [s.track_id for _, s in engine.playlist] == ["a", "b"]
    last = rec.of(QueueChanged)[-1]
    assert last.items == ("a", "b", "x") and last.current == 0


def test_unplayable_tracks_are_skipped_with_one_error_each(rig):
    player, _engine, rec = rig
    player.play(["bad1", "bad2", "a"])
    player.sync()
    errors = [e for e in rec.of(Ended) if e.reason == "error"]
    assert [e.track_id for e in errors] == ["bad1", "bad2"] and all(e.message for e in errors)
    assert started_ids(rec) == ["a"]


def test_repeat_track_plays_it_again_and_next_skips_it(rig):
    player, engine, rec = rig
    player.play(["a", "b"])
    player.set_repeat("track")
    player.sync()
    engine.finish()
    player.sync()
    assert started_ids(rec) == ["a", "a"]
    player.next()  # manual next leaves a repeated track
    player.sync()
    assert started_ids(rec)[-1] == "b"


def test_played_seconds_leave_out_what_a_seek_skipped(rig):
    player, engine, rec = rig
    player.play(["a"])
    player.sync()
    engine.at(10.0)
    player.seek(40.0)
    player.sync()
    engine.at(50.0)  # where the seek landed
    engine.at(55.0)
    engine.finish()  # the file is 60 s: the last stretch runs to its end
    ended = rec.wait_for(lambda e: isinstance(e, Ended))
    assert ended.reason == "eof" and ended.played_seconds == pytest.approx(20.0)


def test_previous_restarts_a_track_past_three_seconds(rig):
    player, engine, rec = rig
    player.play(["a", "b"], start_index=1)
    player.sync()
    engine.at(5.0)
    player.previous()
    player.sync()
    assert engine.seek_to == 0.0 and not engine.seek_relative and started_ids(rec) == ["b"]
    engine.at(1.0)
    player.previous()
    player.sync()
    assert started_ids(rec) == ["b", "a"]


def test_undo_puts_a_queue_back_without_interrupting_the_track(rig):
    player, engine, rec = rig
    player.play(["a", "b", "c"])
    player.sync()
    before = rec.of(QueueChanged)[-1]
    player.remove(2)
    player.remove(1)
    player.sync()
    player.restore_queue(list(before.items), before.current)
    player.sync()
    assert rec.of(QueueChanged)[-1].items == ("a", "b", "c")
    assert engine.loads == 1 and engine.playing_id() == "a"  # "a" played on, untouched


def test_volume_and_clipping_guard_reach_the_engine(rig):
    player, engine, rec = rig
    player.play(["loud"])
    player.change_volume(-20)
    player.sync()
    assert engine.volume == 80.0 and rec.of(MixerChanged)[-1].volume == 80.0
    gain = engine.gains["loud"]
    assert gain.fallback_db == 6.0 and gain.preamp_db is not None and gain.preamp_db < 0


def test_a_dead_output_stops_the_queue_with_one_error_instead_of_racing_through_it(rig):
    player, engine, rec = rig
    player.play(["a", "b", "c"])
    player.sync()
    engine.at(2.0)
    engine.finish("output", "audio output initialization failed")  # mpv would start b by itself
    rec.wait_for(lambda e: type(e).__name__ == "QueueFinished")
    player.sync()
    errors = [e for e in rec.of(Ended) if e.reason == "error"]
    assert [e.track_id for e in errors] == ["a"] and "--ao" in errors[0].message
    assert engine.playing_id() is None and engine.entries() == []  # b was taken back, c never tried
    assert "c" not in [s.track_id for _, s in engine.playlist]


def test_after_the_engine_falls_back_to_another_output_the_track_plays_again_from_there(rig):
    player, engine, rec = rig
    player.play(["a", "b"])
    player.sync()
    engine.at(3.0)
    engine.finish("retry", "audio output initialization failed")
    player.sync()
    assert started_ids(rec) == ["a", "a"] and engine.loads == 2
    assert engine.playing_id() == "a"
    assert not [e for e in rec.of(Ended) if e.reason == "error"]


def test_every_queue_change_can_be_undone_in_turn_and_the_track_plays_on(rig):
    from tui.player.events import QueueEdited

    player, engine, rec = rig
    player.play(["a", "b"])
    player.enqueue(["c"])
    player.insert_next(["x"])
    player.move(3, 1)  # c before x
    player.remove(2)
    player.sync()
    assert player.queue.items == ["a", "c", "b"] and engine.playing_id() == "a"
    player.clear()
    player.sync()
    assert player.queue.items == [] and engine.playing_id() is None
    expected = [["a", "c", "b"], ["a", "c", "x", "b"], ["a", "x", "b", "c"], ["a", "b", "c"], ["a", "b"], []]
    for items in expected:
        player.undo()
        player.sync()
        assert player.queue.items == items
    player.enqueue(["s1", "s2"], undoable=False)  # the shuffle stream feeding itself: not a change to undo
    player.undo()
    player.sync()
    edits = rec.of(QueueEdited)
    assert [e.kind for e in edits][:6] == ["replace", "add", "next", "move", "remove", "clear"]
    assert edits[-1].text == "nothing to undo" and not edits[-1].can_undo
    assert edits[0].text == "playing 2 tracks, queue replaced"


def test_undo_of_a_removal_keeps_the_playing_track_uninterrupted(rig):
    player, engine, _rec = rig
    player.play(["a", "b", "c"])
    player.sync()
    loads = engine.loads
    player.remove(2)
    player.undo()
    player.sync()
    assert player.queue.items == ["a", "b", "c"] and engine.playing_id() == "a" and engine.loads == loads


def test_undo_of_a_clear_plays_on_from_where_it_was(rig):
    """A clear stops the music; u puts back the queue and the track, at its position."""
    player, engine, _rec = rig
    player.play(["a", "b"])
    player.sync()
    engine.at(42.0)
    player.sync()
    player.clear()
    player.sync()
    assert engine.playing_id() is None
    player.undo()
    player.sync()
    assert player.queue.items == ["a", "b"] and engine.playing_id() == "a"
    assert abs(player.policy.position - 42.0) < 1.0
