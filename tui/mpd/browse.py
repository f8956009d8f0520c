"""MPD's folders and stored playlists over the archive, which has neither: `lsinfo` walks a
tree made from the catalogue, and the archive's playlists are MPD's stored playlists.

    Artists/                     the names' first characters (millions of artists: never all)
    Artists/A/                   the artists whose name starts with "A", when they are at most
                                 PAGE; else the next character's folders (and so on), beside
                                 the artists named exactly "A"
    Artists/A/ABBA/              an artist's releases, "Title (year)"
    Artists/A/ABBA/Gold (1992)   the release's tracks, as songs
    Tiers/Vorbis, Tiers/Opus     each tier's most popular tracks that can play here
    (the root's `playlist:` entries) the most-followed playlists, as MPD's stored playlists

A name's "/" is shown as "∕" (a path separator otherwise). Artists of the same name are one
folder, as MPD's own tags would make them; each lookup is an indexed seek, never a scan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.core import commands as cmd
from tui.core.types import NamedHit, is_track_id
from tui.core.views import TrackItem
from tui.mpd import songs
from tui.mpd.protocol import ACK_ARG, ACK_NO_EXIST, ACK_SYSTEM, MpdError, parse_int, parse_range

if TYPE_CHECKING:
    from tui.core.session import Session
    from tui.mpd.connection import Connection

PAGE = 5000  # artists one folder lists at most (MPD's lsinfo has no window); more: character folders
FOLDERS = 5000  # character folders one `lsinfo` lists at most
PLAYLISTS = 500  # stored playlists listed: the most followed
WALK_FOLDERS = 500  # folders one listall/listallinfo may open (an artist's releases fit; a letter's artists do not)
TIER_SONGS = 500
SLASH = "∕"  # U+2215, a "/" inside a name
TIERS = {"Vorbis": "vorbis", "Opus": "opus"}
_PLAYLIST_ID = re.compile(r"\[([0-9A-Za-z]{22})\]$")


def shown(name: str) -> str:
    return name.replace("/", SLASH)


def release_label(name: str, year: str) -> str:
    return shown(f"{name} ({year})" if year else name)


def playlist_label(name: str, playlist_id: str) -> str:
    """Names repeat (thousands of "Chill"): the id makes each stored playlist's name unique."""
    return f"{shown(name)} [{playlist_id}]"


def playlist_id_of(value: str) -> str | None:
    if value.startswith("longtail:playlist:"):
        value = value[len("longtail:playlist:"):]
    if is_track_id(value):  # the same 22 base62 characters
        return value
    found = _PLAYLIST_ID.search(value)
    return found.group(1) if found else None


