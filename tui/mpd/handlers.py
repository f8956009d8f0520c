"""MPD commands as core commands and library reads. Every change goes through
`session.send` (the one ordered channel) and each connection waits until its command is
applied before answering, so a client's commands land in the order it sent them.
Lists never materialise the catalogue: searches are capped, `list artist` pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.core import commands as cmd
from tui.core.events import NowPlaying, QueueEdited
from tui.core.session import Session
from tui.mpd import songs
from tui.mpd.browse import BrowseCommands
from tui.mpd.catalogue_commands import CatalogueCommands
from tui.mpd.connection import Connection
from tui.mpd.own_commands import OwnCommands
from tui.mpd.protocol import (
    ACK_ARG,
    ACK_NO_EXIST,
    ACK_UNKNOWN,
    MpdError,
    parse_float,
    parse_int,
    parse_range,
)
from tui.mpd.state import PlayerView

REPEAT_TO_MPD = {"off": (0, 0), "queue": (1, 0), "track": (1, 1)}


Handler = Callable[["Handlers", Connection, list[str]], list[str]]


class Handlers(CatalogueCommands, BrowseCommands, OwnCommands):
    def __init__(self, session: Session, view: PlayerView) -> None:
        self.session = session
        self.view = view
        self._few_cache = {}  # browse: which name prefixes have few artists (the catalogue never changes under us)
        self.started = time.time()

    def send(self, command: cmd.Command) -> None:
        self.session.send(command)
        self.session.sync(10.0)  # answered once applied: the client's next command comes after it

    # -- status -------------------------------------------------------------------------------------

    def status(self, conn: Connection, args: list[str]) -> list[str]:
        snap = self.view.snapshot()
        now = snap.now
        repeat, single = REPEAT_TO_MPD.get(snap.repeat, (0, 0))
        volume = _volume(now)
        state = {"playing": "play", "loading": "play", "paused": "pause"}.get(now.state if now else "", "stop")
        out = [f"volume: {volume}", f"repeat: {repeat}", "random: 0", f"single: {single}", "consume: 0",
               f"playlist: {snap.playlist_version}", f"playlistlength: {len(snap.items)}", f"state: {state}",
               "mixrampdb: 0.000000"]
        current = snap.current
        if current is not None and current < len(snap.items):
            out += [f"song: {current}", f"songid: {snap.song_ids[current]}"]
            if current + 1 < len(snap.items):
                out += [f"nextsong: {current + 1}", f"nextsongid: {snap.song_ids[current + 1]}"]
            if now is not None and state != "stop":
                elapsed = max(0.0, now.position)
                duration = now.duration or (now.track.duration_ms / 1000 if now.track else 0.0)
                out += [f"time: {int(elapsed)}:{int(duration)}", f"elapsed: {elapsed:.3f}",
                        f"duration: {duration:.3f}"]
                if now.kbps is not None:
                    out.append(f"bitrate: {now.kbps}")
                if now.audio is not None:  # what the file's header says (decoded to float)
                    out.append(f"audio: {now.audio[0]}:f:{now.audio[1]}")
        if now is not None and now.message:
            out.append(f"error: {now.message}")
        return out

    def currentsong(self, conn: Connection, args: list[str]) -> list[str]:
        snap = self.view.snapshot()
        if snap.current is None or snap.current >= len(snap.items):
            return []
        return self._song(snap.items[snap.current], snap.current, snap.song_ids[snap.current])

    def stats(self, conn: Connection, args: list[str]) -> list[str]:
        counts = self.session.library.file_counts()
        return ["artists: 0", "albums: 0", f"songs: {counts.get('files', 0)}",
                f"uptime: {int(time.time() - self.started)}", "playtime: 0", "db_playtime: 0",
                f"db_update: {int(self.started)}"]

    # -- playback -----------------------------------------------------------------------------------

    def play(self, conn: Connection, args: list[str]) -> list[str]:
        snap = self.view.snapshot()
        if args:
            pos = parse_int(args[0])
            if not 0 <= pos < len(snap.items):
                raise MpdError(ACK_ARG, "Bad song index")
            self.send(cmd.PlayIndex(pos))
        elif snap.now is not None and snap.now.state == "paused":
            self.send(cmd.SetPaused(False))
        elif snap.items:
            self.send(cmd.PlayIndex(snap.current or 0))
        return []

    def playid(self, conn: Connection, args: list[str]) -> list[str]:
        if not args:
            return self.play(conn, [])
        return self.play(conn, [str(self._pos_of_id(args[0]))])

    def pause(self, conn: Connection, args: list[str]) -> list[str]:
        self.send(cmd.SetPaused(bool(parse_int(args[0]))) if args else cmd.TogglePause())
        return []

    def stop(self, conn: Connection, args: list[str]) -> list[str]:
        self.send(cmd.Stop())
        return []

    def next(self, conn: Connection, args: list[str]) -> list[str]:
        self.send(cmd.Next())
        return []

    def previous(self, conn: Connection, args: list[str]) -> list[str]:
        self.send(cmd.Previous())
        return []

    def seek(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 2)
        snap = self.view.snapshot()
        if parse_int(args[0]) != snap.current:
            self.send(cmd.PlayIndex(parse_int(args[0])))
        self.send(cmd.Seek(parse_float(args[1]), relative=False))
        return []

    def seekid(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 2)
        return self.seek(conn, [str(self._pos_of_id(args[0])), args[1]])

    def seekcur(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        value = args[0]
        relative = value[:1] in "+-"
        self.send(cmd.Seek(parse_float(value), relative=relative))
        return []

    # -- volume and options ---------------------------------------------------------------------------

    def setvol(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        volume = parse_int(args[0])
        if not 0 <= volume <= 100:
            raise MpdError(ACK_ARG, "Invalid volume value")
        self.send(cmd.SetVolume(volume))
        self.view.wait_for(lambda snap: snap.now is not None and round(snap.now.volume) == volume)
        return []

    def volume(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        before = self.view.snapshot().now
        self.send(cmd.ChangeVolume(parse_int(args[0])))
        self.view.wait_for(lambda snap: snap.now is not None and (before is None or snap.now.volume != before.volume))
        return []

    def getvol(self, conn: Connection, args: list[str]) -> list[str]:
        return [f"volume: {_volume(self.view.snapshot().now)}"]

    def repeat(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        single = REPEAT_TO_MPD.get(self.view.snapshot().repeat, (0, 0))[1]
        on = args[0] == "1"
        self.send(cmd.SetRepeat(("track" if single else "queue") if on else "off"))
        return []

    def single(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        if args[0] == "oneshot":
            raise MpdError(ACK_ARG, "single oneshot is not supported by longtail")
        self.send(cmd.SetRepeat("track" if args[0] == "1" else "queue" if self.view.snapshot().repeat != "off"
                                else "off"))
        return []

    def random(self, conn: Connection, args: list[str]) -> list[str]:
        if args and args[0] == "1":
            raise MpdError(ACK_ARG, "random is not supported by longtail: use `shuffle` (a true shuffle of the queue)")
        return []

    def consume(self, conn: Connection, args: list[str]) -> list[str]:
        if args and args[0] != "0":
            raise MpdError(ACK_ARG, "consume is not supported by longtail")
        return []

    def replay_gain_mode(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        modes = {"off": "off", "track": "track", "album": "album", "auto": "track"}
        if args[0] not in modes:
            raise MpdError(ACK_ARG, "Unrecognized replay gain mode")
        self.send(cmd.SetReplayGain(modes[args[0]]))
        return []

    def replay_gain_status(self, conn: Connection, args: list[str]) -> list[str]:
        now = self.view.snapshot().now
        return [f"replay_gain_mode: {now.replaygain if now else 'off'}"]

    # -- the queue ------------------------------------------------------------------------------------

    def add(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        self._enqueue(args[0])
        return []

    def addid(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        if len(args) > 1:
            raise MpdError(ACK_ARG, "addid with a position is not supported by longtail")
        track_id = self._enqueue(args[0])
        snap = self.view.snapshot()
        for pos in range(len(snap.items) - 1, -1, -1):
            if snap.items[pos] == track_id:
                return [f"Id: {snap.song_ids[pos]}"]
        raise MpdError(ACK_NO_EXIST, "No such song")

    def _enqueue(self, value: str) -> str:
        track_id = songs.track_id_of(value)
        if track_id is None:
            raise MpdError(ACK_NO_EXIST, f"No such song: {value}")
        why = self._enqueue_ids([track_id]).get(track_id)
        if why is not None:
            raise MpdError(ACK_NO_EXIST, f"{value} cannot play: {why}")
        return track_id

    def _enqueue_ids(self, track_ids: list[str]) -> dict[str, str]:
        """Queue what can play of these (the player's one rule: not in the catalogue, absent, or
        fetchable with fetching off stays out); why each left out could not. None at all: MPD's error."""
        edits = self.session.bus.queue((QueueEdited,))
        left_out: dict[str, str] = {}
        try:
            self.send(cmd.Enqueue(tuple(track_ids)))
            while (event := edits.get(0)) is not None:
                if isinstance(event, QueueEdited):
                    left_out.update(event.left_out)
                    if event.refused and len(track_ids) > 1:
                        raise MpdError(ACK_NO_EXIST, f"none of these {len(track_ids)} tracks can play here")
        finally:
            edits.close()
        return left_out

    def delete(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        snap = self.view.snapshot()
        start, end = parse_range(args[0])
        end = len(snap.items) if end is None else end
        if not 0 <= start < end <= len(snap.items):
            raise MpdError(ACK_ARG, "Bad song index")
        for pos in range(end - 1, start - 1, -1):
            self.send(cmd.Remove(pos))
        return []

    def deleteid(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        self.send(cmd.Remove(self._pos_of_id(args[0])))
        return []

    def move(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 2)
        snap = self.view.snapshot()
        src, dst = parse_int(args[0]), parse_int(args[1])
        if not (0 <= src < len(snap.items) and 0 <= dst < len(snap.items)):
            raise MpdError(ACK_ARG, "Bad song index")
        self.send(cmd.Move(src, dst))
        return []

    def moveid(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 2)
        return self.move(conn, [str(self._pos_of_id(args[0])), args[1]])

    def clear(self, conn: Connection, args: list[str]) -> list[str]:
        self.send(cmd.Clear())
        return []

    def shuffle(self, conn: Connection, args: list[str]) -> list[str]:
        import random as rnd

        snap = self.view.snapshot()
        items = list(snap.items)
        if len(items) > 1:
            head = [items.pop(snap.current)] if snap.current is not None else []
            rnd.SystemRandom().shuffle(items)
            self.send(cmd.Play(tuple(head + items), 0))
        return []

    def playlistinfo(self, conn: Connection, args: list[str]) -> list[str]:
        snap = self.view.snapshot()
        start, end = (0, None)
        if args:
            start, end = parse_range(args[0])
            if ":" not in args[0] and not 0 <= start < len(snap.items):
                raise MpdError(ACK_ARG, "Bad song index")
        out: list[str] = []
        for pos in range(start, min(len(snap.items), end if end is not None else len(snap.items))):
            out += self._song(snap.items[pos], pos, snap.song_ids[pos])
        return out

    def playlistid(self, conn: Connection, args: list[str]) -> list[str]:
        if not args:
            return self.playlistinfo(conn, [])
        return self.playlistinfo(conn, [str(self._pos_of_id(args[0]))])

    def plchanges(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        version, snap, out = parse_int(args[0]), self.view.snapshot(), []
        for pos, changed in enumerate(snap.changed_at):
            if changed > version:
                out += self._song(snap.items[pos], pos, snap.song_ids[pos])
        return out

    def plchangesposid(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        version, snap, out = parse_int(args[0]), self.view.snapshot(), []
        for pos, changed in enumerate(snap.changed_at):
            if changed > version:
                out += [f"cpos: {pos}", f"Id: {snap.song_ids[pos]}"]
        return out

    # -- helpers ----------------------------------------------------------------------------------------

    def _song(self, track_id: str, pos: int | None = None, song_id: int | None = None) -> list[str]:
        track = self.session.library.track(track_id)
        if track is None:
            return [f"file: {songs.uri(track_id)}"] + ([f"Pos: {pos}", f"Id: {song_id}"] if pos is not None else [])
        [item] = self.session.library.items([track])
        return songs.song_lines(track, item.file, pos, song_id)

    def _pos_of_id(self, value: str) -> int:
        song_id = parse_int(value)
        snap = self.view.snapshot()
        if song_id not in snap.song_ids:
            raise MpdError(ACK_NO_EXIST, "No such song")
        return snap.song_ids.index(song_id)



COMMANDS: dict[str, Handler] = {name: getattr(Handlers, "list_tags" if name == "list" else name) for name in (
    "status", "currentsong", "stats", "play", "playid", "pause", "stop", "next", "previous", "seek", "seekid",
    "seekcur", "setvol", "volume", "getvol", "repeat", "single", "random", "consume", "replay_gain_mode",
    "replay_gain_status", "add", "addid", "delete", "deleteid", "move", "moveid", "clear", "shuffle",
    "playlistinfo", "playlistid", "plchanges", "plchangesposid", "find", "search", "findadd", "searchadd",
    "list", "lsinfo", "listall", "listallinfo", "listplaylists", "listplaylist", "listplaylistinfo", "load",
    "albumart", "readpicture",
    "ping", "tagtypes", "outputs", "decoders", "urlhandlers", "binarylimit",
    "commands", "notcommands")}


def _volume(now: NowPlaying | None) -> int:
    return 0 if now is None or now.muted else round(now.volume)


def unknown(name: str) -> MpdError:
    return MpdError(ACK_UNKNOWN, f'unknown command "{name}"')
