"""The file index over real .torrent files made by libtorrent."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, cast

import libtorrent as lt
import pytest
from expect import present

from tui.errors import TorrentError
from tui.mirror.aacid import track_id_from_name
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.torrents import make_v1_torrent, parse_torrent

FOLDER = "annas_archive_data__aacid__spotify_files_pop_0__20260116T000346Z--20260116T000347Z"
ID_A = "4uLU6hMCjMI75M1A2tKUQC"
ID_B = "7ouMYWpwJ422jRcDASZB7P"
ID_C = "0VjIjW4GlUZAMYd2vXMi3b"


def aacid(track_id: str) -> str:
    return f"aacid__spotify_files_pop_0__20260116T000346Z__{track_id}__AbCdEfGhJkLmNpQrStUvWx"


@pytest.fixture
def mirror(tmp_path) -> Path:
    swarm = tmp_path / "swarm" / FOLDER
    swarm.mkdir(parents=True)
    (swarm / aacid(ID_A)).write_bytes(os.urandom(50_000))
    (swarm / aacid(ID_B)).write_bytes(os.urandom(70_000))
    (swarm / ID_C).write_bytes(os.urandom(10_000))  # a bare track id
    (swarm / "README.txt").write_bytes(b"not a track")
    root = tmp_path / "mirror"
    root.mkdir()
    make_v1_torrent(swarm, 16384, root / f"{FOLDER}.torrent")
    local = root / FOLDER
    local.mkdir()
    (local / aacid(ID_A)).write_bytes((swarm / aacid(ID_A)).read_bytes())
    (local / aacid(ID_B)).write_bytes(b"short")  # wrong size: not local, damaged
    return root


def test_track_ids_from_names():
    assert track_id_from_name(aacid(ID_A)) == ID_A
    assert track_id_from_name(f"{FOLDER}/{aacid(ID_B)}") == ID_B
    assert track_id_from_name(ID_C) == ID_C
    assert track_id_from_name("README.txt") is None
    assert track_id_from_name("aacid__spotify_files_pop_0__ts__notanid__x") is None


def test_index_maps_tracks_to_torrent_files(mirror, tmp_path):
    index = FileIndex(tmp_path / "files.sqlite3")
    report = index.refresh(discover(mirror))
    assert report.errors == [] and report.torrents_parsed == 1
    assert report.files_indexed == 3 and report.ignored_names == 1 and report.local_files == 1
    a = present(index.entry(ID_A))
    assert a.local and a.state == "local" and a.size == 50_000 and a.path.is_file()
    assert a.path == mirror / FOLDER / aacid(ID_A)
    b = present(index.entry(ID_B))
    assert not b.local and b.state == "damaged" and "5 bytes on disk" in present(b.damage())
    c = present(index.entry(ID_C))
    assert c.state == "fetchable" and c.rel_path == f"{FOLDER}/{ID_C}"
    assert index.states([ID_A, ID_B, "0000000000000000000000"]) == {
        ID_A: "local", ID_B: "damaged", "0000000000000000000000": "absent"}
    # the files' order in the torrent follows the file index libtorrent reports
    parsed = parse_torrent(mirror / f"{FOLDER}.torrent")
    by_path = {f.path: f.file_index for f in parsed.files}
    assert by_path[a.rel_path] == a.file_index


def test_refresh_reparses_only_what_changed(mirror, tmp_path):
    index = FileIndex(tmp_path / "files.sqlite3")
    index.refresh(discover(mirror))
    again = index.refresh(discover(mirror))
    assert again.torrents_parsed == 0 and again.torrents_unchanged == 1
    # a file arriving in the data folder changes the folder's mtime: local flags are redone
    time.sleep(0.01)
    src = mirror.parent / "swarm" / FOLDER / aacid(ID_B)
    (mirror / FOLDER / aacid(ID_B)).unlink()
    (mirror / FOLDER / aacid(ID_B)).write_bytes(src.read_bytes())
    third = index.refresh(discover(mirror))  # the .torrent itself unchanged: only its folder listed again
    assert (third.torrents_parsed, third.folders_rescanned) == (0, 1) and present(index.entry(ID_B)).local
    # a removed torrent drops its files
    (mirror / f"{FOLDER}.torrent").unlink()
    fourth = index.refresh(discover(mirror))
    assert fourth.torrents_removed == 1
    # ...but its data folder still counts as local files (with no torrent to fetch from)
    assert present(index.entry(ID_A)).state == "local"
    assert index.entry(ID_C) is None


def test_a_torrent_named_unlike_its_folder_is_read_once(mirror, tmp_path):
    """Issue 25: a .torrent whose file name is not its folder's was parsed on every command."""
    (mirror / f"{FOLDER}.torrent").rename(mirror / "a copy from elsewhere.torrent")
    index = FileIndex(tmp_path / "files.sqlite3")
    assert index.refresh(discover(mirror)).torrents_parsed == 1
    for _ in range(3):
        again = index.refresh(discover(mirror))
        assert (again.torrents_parsed, again.torrents_unchanged) == (0, 1)
    # and its data folder changing is still seen
    time.sleep(0.01)
    src = mirror.parent / "swarm" / FOLDER / aacid(ID_B)
    (mirror / FOLDER / aacid(ID_B)).unlink()
    (mirror / FOLDER / aacid(ID_B)).write_bytes(src.read_bytes())
    rescanned = index.refresh(discover(mirror))
    assert (rescanned.torrents_parsed, rescanned.folders_rescanned) == (0, 1) and present(index.entry(ID_B)).local


