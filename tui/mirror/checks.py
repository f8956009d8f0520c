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
from typing import Any, BinaryIO, NamedTuple

from tui.catalogue.records import tier_for_popularity
from tui.mirror.file_index import FileEntry
from tui.mirror.ogg import OggInfo, OggScanner
from tui.mirror.pieces import FAIL, SKIP, PieceReport, SpanCheck, TorrentView
from tui.mirror.problems import CheckCode, Problem, Verdict

NOT_CORRUPTION: set[CheckCode] = {"torrent-mismatch"}  # the torrent disagrees with the ledger, not the file
OWN_BYTES_WRONG: set[CheckCode] = {"size-mismatch", "sha256-mismatch", "not-a-regular-file"}
DURATION_TOLERANCE_MS = 1000
CHUNK = 1 << 20
KEEP_TORRENTS = 2  # parsed .torrents kept: a sweep goes torrent by torrent


@dataclass
class CheckResult:
    track_id: str
    path: str | None
    verdict: Verdict
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
    def codes(self) -> list[CheckCode]:
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


class Expected(NamedTuple):
    """What the catalogue and the ledger say a track's file should be."""

    facts: tuple[int, int] | None  # duration_ms, popularity
    ledger: object | None
    sha256: str | None


class Checker:
    def __init__(self, catalogue: Any, files: Any, decoder: Callable[[Path], list[str]] | None = None) -> None:
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
            if len(self._torrents) >= KEEP_TORRENTS:  # an archive torrent's file list is tens of MB
                del self._torrents[next(iter(self._torrents))]
            self._torrents[entry.torrent_id] = view
        return view

    def check(self, track_id: str) -> CheckResult:
        entry = self.files.entry(track_id)
        if entry is None:
            return CheckResult(track_id, None, "missing",
                               notes=["no torrent or data folder of this mirror holds this track"])
        return self.check_entry(entry)

    def check_entry(self, entry: FileEntry) -> CheckResult:
        return self.check_run([entry])[0]

    def check_run(self, entries: list[FileEntry]) -> list[CheckResult]:
        """Files of one torrent in file order (a sweep's batch): every byte is read once, and
        each piece hashed once even when it spans several of them."""
        view = self._torrent(entries[0]) if entries else None
        span = SpanCheck(view) if view is not None else None
        read = [self._read(entry, span) for entry in entries]
        reports = span.finish() if span is not None else {}
        # the run's files that the ledger vouches for (or not): blame needs no second read of them
        known = {str(result.path): result.ledger_verified for result, expected, _ in read
                 if expected is not None and expected.sha256}
        out = []
        for entry, (result, expected, ogg) in zip(entries, read, strict=True):
            if ogg is not None and expected is not None:
                started = time.perf_counter()
                self._judge(entry, result, expected, ogg, reports.get(entry.file_index), view, known)
                result.seconds += time.perf_counter() - started
            out.append(result.settle() if result.verdict != "missing" else result)
        return out

    def _read(self, entry: FileEntry, span: SpanCheck | None
              ) -> tuple[CheckResult, Expected | None, OggInfo | None]:
        """One streaming read: its size, SHA-256 and Ogg pages here, its bytes into the run's pieces."""
        started = time.perf_counter()
        result = CheckResult(entry.track_id, str(entry.path), "ok")
        if span is not None:
            span.begin(entry.file_index)
        ogg, expected = None, None
        fh = self._open(result)
        if fh is not None:
            with fh:
                facts = self.catalogue.track_facts(entry.track_id)
                ledger = self.catalogue.ledger(entry.track_id)
                expected_sha = ledger.sha256_with_embedded_meta if ledger and ledger.archived else None
                sha, scanner = hashlib.sha256(), OggScanner()
                while chunk := fh.read(CHUNK):
                    sha.update(chunk)
                    if span is not None:
                        span.feed(chunk)
                    scanner.feed(chunk)
                    result.bytes_read += len(chunk)
            ogg = scanner.finish()
            if result.bytes_read != entry.size:
                result.problems.append(Problem("size-mismatch", f"{result.bytes_read:,} bytes, the torrent "
                                                                f"says {entry.size:,}"))
            if expected_sha:
                digest = sha.hexdigest()
                result.ledger_verified = digest == expected_sha
                if not result.ledger_verified:
                    result.problems.append(Problem("sha256-mismatch",
                                                   f"{digest[:16]}… ≠ ledger {expected_sha[:16]}…"))
            else:
                result.notes.append("no ledger SHA-256 for this track: checked by piece hashes only")
            expected = Expected(facts, ledger, expected_sha)
        if span is not None:
            span.end(FAIL if fh is not None else SKIP)
        result.seconds = time.perf_counter() - started
        return result, expected, ogg

    @staticmethod
    def _open(result: CheckResult) -> BinaryIO | None:
        """Its file, opened for reading only if it is a regular file (else why not, in `result`)."""
        path = result.path
        assert path is not None
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            result.verdict = "missing"
            result.notes.append("not downloaded")
            return None
        except OSError as exc:
            result.problems.append(Problem("not-a-regular-file", f"cannot look at it: {exc.strerror}"))
            return None
        if not stat.S_ISREG(mode):
            what = "a symlink" if stat.S_ISLNK(mode) else "a FIFO, socket, device or directory"
            result.problems.append(Problem("not-a-regular-file", f"{what}, not the file: never opened"))
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            result.problems.append(Problem("not-a-regular-file", f"cannot open it: {exc.strerror}"))
            return None
        fh = os.fdopen(fd, "rb", buffering=0)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the lstat
            fh.close()
            result.problems.append(Problem("not-a-regular-file", "not a regular file: never read"))
            return None
        return fh

    def _judge(self, entry: FileEntry, result: CheckResult, expected: Expected, ogg: OggInfo,
               report: PieceReport | None, view: TorrentView | None, known: dict[str, bool]) -> None:
        own_sha_ok = result.ledger_verified if expected.sha256 else None
        if report is None:
            result.notes.append("no .torrent for this data folder: piece hashes not checked")
        else:
            assert view is not None
            self._judge_pieces(report, view, own_sha_ok, result, known)
        result.problems += ogg.problems
        self._codec_and_duration(ogg, expected.facts, expected.ledger, result)
        if self.decoder is not None:
            errors = self.decoder(entry.path)
            if errors:
                result.problems.append(Problem("decode-error", f"{len(errors)} decoder error(s): {errors[0][:120]}"))

    def _judge_pieces(self, report: PieceReport, view: TorrentView, own_sha_ok: bool | None,
                      result: CheckResult, known: dict[str, bool]) -> None:
        ours, elsewhere = [], []
        for piece in report.bad_boundary:
            # Who is wrong? This file if its own SHA-256 says so; a neighbour if its does.
            if own_sha_ok is True:
                elsewhere.append(piece)
            elif own_sha_ok is False or not any(self._neighbour_sha_bad(view, f, known)
                                                for f in report.neighbours.get(piece, [])):
                ours.append(piece)
            else:
                elsewhere.append(piece)
        if report.bad_inner and own_sha_ok is True:
            result.problems.append(Problem("torrent-mismatch", f"the file matches the ledger's SHA-256 but "
                                           f"{len(report.bad_inner)} of {report.pieces} pieces fail the .torrent's "
                                           "SHA-1: the .torrent disagrees with the ledger (the file is kept)"))
        elif report.bad_inner or ours:
            bad = sorted(report.bad_inner + ours)
            result.problems.append(Problem("piece-hash-mismatch", f"{len(bad)} of {report.pieces} pieces fail "
                                                                  f"their SHA-1 (first: piece {bad[0]})"))
        if report.skipped:
            result.notes.append(f"{report.skipped} boundary piece(s) not checked: the neighbouring file is not here")
        if elsewhere:
            result.notes.append(f"{len(elsewhere)} boundary piece(s) fail because of a neighbouring file, not this one")

    @staticmethod
    def _codec_and_duration(info: Any, facts: tuple[int, int] | None, ledger: Any, result: CheckResult) -> None:
        expected_codec, source = None, ""
        duration_ms, popularity = facts if facts is not None else (0, 0)
        if ledger is not None and ledger.codec:
            expected_codec, source = ledger.codec, "the ledger"
        elif facts is not None:
            expected_codec, source = tier_for_popularity(popularity), f"the tier rule (popularity {popularity})"
        if expected_codec and info.codecs != {expected_codec}:
            found = ", ".join(sorted(c or "not Vorbis or Opus" for c in info.codecs)) or "not Vorbis or Opus"
            result.problems.append(Problem("codec-mismatch", f"{found}, {source} says {expected_codec}"))
        if duration_ms:
            duration = info.duration_ms
            if duration is None:
                if not any(p.code == "ogg-structure" for p in info.problems):
                    result.problems.append(Problem("duration-mismatch", "no granule position to measure it"))
            elif abs(duration - duration_ms) > DURATION_TOLERANCE_MS:
                links = f" over {len(info.links)} chained streams" if len(info.links) > 1 else ""
                result.problems.append(Problem("duration-mismatch", f"{duration / 1000:.1f} s{links}, the "
                                               f"catalogue says {duration_ms / 1000:.1f} s"))

    def _neighbour_sha_bad(self, view: TorrentView, f: Any, known: dict[str, bool]) -> bool:
        from tui.mirror.aacid import track_id_from_name
        from tui.mirror.verify import sha256_file

        path = view.save_path / f.path
        if str(path) in known:  # a file of the same run, already hashed
            return not known[str(path)]
        track_id = track_id_from_name(f.path)
        ledger = self.catalogue.ledger(track_id) if track_id else None
        if ledger is None or not ledger.sha256_with_embedded_meta:
            return False
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return True  # not even a file: that neighbour is the one that is wrong
            return sha256_file(path) != ledger.sha256_with_embedded_meta
        except OSError:
            return False
