"""The player: the queue policy and its undo history, owned by one thread (a `Mailbox`).

The session hands the player its own mailbox, so the player's state has the same owner
as everything else in the core: a command applied there runs at once, in the order
the session received it. Used on its own (tests, benches), the player makes a mailbox
of its own and commands from other threads are posted to it. Engine reports (mpv's
threads) are always posted, never applied where they arrive. Listeners get frozen
events (`tui.player.events`) on the owner's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.player.engine import Engine, PostedReports, clamp_volume
from tui.player.events import EditKind, Ended, PlayerEvent, QueueEdited
from tui.player.policy import QueuePolicy
from tui.player.queue import Queue, SavedState
from tui.player.source import Source, SourceResolver
from tui.threads import Mailbox, MailboxClosed

UNDO_DEPTH = 50  # queue changes that `undo` can take back


def _tracks(n: int) -> str:
    return f"{n} track" if n == 1 else f"{n} tracks"


def _left_out(refused: dict[str, str]) -> str:
    return f" ({_tracks(len(refused))} that cannot play left out)" if refused else ""


class Player:
    def __init__(self, resolver: SourceResolver, engine: Engine, state_path: Path | None = None,
                 replaygain: str = "track", preamp: float = 0.0, mailbox: Mailbox | None = None) -> None:
        self._listeners: list[Callable[[PlayerEvent], None]] = []
        self._own_mailbox = mailbox is None
        self.mailbox = mailbox or Mailbox("longtail-player")
        self._closed = False
        # (queue, current, what was done, where the playing track was): the owner's alone
        self._history: list[tuple[tuple[str, ...], int | None, str, float | None]] = []
        self.policy = QueuePolicy(resolver, engine, state_path, replaygain, preamp, self._emit)
        engine.attach(PostedReports(self.policy, self._post))  # mpv's threads only post
        engine.set_replaygain(self.policy.replaygain, preamp)

    # -- listeners and the owner ----------------------------------------------------------

    def subscribe(self, listener: Callable[[PlayerEvent], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, event: PlayerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a broken listener must not stop playback
                pass

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Engine reports: always after what the owner is doing now."""
        if not self._closed:
            self.mailbox.post(self._guarded, fn, *args)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """A command: at once on the owner (in the order the owner received it), else posted."""
        if self._closed:
            return
        if self.mailbox.owns():
            self._guarded(fn, *args)
        else:
            self.mailbox.post(self._guarded, fn, *args)

    def _guarded(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - keep the player alive
            self._emit(Ended(self.policy.queue.current_id or "", "error", 0.0, f"player error: {exc}"))

    def sync(self, timeout: float = 5.0) -> None:
        """Wait until every command submitted so far has been carried out (tests, CLI)."""
        self.mailbox.sync(timeout)

    # -- commands (any thread, never blocking) ----------------------------------------------------

    def play(self, track_ids: list[str], start_index: int = 0, checked: bool = True) -> None:
        """Replace the queue and play from `start_index`, or from the first track after it that can
        play; tracks that cannot play are left out, and when none can the queue stays as it was.
        `checked=False`: a shuffle stream's batch, whose rows the queue mirrors one for one (the
        stream skips what cannot play as it comes up, and says when nothing in a long run can)."""
        ids = list(track_ids)
        if not checked:
            self._edit("replace", f"playing {_tracks(len(ids))}, queue replaced", self.policy.replace, ids,
                       start_index)
            return

        def run() -> None:
            keep, refused = self._playable(ids)
            after = [i for i, t in enumerate(ids) if i >= start_index and t not in refused]
            if not after:
                self._refuse("replace", ids[start_index:start_index + 1] or ids, refused)
                return
            start = sum(1 for t in ids[:after[0]] if t not in refused)  # its index among those kept
            self._apply_edit("replace", f"playing {_tracks(len(keep))}, queue replaced{_left_out(refused)}",
                             self.policy.replace, keep, start, left_out=refused)
        self._submit(run)

    def enqueue(self, track_ids: list[str], undoable: bool = True) -> None:
        """Add at the end (`undoable=False`: the shuffle stream feeding itself, not a listener)."""
        ids = list(track_ids)
        if not undoable:
            self._submit(self.policy.edit, lambda q: q.add(*ids))
            return
        self._checked_add("add", ids, lambda keep: f"{_tracks(len(keep))} added to the queue",
                          lambda q, keep: q.add(*keep))

    def insert_next(self, track_ids: list[str]) -> None:
        self._checked_add("next", list(track_ids), lambda keep: f"{_tracks(len(keep))} to play next",
                          lambda q, keep: q.insert_next(*keep))

    def _checked_add(self, kind: EditKind, ids: list[str], text: Callable[[list[str]], str],
                     change: Callable[[Queue, list[str]], None]) -> None:
        def run() -> None:
            keep, refused = self._playable(ids)
            if not keep:
                self._refuse(kind, ids, refused)
                return
            self._apply_edit(kind, text(keep) + _left_out(refused), self.policy.edit, lambda q: change(q, keep),
                             left_out=refused)
        self._submit(run)

    def _playable(self, ids: list[str]) -> tuple[list[str], dict[str, str]]:
        """The rule of what may join the queue, asked of the resolver (it knows the mirror)."""
        refused = self.policy.resolver.cannot_play(ids) if ids else {}
        return [t for t in ids if t not in refused], refused

    def _refuse(self, kind: EditKind, ids: list[str], refused: dict[str, str]) -> None:
        """Nothing could play: the queue stays exactly as it was, and the listener hears why."""
        if not ids:
            text = "nothing to play: the queue is as it was"
        elif len(ids) == 1:
            text = f"cannot play: {refused.get(ids[0], 'it cannot play')}; the queue is as it was"
        else:
            text = f"none of these {len(ids)} tracks can play; the queue is as it was"
        self._emit(QueueEdited(kind, text, False, refused=True, left_out=tuple(refused.items())))

    def remove(self, index: int) -> None:
        self._edit("remove", "removed from the queue", self.policy.remove, index)

    def move(self, src: int, dst: int) -> None:
        self._edit("move", "moved", self.policy.edit, lambda q: q.move(src, dst))

    def clear(self) -> None:
        self._edit("clear", "queue cleared", self.policy.clear)

    def undo(self) -> None:
        """Take back the last queue change (up to UNDO_DEPTH of them); the playing track plays on
        when it is still in the queue put back."""
        def run() -> None:
            if not self._history:
                self._emit(QueueEdited("undo", "nothing to undo", False))
                return
            items, current, text, position = self._history.pop()
            self.policy.restore_queue(list(items), current, position)
            self._emit(QueueEdited("undo", f"undone: {text}", bool(self._history)))
        self._submit(run)

    def _edit(self, kind: EditKind, text: str, fn: Callable, *args: object) -> None:
        self._submit(self._apply_edit, kind, text, fn, *args)

    def _apply_edit(self, kind: EditKind, text: str, fn: Callable, *args: object,
                    left_out: dict[str, str] | None = None) -> None:
        """A queue change that can be undone: the queue as it was is kept first (on the owner)."""
        queue, policy = self.policy.queue, self.policy
        playing = policy.position if policy.current_source is not None else None
        self._history.append((tuple(queue.items), queue.current, text, playing))
        del self._history[:-UNDO_DEPTH]
        fn(*args)
        self._emit(QueueEdited(kind, text, True, left_out=tuple((left_out or {}).items())))

    def restore_queue(self, items: list[str], current: int | None) -> None:
        """Put back an earlier queue (undo), keeping the current track playing if it is still there."""
        self._submit(self.policy.restore_queue, list(items), current)

    def play_index(self, index: int) -> None:
        self._submit(self.policy.play_index, index, 0.0, False)

    def next(self) -> None:
        self._submit(self.policy.step, +1)

    def previous(self) -> None:
        self._submit(self.policy.step, -1)

    def toggle_pause(self) -> None:
        self._submit(self.policy.toggle_pause)

    def set_paused(self, paused: bool) -> None:
        self._submit(self.policy.set_paused, paused)

    def seek(self, seconds: float, relative: bool = True) -> None:
        self._submit(self.policy.seek, seconds, relative)

    def set_volume(self, volume: float) -> None:
        self._submit(self.policy.engine.set_volume, clamp_volume(volume))

    def change_volume(self, delta: float) -> None:
        self._submit(self.policy.change_volume, delta)

    def toggle_mute(self) -> None:
        self._submit(self.policy.toggle_mute)

    def set_muted(self, muted: bool) -> None:
        self._submit(self.policy.engine.set_muted, muted)

    def cycle_repeat(self) -> None:
        self._submit(self.policy.set_repeat, None)

    def set_repeat(self, mode: str) -> None:
        self._submit(self.policy.set_repeat, mode)

    def set_replaygain(self, mode: str, preamp: float | None = None) -> None:
        self._submit(self.policy.set_replaygain, mode, self.policy.preamp if preamp is None else preamp)

    def cycle_replaygain(self) -> None:
        self._submit(self.policy.cycle_replaygain)

    def stop(self) -> None:
        self._submit(self.policy.stop)

    def restore(self) -> SavedState | None:
        """Bring back the saved queue, track and position (paused there)."""
        if self.policy.state_path is None:
            return None
        state = SavedState.load(self.policy.state_path)
        self._submit(self.policy.restore, state)
        return state

    def save(self) -> None:
        self._submit(self.policy.save)

    # -- what tests may look at (the worker's own state; faces use events) -------------------------

    @property
    def engine(self) -> Engine:
        return self.policy.engine

    @property
    def resolver(self) -> SourceResolver:
        return self.policy.resolver

    @property
    def queue(self) -> Queue:
        return self.policy.queue

    @property
    def position(self) -> float:
        return self.policy.position

    @property
    def duration(self) -> float | None:
        return self.policy.duration

    @property
    def paused(self) -> bool:
        return self.policy.paused

    @property
    def volume(self) -> float:
        return self.policy.volume

    @property
    def muted(self) -> bool:
        return self.policy.muted

    @property
    def current_source(self) -> Source | None:
        return self.policy.current_source

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Save the queue and position, close the sources and the engine: on the owner, after
        everything already sent to it."""
        if self._closed:
            return

        def shut() -> None:
            self.policy.save()
            self._closed = True
            self.policy.close_sources()
            self.policy.engine.close()

        try:
            self.mailbox.call(shut)
        except MailboxClosed:  # the owner is stuck: close the engine from here rather than never
            shut()
        finally:
            self._closed = True
            if self._own_mailbox:
                self.mailbox.close()
