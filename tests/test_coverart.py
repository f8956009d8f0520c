"""Covers from the archive's cover-art tar: any layout, a tar still downloading, hostile member
names, a file that is not a tar, and `longtail art` for an album with no local file (tarfile's
own extraction as the oracle)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from expect import present
from PIL import Image

from tui.errors import LongtailError
from tui.mirror.art import image_mime
from tui.mirror.coverart import CoverArtIndex, read_member
from tui.mirror.layout import discover

EXE = Path(sys.executable).with_name("longtail")
VARIANT = "ab67616d0000b273"


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (shade, 255 - shade, 80)).save(out, "JPEG")
    return out.getvalue()


def write_tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def url(image_hash: str, variant: str = VARIANT) -> str:
    return f"https://i.scdn.co/image/{variant}{image_hash}"


LAYOUTS = {
    "blog: prefix dirs of the hash, full names": lambda h: f"{h[:2]}/{h[2:4]}/{VARIANT}{h}",
    "flat, hash only, with a suffix": lambda h: f"covers/{h}.jpg",
    "three levels, full names, a suffix": lambda h: f"{h[:1]}/{h[1:3]}/{h[3:6]}/{VARIANT}{h}.jpeg",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_any_layout_finds_each_albums_cover_byte_for_byte(tmp_path, layout):
    hashes = [hashlib.sha1(str(i).encode()).hexdigest()[:24] for i in range(30)]
    covers = {LAYOUTS[layout](h): jpeg(i * 8) for i, h in enumerate(hashes)}
    tar_path = tmp_path / "x_coverart.tar"
    write_tar(tar_path, covers)
    index = CoverArtIndex(tmp_path / "coverart.sqlite3")
    status = index.build(tar_path)
    assert status["members"] == 30 and status["complete"]
    with tarfile.open(tar_path) as tar:  # the oracle: tarfile's own extraction, by name
        for name, h in zip(covers, hashes, strict=True):
            # the album's images widest first: a 640 px variant the tar holds, or a 300 px one it may not
            found = index.locate([url(h, "ab67616d00001e02"), url(h)])
            assert found is not None, name
            assert read_member(tar_path, *found) == present(tar.extractfile(name)).read()
    assert index.locate([url("f" * 24)]) is None
    index.close()


def test_a_tar_still_downloading_is_indexed_as_far_as_it_is_there_then_carried_on(tmp_path):
    hashes = [f"{i:024x}" for i in range(40)]
    members = {f"{h[:2]}/{VARIANT}{h}": jpeg(i) for i, h in enumerate(hashes)}
    whole = tmp_path / "whole.tar"
    write_tar(whole, members)
    data = whole.read_bytes()
    tar_path = tmp_path / "x_coverart.tar"
    cut = len(data) // 2
    tar_path.write_bytes(data[:cut] + bytes(len(data) - cut))  # the second half not downloaded yet
    index = CoverArtIndex(tmp_path / "coverart.sqlite3")
    first = index.build(tar_path)
    assert 0 < first["members"] < 40 and not first["complete"]
    tar_path.write_bytes(data)  # the download finished
    second = index.build(tar_path)
    assert second["members"] == 40 and second["complete"]  # carried on: nothing counted twice
    for h in hashes:
        assert index.locate([url(h)]) is not None
    # a piece not downloaded inside a member: its header is there, its bytes are zeros yet
    with tarfile.open(whole) as tar:
        fifth = tar.getmembers()[5]
    holed = bytearray(data)
    holed[fifth.offset_data:fifth.offset_data + fifth.size] = bytes(fifth.size)
    tar_path.write_bytes(bytes(holed))
    found = index.locate([url(hashes[5])])
    assert found == (fifth.offset_data, fifth.size)
    assert image_mime(present(read_member(tar_path, *found))) is None  # no cover, not a black one
    assert image_mime(present(read_member(tar_path, *present(index.locate([url(hashes[6])]))))) == "image/jpeg"
    index.close()


def test_hostile_member_names_are_never_paths_and_oversized_members_never_read(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    h = "a" * 24
    tar_path = mirror / "x_coverart.tar"
    write_tar(tar_path, {"../../outside.txt": b"overwrite", f"/etc/{VARIANT}{h}": jpeg(3),
                         f"../{VARIANT}{'b' * 24}": jpeg(4)})
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*") if p.is_file()}
    index = CoverArtIndex(tmp_path / "state" / "coverart.sqlite3")
    assert index.build(tar_path)["members"] == 3
    assert read_member(tar_path, *present(index.locate([url(h)]))) == jpeg(3)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*")
             if p.is_file() and "state" not in p.parts}
    assert after == before  # read in place: nothing written anywhere but the state dir
    assert read_member(tar_path, 0, 1 << 40) is None  # a header claiming a terabyte
    index.close()


def test_a_file_that_is_not_a_tar_says_so_in_one_line_and_a_fifo_is_never_taken(tmp_path):
    tar_path = tmp_path / "x_coverart.tar"
    tar_path.write_bytes(b"<html><body>404 Not Found</body></html>\n" * 40)
    with pytest.raises(LongtailError) as caught:
        CoverArtIndex(tmp_path / "coverart.sqlite3").build(tar_path)
    assert "no tar header" in str(caught.value) and "\n" not in str(caught.value)
    fifo_mirror = tmp_path / "fifo-mirror"
    fifo_mirror.mkdir()
    os.mkfifo(fifo_mirror / "annas_archive_spotify_2025_07_coverart.tar")
    assert discover(fifo_mirror).coverart == []  # a FIFO would block whoever opened it


def test_longtail_art_takes_the_tars_cover_for_an_album_with_no_local_file(small_demo, tmp_path):
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    catalogue, files = session.services.catalogue, session.services.files
    tar_path = session.services.layout.coverart[0]
    with tarfile.open(tar_path) as tar:
        by_segment = {m.name.rsplit("/", 1)[-1]: present(tar.extractfile(m)).read() for m in tar.getmembers()}
    # a track of an album with no local file whose cover the tar holds
    track, expected = None, None
    for rowid in range(1, 4000):
        candidate = next(iter(catalogue.tracks_by_rowids([rowid])), None)
        if candidate is None:
            continue
        album = catalogue.album_by_rowid(candidate.album.rowid)
        segment = album.images[0].url.rsplit("/", 1)[-1] if album and album.images else None
        album_states = files.states([t.id for t in catalogue.album_tracks(candidate.album.rowid)])
        if segment in by_segment and "local" not in album_states.values():
            track, expected = candidate, by_segment[segment]
            break
    session.close()
    assert track is not None, "the demo's tar holds covers of albums with no local file"
    fresh_state = tmp_path / "fresh-state"
    args = ["--mirror", str(small_demo.mirror), "--state", str(fresh_state)]
    out = tmp_path / "cover.jpg"
    not_indexed = subprocess.run([EXE, "art", track.id, "--out", str(out), *args], capture_output=True,
                                 text=True, timeout=60)
    assert not_indexed.returncode == 1 and not_indexed.stderr.count("\n") == 1
    assert "longtail index" in not_indexed.stderr
    indexed = subprocess.run([EXE, "index", "--json", *args], capture_output=True, text=True, timeout=300)
    assert indexed.returncode == 0, indexed.stderr
    report = json.loads(indexed.stdout)["coverart_index"]
    assert report["complete"] and report["members"] == len(by_segment)
    done = subprocess.run([EXE, "art", track.id, "--out", str(out), *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == expected


def test_a_tar_symlinked_into_the_mirror_from_another_disk_is_read_where_it_points(tmp_path):
    elsewhere = tmp_path / "big-disk" / "annas_archive_spotify_2025_07_coverart.tar"
    elsewhere.parent.mkdir()
    h = "c" * 24
    write_tar(elsewhere, {f"{h[:2]}/{VARIANT}{h}": jpeg(9)})
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / elsewhere.name).symlink_to(elsewhere)
    [found_tar] = discover(mirror).coverart
    index = CoverArtIndex(tmp_path / "coverart.sqlite3")
    assert index.build(found_tar)["members"] == 1
    assert read_member(found_tar, *present(index.locate([url(h)]))) == jpeg(9)
    index.close()
