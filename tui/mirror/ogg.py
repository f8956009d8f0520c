"""The Ogg page layer: walk every page of a file, check its structure and its CRC.

The Ogg CRC (CRC-32, polynomial 0x04C11DB7, not reflected, no init or final xor)
is computed by zlib's C CRC-32 on bit-reversed bytes, so no byte loop runs in
Python: reverse(zlib.crc32(reversed(data))) is the non-reflected CRC.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

_REVERSE8 = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(data: bytes | memoryview) -> int:
    """The Ogg page checksum of `data` (with its CRC field zeroed), at C speed."""
    reflected = zlib.crc32(bytes(data).translate(_REVERSE8), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


@dataclass
class Problem:
    code: str
    detail: str

    def as_json(self) -> dict:
        return {"code": self.code, "detail": self.detail}


@dataclass
class OggInfo:
    codec: str | None
    pages: int
    last_granule: int | None
    sample_rate: int | None
    pre_skip: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def duration_ms(self) -> float | None:
        if self.last_granule is None or not self.sample_rate or self.last_granule < 0:
            return None
        if self.codec == "opus":
            return max(0, self.last_granule - self.pre_skip) / 48000 * 1000
        return self.last_granule / self.sample_rate * 1000


def parse_ogg(data: bytes) -> OggInfo:
    """Walk every page: capture pattern, version, sequence numbers, granules, CRCs."""
    info = OggInfo(None, 0, None, None)
    mv = memoryview(data)
    pos, n = 0, len(data)
    sequences: dict[int, int] = {}
    granules: dict[int, int] = {}
    crc_errors = 0
    first_crc_error = None
    structure: list[str] = []
    bos_seen = False
    eos_seen: set[int] = set()
    if not data.startswith(b"OggS"):
        info.problems.append(Problem("ogg-structure", "the file does not start with an Ogg page (no 'OggS')"))
        return info
    while pos < n:
        if data[pos:pos + 4] != b"OggS":
            structure.append(f"lost page sync at byte {pos} (garbage between pages)")
            nxt = data.find(b"OggS", pos + 1)
            if nxt < 0:
                break
            pos = nxt
            continue
        if pos + 27 > n:
            structure.append(f"truncated page header at byte {pos}")
            break
        version, flags = data[pos + 4], data[pos + 5]
        granule, serial, seq, crc = struct.unpack_from("<qIII", data, pos + 6)
        segments = data[pos + 26]
        if pos + 27 + segments > n:
            structure.append(f"truncated segment table at byte {pos}")
            break
        lacing = data[pos + 27:pos + 27 + segments]
        body = sum(lacing)
        end = pos + 27 + segments + body
        if end > n:
            structure.append(f"the last page is cut short ({end - n} bytes missing): truncated file")
            break
        if version != 0:
            structure.append(f"page {info.pages}: stream structure version {version}")
        page = bytearray(mv[pos:end])
        page[22:26] = b"\0\0\0\0"
        if ogg_crc(bytes(page)) != crc:
            crc_errors += 1
            if first_crc_error is None:
                first_crc_error = (info.pages, pos)
        if info.pages == 0:
            bos_seen = bool(flags & 0x02)
            packet = bytes(mv[pos + 27 + segments:end])
            if packet[:7] == b"\x01vorbis" and len(packet) >= 16:
                info.codec = "vorbis"
                info.sample_rate = struct.unpack_from("<I", packet, 12)[0]
            elif packet[:8] == b"OpusHead" and len(packet) >= 12:
                info.codec = "opus"
                info.pre_skip = struct.unpack_from("<H", packet, 10)[0]
                info.sample_rate = 48000
        if serial in sequences and seq != sequences[serial] + 1:
            structure.append(f"page {info.pages}: sequence number {seq} after {sequences[serial]} (a page is missing)")
        sequences[serial] = seq
        if granule != -1:
            if serial in granules and granule < granules[serial]:
                structure.append(f"page {info.pages}: granule position goes backwards")
            granules[serial] = granule
            info.last_granule = granule
        if flags & 0x04:
            eos_seen.add(serial)
        info.pages += 1
        pos = end
    if info.pages and not bos_seen:
        structure.append("the first page is not marked beginning-of-stream")
    if info.pages and not eos_seen:
        structure.append("no end-of-stream page: the file is truncated")
    if structure:
        more = f" (and {len(structure) - 1} more)" if len(structure) > 1 else ""
        info.problems.append(Problem("ogg-structure", structure[0] + more))
    if crc_errors and first_crc_error is not None:
        page_no, at = first_crc_error
        info.problems.append(Problem("ogg-crc", f"{crc_errors} page(s) fail their CRC, first page {page_no} "
                                                f"at byte {at}"))
    return info
