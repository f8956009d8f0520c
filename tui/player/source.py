"""What the player is given for a track: a local file, or a stream of bytes while
pieces download. Nothing here knows about mpv or torrents.

The archive's files have no extension; the codec is sniffed from the first Ogg
page (`\\x01vorbis` or `OpusHead`). A partially downloaded file is never handed to
an engine by path: a fetchable track comes as a `ByteStream`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from tui.catalogue.records import ReplayGain
from tui.errors import LongtailError
from tui.files import read_head


def sniff_codec(head: bytes) -> str | None:
    """'vorbis', 'opus', or None when the bytes are not an Ogg Vorbis/Opus stream."""
    if not head.startswith(b"OggS"):
        return None
    window = head[:128]
    if b"\x01vorbis" in window:
        return "vorbis"
    if b"OpusHead" in window:
        return "opus"
    return None


HEADER_BYTES = 128  # the first Ogg page's start: the codec's identification packet


def read_header(path: Path) -> bytes:
    """What the codec, bitrate and audio format are read from (once per file), or nothing."""
    return read_head(path, HEADER_BYTES)


VORBIS_NOMINAL = slice(48, 52)  # the identification packet (at 28: after the page header and one
# lacing byte): type, "vorbis", version, channels, rate, maximum, then the nominal bitrate


def audio_format(head: bytes) -> tuple[int, int] | None:
    """(sample rate, channels) from the file's identification header: Vorbis says both; Opus
    says its channels and always decodes at 48 kHz. None when the header is not here."""
    if head[28:35] == b"\x01vorbis":
        return int.from_bytes(head[40:44], "little"), head[39]
    if head[28:36] == b"OpusHead":
        return 48000, head[37]
    return None


def bitrate(head: bytes, size: int | None, duration_ms: int | None,
            reencoded_kbit: int | None) -> tuple[int | None, bool]:
    """The file's bitrate in kbit/s and whether it is an average: a Vorbis file's nominal rate
    from its identification header (`head`, empty for a stream), else the ledger's re-encode
    rate (the Opus tier's VBR target), else the file's size over its length; (None, False)
    when none is known."""
    if head[28:35] == b"\x01vorbis":
        nominal = int.from_bytes(head[VORBIS_NOMINAL], "little", signed=True)
        if nominal > 0:
            return round(nominal / 1000), False
    if reencoded_kbit:
        return reencoded_kbit, True
    if size and duration_ms:
        return round(size * 8 / duration_ms), True  # bytes per ms = kbit/s over 8
    return None, False


class ByteStream(Protocol):
    """A file's bytes, readable before they are all there (reads may block)."""

    size: int

    def read(self, n: int) -> bytes: ...

    def seek(self, pos: int) -> int: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Source:
    """Something an engine can play, and what we know about it."""

    track_id: str
    codec: str | None
    kind: Literal["local", "stream"]
    path: Path | None = None  # a complete local file
    stream: ByteStream | None = None  # or bytes as they arrive
    replaygain: ReplayGain | None = None  # from the ledger, for files without tags
    duration_ms: int | None = None
    note: str | None = None  # e.g. "a damaged copy was moved aside"
    via: str | None = None  # the ISRC sibling whose file plays, when this track's is not archived
    kbps: int | None = None  # the file's bitrate (`bitrate`), when known
    kbps_average: bool = False  # an average (VBR), shown with "~"
    audio: tuple[int, int] | None = None  # (sample rate, channels), from the header

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


class SourceError(LongtailError):
    """The track cannot be played; the message says why, in one line."""


class SourceResolver(ABC):
    @abstractmethod
    def resolve(self, track_id: str) -> Source:
        """Return a playable source or raise SourceError."""

    def cannot_play(self, track_ids: list[str]) -> dict[str, str]:
        """Of these tracks, those that cannot play and why (one line each), from what is known
        without touching a file or the network; nothing listed here joins the queue. The default
        lists none: every track is tried when it comes up."""
        return {}

    def prefetch(self, track_id: str) -> None:
        """Warm up the next track (fetch its head and tail); a no-op by default."""
        return None
