"""The event bus: one publisher side, any number of subscribers, each on its own thread.

`publish` never blocks and never runs subscriber code: every subscription has its
own queue. A push subscription has a thread that calls its callback in order (the
TUI's callback posts a Textual message; MPRIS hands the event to its asyncio
loop); a pull subscription is read with `get` (the CLI's main thread). Snapshot
events (positions, NowPlaying, fetch progress) replace an older undelivered one
of the same key when nothing was queued after it, so a slow subscriber sees the
latest state, never a backlog, and never an event out of order.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from tui.core.events import coalesce_key


class Subscription:
    def __init__(self, bus: EventBus, kinds: tuple[type, ...] | None) -> None:
        self._bus = bus
        self._kinds = kinds
        self._cond = threading.Condition()
        self._slots: deque[list] = deque()  # each slot: [event]; a replaced event keeps its place
        self._pending: dict[tuple, list] = {}
        self._closed = False

    def wants(self, event: object) -> bool:
        return self._kinds is None or isinstance(event, self._kinds)

    def offer(self, event: object) -> None:
        key = coalesce_key(event)
        with self._cond:
            if self._closed:
                return
            slot = self._pending.get(key) if key is not None else None
            if slot is not None and self._slots and self._slots[-1] is slot:
                slot[0] = event  # nothing came after it: the newer snapshot takes its place
                return
            slot = [event]
            self._slots.append(slot)
            if key is not None:
                self._pending[key] = slot
            self._cond.notify()

    def wait(self, timeout: float | None = None) -> bool:
        """Until an event is queued (left queued, for `get`) or the timeout passes."""
        with self._cond:
            if not self._slots and not self._closed:
                self._cond.wait(timeout)
            return bool(self._slots)

    def get(self, timeout: float | None = None) -> object | None:
        """The next event, or None when the timeout passes or the subscription is closed."""
        with self._cond:
            if not self._slots and not self._closed:
                self._cond.wait(timeout)
            if not self._slots:
                return None
            slot = self._slots.popleft()
            event = slot[0]
            key = coalesce_key(event)
            if key is not None and self._pending.get(key) is slot:
                del self._pending[key]
            return event

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._bus._remove(self)

    @property
    def closed(self) -> bool:
        return self._closed


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []

    def publish(self, event: object) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for sub in subscriptions:
            if sub.wants(event):
                sub.offer(event)

    def queue(self, kinds: tuple[type, ...] | None = None) -> Subscription:
        """A pull subscription: read it with `get`."""
        sub = Subscription(self, kinds)
        with self._lock:
            self._subscriptions.append(sub)
        return sub

    def subscribe(self, callback: Callable[[object], None], kinds: tuple[type, ...] | None = None,
                  name: str = "subscriber") -> Subscription:
        """A push subscription: `callback` runs on a thread of its own, one event at a time."""
        sub = self.queue(kinds)

        def deliver() -> None:
            while True:
                event = sub.get()
                if event is None:
                    if sub.closed:
                        return
                    continue
                try:
                    callback(event)
                except Exception:  # noqa: BLE001 - one face's bug must not silence the others
                    pass

        threading.Thread(target=deliver, daemon=True, name=f"longtail-{name}").start()
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)
