"""The Ogg page layer: every page's capture pattern, version, sequence number, granule
position and CRC, read incrementally (a file is fed in chunks; memory stays at one page).

Chained files (several logical streams one after another, each from its
beginning-of-stream to its end-of-stream page) are valid Ogg: each stream is a link,
and the duration is the sum of the links'.

The Ogg CRC (CRC-32, polynomial 0x04C11DB7, not reflected, no init or final xor)
is anycrc's (slice-by-N C code, ~16 GB/s): zlib's CRC-32 is the reflected one, and
bit-reversing every byte to use it cost more than all the other checks together.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import anycrc

from tui.mirror.problems import Problem

_OGG_CRC = anycrc.CRC(width=32, poly=0x04C11DB7, init=0, refin=False, refout=False, xorout=0)
_ZEROS = b"\0\0\0\0"
HEADER = 27
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, CRC, segments
MAX_GARBAGE_SCAN = 1 << 16  # bytes kept while looking for the next page after garbage


def ogg_crc(data: bytes | memoryview) -> int:
    """The Ogg page checksum of `data` (with its CRC field zeroed)."""
    return _OGG_CRC.calc(data)


@dataclass
class Link:
    """One logical stream of a (possibly chained) Ogg file."""

    serial: int
    codec: str | None = None
    sample_rate: int | None = None
    pre_skip: int = 0
    last_granule: int | None = None
    sequence: int = -1
    ended: bool = False

    @property
    def duration_ms(self) -> float | None:
        if self.last_granule is None or not self.sample_rate or self.last_granule < 0:
            return None
        if self.codec == "opus":
            return max(0, self.last_granule - self.pre_skip) / 48000 * 1000
        return self.last_granule / self.sample_rate * 1000


@dataclass
class OggInfo:
    links: list[Link] = field(default_factory=list)
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def codec(self) -> str | None:
        return self.links[0].codec if self.links else None

    @property
    def codecs(self) -> set[str | None]:
        return {link.codec for link in self.links}

    @property
    def duration_ms(self) -> float | None:
        durations = [link.duration_ms for link in self.links]
        if not durations or any(d is None for d in durations):
            return None
        return sum(d for d in durations if d is not None)


class OggScanner:
    """Feed a file's bytes in order (`feed`), then `finish` for what the pages say."""

    def __init__(self) -> None:
        self.info = OggInfo()
        self._buf = bytearray()
        self._offset = 0  # file offset of _buf[0]
        self._links: dict[int, Link] = {}
        self._structure: list[str] = []
        self._crc_errors = 0
        self._first_crc_error: tuple[int, int] | None = None
        self._started = False
        self._in_garbage = False

    def feed(self, data: bytes) -> None:
        self._buf += data
        if not self._started and (self._offset or len(self._buf) >= 4):  # its first 4 bytes, however they came
            self._started = True
            if self._buf[:4] != b"OggS":
                self.info.problems.append(Problem(
                    "ogg-structure", "the file does not start with an Ogg page (no 'OggS')"))
        self._pages()

    def _pages(self) -> None:
        buf = self._buf
        view = memoryview(buf)
        size = len(buf)
        pos = 0
        while size - pos >= HEADER:
            capture, version, flags, granule, serial, seq, crc, segments = _PAGE_HEADER.unpack_from(buf, pos)
            if capture != b"OggS":
                if not self._in_garbage:  # said once per run of garbage, however the bytes arrive
                    self._in_garbage = True
                    self._lost_sync(self._offset + pos)
                nxt = buf.find(b"OggS", pos + 1)
                if nxt < 0:
                    if size - pos > MAX_GARBAGE_SCAN:  # keep only a possible partial "OggS"
                        pos = size - 3
                    break
                pos = nxt
                continue
            self._in_garbage = False
            lacing_end = pos + HEADER + segments
            if lacing_end > size:
                break
            end = lacing_end + sum(view[pos + HEADER:lacing_end])
            if end > size:
                break
            view[pos + 22:pos + 26] = _ZEROS  # our copy of the bytes: the CRC is of the page with its field zeroed
            if _OGG_CRC.calc(view[pos:end]) != crc:
                self._crc_errors += 1
                if self._first_crc_error is None:
                    self._first_crc_error = (self.info.pages, self._offset + pos)
            link = self._links.get(serial)
            if (flags or version or link is None or link.ended or seq != link.sequence + 1
                    or (granule != -1 and link.last_granule is not None and granule < link.last_granule)):
                self._page(view, lacing_end, end, version, flags, granule, serial, seq)
            else:  # the usual page: the next of a stream that goes on, nothing to say
                link.sequence = seq
                if granule != -1:
                    link.last_granule = granule
                self.info.pages += 1
            pos = end
        view.release()
        del buf[:pos]
        self._offset += pos

    def _lost_sync(self, at: int) -> None:
        self._structure.append(f"lost page sync at byte {at} (garbage between pages)")

    def _page(self, view: memoryview, body: int, end: int, version: int, flags: int, granule: int,
              serial: int, seq: int) -> None:
        """Any page but the usual one: a stream begins or ends, or something is wrong."""
        info = self.info
        n = info.pages
        if version != 0:
            self._structure.append(f"page {n}: stream structure version {version}")
        link = self._links.get(serial)
        if flags & 0x02:  # beginning of a stream: a new link (chained) or the first
            if n == 0 or link is None:
                link = Link(serial)
                self._links[serial] = link
                info.links.append(link)
                self._identify(link, bytes(view[body:end]))
            else:
                self._structure.append(f"page {n}: stream {serial} begins twice")
        elif link is None:
            if n == 0:
                self._structure.append("the first page is not marked beginning-of-stream")
            else:
                self._structure.append(f"page {n}: a page of stream {serial}, which never began")
            link = Link(serial)
            self._links[serial] = link
            info.links.append(link)
        if link.ended:
            self._structure.append(f"page {n}: stream {serial} goes on after its end-of-stream page")
        if link.sequence >= 0 and seq != link.sequence + 1:
            self._structure.append(f"page {n}: sequence number {seq} after {link.sequence} (a page is missing)")
        link.sequence = seq
        if granule != -1:
            if link.last_granule is not None and granule < link.last_granule:
                self._structure.append(f"page {n}: granule position goes backwards")
            link.last_granule = granule
        if flags & 0x04:
            link.ended = True
        info.pages += 1

    @staticmethod
    def _identify(link: Link, packet: bytes) -> None:
        if packet[:7] == b"\x01vorbis" and len(packet) >= 16:
            link.codec = "vorbis"
            link.sample_rate = struct.unpack_from("<I", packet, 12)[0]
        elif packet[:8] == b"OpusHead" and len(packet) >= 12:
            link.codec = "opus"
            link.pre_skip = struct.unpack_from("<H", packet, 10)[0]
            link.sample_rate = 48000

    def finish(self) -> OggInfo:
        info = self.info
        if info.problems and not info.pages:
            return info  # not an Ogg file at all: saying so once is enough
        if self._buf and info.problems == []:
            if len(self._buf) >= 4 and self._buf[:4] == b"OggS":
                self._structure.append("the last page is cut short: truncated file")
            elif info.pages:
                self._structure.append(f"{len(self._buf)} bytes of garbage after the last page")
        if not self._started or (not info.pages and not info.problems):
            info.problems.append(Problem("ogg-structure", "no Ogg page at all"))
        if info.pages and not all(link.ended for link in info.links):
            self._structure.append("no end-of-stream page: the file is truncated")
        if self._structure:
            more = f" (and {len(self._structure) - 1} more)" if len(self._structure) > 1 else ""
            info.problems.append(Problem("ogg-structure", self._structure[0] + more))
        if self._crc_errors and self._first_crc_error is not None:
            page_no, at = self._first_crc_error
            info.problems.append(Problem("ogg-crc", f"{self._crc_errors} page(s) fail their CRC, first page "
                                                    f"{page_no} at byte {at}"))
        return info


def parse_ogg(data: bytes) -> OggInfo:
    """A whole file already in memory (tests, tools): the same scan in one feed."""
    scanner = OggScanner()
    scanner.feed(data)
    return scanner.finish()
