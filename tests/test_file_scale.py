"""The file index at a size where counting matters: 300,000 files in five archive-shaped
torrents (60,000 files each, 16 MiB pieces), 1% of them on disk as sparse files, some tracks
in two torrents. The kept counts equal a brute-force count of every row, before and after a
data folder changes, and after the first index is killed (SIGKILL) half-way."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.mirror import file_index, file_schema
from tui.mirror.file_entry import file_state
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover

pytestmark = pytest.mark.slow
FILES_PER_TORRENT = 60_000
TORRENTS = 5
FOLDER = "annas_archive_data__aacid__spotify_files_pop_{n}__20260116T000346Z--20260116T000347Z"
PREFERENCE = {"local": 0, "partial": 1, "damaged": 2, "fetchable": 3, "absent": 4}
COUNTED_AS = {"local": "local", "partial": "fetchable", "damaged": "damaged", "fetchable": "fetchable",
              "absent": "none"}


def tier_of(ids: list[str]) -> dict[str, int]:
    """A stand-in for the catalogue's popularity: a fixed tier per id, a few ids unknown."""
    out = {}
    for track_id in ids:
        h = hashlib.blake2b(track_id.encode(), digest_size=1).digest()[0]
        if h % 50:  # one id in 50 is not in the catalogue
            out[track_id] = int(h % 5 == 0)
    return out


def make_mirror(root: Path) -> tuple[Path, list[list[str]]]:
    import libtorrent as lt

    from tui.demo.rows import Ids

    ids = Ids(77)
    mirror = root / "mirror"
    per_torrent: list[list[str]] = []
    previous: list[str] = []
    for n in range(TORRENTS):
        tracks = [ids.next() for _ in range(FILES_PER_TORRENT)]
        if previous:
            tracks[:50] = previous[-50:]  # 50 tracks also in the torrent before: two copies
        previous = tracks
        per_torrent.append(tracks)
        name = FOLDER.format(n=n)
        entries = [lt.create_file_entry(f"{name}/aacid__spotify_files_pop_{n}__20260116T000346Z__{t}__x", 2_000_000 + i)
                   for i, t in enumerate(tracks)]
        ct = lt.create_torrent(entries, 16 << 20, lt.create_torrent.v1_only)
        for p in range(ct.num_pieces()):
            ct.set_hash(p, hashlib.sha1(f"{n}:{p}".encode()).digest())
        (mirror / name).mkdir(parents=True)
        (mirror / f"{name}.torrent").write_bytes(lt.bencode(ct.generate()))
        for i, t in enumerate(tracks):
            if i % 100 == 7:  # 1% here, sparse: right size, no blocks
                with open(mirror / name / f"aacid__spotify_files_pop_{n}__20260116T000346Z__{t}__x", "wb") as f:
                    f.truncate(2_000_000 + i)
    return mirror, per_torrent


def brute_force(index: FileIndex) -> dict[int, dict[str, int]]:
    """Every row read and every track's best copy chosen, in Python: the truth."""
    conn = index.conn()
    incomplete = index.incomplete_paths()
    best: dict[str, tuple[int, str]] = {}
    tiers: dict[str, int] = {}
    for track_id, disk, bad, tier, fetchable, rel in conn.execute(
            "SELECT f.track_id, f.disk, f.bad, f.tier, t.info_hash IS NOT NULL, "
            "CASE WHEN f.name = '' THEN t.name ELSE t.name || '/' || f.name END "
            "FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id"):
        state = file_state(disk, bool(bad), rel in incomplete, bool(fetchable))
        if track_id not in best or PREFERENCE[state] < best[track_id][0]:
            best[track_id] = (PREFERENCE[state], state)
        tiers[track_id] = -1 if tier is None else tier
    out = {t: dict.fromkeys(("local", "damaged", "fetchable", "none"), 0) for t in (1, 0, -1)}
    for track_id, (_rank, counted) in best.items():
        out[tiers[track_id]][COUNTED_AS[counted]] += 1
    return out


def disk_states(index: FileIndex) -> dict[tuple[str, int], tuple[str, int, int]]:
    rows = index.conn().execute("SELECT t.name, f.file_index, f.track_id, f.disk, f.size "
                                "FROM files AS f JOIN torrents AS t ON t.id = f.torrent_id")
    return {(name, file_index): (track_id, disk, size) for name, file_index, track_id, disk, size in rows}


@pytest.fixture(scope="module")
def scale_mirror(tmp_path_factory):
    return make_mirror(tmp_path_factory.mktemp("scale"))


