"""Loopback stand-ins for ListenBrainz and Last.fm: `longtail demo --scrobble-sink` shows a
listener their listens arriving without an account, and the tests send to the same servers.
They check what the real APIs check (the token, the payload's shape and types, the request
signature, the session) and can be down or rate-limiting on demand, so a client that passes
here passes there."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TextIO

LISTEN_MINIMUM_TS = 1033430400  # ListenBrainz refuses listens before October 2002
MAX_LISTENS_PER_REQUEST = 1000
LASTFM_MAX_BATCH = 50

Mode = Literal["up", "down", "ratelimit"]
# (service, kind, the item as the service received it); kind is "playing_now" or "listen"
Arrival = Callable[[str, str, dict[str, Any]], None]


class Stand:
    """A server on 127.0.0.1 with a free port; `mode` is "up", "down" (503) or "ratelimit" (429)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], on_arrival: Arrival | None = None) -> None:
        self.mode: Mode = "up"
        self.lock = threading.Lock()
        self.on_arrival = on_arrival
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.stand = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, name="scrobble-sink", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def arrived(self, service: str, kind: str, items: list[dict[str, Any]]) -> None:
        if self.on_arrival is not None:
            for item in items:
                self.on_arrival(service, kind, item)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a request log would draw over the TUI

    def answer(self, code: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class ListenBrainzServer(Stand):
    TOKEN = "lb-good-token"
    SERVICE = "listenbrainz"

    def __init__(self, on_arrival: Arrival | None = None) -> None:
        self.listens: list[dict[str, Any]] = []
        self.playing_now: list[dict[str, Any]] = []
        super().__init__(_ListenBrainzHandler, on_arrival)


class _ListenBrainzHandler(_Handler):
    def do_GET(self) -> None:
        if self.path.startswith("/1/validate-token"):
            ok = self.headers.get("Authorization") == f"Token {ListenBrainzServer.TOKEN}"
            self.answer(200, {"code": 200, "valid": ok, "message": "Token valid." if ok else "Token invalid."})
        else:
            self.answer(404, {"code": 404, "error": "Not found"})

    def do_POST(self) -> None:
        stand: ListenBrainzServer = self.server.stand  # type: ignore[attr-defined]
        data = self.body()
        if stand.mode == "down":
            return self.answer(503, {"code": 503, "error": "Service unavailable"})
        if stand.mode == "ratelimit":
            return self.answer(429, {"code": 429, "error": "Too many requests"},
                               {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-In": "1"})
        if self.path != "/1/submit-listens":
            return self.answer(404, {"code": 404, "error": "Not found"})
        if self.headers.get("Authorization") != f"Token {ListenBrainzServer.TOKEN}":
            return self.answer(401, {"code": 401, "error": "Invalid authorization token."})
        try:
            doc = json.loads(data)
        except ValueError:
            return self.answer(400, {"code": 400, "error": "Cannot parse JSON document"})
        if why := submit_problem(doc):
            return self.answer(400, {"code": 400, "error": why})
        now = doc["listen_type"] == "playing_now"
        with stand.lock:
            (stand.playing_now if now else stand.listens).extend(doc["payload"])
        self.answer(200, {"status": "ok"})
        stand.arrived(ListenBrainzServer.SERVICE, "playing_now" if now else "listen", doc["payload"])


def submit_problem(doc: object) -> str | None:
    """What ListenBrainz's /1/submit-listens validation says of a body, or None."""
    if not isinstance(doc, dict) or doc.get("listen_type") not in ("single", "import", "playing_now"):
        return "JSON document must have a valid listen_type"
    payload = doc.get("payload")
    if not isinstance(payload, list) or not payload:
        return "JSON document must contain a payload list"
    if doc["listen_type"] in ("single", "playing_now") and len(payload) != 1:
        return f"JSON document for {doc['listen_type']} must contain exactly one listen"
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        return "Too many listens"
    for listen in payload:
        meta = listen.get("track_metadata") if isinstance(listen, dict) else None
        if not isinstance(meta, dict):
            return "JSON document does not contain track_metadata"
        for key in ("artist_name", "track_name"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                return f"JSON document does not contain a valid {key}"
        if "additional_info" in meta and not isinstance(meta["additional_info"], dict):
            return "additional_info must be a dictionary"
        at = listen.get("listened_at")
        if doc["listen_type"] == "playing_now":
            if at is not None:
                return "JSON document must not contain listened_at while submitting playing_now"
        elif not isinstance(at, int) or at < LISTEN_MINIMUM_TS:
            return "Value for key listened_at is too low / not an integer"
    return None


class LastfmServer(Stand):
    API_KEY, SECRET, SESSION = "fm-key", "fm-secret", "fm-session-key"
    SERVICE = "lastfm"

    def __init__(self, on_arrival: Arrival | None = None) -> None:
        self.scrobbles: list[dict[str, str]] = []
        self.now_playing: list[dict[str, str]] = []
        self.tokens: dict[str, bool] = {}  # token -> allowed by the user
        self.sessions = {self.SESSION}
        super().__init__(_LastfmHandler, on_arrival)

    @property
    def api_root(self) -> str:
        return self.url + "/2.0/"


def lastfm_signature(fields: dict[str, str], secret: str) -> str:
    text = "".join(f"{k}{v}" for k, v in sorted(fields.items()) if k not in ("format", "callback", "api_sig"))
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


class _LastfmHandler(_Handler):
    def do_POST(self) -> None:
        stand: LastfmServer = self.server.stand  # type: ignore[attr-defined]
        fields = {k: v[0] for k, v in urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True).items()}
        if stand.mode == "down":
            return self.answer(200, {"error": 16, "message": "The service is temporarily unavailable"})
        if stand.mode == "ratelimit":
            return self.answer(429, {"error": 29, "message": "Rate limit exceeded"})
        if fields.get("api_key") != LastfmServer.API_KEY:
            return self.answer(403, {"error": 10, "message": "Invalid API key"})
        if fields.get("api_sig") != lastfm_signature(fields, LastfmServer.SECRET):
            return self.answer(403, {"error": 13, "message": "Invalid method signature supplied"})
        method = fields.get("method")
        if method == "auth.getToken":
            token = f"token{len(stand.tokens)}"
            stand.tokens[token] = False
            return self.answer(200, {"token": token})
        if method == "auth.getSession":
            if not stand.tokens.get(fields.get("token", "")):
                return self.answer(403, {"error": 14, "message": "Unauthorized Token"})
            return self.answer(200, {"session": {"name": "listener", "key": LastfmServer.SESSION, "subscriber": 0}})
        if fields.get("sk") not in stand.sessions:
            return self.answer(403, {"error": 9, "message": "Invalid session key"})
        if method == "track.updateNowPlaying":
            with stand.lock:
                stand.now_playing.append(fields)
            self.answer(200, {"nowplaying": {}})
            return stand.arrived(LastfmServer.SERVICE, "playing_now", [fields])
        if method == "track.scrobble":
            return self._scrobble(stand, fields)
        return self.answer(400, {"error": 3, "message": "Invalid Method - No method with that name in this package"})

    def _scrobble(self, stand: LastfmServer, fields: dict[str, str]) -> None:
        batch = []
        for i in range(LASTFM_MAX_BATCH):
            if f"artist[{i}]" not in fields:
                break
            if not fields.get(f"track[{i}]") or not fields.get(f"timestamp[{i}]", "").isdigit():
                return self.answer(400, {"error": 6, "message": f"Invalid parameters: scrobble {i}"})
            batch.append({k.split("[")[0]: fields[k] for k in fields if k.endswith(f"[{i}]")})
        if not batch or f"artist[{len(batch)}]" in fields:
            return self.answer(400, {"error": 6, "message": "Invalid parameters: 1 to 50 scrobbles"})
        with stand.lock:
            stand.scrobbles.extend(batch)
        self.answer(200, {"scrobbles": {"@attr": {"accepted": len(batch), "ignored": 0}}})
        stand.arrived(LastfmServer.SERVICE, "listen", batch)


class ScrobbleSink:
    """Both stand-ins at once, for the demo: every item they accept is appended to `log` as a
    JSON line (so another terminal can `tail -f` it) and described to `say` in one line."""

    def __init__(self, log: TextIO, say: Callable[[str], None] | None = None) -> None:
        self.log = log
        self.say: Callable[[str], None] = say or (lambda _text: None)
        self._write = threading.Lock()
        self.listenbrainz = ListenBrainzServer(self._arrived)
        self.lastfm = LastfmServer(self._arrived)

    def _arrived(self, service: str, kind: str, item: dict[str, Any]) -> None:
        with self._write:
            self.log.write(json.dumps({"service": service, "kind": kind, "item": item}, ensure_ascii=False) + "\n")
            self.log.flush()
        self.say(describe(service, kind, item))

    def close(self) -> None:
        self.listenbrainz.close()
        self.lastfm.close()


def describe(service: str, kind: str, item: dict[str, Any]) -> str:
    """"ListenBrainz: listen of “Title” by Artist" from what the service received."""
    if service == ListenBrainzServer.SERVICE:
        meta = item.get("track_metadata") or {}
        title, artist = meta.get("track_name", "?"), meta.get("artist_name", "?")
    else:
        title, artist = item.get("track", "?"), item.get("artist", "?")
    name = "ListenBrainz" if service == ListenBrainzServer.SERVICE else "Last.fm"
    what = "now playing" if kind == "playing_now" else "listen of"
    return f"scrobble sink · {name}: {what} “{title}” by {artist}"
