"""Integrity spot-checks: is this file exactly what the archive published?

One read of the file feeds every check: its size against the torrent, its SHA-256
against the ledger, the torrent's SHA-1 piece hashes over the pieces inside it
(boundary pieces with the neighbours' bytes when those are here), the Ogg page
structure and CRCs, the codec against the ledger (or the tier's rule), and the
duration against the catalogue. `decode` adds a full decode through libmpv.

Nothing here writes to the file it checks. A failing boundary piece is blamed on
the file whose own bytes are wrong (the one whose SHA-256 differs from the
ledger), never on a pristine neighbour.

The Ogg CRC (CRC-32, polynomial 0x04C11DB7, not reflected, no init or final xor)
is computed by zlib's C CRC-32 on bit-reversed bytes, so no byte loop runs in
Python: reverse(zlib.crc32(reversed(data))) is the non-reflected CRC.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tui.mirror.file_index import FileEntry

CODES = ("size-mismatch", "sha256-mismatch", "piece-hash-mismatch", "ogg-structure", "ogg-crc",
         "codec-mismatch", "duration-mismatch", "decode-error")
_REVERSE8 = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
DURATION_TOLERANCE_MS = 1000


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
class CheckResult:
    track_id: str
    path: str | None
    verdict: str  # ok | missing | corrupt
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    seconds: float = 0.0
    bytes_read: int = 0

    def as_json(self) -> dict:
        out = {"id": self.track_id, "path": self.path, "verdict": self.verdict,
               "problems": [p.as_json() for p in self.problems]}
        if self.notes:
            out["notes"] = self.notes
        return out

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


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
        if ogg_crc(page) != crc:
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
    if crc_errors:
        page_no, at = first_crc_error
        info.problems.append(Problem("ogg-crc", f"{crc_errors} page(s) fail their CRC, first page {page_no} "
                                                f"at byte {at}"))
    return info


@dataclass
class TorrentView:
    """What the checker needs from a torrent: piece hashes and its files' layout."""

    piece_length: int
    hashes: list[bytes]
    files: list  # TorrentFile
    save_path: Path