def write_torrent(path: Path, info: dict) -> Path:
    path.write_bytes(lt.bencode(cast(Any, {b"info": info})))
    return path


@pytest.mark.parametrize("parts", [[b"..", b"evil"], [b"/etc", b"passwd"], [b"a", b"..", b"..", b"x"],
                                   [b"C:", b"x"]])
def test_hostile_paths_are_rejected(tmp_path, parts):
    info = {b"name": b"folder", b"piece length": 16384, b"pieces": b"\0" * 20,
            b"files": [{b"length": 10, b"path": parts}]}
    t = write_torrent(tmp_path / "hostile.torrent", info)
    with pytest.raises(TorrentError, match="escapes"):
        parse_torrent(t)


def test_hostile_name_is_rejected(tmp_path):
    info = {b"name": b"..", b"piece length": 16384, b"pieces": b"\0" * 20, b"length": 10}
    with pytest.raises(TorrentError, match="escapes"):
        parse_torrent(write_torrent(tmp_path / "n.torrent", info))


def test_garbage_and_truncated_torrents(mirror, tmp_path):
    good = (mirror / f"{FOLDER}.torrent").read_bytes()
    (tmp_path / "trunc.torrent").write_bytes(good[: len(good) // 2])
    (tmp_path / "garbage.torrent").write_bytes(os.urandom(2000))
    (tmp_path / "empty.torrent").write_bytes(b"")
    for name in ("trunc", "garbage", "empty"):
        with pytest.raises(TorrentError) as err:
            parse_torrent(tmp_path / f"{name}.torrent")
        assert "\n" not in str(err.value)


def test_bad_torrent_is_reported_and_the_rest_indexed(mirror, tmp_path):
    (mirror / "broken.torrent").write_bytes(b"d4:infod4:name")
    index = FileIndex(tmp_path / "files.sqlite3")
    report = index.refresh(discover(mirror))
    assert len(report.errors) == 1 and "broken.torrent" in str(report.errors[0])
    assert report.files_indexed == 3


def test_what_can_play_is_one_rule_in_python_and_in_sql(mirror, tmp_path):
    """Every kind of file (local, damaged with and without a torrent, fetchable, absent):
    the SQL that P, shuffle and radio use agrees with `can_play`, and so does the resolver's
    choice of copy when a track is in two places."""
    from tui.catalogue.file_states import FileState

    bare = "annas_archive_data__aacid__spotify_files_pop_1__20260116T000346Z--20260116T000347Z"
    id_d, id_e = "1uLU6hMCjMI75M1A2tKUQD", "2uLU6hMCjMI75M1A2tKUQE"
    folder = mirror / bare  # a data folder with no .torrent: local, never fetchable
    folder.mkdir()
    (folder / aacid(id_d)).write_bytes(b"ogg")
    os.symlink("/dev/null", folder / aacid(id_e))  # damaged, and no torrent holds it
    (mirror / FOLDER / aacid(ID_B)).write_bytes(b"truncated")  # damaged, a torrent can replace it
    index = FileIndex(tmp_path / "files.sqlite3")
    index.refresh(discover(mirror))
    ids = [ID_A, ID_B, ID_C, id_d, id_e]
    files = index.files_of(ids)
    assert files[ID_B] == (FileState.DAMAGED, True) and files[id_e] == (FileState.DAMAGED, False)
    assert files[id_d] == (FileState.LOCAL, True)
    by_rule = {t for t, (_state, playable) in files.items() if playable}
    assert set(index.playable_track_ids()) == by_rule
    assert all(index.playable(t) == (t in by_rule) for t in ids)
    index.close()


def test_before_a_first_index_has_read_every_torrent_tracks_are_not_known_yet(mirror, tmp_path):
    index = FileIndex(tmp_path / "files.sqlite3")
    assert index.state(ID_A) == "indexing" and not index.indexed_all()  # nothing read yet
    index.refresh(discover(mirror))
    assert index.indexed_all() and index.state("Z" * 22) == "absent"
    assert index.states([ID_A, "Z" * 22]) == {ID_A: "local", "Z" * 22: "absent"}
    index.close()


def test_a_refresh_with_nothing_to_do_writes_nothing(mirror, tmp_path):
    """A later start costs one stat per torrent and no write (a state directory it can only
    read still opens): the index's files hash the same before and after."""
    import hashlib

    db = tmp_path / "files.sqlite3"
    index = FileIndex(db)
    index.refresh(discover(mirror))
    index.close()

    def digest() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("files.sqlite3*"))
                if p.is_file() and not p.name.endswith("-shm")}

    before = digest()
    again = FileIndex(db)
    report = again.refresh(discover(mirror))
    again.close()
    assert report.torrents_unchanged == 1 and report.torrents_parsed == 0
    assert digest() == before


