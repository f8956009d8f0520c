"""MPD's catalogue commands over longtail's library: searches capped and windowed, `list
artist` paged in name order; nothing reads the whole catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core import commands as cmd
from tui.core.types import Track
from tui.mpd import songs
from tui.mpd.protocol import ACK_ARG, ACK_SYSTEM, MpdError, parse_filter, parse_window

if TYPE_CHECKING:
    from tui.core.session import Session
    from tui.mpd.connection import Connection

SEARCH_LIMIT = 500  # tracks a find/search answers without a window (README: "MPD clients")
LIST_PAGE = 5000  # `list artist` without a window: the first page, in name order


class CatalogueCommands:
    """A part of `Handlers` (which gives `send` and `_song`), kept apart to keep each file short."""

    session: Session

    def send(self, command: cmd.Command) -> None:
        raise NotImplementedError

    def _song(self, track_id: str, pos: int | None = None, song_id: int | None = None) -> list[str]:
        raise NotImplementedError

    @staticmethod
    def _need(args: list[str], n: int) -> None:
        if len(args) < n:
            raise MpdError(ACK_ARG, "too few arguments")

    # -- the catalogue --------------------------------------------------------------------------------

    def find(self, conn: Connection, args: list[str]) -> list[str]:
        return self._search(args, exact=True)

    def search(self, conn: Connection, args: list[str]) -> list[str]:
        return self._search(args, exact=False)

    def findadd(self, conn: Connection, args: list[str]) -> list[str]:
        self._add_all(self._matches(args, exact=True))
        return []

    def searchadd(self, conn: Connection, args: list[str]) -> list[str]:
        self._add_all(self._matches(args, exact=False))
        return []

    def _add_all(self, tracks: list[Track]) -> None:
        if tracks:
            self.send(cmd.Enqueue(tuple(t.id for t in tracks)))

    def _search(self, args: list[str], exact: bool) -> list[str]:
        out: list[str] = []
        for item in self.session.library.items(self._matches(args, exact)):
            out += songs.song_lines(item.track, item.file)
        return out

    def _matches(self, args: list[str], exact: bool) -> list[Track]:
        args, window = _take_window(args)
        conditions = parse_filter(args, exact)
        words = " ".join(c.value for c in conditions if c.op in ("==", "contains", "=~", "starts_with"))
        if not words.strip():
            raise MpdError(ACK_ARG, "longtail needs a word to search the catalogue for")
        start, end = window or (0, SEARCH_LIMIT)
        limit = min(SEARCH_LIMIT, end if end is not None else SEARCH_LIMIT)
        results, _items = self.session.library.search(words, ("track",), max(limit, 50))
        if not results.tracks and results.note:  # no index yet, or a cancelled search: say so, never "nothing"
            raise MpdError(ACK_SYSTEM, results.note)
        found = [t for t in results.tracks if all(c.matches(songs.tag_values(t, c.tag)) for c in conditions)]
        return found[start:end]

    def list_tags(self, conn: Connection, args: list[str]) -> list[str]:
        self._need(args, 1)
        args, window = _take_window(args)
        tag, rest = args[0].lower(), args[1:]
        groups = [rest[i + 1].lower() for i in range(len(rest) - 1) if rest[i].lower() == "group"]
        rest = [a for i, a in enumerate(rest) if a.lower() != "group" and (i == 0 or rest[i - 1].lower() != "group")]
        for name in (tag, *groups):
            if name not in LIST_TAGS:
                raise MpdError(ACK_ARG, f"Unknown tag type: {name}")
        if tag in ("artist", "albumartist") and not rest and not groups:
            start, end = window or (0, LIST_PAGE)
            source = self.session.library.artists()
            try:
                rows = source.fetch(start, (end or start + LIST_PAGE) - start)
            finally:
                source.close()
            return [f"{LIST_TAGS[tag]}: {row.name}" for row in rows]
        if not rest:
            raise MpdError(ACK_ARG, f"list {args[0]} without a filter would list the whole catalogue: give a filter")
        return grouped_lines(self._matches(rest, exact=True), tag, groups)


LIST_TAGS = {"artist": "Artist", "albumartist": "AlbumArtist", "album": "Album", "title": "Title", "date": "Date"}


def grouped_lines(tracks: list[Track], tag: str, groups: list[str]) -> list[str]:
    """MPD's `list TAG group G...` answer: each group's value once, where it changes, then the
    distinct values of TAG under it; groups in sorted order, as MPD sends them."""
    rows = dict.fromkeys((*(next(iter(songs.tag_values(t, g)), "") for g in groups), value)
                         for t in tracks for value in songs.tag_values(t, tag) if value)
    ordered = sorted(rows, key=lambda row: row[:-1]) if groups else list(rows)
    out: list[str] = []
    previous: tuple[str, ...] | None = None
    for row in ordered:
        for depth, group in enumerate(groups):
            if previous is None or previous[: depth + 1] != row[: depth + 1]:
                out.append(f"{LIST_TAGS[group]}: {row[depth]}")
        out.append(f"{LIST_TAGS[tag]}: {row[-1]}")
        previous = row[:-1]
    return out


def _take_window(args: list[str]) -> tuple[list[str], tuple[int, int | None] | None]:
    if len(args) >= 2 and args[-2].lower() == "window":
        return args[:-2], parse_window(args[-1])
    return args, None