class Checker:
    def __init__(self, catalogue, files, decode: bool = False) -> None:
        self.catalogue = catalogue
        self.files = files
        self.decode = decode
        self._torrents: dict[int, TorrentView] = {}
        self._mpv = None

    # -- torrents ------------------------------------------------------------------------------

    def _torrent(self, entry: FileEntry) -> TorrentView | None:
        if entry.torrent_path is None:
            return None
        view = self._torrents.get(entry.torrent_id)
        if view is None:
            from tui.mirror.torrents import parse_torrent

            parsed = parse_torrent(entry.torrent_path)
            view = TorrentView(parsed.piece_length,
                               [parsed.piece_hash(p) for p in range(parsed.num_pieces)],
                               parsed.files, entry.save_path)
            if len(self._torrents) > 8:
                self._torrents.clear()
            self._torrents[entry.torrent_id] = view
        return view

    # -- one file --------------------------------------------------------------------------------

    def check(self, track_id: str) -> CheckResult:
        started = time.perf_counter()
        entry = self.files.entry(track_id)
        track = self.catalogue.track(track_id)
        if entry is None:
            result = CheckResult(track_id, None, "missing",
                                 notes=["no torrent or data folder of this mirror holds this track"])
            result.seconds = time.perf_counter() - started
            return result
        result = CheckResult(track_id, str(entry.path), "ok")
        try:
            data = entry.path.read_bytes()
        except FileNotFoundError:
            result.verdict = "missing"
            result.notes.append("not downloaded")
            return result
        except OSError as exc:
            result.verdict = "corrupt"
            result.problems.append(Problem("size-mismatch", f"cannot read it: {exc.strerror}"))
            return result
        result.bytes_read = len(data)
        ledger = self.catalogue.ledger(track_id)
        expected_sha = ledger.sha256_with_embedded_meta if ledger and ledger.archived else None
        own_sha_ok: bool | None = None

        if len(data) != entry.size:
            result.problems.append(Problem("size-mismatch", f"{len(data):,} bytes, the torrent says {entry.size:,}"))
        if expected_sha:
            digest = hashlib.sha256(data).hexdigest()
            own_sha_ok = digest == expected_sha
            if not own_sha_ok:
                result.problems.append(Problem("sha256-mismatch", f"{digest[:16]}… ≠ ledger {expected_sha[:16]}…"))
        else:
            result.notes.append("no ledger SHA-256 for this track: checked by piece hashes only")
        self._check_pieces(entry, data, own_sha_ok, result)
        ogg = parse_ogg(data)
        result.problems += ogg.problems
        expected_codec = None
        if ledger is not None and ledger.codec:
            expected_codec, source = ledger.codec, "the ledger"
        elif track is not None:
            expected_codec, source = track.tier, f"the tier rule (popularity {track.popularity})"
        if expected_codec and ogg.codec != expected_codec:
            result.problems.append(Problem("codec-mismatch", f"{ogg.codec or 'not Vorbis or Opus'}, "
                                                             f"{source} says {expected_codec}"))
        if track is not None and track.duration_ms:
            duration = ogg.duration_ms
            if duration is None:
                if not any(p.code == "ogg-structure" for p in ogg.problems):
                    result.problems.append(Problem("duration-mismatch", "no granule position to measure it"))
            elif abs(duration - track.duration_ms) > DURATION_TOLERANCE_MS:
                result.problems.append(Problem("duration-mismatch", f"{duration / 1000:.1f} s, the catalogue "
                                                                    f"says {track.duration_ms / 1000:.1f} s"))
        if self.decode:
            self._decode(entry.path, result)
        result.verdict = "corrupt" if result.problems else "ok"
        result.seconds = time.perf_counter() - started
        return result

    def _check_pieces(self, entry: FileEntry, data: bytes, own_sha_ok: bool | None,
                      result: CheckResult) -> None:
        view = self._torrent(entry)
        if view is None:
            result.notes.append("no .torrent for this data folder: piece hashes not checked")
            return
        length = view.piece_length
        first = entry.offset // length
        last = (entry.offset + entry.size - 1) // length if entry.size else first - 1
        bad_inner, bad_boundary_ours, skipped = [], [], 0
        blamed_elsewhere = []
        for piece in range(first, last + 1):
            start, end = piece * length, min((piece + 1) * length, sum(f.size for f in view.files))
            inner = start >= entry.offset and end <= entry.offset + entry.size
            if inner:
                chunk = data[start - entry.offset:end - entry.offset]
                if len(chunk) != end - start or hashlib.sha1(chunk).digest() != view.hashes[piece]:
                    bad_inner.append(piece)
                continue
            # a boundary piece: gather the neighbours' bytes
            buf, complete, neighbours = bytearray(), True, []
            for f in view.files:
                lo, hi = max(start, f.offset), min(end, f.offset + f.size)
                if lo >= hi:
                    continue
                if f.index == entry.file_index:
                    buf += data[lo - entry.offset:hi - entry.offset]
                    continue
                neighbours.append(f)
                try:
                    with open(view.save_path / f.path, "rb") as fh:
                        fh.seek(lo - f.offset)
                        part = fh.read(hi - lo)
                except OSError:
                    part = b""
                if len(part) != hi - lo:
                    complete = False
                    break
                buf += part
            if not complete:
                skipped += 1
                continue
            if hashlib.sha1(bytes(buf)).digest() == view.hashes[piece]:
                continue
            # Who is wrong? This file if its own SHA-256 says so; a neighbour if its does.
            if own_sha_ok is True:
                blamed_elsewhere.append(piece)
            elif own_sha_ok is False:
                bad_boundary_ours.append(piece)
            else:
                neighbour_bad = any(self._neighbour_sha_bad(view, f) for f in neighbours)
                if neighbour_bad:
                    blamed_elsewhere.append(piece)
                else:
                    bad_boundary_ours.append(piece)
        if bad_inner or bad_boundary_ours:
            bad = bad_inner + bad_boundary_ours
            result.problems.append(Problem("piece-hash-mismatch",
                                           f"{len(bad)} of {last - first + 1} pieces fail their SHA-1 "
                                           f"(first: piece {bad[0]})"))
        if skipped:
            result.notes.append(f"{skipped} boundary piece(s) not checked: the neighbouring file is not here")
        if blamed_elsewhere:
            result.notes.append(f"{len(blamed_elsewhere)} boundary piece(s) fail because of a neighbouring "
                                "file, not this one")

    def _neighbour_sha_bad(self, view: TorrentView, f) -> bool:
        from tui.mirror.aacid import track_id_from_name

        track_id = track_id_from_name(f.path)
        ledger = self.catalogue.ledger(track_id) if track_id else None
        if ledger is None or not ledger.sha256_with_embedded_meta:
            return False
        try:
            data = (view.save_path / f.path).read_bytes()
        except OSError:
            return False
        return hashlib.sha256(data).hexdigest() != ledger.sha256_with_embedded_meta

    def _decode(self, path: Path, result: CheckResult) -> None:
        """Decode every frame through libmpv (ao=null, as fast as it goes), counting errors."""
        import threading

        import mpv

        errors: list[str] = []
        done = threading.Event()

        def log(level, prefix, text) -> None:
            if level in ("error", "fatal") or (level == "warn" and prefix in ("ffmpeg/audio", "ffmpeg/demuxer",
                                                                                 "lavf", "ad", "demux")):
                errors.append(f"{prefix}: {text.strip()}")

        player = mpv.MPV(ao="null", video=False, ao_null_untimed="yes", config=False, load_scripts=False,
                         ytdl=False, log_handler=log, loglevel="warn")
        reason = []

        @player.event_callback("end-file")
        def ended(event) -> None:
            reason.append(event.as_dict().get("reason"))
            done.set()

        player.loadfile(str(path))
        done.wait(120)
        player.terminate()
        if reason and reason[0] in (b"error", "error"):
            errors.insert(0, "mpv could not play it")
        if errors:
            result.problems.append(Problem("decode-error", f"{len(errors)} decoder error(s): {errors[0][:120]}"))


