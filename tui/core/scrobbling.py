"""Scrobbling as the core starts it: which services the config turns on, the scrobbler as
one more subscriber of the bus, and what `longtail scrobble` asks (status, Last.fm login)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from tui.catalogue.records import Track
from tui.config import Settings, StatePaths
from tui.core.bus import EventBus
from tui.errors import LongtailError, UsageError
from tui.player.events import Ended, Position, Seeked, Started
from tui.scrobble.queue import QueueCounts, ScrobbleQueue
from tui.scrobble.scrobbler import Scrobbler
from tui.scrobble.services import Lastfm, ListenBrainz, ScrobbleError, Service

__all__ = ["QueueCounts", "ScrobbleError", "Scrobbling", "configured_services", "lastfm_auth_url",
           "lastfm_session", "lastfm_token", "queue_status", "start"]

LASTFM_AUTH = "https://www.last.fm/api/auth/?api_key={key}&token={token}"


def version() -> str:
    try:
        return metadata.version("longtail")
    except metadata.PackageNotFoundError:
        return "dev"


def session_file(state: StatePaths) -> Path:
    return state.root / "lastfm-session.json"


def configured_services(settings: Settings, state: StatePaths) -> list[Service]:
    """The services the config names (a Last.fm without a session yet is left out, said by `status`)."""
    found: list[Service] = []
    lb, fm = settings.scrobble.listenbrainz, settings.scrobble.lastfm
    if lb.token:
        found.append(ListenBrainz(lb.token, lb.url))
    if fm.api_key and fm.api_secret and (key := settings.lastfm_session or _session_key(state)):
        found.append(Lastfm(fm.api_key, fm.api_secret, key, fm.url))
    return found


def _session_key(state: StatePaths) -> str | None:
    try:
        doc = json.loads(session_file(state).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    key = doc.get("key") if isinstance(doc, dict) else None
    return key if isinstance(key, str) and key else None


def queue_status(settings: Settings, state: StatePaths) -> dict:
    store = ScrobbleQueue(state.scrobbles)
    try:
        counts = {c.service: asdict(c) for c in store.counts()}
    finally:
        store.close()
    lb, fm = settings.scrobble.listenbrainz, settings.scrobble.lastfm
    services = {
        "listenbrainz": {"configured": bool(lb.token), "url": lb.url},
        "lastfm": {"configured": bool(fm.api_key and fm.api_secret), "logged_in": _session_key(state) is not None,
                   "url": fm.url},
    }
    for name, doc in services.items():
        doc.update(counts.get(name, {"queued": 0, "sent": 0, "rejected": 0, "oldest_queued": None,
                                     "last_error": None, "next_try": None}))
        doc.pop("service", None)
    return services


def _lastfm(settings: Settings) -> Lastfm:
    fm = settings.scrobble.lastfm
    if not (fm.api_key and fm.api_secret):
        raise UsageError("Last.fm needs an API key and secret first",
                         "put api_key and api_secret under [scrobble.lastfm] in the config "
                         "(https://www.last.fm/api/account/create makes them)")
    return Lastfm(fm.api_key, fm.api_secret, "", fm.url)


def lastfm_token(settings: Settings) -> str:
    """Step 1 of Last.fm's desktop login: a token the user then allows in a browser."""
    doc = _lastfm(settings).call("auth.getToken", {}, signed_session=False)
    token = doc.get("token")
    if not isinstance(token, str) or not token:
        raise LongtailError("Last.fm gave no token", "try again later")
    return token


def lastfm_auth_url(settings: Settings, token: str) -> str:
    return LASTFM_AUTH.format(key=settings.scrobble.lastfm.api_key, token=token)


def lastfm_session(settings: Settings, state: StatePaths, token: str) -> str:
    """Step 2: the session for the allowed token, kept in the state directory (the config is the
    user's and longtail never writes it); returns the user name."""
    doc = _lastfm(settings).call("auth.getSession", {"token": token}, signed_session=False)
    session = doc.get("session")
    found: dict = session if isinstance(session, dict) else {}
    key, name = found.get("key"), found.get("name", "")
    if not isinstance(key, str) or not key:
        raise LongtailError("Last.fm gave no session", "allow longtail in the browser first, then try again")
    path = session_file(state)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)  # a secret
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"key": key, "name": name}, out)
    os.replace(path.with_suffix(".tmp"), path)
    return str(name)


class Scrobbling:
    """The scrobbler fed from the bus: a pull subscription forwarded by a thread this owns, so
    that closing delivers every event published before (the last track's end) first."""

    KINDS = (Started, Position, Seeked, Ended)

    def __init__(self, bus: EventBus, scrobbler: Scrobbler, store: ScrobbleQueue) -> None:
        self.scrobbler, self.store = scrobbler, store
        self.sub = bus.queue(self.KINDS)
        self.thread = threading.Thread(target=self._forward, name="longtail-scrobble-feed", daemon=True)
        self.thread.start()

    def _forward(self) -> None:
        while True:
            event = self.sub.get(timeout=1.0)
            if event is not None:
                self.scrobbler.post(event)
            elif self.sub.closed:
                return

    def close(self) -> None:
        self.sub.close()
        self.thread.join(5)
        self.scrobbler.close()
        self.store.close()


def start(settings: Settings, state: StatePaths, bus: EventBus, lookup: Callable[[str], Track | None],
          say: Callable[[str, str], None]) -> Scrobbling | None:
    """Scrobbling for this session, when the config names a service; None otherwise."""
    services = configured_services(settings, state)
    if not services:
        return None
    store = ScrobbleQueue(state.scrobbles)
    return Scrobbling(bus, Scrobbler(services, store, lookup, say, version()), store)