class BrowseCommands:
    """A part of `Handlers` (which gives `send`), kept apart to keep each file short."""

    session: Session
    _few_cache: dict[tuple[str, int], bool]

    def send(self, command: cmd.Command) -> None:
        raise NotImplementedError

    def _enqueue_ids(self, track_ids: list[str]) -> dict[str, str]:
        raise NotImplementedError

    # -- lsinfo -----------------------------------------------------------------------------------

    def lsinfo(self, conn: Connection, args: list[str]) -> list[str]:
        path = args[0].strip("/") if args else ""
        if (track_id := songs.track_id_of(path)) is not None:
            track = self.session.library.track(track_id)
            return self._songs(self.session.library.items([track])) if track else []
        if not path:  # stored playlists are listed at the root, as MPD does (`mpc lsplaylists` reads them here)
            return ["directory: Artists", "directory: Tiers", *(f"playlist: {x}" for x in self._playlist_labels())]
        top, _, rest = path.partition("/")
        if top == "Artists":
            return self._artists(rest.split("/") if rest else [])
        if top == "Tiers" and not rest:
            return [f"directory: Tiers/{name}" for name in TIERS]
        if top == "Tiers" and rest in TIERS:
            if self.session.library.never_indexed():  # an empty folder would say "nothing here"
                raise MpdError(ACK_SYSTEM, "this mirror is being indexed for the first time: try again in a moment")
            source = self.session.library.playable_tier_tracks(TIERS[rest])
            return self._songs(source.fetch(0, TIER_SONGS))
        raise MpdError(ACK_NO_EXIST, "No such directory")

    def listallinfo(self, conn: Connection, args: list[str]) -> list[str]:
        return self._walk(conn, args[0].strip("/") if args else "", info=True)

    def listall(self, conn: Connection, args: list[str]) -> list[str]:
        return self._walk(conn, args[0].strip("/") if args else "", info=False)

    def _walk(self, conn: Connection, path: str, info: bool) -> list[str]:
        """Everything below `path`, depth first as MPD sends it, folder by folder through
        `lsinfo`, as long as it stays an artist's or a tier's size: clients ask the root for a
        copy of the whole database, which at 10^8 tracks none could hold; that is refused."""
        out: list[str] = []
        opened = 0

        def visit(folder: str) -> None:
            nonlocal opened
            opened += 1
            if opened > WALK_FOLDERS:
                command = "listallinfo" if info else "listall"
                raise MpdError(ACK_ARG, f"{command} {path or '/'} would read too much of the catalogue:"
                                        " browse it with lsinfo")
            for line in self.lsinfo(conn, [folder] if folder else []):
                if line.startswith("directory: "):
                    out.append(line)
                    visit(line[len("directory: "):])
                elif line.startswith("file: ") or (info and not line.startswith("playlist: ")):
                    out.append(line)

        visit(path)
        return out

    def _songs(self, items: list[TrackItem]) -> list[str]:
        return [line for item in items for line in songs.song_lines(item.track, item.file)]

    def _artists(self, parts: list[str]) -> list[str]:
        prefix, index = "", 0
        while index < len(parts) and len(part := parts[index].replace(SLASH, "/")) == len(prefix) + 1 \
                and part.startswith(prefix) and not self._few(prefix):
            prefix, index = part, index + 1  # a folder of the next character
        base = "/".join(["Artists", *parts[:index]])
        if index == len(parts):
            return self._folder(prefix, base)
        name, rest = parts[index], parts[index + 1:]
        artists = self._named(name)
        if not artists or len(rest) > 1:
            raise MpdError(ACK_NO_EXIST, "No such directory")
        releases: dict[str, list[int]] = {}
        for artist in artists:
            for _group, albums in self.session.library.discography(artist.rowid).groups():
                for album in albums:
                    releases.setdefault(release_label(album.name, album.year), []).append(album.rowid)
        here = f"{base}/{name}"
        if not rest:
            return [f"directory: {here}/{label}" for label in releases]
        if rest[0] not in releases:
            raise MpdError(ACK_NO_EXIST, "No such directory")
        return self._songs([item for rowid in releases[rest[0]] for item in self.session.library.album(rowid).items])

    def _folder(self, prefix: str, base: str) -> list[str]:
        """The artists under `prefix` when they are few; else the next characters' folders."""
        library = self.session.library
        if self._few(prefix):
            names = dict.fromkeys(shown(a.name) for a in self._under(prefix, PAGE))
            return [f"directory: {base}/{name}" for name in names]
        out = [f"directory: {base}/{shown(a.name)}" for a in self._named(prefix)]
        start = prefix + "\x00"  # past the names that are the prefix itself
        folders = 0
        while folders < FOLDERS:
            rows = library.artists_from(start, 1)
            if not rows or not rows[0].name.startswith(prefix) or len(rows[0].name) <= len(prefix):
                break
            folder = rows[0].name[:len(prefix) + 1]
            out.append(f"directory: {base}/{shown(folder)}")
            folders += 1
            start = folder + "\U0010ffff"  # the next folder: one indexed seek each
        return out

    def _under(self, prefix: str, limit: int) -> list[NamedHit]:
        rows = self.session.library.artists_from(prefix, limit)
        return [a for a in rows if a.name.startswith(prefix)]

    def _few(self, prefix: str) -> bool:
        """Whether at most PAGE artists start with `prefix` (the catalogue is read-only: kept)."""
        known = self._few_cache.get((prefix, PAGE))
        if known is None:
            known = self._few_cache[(prefix, PAGE)] = len(self._under(prefix, PAGE + 1)) <= PAGE
            if len(self._few_cache) > 4096:
                self._few_cache.clear()
        return known

    def _named(self, name: str) -> list[NamedHit]:
        out: list[NamedHit] = []
        for raw in dict.fromkeys([name.replace(SLASH, "/"), name]):
            for artist in self.session.library.artists_from(raw, 50):
                if artist.name != raw:
                    break
                out.append(artist)
        return out

    # -- stored playlists -------------------------------------------------------------------------

    def _playlist_labels(self) -> list[str]:
        return [playlist_label(h.name, h.id) for h in self.session.library.playlist_search("", PLAYLISTS)]

    def listplaylists(self, conn: Connection, args: list[str]) -> list[str]:
        return [f"playlist: {label}" for label in self._playlist_labels()]

    def _playlist_items(self, args: list[str]) -> list[TrackItem]:
        if not args:
            raise MpdError(ACK_ARG, "too few arguments")
        playlist_id = playlist_id_of(args[0])
        view = self.session.library.playlist(playlist_id) if playlist_id else None
        if view is None:
            raise MpdError(ACK_NO_EXIST, "No such playlist")
        items = view.items()
        if len(args) > 1:
            start, end = parse_range(args[1])
            items = items[start:end]
        return items

    def listplaylist(self, conn: Connection, args: list[str]) -> list[str]:
        return [f"file: {songs.uri(item.track.id)}" for item in self._playlist_items(args)]

    def listplaylistinfo(self, conn: Connection, args: list[str]) -> list[str]:
        return self._songs(self._playlist_items(args))

    def load(self, conn: Connection, args: list[str]) -> list[str]:
        """The playlist's tracks that can play here join the queue; the rest stay out (never an
        absent track in the queue), and none at all is MPD's error."""
        if len(args) > 2:
            parse_int(args[2])
            raise MpdError(ACK_ARG, "load with a position is not supported by longtail")
        items = self._playlist_items(args)
        if not items:
            raise MpdError(ACK_NO_EXIST, "this playlist has no track of the catalogue")
        self._enqueue_ids([item.track.id for item in items])
        return []

    # -- pictures ---------------------------------------------------------------------------------

    def albumart(self, conn: Connection, args: list[str]) -> list[str]:
        found = self._picture(args)
        if found is None:
            raise MpdError(ACK_NO_EXIST, "No file exists")
        data, _mime, offset = found
        return self._chunk(conn, data, offset)

    def readpicture(self, conn: Connection, args: list[str]) -> list[str]:
        found = self._picture(args)
        if found is None:
            return []  # MPD: no picture is an empty answer, not an error
        data, mime, offset = found
        return self._chunk(conn, data, offset, mime)

    def _picture(self, args: list[str]) -> tuple[bytes, str, int] | None:
        """The album's cover (cached, embedded in a local file, or from the cover-art tar)."""
        from tui.core.types import image_mime

        if len(args) < 2:
            raise MpdError(ACK_ARG, "too few arguments")
        offset = parse_int(args[1])
        if offset < 0:
            raise MpdError(ACK_ARG, "Number too small")
        track_id = songs.track_id_of(args[0])
        track = self.session.library.track(track_id) if track_id else None
        if track is None:
            raise MpdError(ACK_NO_EXIST, "No such song")
        path = self.session.library.cover(track)
        if path is None:
            return None
        data = path.read_bytes()
        return data, image_mime(data) or "application/octet-stream", offset

    @staticmethod
    def _chunk(conn: Connection, data: bytes, offset: int, mime: str | None = None) -> list[str]:
        if offset > len(data):
            raise MpdError(ACK_ARG, "Offset too large")
        conn.binary = data[offset:offset + conn.binary_limit]
        lines = [f"size: {len(data)}"]
        if mime is not None:
            lines.append(f"type: {mime}")
        return [*lines, f"binary: {len(conn.binary)}"]