class VerdictStore:
    """The last verdict per track, in the state directory (badges in lists and details)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[str, str] | None = None

    def _conn(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("CREATE TABLE IF NOT EXISTS verdicts (track_id TEXT PRIMARY KEY, verdict TEXT, "
                     "codes TEXT, checked_at REAL)")
        return conn

    def save(self, results: list[CheckResult]) -> None:
        try:
            conn = self._conn()
            conn.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?)",
                             [(r.track_id, r.verdict, json.dumps(r.codes), time.time()) for r in results])
            conn.commit()
            conn.close()
        except sqlite3.OperationalError:
            return  # a full disk loses the badges, nothing else
        if self._cache is not None:
            for r in results:
                self._cache[r.track_id] = r.verdict

    def peek(self, track_id: str) -> str | None:
        """The verdict if the store is loaded, else None: never reads the disk (the UI's path)."""
        cache = self._cache
        return cache.get(track_id) if cache is not None else None

    def get(self, track_id: str) -> str | None:
        if self._cache is None:
            cache: dict[str, str] = {}
            if self.path.exists():
                try:
                    conn = self._conn()
                    cache = dict(conn.execute("SELECT track_id, verdict FROM verdicts"))
                    conn.close()
                except sqlite3.Error:
                    pass
            self._cache = cache  # published whole, so peek() never sees a half-loaded dict
        return self._cache.get(track_id)
