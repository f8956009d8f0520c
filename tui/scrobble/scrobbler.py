"""The scrobbler: one more subscriber of the core's events, with a thread of its own that
owns the listen rules and the sending. Events are posted to it; it never blocks the bus."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from tui.catalogue.records import Track
from tui.errors import LongtailError
from tui.scrobble.queue import ScrobbleQueue
from tui.scrobble.rules import ListenDue, ListenRules, NowPlayingDue
from tui.scrobble.services import BadCredentials, RateLimited, Rejected, ScrobbleError, Service, Unreachable

log = logging.getLogger("longtail")
CLIENT = "longtail"
BACKOFF_FIRST, BACKOFF_MAX = 30.0, 3600.0  # seconds; doubled at each failure
CREDENTIALS_RETRY = 1800.0  # a refused token is tried again now and then (it may have been fixed)


def payload_for(track: Track, listened_at: int | None, version: str) -> dict:
    """A listen as ListenBrainz's JSON has it (Last.fm takes its fields from the same)."""
    info = {"spotify_id": f"https://open.spotify.com/track/{track.id}", "duration_ms": track.duration_ms,
            "media_player": CLIENT, "submission_client": CLIENT, "submission_client_version": version,
            "tracknumber": track.track_number, "discnumber": track.disc_number}
    if track.isrc:
        info["isrc"] = track.isrc
    meta = {"artist_name": ", ".join(track.artist_names) or "(unknown artist)", "track_name": track.name or track.id,
            "release_name": track.album.name or None, "additional_info": info}
    doc: dict = {"track_metadata": meta}
    if listened_at is not None:
        doc["listened_at"] = listened_at
    return doc


class Scrobbler:
    def __init__(self, services: list[Service], store: ScrobbleQueue, lookup: Callable[[str], Track | None],
                 say: Callable[[str, str], None], version: str = "", first_backoff: float = BACKOFF_FIRST) -> None:
        self.services = services
        self.first_backoff = first_backoff
        self.store = store
        self.lookup = lookup
        self.say = say  # (text, level): a Notice on the bus
        self.version = version
        self.rules = ListenRules(self._duration_of)
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._refused: set[str] = set()  # services whose credentials were refused: said once
        self._wake_at: dict[str, float] = {}
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="longtail-scrobble", daemon=True)
        self._thread.start()

    # -- any thread ---------------------------------------------------------------------------

    def post(self, event: object) -> None:
        self._inbox.put(event)

    def close(self, timeout: float = 5.0) -> None:
        self._closing.set()
        self._inbox.put(None)
        self._thread.join(timeout)

    # -- the scrobbler's thread ---------------------------------------------------------------

    def _duration_of(self, track_id: str) -> float | None:
        track = self.lookup(track_id)
        return track.duration_ms / 1000 if track is not None else None

    def _run(self) -> None:
        for service in self.services:  # what an earlier run left, at once: its config may be fixed now
            self.store.wake(service.name)
        self._send_due()
        while not self._closing.is_set():
            try:
                event = self._inbox.get(timeout=self._sleep())
            except queue.Empty:
                event = None
            self._take(event)
            self._send_due()
        while True:  # closing: what was posted before the close still counts (a listen at the end)
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                break
            self._take(event)
        self._closing.clear()  # one last send of what is due, then the thread ends
        self._send_due()

    def _take(self, event: object) -> None:
        if event is None:
            return
        try:
            for due in self.rules.apply(event):
                self._act(due)
        except LongtailError as exc:  # the queue's own database: said, and go on
            self.say(str(exc), "error")

    def _sleep(self) -> float:
        now = time.time()
        times = [t for t in (self.store.next_due(s.name) for s in self.services) if t is not None]
        times += list(self._wake_at.values())
        return max(0.05, min([t - now for t in times], default=60.0)) if times else 60.0

    def _act(self, due: NowPlayingDue | ListenDue) -> None:
        track = self.lookup(due.track_id)
        if track is None:
            return
        if isinstance(due, NowPlayingDue):
            doc = payload_for(track, None, self.version)
            for service in self.services:
                if service.name not in self._refused and service.accepts(due.duration):
                    try:
                        service.now_playing(doc)
                    except BadCredentials as exc:
                        self._credentials_refused(service, exc)
                    except ScrobbleError as exc:  # "now playing" is a courtesy: never queued
                        log.info("scrobble: now playing not sent to %s: %s", service.name, exc)
            return
        for service in self.services:
            if service.accepts(due.duration):
                self.store.add(service.name, track.id, due.listened_at, payload_for(track, due.listened_at,
                                                                                    self.version))

    def _send_due(self) -> None:
        now = time.time()
        for service in self.services:
            if self._wake_at.get(service.name, 0) > now:
                continue
            self._wake_at.pop(service.name, None)
            while not self._closing.is_set():
                rows = self.store.due(service.name, service.batch)
                if not rows:
                    break
                ids = [r.id for r in rows]
                try:
                    service.submit([r.payload for r in rows])
                except RateLimited as exc:
                    self._wake_at[service.name] = time.time() + exc.retry_after
                    break
                except Unreachable as exc:
                    self.store.postpone(ids, str(exc), min(BACKOFF_MAX, self.first_backoff * 2 ** rows[0].attempts))
                    break
                except BadCredentials as exc:
                    self.store.postpone(ids, str(exc), CREDENTIALS_RETRY)
                    self._credentials_refused(service, exc)
                    break
                except Rejected as exc:
                    self.store.reject(ids, str(exc))
                    self.say(f"scrobble: {exc}", "warning")
                    continue
                self.store.mark_sent(ids)
                if service.name in self._refused:
                    self._refused.discard(service.name)

    def _credentials_refused(self, service: Service, exc: ScrobbleError) -> None:
        if service.name not in self._refused:
            self._refused.add(service.name)
            self.say(f"scrobble: {exc}; listens are kept until it works", "error")
