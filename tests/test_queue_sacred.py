"""Nothing that cannot play replaces or joins the queue: through the real session (the demo's
catalogue and file index), a play, an add or a play-next of an absent track leaves the queue
exactly as it was and says why; a batch with absent tracks keeps only those that can play."""

from __future__ import annotations

import sqlite3
import time

import pytest
from test_ordering import fake_session, local_tracks, player_of

from tui.core.commands import Enqueue, Play
from tui.core.events import QueueEdited
from tui.core.session import Session

session = fake_session  # the real session on the demo, with the fake engine


def absent_tracks(session: Session, n: int) -> list[str]:
    """Catalogue tracks with no file and no torrent (nor an ISRC sibling that has one)."""
    db = session.services.catalogue.paths.main
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tracks LIMIT 2000")]
    assert session.player is not None
    refused = session.player.resolver.cannot_play(ids)
    absent = [t for t, why in refused.items() if why.startswith("absent")]
    assert len(absent) >= n
    return absent[:n]


def edits(session: Session, send) -> list[QueueEdited]:
    sub = session.bus.queue((QueueEdited,))
    send()
    session.sync()
    out: list[QueueEdited] = []
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not out:
        event = sub.get(0.1)
        if isinstance(event, QueueEdited):
            out.append(event)
    sub.close()
    return out


def snapshot(session: Session) -> tuple:
    queue = player_of(session).queue
    return tuple(queue.items), queue.current


@pytest.mark.parametrize("command", ["play", "add", "next"])
def test_an_absent_track_leaves_the_queue_as_it_was(session: Session, command: str) -> None:
    queued = local_tracks(session, 12) * 2  # a 24-track queue
    session.send(Play(tuple(queued), 3))
    session.sync()
    before = snapshot(session)
    [absent] = absent_tracks(session, 1)
    send = {"play": lambda: session.send(Play((absent,))),
            "add": lambda: session.send(Enqueue((absent,))),
            "next": lambda: session.send(Enqueue((absent,), next_up=True))}[command]
    said = edits(session, send)
    assert snapshot(session) == before
    assert said and said[0].refused and not said[0].can_undo
    assert "cannot play: absent" in said[0].text and "queue is as it was" in said[0].text


def test_a_batch_keeps_only_what_can_play_and_starts_at_the_first_that_can(session: Session) -> None:
    a, b, c = local_tracks(session, 3)
    x, y = absent_tracks(session, 2)
    said = edits(session, lambda: session.send(Play((a, x, y, b, c), 1)))  # Enter on an absent entry
    assert snapshot(session) == ((a, b, c), 1)  # plays b, the first playable one after the cursor
    assert said and "3 tracks" in said[0].text and "2 tracks that cannot play left out" in said[0].text
    said = edits(session, lambda: session.send(Enqueue((x, c, y))))
    assert snapshot(session)[0] == (a, b, c, c)
    assert "1 track added" in said[0].text and "left out" in said[0].text


def test_enter_past_the_last_playable_entry_changes_nothing(session: Session) -> None:
    a, b = local_tracks(session, 2)
    session.send(Play((b,)))
    session.sync()
    x, y = absent_tracks(session, 2)
    said = edits(session, lambda: session.send(Play((a, x, y), 1)))
    assert snapshot(session) == ((b,), 0)
    assert said and said[0].refused