def _rows(db: Path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT key, track_id, torrent_id, file_index, name, size, offset, disk, bad, tier "
                            "FROM files ORDER BY key").fetchall()


def test_a_torrent_renamed_or_moved_is_known_by_its_bytes_and_never_read_again(mirror, tmp_path):
    """Issue 25: a .torrent under a new name or in another folder is the same torrent: its rows
    are kept (not parsed and written again, as they were for each new name)."""
    db = tmp_path / "files.sqlite3"
    index = FileIndex(db)
    assert index.refresh(discover(mirror)).torrents_parsed == 1
    rows, counts = _rows(db), index.counts()
    (mirror / "torrents").mkdir()
    (mirror / f"{FOLDER}.torrent").rename(mirror / "torrents" / "spotify pop 0.torrent")
    moved = index.refresh(discover(mirror))
    assert (moved.torrents_parsed, moved.torrents_moved, moved.torrents_removed) == (0, 1, 0)
    assert moved.folders_rescanned == 0  # its folder is found by name where it was: not listed again
    assert _rows(db) == rows and index.counts() == counts
    assert present(index.entry(ID_C)).torrent_path == mirror / "torrents" / "spotify pop 0.torrent"
    again = index.refresh(discover(mirror))
    assert (again.torrents_parsed, again.torrents_moved, again.torrents_unchanged) == (0, 0, 1)


def test_a_moved_torrent_whose_folder_moved_too_has_its_folder_looked_at_again(mirror, tmp_path):
    db = tmp_path / "files.sqlite3"
    index = FileIndex(db)
    index.refresh(discover(mirror))
    (mirror / "disk2").mkdir()
    (mirror / f"{FOLDER}.torrent").rename(mirror / "disk2" / "renamed.torrent")
    (mirror / FOLDER / aacid(ID_A)).unlink()  # and a file gone meanwhile
    moved = index.refresh(discover(mirror))
    assert (moved.torrents_parsed, moved.torrents_moved, moved.folders_rescanned) == (0, 1, 1)
    assert present(index.entry(ID_A)).state == "fetchable"


def test_a_new_torrent_of_a_vanished_ones_size_but_other_bytes_is_read(mirror, tmp_path):
    index = FileIndex(tmp_path / "files.sqlite3")
    index.refresh(discover(mirror))
    old = mirror / f"{FOLDER}.torrent"
    raw = bytearray(old.read_bytes())
    at = raw.index(b"6:pieces") + len(b"6:pieces")
    at = raw.index(b":", at) + 1  # the first piece hash: another torrent of the same length
    raw[at] ^= 0xFF
    old.unlink()
    (mirror / "other.torrent").write_bytes(bytes(raw))
    report = index.refresh(discover(mirror))
    assert (report.torrents_moved, report.torrents_parsed, report.torrents_removed) == (0, 1, 1)
    assert present(index.entry(ID_C)).torrent_path == mirror / "other.torrent"


def test_an_index_of_the_previous_version_is_brought_up_in_place(mirror, tmp_path):
    """Version 6 lacked the torrents' digests: the column is added, no torrent is read again."""
    import sqlite3

    db = tmp_path / "files.sqlite3"
    index = FileIndex(db)
    index.refresh(discover(mirror))
    index.close()
    rows = _rows(db)
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE torrents DROP COLUMN content_digest")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    reopened = FileIndex(db)
    report = reopened.refresh(discover(mirror))
    assert (report.torrents_parsed, report.torrents_unchanged) == (0, 1) and _rows(db) == rows
    # a torrent indexed before the digests were kept is read again once when it moves, then known
    (mirror / f"{FOLDER}.torrent").rename(mirror / "renamed.torrent")
    assert reopened.refresh(discover(mirror)).torrents_parsed == 1
    (mirror / "renamed.torrent").rename(mirror / "renamed again.torrent")
    assert reopened.refresh(discover(mirror)).torrents_moved == 1