def test_the_kept_counts_are_the_brute_force_counts_as_the_mirror_changes(scale_mirror, tmp_path):
    mirror, per_torrent = scale_mirror
    index = FileIndex(tmp_path / "files.sqlite3")
    report = index.refresh(discover(mirror), tier_of=tier_of, workers=2)
    assert report.torrents_parsed == TORRENTS and report.files_indexed == TORRENTS * FILES_PER_TORRENT
    assert not file_schema.track_index_deferred(index.conn())  # dropped for the first index, built after
    truth = brute_force(index)
    assert index.coverage() == truth
    assert sum(truth[1].values()) + sum(truth[0].values()) + sum(truth[-1].values()) == len(
        {t for tracks in per_torrent for t in tracks})
    assert index.counts()["local"] == TORRENTS * FILES_PER_TORRENT // 100

    # a data folder changes: files go, a file arrives, one is the wrong size, one a symlink
    name = FOLDER.format(n=2)
    folder = mirror / name
    here = sorted(folder.iterdir())
    for path in here[:20]:
        path.unlink()
    tracks = per_torrent[2]
    new = folder / f"aacid__spotify_files_pop_2__20260116T000346Z__{tracks[8]}__x"
    with open(new, "wb") as f:
        f.truncate(2_000_000 + 8)
    here[30].write_bytes(b"short")
    here[31].unlink()
    here[31].symlink_to("/dev/null")
    time.sleep(0.01)
    os.utime(folder)
    report = index.refresh(discover(mirror), tier_of=tier_of)
    assert report.torrents_parsed == 0 and report.folders_rescanned == 1  # that folder alone, listed again
    assert index.coverage() == brute_force(index)
    fresh = FileIndex(tmp_path / "fresh.sqlite3")  # what a whole read of the changed mirror finds
    fresh.refresh(discover(mirror), tier_of=tier_of, workers=2)
    assert disk_states(index) == disk_states(fresh)
    assert index.coverage() == fresh.coverage()
    fresh.close()

    # checks and fetches change single files: bad flags, a fetch under way, a verified fetch
    index.set_bad([*tracks[:3], per_torrent[1][-1]], True)  # the last one has a second copy
    index.mark_incomplete(f"{name}/aacid__spotify_files_pop_2__20260116T000346Z__{tracks[9]}__x", tracks[9])
    entry = index.entry(tracks[10])
    assert entry is not None
    index.set_disk(tracks[10], entry.torrent_id, 1)
    assert index.coverage() == brute_force(index)
    index.set_bad(tracks[:3], False)
    assert index.coverage() == brute_force(index)
    index.close()


KILLED_INDEX = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_file_scale import tier_of
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
FileIndex(Path(sys.argv[2])).refresh(discover(Path(sys.argv[1])), tier_of=tier_of, workers=2)
"""


def test_a_first_index_killed_half_way_carries_on_and_counts_right(scale_mirror, tmp_path):
    mirror, per_torrent = scale_mirror
    db = tmp_path / "files.sqlite3"
    for _attempt in range(5):  # the kill must land between two torrents' commits
        db.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", KILLED_INDEX, str(mirror), str(db),
                                 str(Path(__file__).parent)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            try:
                probe = FileIndex(db)
                done = probe.conn().execute("SELECT count(*) FROM torrents").fetchone()[0]
                probe.close()
            except Exception:  # noqa: BLE001 - not created yet, or locked
                continue
            if 1 <= done < TORRENTS:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if 1 <= done < TORRENTS:
            break
    else:
        pytest.skip("the index finished before the kill could land")
    index = FileIndex(db)
    # what the killed index had not reached yet is "not known yet", never "absent"
    read = {name for (name,) in index.conn().execute("SELECT name FROM torrents")}
    unread = next(n for n in range(TORRENTS) if FOLDER.format(n=n) not in read)
    not_reached = per_torrent[unread][500]  # in that torrent alone (its first 50 are in the one before)
    nowhere = "Z" * 22  # in no torrent at all
    assert not index.indexed_all()
    assert index.state(not_reached) == "indexing" and index.states([nowhere])[nowhere] == "indexing"
    assert index.files_of([not_reached])[not_reached] == ("indexing", False)
    report = index.refresh(discover(mirror), tier_of=tier_of, workers=2)
    assert index.indexed_all()
    assert index.state(not_reached) in ("local", "fetchable") and index.state(nowhere) == "absent"
    assert report.torrents_unchanged >= 1 and report.torrents_parsed <= TORRENTS - 1  # it carried on
    assert report.files_indexed == TORRENTS * FILES_PER_TORRENT
    assert not file_schema.track_index_deferred(index.conn())
    assert index.coverage() == brute_force(index)
    fresh = FileIndex(tmp_path / "fresh.sqlite3")
    fresh.refresh(discover(mirror), tier_of=tier_of)
    assert index.coverage() == fresh.coverage()
    index.close()
    fresh.close()
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(db)], capture_output=True, text=True).stdout.split()
    assert left == []  # no worker of the killed index is left behind


def test_while_the_track_index_waits_lookups_find_the_files_on_disk_without_a_scan(scale_mirror, tmp_path):
    mirror, per_torrent = scale_mirror
    index = FileIndex(tmp_path / "files.sqlite3")
    index.refresh(discover(mirror), tier_of=tier_of, workers=2)
    tracks = per_torrent[1][:300]
    before = index.entries(tracks)
    present = {t for t, e in before.items() if e.disk > 0}
    assert present and len(present) < len(before)
    file_schema.defer_track_index(index.conn())  # what a first index does while it writes
    plan = " ".join(str(r) for r in index.conn().execute(
        "EXPLAIN QUERY PLAN " + file_index._ENTRY_PRESENT_SQL + "f.track_id IN (?)", (tracks[0],)))
    assert "files_present" in plan and "SCAN f" not in plan
    during = index.entries(tracks)
    assert set(during) == present and all(during[t] == before[t] for t in present)
    entry = before[next(iter(present))]
    index.set_disk(entry.track_id, entry.torrent_id, 2)  # by the torrent's key range, no scan
    assert index.entries([entry.track_id])[entry.track_id].disk == 2
    index.set_disk(entry.track_id, entry.torrent_id, entry.disk)
    file_schema.build_track_index(index.conn())
    index.conn().commit()
    assert index.entries(tracks) == before
    index.close()
