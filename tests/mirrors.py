"""Mirrors for the tests of checks and fetches: a demo data folder re-torrented with the
piece size a test needs, and a fingerprint of what is at a path (never followed)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import libtorrent as lt

from tui.mirror.torrents import make_v1_torrent


def fingerprint(path: Path) -> tuple:
    """What is at a path, without following it: type, size, content hash or link target."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISFIFO(st.st_mode):
        return ("fifo",)
    return ("file", st.st_size, hashlib.sha256(path.read_bytes()).hexdigest())


def build(small_demo, tmp_path: Path, piece: int, hybrid: bool = False):
    """A mirror of one demo data folder re-torrented with `piece`-byte pieces; a full swarm copy."""
    folder = next(small_demo.swarm.glob("annas_archive_data__*"))
    swarm = tmp_path / "swarm"
    shutil.copytree(folder, swarm / folder.name)
    mirror = tmp_path / "mirror"
    shutil.copytree(next(small_demo.mirror.glob("annas_archive_spotify_*_metadata")),
                    mirror / "annas_archive_spotify_2025_07_metadata")
    torrent = mirror / f"{folder.name}.torrent"
    if hybrid:
        names = sorted(p.name for p in (swarm / folder.name).iterdir())
        fs = [lt.create_file_entry(f"{folder.name}/{n}", (swarm / folder.name / n).stat().st_size) for n in names]
        ct = lt.create_torrent(fs, piece)  # v1 + v2, files padded to piece boundaries
        lt.set_piece_hashes(ct, str(swarm))
        torrent.write_bytes(lt.bencode(ct.generate()))
    else:
        make_v1_torrent(swarm / folder.name, piece, torrent)
    shutil.copytree(swarm / folder.name, mirror / folder.name)
    return mirror, swarm, torrent, folder.name


def absent_track(mirror: Path, indexed: set[str]) -> str:
    """A track of the catalogue that no torrent or data folder holds (known, but unplayable),
    and whose ISRC no held track shares (a sibling would play in its place)."""
    import sqlite3

    catalogue = next(mirror.glob("annas_archive_spotify_*_metadata/spotify_clean.sqlite3"))
    conn = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True)
    held = list(indexed)
    shared = {r[0] for r in conn.execute(
        f"SELECT external_id_isrc FROM tracks WHERE id IN ({','.join('?' * len(held))})", held)} - {None}
    for track_id, isrc in conn.execute("SELECT id, external_id_isrc FROM tracks ORDER BY rowid LIMIT 500"):
        if track_id not in indexed and isrc not in shared:
            return track_id
    raise AssertionError("every track is in a torrent")
