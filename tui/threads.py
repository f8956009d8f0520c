"""Who owns what: a `Mailbox` is a thread that owns some state; every other thread posts to it.

Work posted to a mailbox runs on its thread, one item at a time, in the order it was
posted, whoever posted it. That is the whole concurrency rule of longtail's core: the
session's mailbox owns the queue policy, the now-playing state and the stream feeder;
faces, mpv's threads and the swarm's alert thread only post.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("longtail")


class MailboxClosed(RuntimeError):
    """Work was handed to a mailbox whose thread has ended."""


class Mailbox:
    def __init__(self, name: str, on_idle: Callable[[], None] | None = None, idle_every: float = 30.0) -> None:
        self.name = name
        self._inbox: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._on_idle = on_idle
        self._idle_every = idle_every
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()

    def owns(self) -> bool:
        """True on the mailbox's own thread."""
        return threading.current_thread() is self._thread

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` on the owner, after everything posted before it. Never blocks; after
        `close` it is dropped (nothing is left to own the state it would touch)."""
        if not self._closed.is_set():
            self._inbox.put((fn, args))

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run `fn(*args)` on the owner and wait for its result (or its exception). On the owner
        itself, or once the owner has ended (nothing else can touch its state then), it runs at once."""
        if self.owns() or not self._thread.is_alive():
            return fn(*args)
        done = threading.Event()
        result: list[Any] = []
        error: list[BaseException] = []

        def run() -> None:
            try:
                result.append(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                error.append(exc)
            finally:
                done.set()

        self.post(run)
        if not done.wait(timeout):
            raise MailboxClosed(f"{self.name} did not answer within {timeout:g} s")
        if error:
            raise error[0]
        return result[0]

    def sync(self, timeout: float = 5.0) -> bool:
        """Wait until everything posted so far has run (tests, the CLI). False on a timeout."""
        if self.owns() or self._closed.is_set():
            return True
        done = threading.Event()
        self.post(done.set)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Run what was posted so far, then end the thread."""
        if self._closed.is_set():
            return
        self._inbox.put(None)
        self._closed.set()
        if not self.owns():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                item = self._inbox.get(timeout=self._idle_every) if self._on_idle else self._inbox.get()
            except queue.Empty:
                self._guard(self._on_idle)
                continue
            if item is None:
                return
            fn, args = item
            self._guard(fn, *args)

    def _guard(self, fn: Callable[..., Any] | None, *args: Any) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            log.exception("%s: posted work failed", self.name)
