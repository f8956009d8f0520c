"""`check --all` for a session: the sweep's batches over one worker process per core,
verdicts kept as batches finish, progress on the bus, and a run that resumes."""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.events import CheckProgress, SweepProgress
from tui.core.indexing import refresh_files
from tui.core.services import Services
from tui.mirror.sweep import Batch, SweepJob, SweepRow, SweepStore, check_batch, plan, strays
from tui.mirror.workers import pool as worker_pool


@dataclass
class SweepReport:
    run: int
    resumed: bool
    checked: int = 0
    summary: dict[str, int] = field(default_factory=dict)
    store_path: Path | None = None  # where its findings are read from, once the run is over
    seconds: float = 0.0

    def findings(self) -> Iterator[SweepRow]:
        """Everything that is not ok, read from the sweep's store as it is printed (not held)."""
        if self.store_path is None:
            return
        store = SweepStore(self.store_path)
        try:
            yield from store.findings(self.run)
        finally:
            store.close()

    def head_json(self) -> dict:
        return {"checked": self.checked, "summary": {k: self.summary.get(k, 0)
                                                     for k in ("ok", "missing", "corrupt", "stray")},
                "bytes": self.summary.get("bytes", 0), "resumed": self.resumed}

    def json_text(self) -> Iterator[str]:
        """The report as `--json` prints it (indented), the findings streamed one by one."""
        head = json.dumps(self.head_json(), ensure_ascii=False, indent=2)
        yield head[:-2] + ',\n  "results": ['
        separator = "\n"
        for row in self.findings():
            yield separator + textwrap.indent(json.dumps(row.as_json(), ensure_ascii=False, indent=2), "    ")
            separator = ",\n"
        yield ("\n  ]" if separator == ",\n" else "]") + "\n}"


def sweep(services: Services, publish: Callable[[object], None], run_no: int, decode: bool = False,
          workers: int | None = None, should_stop: Callable[[], bool] = lambda: False) -> SweepReport:
    started = time.perf_counter()
    refresh_files(services, publish)  # what is on disk now (cheap when nothing changed)
    store = SweepStore(services.state.sweep)
    batches = plan(services.files)
    counts = services.files.counts()
    total_files, not_downloaded = counts["present"], counts["files"] - counts["present"]
    run, done = store.open_run(total_files)
    report = SweepReport(run, resumed=bool(done))
    if not done:
        found = list(strays(services.files))
        store.add_findings(run, found)
    todo = [b for b in batches if b.key not in done]
    decoder = None
    if decode:
        from tui.player.mpv_engine import MpvDecoder

        decoder = MpvDecoder().decode_errors
    job = SweepJob(services.catalogue.paths, services.files.db_path, decoder)
    progress = store.totals(run)
    checked = progress["ok"] + progress["missing"] + progress["corrupt"]
    pool = worker_pool(workers or os.cpu_count() or 1,
                       ["tui.mirror.sweep", "tui.mirror.checks", "tui.catalogue.catalogue"])
    try:
        pending: dict[Future, Batch] = {}
        queue = iter(todo)
        depth = 2 * (workers or os.cpu_count() or 1)
        while True:
            while len(pending) < depth and not should_stop():
                batch = next(queue, None)
                if batch is None:
                    break
                pending[pool.submit(check_batch, job, batch)] = batch
            if not pending:
                break
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in finished:
                batch = pending.pop(future)
                rows = future.result()
                _keep(services, store, run, batch, rows)
                checked += len(rows)
                for row in rows:
                    progress[row.verdict] = progress.get(row.verdict, 0) + 1
                    progress["bytes"] += row.bytes_read
                    if row.verdict != "ok":
                        publish(CheckProgress(run_no, checked, total_files, row.track_id or "", row.path,
                                              row.verdict, row.codes, row.detail))
                publish(SweepProgress(run_no, checked, total_files, progress.get("corrupt", 0),
                                      progress["bytes"], time.perf_counter() - started))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not should_stop():
        store.finish(run)
    report.summary = store.totals(run)
    report.checked = report.summary["ok"] + report.summary["missing"] + report.summary["corrupt"]
    report.summary["missing"] += not_downloaded  # counted, not listed: most of a mirror is not here
    report.store_path = store.path
    report.seconds = time.perf_counter() - started
    store.close()
    return report


def _keep(services: Services, store: SweepStore, run: int, batch: Batch, rows: list[SweepRow]) -> None:
    """A finished batch: its verdicts, the files' bad flags, and the sweep's progress."""
    from tui.mirror.checks import CheckResult
    from tui.mirror.problems import Problem

    results = [CheckResult(r.track_id or "", r.path, r.verdict, [Problem(c, "") for c in r.codes])
               for r in rows if r.track_id]
    services.verdicts.save(results)
    services.files.set_bad([r.track_id for r in rows if r.track_id and r.verdict == "corrupt"], True)
    services.files.set_bad([r.track_id for r in rows if r.track_id and r.verdict == "ok"], False)
    store.batch_done(run, batch, rows)
