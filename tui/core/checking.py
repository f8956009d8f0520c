"""Check runs: the one loop behind `longtail check`, the TUI's check screen and `c`.

A run checks the tracks it is given, or a uniformly random sample of the local
files (of a tier); it publishes a `CheckProgress` per file and a `CheckFinished`,
saves the verdicts, and with `repair` moves a corrupt file aside and fetches it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.events import CheckFinished, CheckProgress, FileStateChanged, Notice
from tui.core.services import Services
from tui.mirror.checks import Checker, CheckResult
from tui.mirror.file_index import DISK_MISSING
from tui.mirror.verify import move_aside


@dataclass(frozen=True)
class CheckRequest:
    track_ids: tuple[str, ...] = ()  # empty: a random sample of local files
    sample: int = 20
    seed: int | None = None
    tier: str | None = None
    decode: bool = False
    repair: bool = False


class CheckRun:
    def __init__(self, services: Services, publish: Callable[[object], None], run: int,
                 decoder: Callable | None = None,
                 fetch_again: Callable[[str], str | None] | None = None) -> None:
        self.services = services
        self.publish = publish
        self.run = run
        self.decoder = decoder
        self.fetch_again = fetch_again  # fetches a track's file; returns an error or None
        self.seed: int | None = None

    def draw_sample(self, request: CheckRequest) -> list[str]:
        """A uniformly random sample of the files on disk, right size or not (of a tier)."""
        from tui.catalogue.shuffle import ShuffleFilter

        shuffle = self.services.shuffle(ShuffleFilter(tier=request.tier, present_only=True), request.seed)
        self.seed = shuffle.seed
        ids = [t.id for t in shuffle.take(request.sample)]
        self.publish(Notice(f"checking {len(ids)} files drawn at random from those on disk (seed {shuffle.seed})"))
        return ids

    def execute(self, request: CheckRequest, should_stop: Callable[[], bool] = lambda: False
                ) -> list[CheckResult]:
        ids = list(request.track_ids) or self.draw_sample(request)
        checker = Checker(self.services.catalogue, self.services.files,
                          self.decoder if request.decode else None)
        results: list[CheckResult] = []
        names = self.services.catalogue.tracks_by_ids(ids)
        for done, track_id in enumerate(ids, start=1):
            if should_stop():
                break
            result = checker.check(track_id)
            if request.repair and result.verdict == "corrupt":
                result = self._repair(result, checker)
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

    def _repair(self, result: CheckResult, checker: Checker) -> CheckResult:
        """Move the corrupt file aside (never deleted) and fetch it again from the swarm."""
        files = self.services.files
        entry = files.entry(result.track_id)
        moved = None
        if entry is not None and entry.path.exists():
            moved = move_aside(entry.path, self.services.state.quarantine, result.track_id, "corrupt")
            if moved is None:
                result.notes.append("repair failed: the file could not be moved aside")
                return result
            files.set_disk(result.track_id, entry.torrent_id, DISK_MISSING)
            self.publish(FileStateChanged(result.track_id, "fetchable" if entry.info_hash else "absent"))
            result.notes.append(f"moved aside to {moved}")
        if entry is None or not entry.info_hash or self.fetch_again is None:
            result.notes.append("no torrent to fetch it again from")
            return result
        error = self.fetch_again(result.track_id)
        if error:
            result.notes.append(f"repair failed: {error}")
            return result
        fresh = checker.check(result.track_id)
        fresh.notes.insert(0, f"repaired: the corrupt copy was moved to {moved}")
        return fresh
