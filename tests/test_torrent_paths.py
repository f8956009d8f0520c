"""Torrent paths as libtorrent writes them, and torrents as large as longtail's cap.

The file index must name the file that libtorrent writes: `path.utf-8` over `path`,
control characters replaced, long names shortened, duplicates renamed. Real libtorrent
sessions on 127.0.0.1 fetch into the paths the index holds."""

from __future__ import annotations

import hashlib
import os
import shutil
import warnings
from pathlib import Path
from typing import Any, cast

import libtorrent as lt
import pytest
from expect import present

from tui.errors import TorrentError
from tui.mirror import torrents as torrents_mod
from tui.mirror.aacid import aacid_for
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.seeder import LoopbackSeeder
from tui.mirror.torrent_service import TorrentService
from tui.mirror.torrents import parse_torrent

FOLDER = "annas_archive_data__aacid__spotify_files_pop_1__20260301T000000Z--20260301T000001Z"
PIECE = 16384


def libtorrent_paths(torrent: Path) -> list[str]:
    ti = lt.torrent_info(str(torrent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = ti.files()
    return [storage.file_path(i) for i in range(storage.num_files())]


def odd_torrent(tmp_path: Path, track_id: str, body: bytes) -> tuple[Path, list[bytes]]:
    """A v1 torrent whose file list has every oddity libtorrent rewrites."""
    track_name = aacid_for("spotify_files_pop_1", "20260301T000000Z", track_id, "a" * 22).encode()
    contents = [b"control" * 100, b"long" * 100, b"first copy" * 50, b"second copy" * 50, body]
    raw_entries = [
        {b"path": [b"tab\there\x01.bin"]},
        {b"path": [b"n" * 300]},
        {b"path": [b"same.bin"]},
        {b"path": [b"same.bin"]},
        {b"path": [b"not-this-name"], b"path.utf-8": [track_name]},
    ]
    blob = b"".join(contents)
    pieces = b"".join(hashlib.sha1(blob[i:i + PIECE]).digest() for i in range(0, len(blob), PIECE))
    files = [{**e, b"length": len(c)} for e, c in zip(raw_entries, contents, strict=True)]
    info = {b"name": FOLDER.encode(), b"piece length": PIECE, b"pieces": pieces, b"files": files}
    torrent = tmp_path / f"{FOLDER}.torrent"
    torrent.write_bytes(lt.bencode(cast(Any, {b"info": info})))
    return torrent, contents


def test_the_index_and_the_fetch_name_the_file_libtorrent_writes(small_demo, tmp_path):
    meta = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata"))
    mirror = tmp_path / "mirror"
    shutil.copytree(meta, mirror / meta.name)
    track_id = "4uLU6hMCjMI75M1A2tKUQC"
    torrent, contents = odd_torrent(mirror, track_id, b"OggS" + bytes(5000))
    written = libtorrent_paths(torrent)
    assert written[0] != f"{FOLDER}/tab\there\x01.bin" and written[3] != written[2]  # it did rewrite them
    assert written[4].endswith(aacid_for("spotify_files_pop_1", "20260301T000000Z", track_id, "a" * 22))
    assert [f.path for f in parse_torrent(torrent).files] == written

    swarm = tmp_path / "swarm"
    for path, content in zip(written, contents, strict=True):  # the seeder's copy, where libtorrent reads it
        (swarm / path).parent.mkdir(parents=True, exist_ok=True)
        (swarm / path).write_bytes(content)
    (mirror / FOLDER).mkdir()
    files = FileIndex(tmp_path / "state" / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = files.entry(track_id)
    assert entry is not None and entry.rel_path == written[4] and entry.state == "fetchable"
    with LoopbackSeeder([(torrent, swarm)]) as seeder:
        service = TorrentService(files, tmp_path / "state" / "parts", tmp_path / "state" / "quarantine",
                                 [seeder.endpoint], loopback=True)
        try:
            service.request(entry)
            status = service.wait(track_id, 30)
        finally:
            service.close()
    assert status is not None and status.state == "done", status
    assert (mirror / written[4]).read_bytes() == contents[4]  # where the index said it would be
    assert present(files.entry(track_id)).state == "local"
    assert sorted(p.name for p in (mirror / FOLDER).iterdir()) == [Path(written[4]).name]  # nothing else


def _big_torrent(out: Path, n: int) -> Path:
    entries = [lt.create_file_entry(f"{FOLDER}/aacid__spotify_files_pop_1__20260301T000000Z__{i:022d}__x", 3_000_000)
               for i in range(n)]
    ct = lt.create_torrent(entries, 4 * 1024 * 1024, lt.create_torrent.v1_only)
    for p in range(ct.num_pieces()):
        ct.set_hash(p, b"\x01" * 20)
    out.write_bytes(lt.bencode(ct.generate()))
    return out


@pytest.mark.parametrize("n", [120_000, 400_000])  # over libtorrent's 10 MB default; over bdecode's item limit
def test_torrents_past_libtorrents_default_limits_load_up_to_longtails_cap(tmp_path, n):
    torrent = _big_torrent(tmp_path / "big.torrent", n)
    assert torrent.stat().st_size > 10 * 1024 * 1024
    with pytest.raises(RuntimeError):
        lt.torrent_info(str(torrent))  # libtorrent's defaults refuse it
    parsed = parse_torrent(torrent)
    assert len(parsed.files) == n and parsed.files[-1].path.endswith(f"{n - 1:022d}__x")
    assert len(parsed.piece_hashes) == 20 * parsed.num_pieces


def test_a_torrent_over_the_cap_is_one_line(tmp_path, monkeypatch):
    torrent = _big_torrent(tmp_path / "big.torrent", 1000)
    monkeypatch.setattr(torrents_mod, "MAX_TORRENT_BYTES", torrent.stat().st_size - 1)
    with pytest.raises(TorrentError) as caught:
        parse_torrent(torrent)
    assert "larger than the" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory"])
def test_a_torrent_that_is_no_file_is_one_line_and_never_read_without_end(tmp_path, kind):
    """The cap counts bytes read: a link to /dev/zero has size 0 (it filled memory until
    MemoryError), and a FIFO would block for ever."""
    torrent = tmp_path / "x.torrent"
    if kind == "dev-zero":
        torrent.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(torrent)
    else:
        torrent.mkdir()
    with pytest.raises(TorrentError) as caught:
        parse_torrent(torrent)
    message = str(caught.value)
    assert "not a file longtail can read" in message or "cannot read" in message
    assert "\n" not in message and len(message) < 200
