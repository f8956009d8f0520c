"""Integrity spot-checks: is this file exactly what the archive published?

One read of the file feeds every check: its size against the torrent, its SHA-256
against the ledger, the torrent's SHA-1 piece hashes over the pieces inside it
(boundary pieces with the neighbours' bytes when those are here), the Ogg page
structure and CRCs, the codec against the ledger (or the tier's rule), and the
duration against the catalogue. A `decoder` adds a full decode.

Nothing here writes to the file it checks. A failing boundary piece is blamed on
the file whose own bytes are wrong (the one whose SHA-256 differs from the
ledger), never on a pristine neighbour.

The Ogg layer lives in `ogg`; a full decode goes through a `Decoder` (the player's
engine), so checking never depends on mpv directly.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.mirror.file_index import FileEntry
from tui.mirror.ogg import Problem, parse_ogg

CODES = ("size-mismatch", "sha256-mismatch", "piece-hash-mismatch", "ogg-structure", "ogg-crc",
         "codec-mismatch", "duration-mismatch", "decode-error")
DURATION_TOLERANCE_MS = 1000


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
        out: dict[str, object] = {"id": self.track_id, "path": self.path, "verdict": self.verdict,
               "problems": [p.as_json() for p in self.problems]}
        if self.notes:
            out["notes"] = self.notes
        return out

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


@dataclass
class TorrentView:
    """What the checker needs from a torrent: piece hashes and its files' layout."""

    piece_length: int
    hashes: list[bytes]
    files: list  # TorrentFile
    save_path: Path


class Checker:
    def __init__(self, catalogue, files, decoder: Callable[[Path], list[str]] | None = None) -> None:
        self.catalogue = catalogue
        self.files = files
        self.decoder = decoder
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
        if self.decoder is not None:
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
                if f.file_index == entry.file_index:
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
        """Decode every frame (through the engine's decoder), counting its complaints."""
        if self.decoder is None:
            result.notes.append("no decoder available: the full decode was skipped")
            return
        errors = self.decoder(path)
        if errors:
            result.problems.append(Problem("decode-error", f"{len(errors)} decoder error(s): {errors[0][:120]}"))
