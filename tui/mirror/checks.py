"""Integrity spot-checks: is this file exactly what the archive published?

One streaming read of the file feeds every check, in 1 MiB chunks whatever its size:
its size against the torrent, its SHA-256 against the ledger, the torrent's SHA-1
piece hashes (boundary pieces with the neighbours' bytes when those are here), the
Ogg page structure and CRCs, then the codec against the ledger (or the tier's rule)
and the duration against the catalogue. A `decoder` adds a full decode.

Nothing here writes, and nothing is opened that is not a regular file: a symlink,
FIFO, socket or device at a track's path is reported as `not-a-regular-file`
without being opened, so a check never blocks and never reads /dev/zero forever.

Blame only on evidence: a failing boundary piece is blamed on the file whose own
bytes are wrong (the one whose SHA-256 differs from the ledger), never on a pristine
neighbour; a file that matches the ledger while the torrent's pieces disagree is
reported as `torrent-mismatch`, and its verdict stays ok.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.mirror.file_index import FileEntry
from tui.mirror.ogg import OggScanner, Problem
from tui.mirror.pieces import PieceCheck, TorrentView

CODES = ("size-mismatch", "sha256-mismatch", "piece-hash-mismatch", "ogg-structure", "ogg-crc",
         "codec-mismatch", "duration-mismatch", "decode-error", "not-a-regular-file", "torrent-mismatch")
NOT_CORRUPTION = {"torrent-mismatch"}  # the torrent disagrees with the ledger, not the file
OWN_BYTES_WRONG = {"size-mismatch", "sha256-mismatch", "not-a-regular-file"}
DURATION_TOLERANCE_MS = 1000
CHUNK = 1 << 20


@dataclass
class CheckResult:
    track_id: str
    path: str | None
    verdict: str  # ok | missing | corrupt
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    seconds: float = 0.0
    bytes_read: int = 0
    ledger_verified: bool = False  # its SHA-256 equals the ledger's

    def as_json(self) -> dict:
        out: dict[str, object] = {"id": self.track_id, "path": self.path, "verdict": self.verdict,
                                  "problems": [p.as_json() for p in self.problems]}
        if self.notes:
            out["notes"] = self.notes
        return out

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @property
    def own_bytes_wrong(self) -> bool:
        """Shown wrong by its own bytes (not by a neighbour, not by the torrent): worth replacing."""
        codes = set(self.codes)
        if codes & OWN_BYTES_WRONG:
            return True
        return not self.ledger_verified and "piece-hash-mismatch" in codes

    def settle(self) -> CheckResult:
        self.verdict = "corrupt" if set(self.codes) - NOT_CORRUPTION else "ok"
        return self


class Checker:
    def __init__(self, catalogue, files, decoder: Callable[[Path], list[str]] | None = None) -> None:
        self.catalogue = catalogue
        self.files = files
        self.decoder = decoder
        self._torrents: dict[int, TorrentView] = {}

    def _torrent(self, entry: FileEntry) -> TorrentView | None:
        if entry.torrent_path is None:
            return None
        view = self._torrents.get(entry.torrent_id)
        if view is None:
            from tui.mirror.torrents import parse_torrent

            parsed = parse_torrent(entry.torrent_path, with_info=False)
            view = TorrentView(parsed.piece_length, [parsed.piece_hash(p) for p in range(parsed.num_pieces)],
                               parsed.files, entry.save_path, parsed.total_size)
            if len(self._torrents) > 8:
                self._torrents.clear()
            self._torrents[entry.torrent_id] = view
        return view

    def check(self, track_id: str) -> CheckResult:
        entry = self.files.entry(track_id)
        if entry is None:
            return CheckResult(track_id, None, "missing",
                               notes=["no torrent or data folder of this mirror holds this track"])
        return self.check_entry(entry)

    def check_entry(self, entry: FileEntry) -> CheckResult:
        started = time.perf_counter()
        result = CheckResult(entry.track_id, str(entry.path), "ok")
        try:
            mode = os.lstat(entry.path).st_mode
        except FileNotFoundError:
            result.verdict = "missing"
            result.notes.append("not downloaded")
            return result
        except OSError as exc:
            result.problems.append(Problem("not-a-regular-file", f"cannot look at it: {exc.strerror}"))
            return result.settle()
        if not stat.S_ISREG(mode):
            what = "a symlink" if stat.S_ISLNK(mode) else "a FIFO, socket, device or directory"
            result.problems.append(Problem("not-a-regular-file", f"{what}, not the file: never opened"))
            return result.settle()
        self._read_and_check(entry, result)
        result.seconds = time.perf_counter() - started
        return result.settle()

    def _read_and_check(self, entry: FileEntry, result: CheckResult) -> None:
        track = self.catalogue.track(entry.track_id)
        ledger = self.catalogue.ledger(entry.track_id)
        expected_sha = ledger.sha256_with_embedded_meta if ledger and ledger.archived else None
        view = self._torrent(entry)
        sha = hashlib.sha256()
        pieces = PieceCheck(view, entry.file_index, entry.offset, entry.size) if view else None
        ogg = OggScanner()
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            result.problems.append(Problem("not-a-regular-file", f"cannot open it: {exc.strerror}"))
            return
        with os.fdopen(fd, "rb", buffering=0) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the lstat
                result.problems.append(Problem("not-a-regular-file", "not a regular file: never read"))
                return
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                if pieces is not None:
                    pieces.feed(chunk)
                ogg.feed(chunk)
                result.bytes_read += len(chunk)
        if result.bytes_read != entry.size:
            result.problems.append(Problem("size-mismatch", f"{result.bytes_read:,} bytes, the torrent says "
                                                            f"{entry.size:,}"))
        own_sha_ok: bool | None = None
        if expected_sha:
            digest = sha.hexdigest()
            own_sha_ok = result.ledger_verified = digest == expected_sha
            if not own_sha_ok:
                result.problems.append(Problem("sha256-mismatch", f"{digest[:16]}… ≠ ledger {expected_sha[:16]}…"))
        else:
            result.notes.append("no ledger SHA-256 for this track: checked by piece hashes only")
        if pieces is None:
            result.notes.append("no .torrent for this data folder: piece hashes not checked")
        else:
            self._judge_pieces(pieces, own_sha_ok, result)
        info = ogg.finish()
        result.problems += info.problems
        self._codec_and_duration(info, track, ledger, result)
        if self.decoder is not None:
            errors = self.decoder(entry.path)
            if errors:
                result.problems.append(Problem("decode-error", f"{len(errors)} decoder error(s): {errors[0][:120]}"))

    def _judge_pieces(self, pieces: PieceCheck, own_sha_ok: bool | None, result: CheckResult) -> None:
        report = pieces.finish()
        total = pieces.last - pieces.first + 1
        ours, elsewhere = [], []
        for piece in report.bad_boundary:
            # Who is wrong? This file if its own SHA-256 says so; a neighbour if its does.
            if own_sha_ok is True:
                elsewhere.append(piece)
            elif own_sha_ok is False or not any(self._neighbour_sha_bad(pieces.view, f)
                                                for f in report.neighbours.get(piece, [])):
                ours.append(piece)
            else:
                elsewhere.append(piece)
        if report.bad_inner and own_sha_ok is True:
            result.problems.append(Problem("torrent-mismatch", f"the file matches the ledger's SHA-256 but "
                                           f"{len(report.bad_inner)} of {total} pieces fail the .torrent's SHA-1: "
                                           "the .torrent disagrees with the ledger (the file is kept)"))
        elif report.bad_inner or ours:
            bad = sorted(report.bad_inner + ours)
            result.problems.append(Problem("piece-hash-mismatch", f"{len(bad)} of {total} pieces fail their "
                                                                  f"SHA-1 (first: piece {bad[0]})"))
        if report.skipped:
            result.notes.append(f"{report.skipped} boundary piece(s) not checked: the neighbouring file is not here")
        if elsewhere:
            result.notes.append(f"{len(elsewhere)} boundary piece(s) fail because of a neighbouring file, not this one")

    @staticmethod
    def _codec_and_duration(info, track, ledger, result: CheckResult) -> None:
        expected_codec, source = None, ""
        if ledger is not None and ledger.codec:
            expected_codec, source = ledger.codec, "the ledger"
        elif track is not None:
            expected_codec, source = track.tier, f"the tier rule (popularity {track.popularity})"
        if expected_codec and info.codecs != {expected_codec}:
            found = ", ".join(sorted(c or "not Vorbis or Opus" for c in info.codecs)) or "not Vorbis or Opus"
            result.problems.append(Problem("codec-mismatch", f"{found}, {source} says {expected_codec}"))
        if track is not None and track.duration_ms:
            duration = info.duration_ms
            if duration is None:
                if not any(p.code == "ogg-structure" for p in info.problems):
                    result.problems.append(Problem("duration-mismatch", "no granule position to measure it"))
            elif abs(duration - track.duration_ms) > DURATION_TOLERANCE_MS:
                links = f" over {len(info.links)} chained streams" if len(info.links) > 1 else ""
                result.problems.append(Problem("duration-mismatch", f"{duration / 1000:.1f} s{links}, the "
                                               f"catalogue says {track.duration_ms / 1000:.1f} s"))

    def _neighbour_sha_bad(self, view: TorrentView, f) -> bool:
        from tui.mirror.aacid import track_id_from_name
        from tui.mirror.verify import sha256_file

        track_id = track_id_from_name(f.path)
        ledger = self.catalogue.ledger(track_id) if track_id else None
        if ledger is None or not ledger.sha256_with_embedded_meta:
            return False
        path = view.save_path / f.path
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return True  # not even a file: that neighbour is the one that is wrong
            return sha256_file(path) != ledger.sha256_with_embedded_meta
        except OSError:
            return False
