"""What mpv is given for a track: a local path, or a stream while pieces download.

The archive's files have no extension; the codec is sniffed from the first Ogg
page (`\\x01vorbis` or `OpusHead`). A partially downloaded file is never handed to
mpv by path: a fetchable track goes through a stream (the fetch service).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.records import ReplayGain


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


def sniff_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return sniff_codec(fh.read(128))
    except OSError:
        return None


@dataclass
class Source:
    """Something mpv can open, and what we know about it."""

    track_id: str
    url: str  # a path, or "longtail://<token>" for a stream
    codec: str | None
    kind: str  # "local" | "stream"
    replaygain: ReplayGain | None = None  # from the ledger, for files without tags
    duration_ms: int | None = None
    stream: object | None = None  # the stream object for "stream" sources

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close:
            close()


class SourceError(Exception):
    """The track cannot be played; the message says why, in one line."""


class SourceResolver(ABC):
    @abstractmethod
    def resolve(self, track_id: str) -> Source:
        """Return a playable source or raise SourceError."""

    def prefetch(self, track_id: str) -> None:
        """Warm up the next track (fetch its head and tail); a no-op by default."""


class MirrorSources(SourceResolver):
    """Local files from the file index; fetchable tracks through an optional fetcher."""

    def __init__(self, services, fetcher=None) -> None:
        self.services = services
        self.fetcher = fetcher

    def resolve(self, track_id: str) -> Source:
        catalogue = self.services.catalogue
        track = catalogue.track(track_id)
        if track is None:
            raise SourceError(f"no track {track_id} in the catalogue")
        ledger = catalogue.ledger(track_id)
        rg = ledger.replaygain if ledger else None
        entry = self.services.files.entry(track_id)
        if entry is not None and entry.local and entry.is_present():
            codec = sniff_file(entry.path)
            if codec is None:
                raise SourceError(f"{entry.path.name} is not an Ogg Vorbis/Opus file "
                                  "(run `longtail check` on it)")
            return Source(track_id, str(entry.path), codec, "local", rg, track.duration_ms)
        if entry is not None and entry.info_hash and self.fetcher is not None:
            return self.fetcher.stream_source(track, entry, rg)
        if entry is not None and entry.info_hash:
            raise SourceError("not local, and fetching is off")
        raise SourceError("absent: no local file and no known torrent holds it")

    def prefetch(self, track_id: str) -> None:
        if self.fetcher is None:
            return
        entry = self.services.files.entry(track_id)
        if entry is not None and not entry.local and entry.info_hash:
            self.fetcher.prefetch(entry)
