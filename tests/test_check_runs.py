"""A sweep checks a torrent's files as one run, hashing each piece once; it must reach the
same verdicts as checking each file alone (which reads its neighbours' shared bytes), and
blame only the damaged files, with pieces smaller and larger than the files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from mirrors import build

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.mirror.checks import Checker
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover

PAIRS = [("truncate", "html"), ("flip", "missing"), ("hole", "link-out"), ("fifo", "swap")]


def damage(data: Path, names: list[str], outside: Path, pair: tuple[str, str]) -> dict[str, str]:
    """The second and fourth files damaged, the others pristine."""
    kinds: dict[str, str] = {}
    for name, kind in ((names[1], pair[0]), (names[3], pair[1])):
        kinds[name] = kind
        p = data / name
        body = p.read_bytes()
        if kind == "truncate":
            p.write_bytes(body[: len(body) // 3])
        elif kind == "html":
            p.write_bytes(b"<html><body>404 Not Found</body></html>\n")
        elif kind == "flip":
            p.write_bytes(body[:5000] + bytes([body[5000] ^ 0x10]) + body[5001:])
        elif kind == "missing":
            p.unlink()
        elif kind == "hole":
            p.write_bytes(body[:1000] + bytes(5000) + body[6000:])
        elif kind == "link-out":
            p.unlink()
            p.symlink_to(outside)
        elif kind == "fifo":
            p.unlink()
            os.mkfifo(p)
        elif kind == "swap":
            p.write_bytes((data / names[0]).read_bytes())
    return kinds


@pytest.mark.parametrize("pair", PAIRS, ids="+".join)
@pytest.mark.parametrize("piece,hybrid", [(32 * 1024, False), (256 * 1024, False), (1024 * 1024, False),
                                          (256 * 1024, True)], ids=["32K", "256K", "1M", "hybrid"])
def test_a_run_reaches_the_verdicts_of_one_file_at_a_time_and_blames_only_the_damaged(
        small_demo, tmp_path, piece, hybrid, pair):
    mirror, _swarm, _torrent, name = build(small_demo, tmp_path, piece, hybrid=hybrid)
    data = mirror / name
    names = sorted(p.name for p in data.iterdir())
    outside = tmp_path / "outside"
    outside.write_bytes(b"the user's own file" * 1000)
    kinds = damage(data, names, outside, pair)
    before = hashlib.sha256(outside.read_bytes()).hexdigest()
    files = FileIndex(tmp_path / "state" / "files.sqlite3")
    files.refresh(discover(mirror))
    catalogue = Catalogue(CataloguePaths.from_databases(discover(mirror).databases))
    checker = Checker(catalogue, files)
    entries = list(files.torrent_entries(files.torrents()[0][0]))
    assert len(entries) == len(names) >= 5

    run = checker.check_run(entries)
    alone = [checker.check_entry(e) for e in entries]
    in_pairs = [r for i in range(0, len(entries), 2) for r in checker.check_run(entries[i:i + 2])]  # batch edges

    for entry, together, single, paired in zip(entries, run, alone, in_pairs, strict=True):
        kind = kinds.get(entry.path.name, "pristine")
        assert (together.verdict, sorted(together.codes)) == (single.verdict, sorted(single.codes)), kind
        assert (paired.verdict, sorted(paired.codes)) == (single.verdict, sorted(single.codes)), kind
        expected = {"pristine": "ok", "missing": "missing"}.get(kind, "corrupt")
        assert together.verdict == expected, (kind, together.as_json())
        if kind == "pristine":
            assert together.ledger_verified
    assert sum(r.bytes_read for r in run) == sum(r.bytes_read for r in alone)
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == before
    catalogue.close()


def test_a_run_hashes_each_piece_once(small_demo, tmp_path, monkeypatch):
    """The point of a run: with 1 MiB pieces over ~160 KB files, one file at a time would hash
    every shared piece once per file."""
    import tui.mirror.pieces as pieces

    mirror, _swarm, _torrent, _name = build(small_demo, tmp_path, 1024 * 1024)
    files = FileIndex(tmp_path / "state" / "files.sqlite3")
    files.refresh(discover(mirror))
    catalogue = Catalogue(CataloguePaths.from_databases(discover(mirror).databases))
    checker = Checker(catalogue, files)
    entries = list(files.torrent_entries(files.torrents()[0][0]))
    hashed = []
    real_sha1 = hashlib.sha1

    def counting_sha1():
        hashed.append(1)
        return real_sha1()

    monkeypatch.setattr(pieces.hashlib, "sha1", counting_sha1)
    run = checker.check_run(entries)
    assert all(r.verdict == "ok" for r in run)
    total = sum(e.size for e in entries)
    assert len(hashed) == -(-total // (1024 * 1024))  # every piece of the torrent, once
    del hashed[:]
    for e in entries:
        checker.check_entry(e)
    assert len(hashed) > 2 * -(-total // (1024 * 1024))
    catalogue.close()



HOLDS_WORKERS = """
import sys, time
from tui.mirror.workers import pool
workers = pool(2, ["time"])
busy = [workers.submit(time.sleep, 60) for _ in range(2)]
time.sleep(1.0)  # both at work
print("ready", flush=True)
time.sleep(60)
"""


def test_kill_9_of_a_process_with_workers_leaves_no_process_behind(tmp_path):
    """The workers (of `check --all`, of the file index) are the forkserver's children, and
    each holds the pipe the forkserver watches: a `kill -9` of longtail left the forkserver,
    the workers and the resource tracker running for good. Now all are gone within seconds."""
    import signal
    import subprocess
    import sys
    import time

    def session_processes(sid: int) -> list[str]:
        out = subprocess.run(["ps", "-o", "pid=,args=", "-s", str(sid)], capture_output=True, text=True).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]

    proc = subprocess.Popen([sys.executable, "-c", HOLDS_WORKERS], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    helpers = [p for p in session_processes(proc.pid) if "multiprocessing" in p]
    assert len(helpers) >= 4, helpers  # the tracker, the forkserver and two workers
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and session_processes(proc.pid):
        time.sleep(0.1)
    assert session_processes(proc.pid) == []


@pytest.mark.parametrize("n", [0, 1, 2500])
def test_the_json_report_streams_its_findings_from_the_store_and_says_what_it_held(tmp_path, n):
    """`check --all --json` prints the findings as it reads them from the sweep's store: the same
    document as one `json.dumps` would make, in path order, for none, one and many."""
    import json

    from tui.core.sweeping import SweepReport
    from tui.mirror.problems import CheckCode
    from tui.mirror.sweep import SweepRow, SweepStore

    store = SweepStore(tmp_path / "sweep.sqlite3")
    run, _done = store.open_run(n)
    codes: tuple[CheckCode, ...] = ("piece-hash-mismatch", "ogg-crc")
    rows = [SweepRow("track", f"{i:022d}", f"/m/{i:06d}.ogg", "corrupt", codes, f"détail {i}")
            for i in reversed(range(n))]
    store.add_findings(run, rows)
    store.close()
    report = SweepReport(run, resumed=False, checked=n, summary={"corrupt": n, "bytes": 7},
                         store_path=tmp_path / "sweep.sqlite3")
    doc = json.loads("".join(report.json_text()))
    assert doc == {**report.head_json(), "results": [r.as_json() for r in sorted(rows, key=lambda r: r.path)]}
