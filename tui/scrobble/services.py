"""The two services behind one small interface. What each raises:

- `Unreachable`: offline, a timeout, a 5xx, the service saying it is down: try later.
- `RateLimited`: try after `retry_after` seconds.
- `BadCredentials`: the token, key, secret or session is refused: said once, kept queued.
- `Rejected`: this request is malformed for the service: those listens are not resent.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from tui.errors import LongtailError

USER_AGENT = "longtail (https://github.com/longtail-music/longtail)"
TIMEOUT = 20.0


class ScrobbleError(LongtailError):
    pass


class Unreachable(ScrobbleError):
    pass


class RateLimited(ScrobbleError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadCredentials(ScrobbleError):
    pass


class Rejected(ScrobbleError):
    pass


class Service(ABC):
    name: str
    batch: int  # listens per request

    def accepts(self, duration: float) -> bool:
        return True

    @abstractmethod
    def now_playing(self, payload: dict) -> None: ...

    @abstractmethod
    def submit(self, payloads: list[dict]) -> None: ...


class ListenBrainz(Service):
    """liblistenbrainz against `url` (a self-hosted server differs only there)."""

    name = "listenbrainz"
    batch = 100  # the API takes up to 1,000 per import; a smaller batch fails smaller

    def __init__(self, token: str, url: str) -> None:
        import liblistenbrainz

        self.token = token
        self.client = liblistenbrainz.ListenBrainz(api_base_url=url.rstrip("/"))
        self.client.set_auth_token(token, check_validity=False)

    def now_playing(self, payload: dict) -> None:
        self._call(self.client.submit_playing_now, self._listen(payload, with_time=False))

    def submit(self, payloads: list[dict]) -> None:
        listens = [self._listen(p) for p in payloads]
        if len(listens) == 1:
            self._call(self.client.submit_single_listen, listens[0])
        else:
            self._call(self.client.submit_multiple_listens, listens)

    @staticmethod
    def _listen(payload: dict, with_time: bool = True) -> Any:
        import liblistenbrainz

        meta = payload["track_metadata"]
        return liblistenbrainz.Listen(
            track_name=meta["track_name"], artist_name=meta["artist_name"], release_name=meta.get("release_name"),
            listened_at=payload["listened_at"] if with_time else None,
            additional_info=dict(meta.get("additional_info", {})))

    def _call(self, method: Callable[..., object], argument: object) -> None:
        import requests
        from liblistenbrainz.errors import InvalidSubmitListensPayloadException, ListenBrainzAPIException

        try:
            method(argument)
        except InvalidSubmitListensPayloadException as exc:
            raise Rejected(f"ListenBrainz would refuse these listens ({exc})") from None
        except ListenBrainzAPIException as exc:
            code, message = exc.status_code, exc.message or ""
            if code == 401:
                raise BadCredentials("ListenBrainz refused the token (401): check [scrobble.listenbrainz] token "
                                     "(your profile page has it)") from None
            if code == 429:
                raise RateLimited("ListenBrainz: rate limited", 10.0) from None
            if code is not None and 400 <= code < 500:
                raise Rejected(f"ListenBrainz refused the listens ({code}: {message})") from None
            raise Unreachable(f"ListenBrainz answered {code} ({message})") from None
        except requests.RequestException as exc:
            raise Unreachable(f"ListenBrainz unreachable ({type(exc).__name__})") from None


# Last.fm's error codes (https://www.last.fm/api/errorcodes) by what longtail does about them
LASTFM_CREDENTIALS = {4, 9, 10, 14, 15, 26}  # auth, session, key, token, suspended key
LASTFM_LATER = {8, 11, 16}  # operation failed, offline, temporarily unavailable
LASTFM_RATE = 29


class Lastfm(Service):
    """Last.fm's documented HTTP API, signed (pylast talks only to ws.audioscrobbler.com over
    HTTPS, so it could not be tested against a loopback server, and the calls are few)."""

    name = "lastfm"
    batch = 50  # track.scrobble takes up to 50

    def __init__(self, api_key: str, secret: str, session_key: str, url: str) -> None:
        self.api_key, self.secret, self.session_key, self.url = api_key, secret, session_key, url

    def accepts(self, duration: float) -> bool:
        return duration > 30.0  # "The track must be longer than 30 seconds"

    def now_playing(self, payload: dict) -> None:
        meta = payload["track_metadata"]
        self.call("track.updateNowPlaying", {"artist": meta["artist_name"], "track": meta["track_name"],
                                             "album": meta.get("release_name") or "",
                                             "duration": str(_duration(meta))})

    def submit(self, payloads: list[dict]) -> None:
        params: dict[str, str] = {}
        for i, payload in enumerate(payloads):
            meta = payload["track_metadata"]
            params.update({f"artist[{i}]": meta["artist_name"], f"track[{i}]": meta["track_name"],
                           f"timestamp[{i}]": str(payload["listened_at"]),
                           f"album[{i}]": meta.get("release_name") or "", f"duration[{i}]": str(_duration(meta))})
        self.call("track.scrobble", params)

    def call(self, method: str, params: dict[str, str], signed_session: bool = True) -> dict:
        fields = {**params, "method": method, "api_key": self.api_key}
        if signed_session:
            fields["sk"] = self.session_key
        fields["api_sig"] = signature(fields, self.secret)
        fields["format"] = "json"
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.url, data=body, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read()
            if exc.code >= 500:
                raise Unreachable(f"Last.fm answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(f"Last.fm unreachable ({getattr(exc, 'reason', exc)})") from None
        try:
            doc = json.loads(text)
        except ValueError:
            raise Unreachable("Last.fm answered something that is not JSON") from None
        if isinstance(doc, dict) and "error" in doc:
            code, message = doc.get("error"), doc.get("message", "")
            if code in LASTFM_CREDENTIALS or code == 13:
                raise BadCredentials(f"Last.fm refused the credentials ({code}: {message}): check [scrobble.lastfm] "
                                     "api_key and api_secret, then `longtail scrobble login lastfm`") from None
            if code == LASTFM_RATE:
                raise RateLimited("Last.fm: rate limited", 60.0) from None
            if code in LASTFM_LATER:
                raise Unreachable(f"Last.fm: {message or code}") from None
            raise Rejected(f"Last.fm refused it ({code}: {message})") from None
        return doc if isinstance(doc, dict) else {}


def signature(fields: dict[str, str], secret: str) -> str:
    """api_sig: MD5 over every parameter (but format and callback) sorted by name, name then
    value, then the secret (https://www.last.fm/api/desktopauth, section 6)."""
    text = "".join(f"{k}{v}" for k, v in sorted(fields.items()) if k not in ("format", "callback"))
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


def _duration(meta: dict) -> int:
    return round(meta.get("additional_info", {}).get("duration_ms", 0) / 1000)
