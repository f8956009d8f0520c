"""The two MPRIS2 interfaces, `org.mpris.MediaPlayer2` and `org.mpris.MediaPlayer2.Player`.

They run on the MPRIS face's asyncio loop: state comes in through `update` (from
the core's events), commands go out to the session. No `from __future__ import
annotations` here: dbus-fast reads the D-Bus signatures from the annotations.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from dbus_fast import PropertyAccess, Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusDict,
    DBusDouble,
    DBusInt64,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from tui.core import commands
from tui.core.events import NowPlaying

if TYPE_CHECKING:
    from tui.core.session import Session

NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"
LOOP = {"off": "None", "track": "Track", "queue": "Playlist"}
DBusStrList = Annotated[list[str], DBusSignature("as")]


def track_path(track_id: str) -> str:
    return f"/org/longtail/track/{track_id}"  # track ids are base62: valid path elements


class RootInterface(ServiceInterface):
    def __init__(self, quit_app: Callable[[], None]) -> None:
        super().__init__("org.mpris.MediaPlayer2")
        self.quit_app = quit_app

    @dbus_method()
    def Raise(self) -> None:  # noqa: N802 - D-Bus names
        return None

    @dbus_method()
    def Quit(self) -> None:  # noqa: N802
        self.quit_app()

    @dbus_property(access=PropertyAccess.READ)
    def CanQuit(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanRaise(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def HasTrackList(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Identity(self) -> DBusStr:  # noqa: N802
        return "longtail"

    @dbus_property(access=PropertyAccess.READ)
    def SupportedUriSchemes(self) -> DBusStrList:  # noqa: N802
        return []

    @dbus_property(access=PropertyAccess.READ)
    def SupportedMimeTypes(self) -> DBusStrList:  # noqa: N802
        return ["audio/ogg", "audio/opus"]


class PlayerInterface(ServiceInterface):
    def __init__(self, session: "Session") -> None:
        super().__init__("org.mpris.MediaPlayer2.Player")
        self.session = session
        self.now: NowPlaying | None = None
        self._seen_at = time.monotonic()

    # -- state from the core -------------------------------------------------------------------

    art_url: str | None = None  # the cached cover of the playing track, when there is one

    def update(self, now: NowPlaying, art_url: str | None = None) -> None:
        old, self.now = self.now, now
        old_art, self.art_url = self.art_url, art_url
        self._seen_at = time.monotonic()
        changed: dict = {}
        if old is None or old.state != now.state:
            changed["PlaybackStatus"] = self._status()
        if old is None or old.track != now.track or old.duration != now.duration or old_art != art_url:
            changed["Metadata"] = self._metadata()
        if old is None or (old.volume, old.muted) != (now.volume, now.muted):
            changed["Volume"] = self._volume()
        if old is None or old.repeat != now.repeat:
            changed["LoopStatus"] = LOOP.get(now.repeat, "None")
        if changed:
            self.emit_properties_changed(changed)

    def seeked(self, track_id: str, seconds: float) -> None:
        """The player says where a seek landed (never guessed from positions)."""
        if self.now is not None and self.now.track_id == track_id:
            self.Seeked(int(seconds * 1e6))

    def _status(self) -> str:
        state = self.now.state if self.now else "stopped"
        return {"playing": "Playing", "paused": "Paused", "loading": "Playing"}.get(state, "Stopped")

    def _metadata(self) -> dict:
        now = self.now
        if now is None or now.track is None:
            return {"mpris:trackid": Variant("o", NO_TRACK)}
        t = now.track
        length = now.duration or t.duration_ms / 1000
        return {
            "mpris:trackid": Variant("o", track_path(t.id)),
            "mpris:length": Variant("x", int(length * 1e6)),
            "xesam:title": Variant("s", t.name or ""),
            "xesam:artist": Variant("as", list(t.artist_names)),
            "xesam:album": Variant("s", t.album.name or ""),
            "xesam:trackNumber": Variant("i", t.track_number),
            "xesam:discNumber": Variant("i", t.disc_number),
            "xesam:url": Variant("s", f"https://open.spotify.com/track/{t.id}"),
            **({"mpris:artUrl": Variant("s", self.art_url)} if self.art_url else {}),
        }

    def _volume(self) -> float:
        if self.now is None:
            return 1.0
        return 0.0 if self.now.muted else self.now.volume / 100.0

    # -- methods ----------------------------------------------------------------------------------

    @dbus_method()
    def Next(self) -> None:  # noqa: N802
        self.session.send(commands.Next())

    @dbus_method()
    def Previous(self) -> None:  # noqa: N802
        self.session.send(commands.Previous())

    @dbus_method()
    def Pause(self) -> None:  # noqa: N802
        self.session.send(commands.SetPaused(True))

    @dbus_method()
    def PlayPause(self) -> None:  # noqa: N802
        self.session.send(commands.TogglePause())

    @dbus_method()
    def Stop(self) -> None:  # noqa: N802
        self.session.send(commands.Stop())

    @dbus_method()
    def Play(self) -> None:  # noqa: N802
        self.session.send(commands.SetPaused(False))

    @dbus_method()
    def Seek(self, offset: DBusInt64) -> None:  # noqa: N802
        self.session.send(commands.Seek(offset / 1e6, relative=True))

    @dbus_method()
    def SetPosition(self, track_id: DBusObjectPath, position: DBusInt64) -> None:  # noqa: N802
        now = self.now
        if now is None or now.track is None or track_id != track_path(now.track.id) or position < 0:
            return  # the spec: a stale track id or a negative position is ignored
        self.session.send(commands.Seek(position / 1e6, relative=False))

    @dbus_method()
    def OpenUri(self, uri: DBusStr) -> None:  # noqa: N802
        return None

    @dbus_signal()
    def Seeked(self, position: DBusInt64) -> DBusInt64:  # noqa: N802
        return position

    # -- properties --------------------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def PlaybackStatus(self) -> DBusStr:  # noqa: N802
        return self._status()

    @dbus_property()
    def LoopStatus(self) -> DBusStr:  # noqa: N802
        return LOOP.get(self.now.repeat if self.now else "off", "None")

    @LoopStatus.setter  # type: ignore[no-redef]
    def LoopStatus(self, value: DBusStr) -> None:  # noqa: N802
        mode = {v: k for k, v in LOOP.items()}.get(value)
        if mode is not None:
            self.session.send(commands.SetRepeat(mode))

    @dbus_property()
    def Rate(self) -> DBusDouble:  # noqa: N802
        return 1.0

    @Rate.setter  # type: ignore[no-redef]
    def Rate(self, value: DBusDouble) -> None:  # noqa: N802
        return None  # one rate only: MinimumRate = MaximumRate = 1

    @dbus_property()
    def Shuffle(self) -> DBusBool:  # noqa: N802
        return False

    @Shuffle.setter  # type: ignore[no-redef]
    def Shuffle(self, value: DBusBool) -> None:  # noqa: N802
        return None  # longtail's shuffle is a stream (screen 3), not a queue mode

    @dbus_property(access=PropertyAccess.READ)
    def Metadata(self) -> DBusDict:  # noqa: N802
        return self._metadata()

    @dbus_property()
    def Volume(self) -> DBusDouble:  # noqa: N802
        return self._volume()

    @Volume.setter  # type: ignore[no-redef]
    def Volume(self, value: DBusDouble) -> None:  # noqa: N802
        self.session.send(commands.SetVolume(value * 100.0))

    @dbus_property(access=PropertyAccess.READ)
    def Position(self) -> DBusInt64:  # noqa: N802
        now = self.now
        if now is None or now.track is None:
            return 0
        position = now.position
        if now.state == "playing":
            position += time.monotonic() - self._seen_at
        return int(position * 1e6)

    @dbus_property(access=PropertyAccess.READ)
    def MinimumRate(self) -> DBusDouble:  # noqa: N802
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def MaximumRate(self) -> DBusDouble:  # noqa: N802
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def CanGoNext(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanGoPrevious(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanPlay(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanPause(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanSeek(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanControl(self) -> DBusBool:  # noqa: N802
        return True
