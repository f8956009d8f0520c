"""Check runs: the one loop behind `longtail check`, the TUI's check screen and `c`.

A run checks the tracks it is given, or a uniformly random sample of the local
files (of a tier); it publishes a `CheckProgress` per file and a `CheckFinished`,
saves the verdicts, and with `repair` moves a corrupt file aside and fetches it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from tui.core.events import CheckFinished, CheckProgress, FileStateChanged, Notice
from tui.core.services import Services
from tui.mirror.file_index import DISK_MISSING
from tui.mirror.verify import MoveError, move_aside

if TYPE_CHECKING:  # the checks' decoders load with the first check, not with the first screen
    from tui.mirror.checks import Checker, CheckResult


class CheckRequest(msgspec.Struct, frozen=True):
    track_ids: tuple[str, ...] = ()  # empty: a random sample of local files
    sample: int = 20
    seed: int | None = None
    tier: str | None = None
    decode: bool = False
    repair: bool = False
    fetch_timeout: float = 120.0  # for each repair's fetch


class CheckRun:
    def __init__(self, services: Services, publish: Callable[[object], None], run: int,
                 decoder: Callable | None = None,
                 fetch_again: Callable[[str, float], str | None] | None = None) -> None:
        self.services = services
        self.publish = publish
        self.run = run
        self.decoder = decoder
        self.fetch_again = fetch_again  # fetches a track's file within a timeout; returns an error or None
        self.seed: int | None = None

    def draw_sample(self, request: CheckRequest) -> list[str]:
        """A uniformly random sample of the files on disk, right size or not (of a tier)."""
        from tui.catalogue.shuffle import ShuffleFilter

        shuffle = self.services.shuffle(ShuffleFilter(tier=request.tier, present_only=True), request.seed)
        self.seed = shuffle.seed
        ids = [t.id for t in shuffle.take(request.sample)]
        if len(ids) < request.sample:  # said, not silently shrunk: the sample asked for is bigger
            self.publish(Notice(f"--sample {request.sample:,} is more than the {len(ids):,} files on disk: "
                                f"checking all {len(ids):,} (seed {shuffle.seed})"))
        else:
            self.publish(Notice(f"checking {len(ids)} files drawn at random from those on disk (seed {shuffle.seed})"))
        return ids

    def execute(self, request: CheckRequest, should_stop: Callable[[], bool] = lambda: False
                ) -> list[CheckResult]:
        pending = self.services.verdicts.pending_repairs() if request.repair else {}
        if pending:
            self.publish(Notice(f"finishing {len(pending)} repair(s) an earlier run began"))
        sampled = [] if request.track_ids else self.draw_sample(request)
        ids = list(dict.fromkeys([*pending, *request.track_ids, *sampled]))
        from tui.mirror.checks import Checker

        checker = Checker(self.services.catalogue, self.services.files,
                          self.decoder if request.decode else None)
        results: list[CheckResult] = []
        names = self.services.catalogue.tracks_by_ids(ids)
        for done, track_id in enumerate(ids, start=1):
            if should_stop():
                break
            result = checker.check(track_id)
            if track_id in pending:
                result = self._finish_repair(result, pending[track_id], checker, request.fetch_timeout)
            elif request.repair and result.verdict == "corrupt" and result.own_bytes_wrong:
                result = self._repair(result, checker, request.fetch_timeout)
            elif request.repair and result.verdict == "corrupt":
                result.notes.append("not repaired: nothing shows this file's own bytes are wrong")
            results.append(result)
            track = names.get(track_id)
            name = f"{track.name} — {', '.join(track.artist_names)}" if track else track_id
            detail = ", ".join(f"{p.code} ({p.detail})" for p in result.problems) or "; ".join(result.notes) or None
            self.publish(CheckProgress(self.run, done, len(ids), track_id, name, result.verdict,
                                       tuple(result.codes), detail))
        error = None
        try:
            self.services.verdicts.save(results)
            files = self.services.files
            files.set_bad([r.track_id for r in results if r.verdict == "corrupt"], True)
            files.set_bad([r.track_id for r in results if r.verdict == "ok"], False)
        except Exception as exc:  # noqa: BLE001 - the verdicts stand even if they cannot be kept
            error = str(exc)
        counts = {k: sum(1 for r in results if r.verdict == k) for k in ("ok", "missing", "corrupt")}
        self.publish(CheckFinished(self.run, len(results), counts["ok"], counts["missing"], counts["corrupt"],
                                   error))
        return results

    def _repair(self, result: CheckResult, checker: Checker, timeout: float) -> CheckResult:
        """Move the corrupt file aside (never deleted), then fetch it again from the swarm."""
        files = self.services.files
        entry = files.entry(result.track_id)
        if entry is None or not entry.info_hash or self.fetch_again is None:
            result.notes.append("not repaired: no torrent to fetch it again from")
            return result
        moved = None
        if entry.present:
            try:
                moved = move_aside(entry.path, self.services.state.quarantine, result.track_id, "corrupt")
            except MoveError as exc:
                result.notes.append(f"not repaired: {exc.strerror}; the file is left as it was")
                return result
            # Kept before the fetch, so that a run stopped here is finished by the next one.
            self.services.verdicts.add_repair(result.track_id, str(moved))
            files.set_disk(result.track_id, entry.torrent_id, DISK_MISSING)
            self.publish(FileStateChanged(result.track_id, "fetchable"))
            result.notes.append(f"moved aside to {moved}")
        return self._finish_repair(result, str(moved) if moved else None, checker, timeout)

    def _finish_repair(self, result: CheckResult, moved: str | None, checker: Checker,
                       timeout: float) -> CheckResult:
        if result.verdict == "ok":  # fetched by someone else since
            self.services.verdicts.repair_done(result.track_id)
            return result
        if self.fetch_again is None:
            result.notes.append("repair pending: fetching is off")
            return result
        error = self.fetch_again(result.track_id, timeout)
        if error:
            result.notes.append(f"repair failed: {error} (a later `longtail check --repair` carries on)")
            return result
        self.services.verdicts.repair_done(result.track_id)
        fresh = checker.check(result.track_id)
        fresh.notes.insert(0, f"repaired: the corrupt copy was moved to {moved}" if moved else "repaired")
        return fresh
