"""What MPD clients are told about playback, kept from the core's events.

The face's own copy, behind one lock: events are taken from a pull subscription only
under it (by the pump thread, and by a client about to read, so a client that waited for
its command to be applied reads the queue as that command left it). Song ids stay with
their queue entry across edits (MPD clients keep them), and each idle subsystem has a
version, so a client in `idle` wakes on what changed since it asked."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.bus import Subscription
from tui.core.events import MixerChanged, NowPlaying, QueueChanged, ReplayGainChanged, Seeked

SUBSYSTEMS = ("database", "update", "stored_playlist", "playlist", "player", "mixer", "output", "options",
              "partition", "sticker", "subscription", "message", "neighbor", "mount")


@dataclass(frozen=True)
class Snapshot:
    items: tuple[str, ...]
    song_ids: tuple[int, ...]
    current: int | None
    repeat: str
    now: NowPlaying | None
    playlist_version: int
    changed_at: tuple[int, ...]  # the playlist version at which each entry last changed


class PlayerView:
    def __init__(self, subscription: Subscription) -> None:
        self._sub = subscription
        self._cond = threading.Condition()
        self._items: tuple[str, ...] = ()
        self._ids: tuple[int, ...] = ()
        self._changed_at: tuple[int, ...] = ()
        self._next_id = 1
        self._current: int | None = None
        self._repeat = "off"
        self._now: NowPlaying | None = None
        self._playlist_version = 1
        self._versions: dict[str, int] = defaultdict(int)
        self._closed = False

    # -- taking events (under the lock) -----------------------------------------------------------

    def pump(self) -> None:
        """The pump thread's loop: wakes idle clients as events arrive."""
        while not self._closed:
            if self._sub.wait(0.25):
                with self._cond:
                    self._catch_up()

    def _catch_up(self) -> None:
        while (event := self._sub.get(0)) is not None:
            self._apply(event)

    def _apply(self, event: object) -> None:
        if isinstance(event, QueueChanged):
            self._queue_changed(event)
        elif isinstance(event, NowPlaying):
            self._now_playing(event)
        elif isinstance(event, (Seeked, MixerChanged, ReplayGainChanged)):
            self._bump({Seeked: "player", MixerChanged: "mixer", ReplayGainChanged: "options"}[type(event)])
        else:
            return
        self._cond.notify_all()

    def _queue_changed(self, event: QueueChanged) -> None:
        if event.repeat != self._repeat:
            self._repeat = event.repeat
            self._bump("options")
        if event.items != self._items:
            self._playlist_version += 1
            self._ids, self._changed_at = self._carry_ids(event.items)
            self._items = event.items
            self._bump("playlist")
        if event.current != self._current:
            self._current = event.current
            self._bump("player")

    def _carry_ids(self, items: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Entries kept from the old queue keep their ids (in order, per track); new ones get new ids."""
        old: dict[str, list[int]] = defaultdict(list)
        for track_id, song_id in zip(self._items, self._ids, strict=True):
            old[track_id].append(song_id)
        old_pos = {song_id: i for i, song_id in enumerate(self._ids)}
        ids, changed = [], []
        for pos, track_id in enumerate(items):
            if old[track_id]:
                song_id = old[track_id].pop(0)
                same = old_pos[song_id] == pos
                ids.append(song_id)
                changed.append(self._changed_at[old_pos[song_id]] if same else self._playlist_version)
            else:
                ids.append(self._next_id)
                self._next_id += 1
                changed.append(self._playlist_version)
        return tuple(ids), tuple(changed)

    def _now_playing(self, now: NowPlaying) -> None:
        before = self._now
        self._now = now
        if before is None or (before.state, before.track_id, before.queue_index) != (now.state, now.track_id,
                                                                                       now.queue_index):
            self._bump("player")
        if before is None or (before.volume, before.muted) != (now.volume, now.muted):
            self._bump("mixer")
        if before is None or (before.repeat, before.replaygain) != (now.repeat, now.replaygain):
            self._bump("options")

    def _bump(self, subsystem: str) -> None:
        self._versions[subsystem] += 1

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._sub.close()
            self._cond.notify_all()

    # -- client threads ---------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self._cond:
            self._catch_up()
            return self._snapshot()

    def _snapshot(self) -> Snapshot:
        return Snapshot(self._items, self._ids, self._current, self._repeat, self._now,
                        self._playlist_version, self._changed_at)

    def versions(self) -> dict[str, int]:
        with self._cond:
            self._catch_up()
            return dict(self._versions)

    def wait_changes(self, since: dict[str, int], wanted: tuple[str, ...], timeout: float = 0.25) -> list[str]:
        """Subsystems among `wanted` changed after `since`; waits up to `timeout` for one."""
        with self._cond:
            self._catch_up()
            changed = self._changed(since, wanted)
            if not changed and not self._closed:
                self._cond.wait(timeout)
                changed = self._changed(since, wanted)
            return changed

    def wait_for(self, ready: Callable[[Snapshot], bool], timeout: float = 1.0) -> None:
        """Until the view shows what a command did (mpv reports some changes a moment later)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._catch_up()
                left = deadline - time.monotonic()
                if left <= 0 or ready(self._snapshot()) or self._closed:
                    return
                self._cond.wait(min(left, 0.05))

    def _changed(self, since: dict[str, int], wanted: tuple[str, ...]) -> list[str]:
        return [s for s in wanted if self._versions.get(s, 0) != since.get(s, 0)]
