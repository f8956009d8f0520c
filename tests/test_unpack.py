"""`longtail unpack`: streaming, resumable, never a half file under the final name."""

from __future__ import annotations

import os
import sqlite3

import pytest
import zstandard
from click.testing import CliRunner
from fixtures import build_tiny

from tui.cli import main
from tui.errors import LongtailError
from tui.mirror import unpack as unpack_mod


def compress(src, dst, content_size=True):
    cctx = zstandard.ZstdCompressor(level=3, write_content_size=content_size, write_checksum=True)
    with open(src, "rb") as i, open(dst, "wb") as o:
        if content_size:
            o.write(cctx.compress(i.read()))
        else:
            cctx.copy_stream(i, o)


def test_unpack_then_open(tmp_path):
    build_tiny(tmp_path / "src")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("spotify_clean.sqlite3", "spotify_clean_track_files.sqlite3"):
        compress(tmp_path / "src" / name, mirror / f"{name}.zst")
    result = CliRunner().invoke(main, ["unpack", "--mirror", str(mirror), "--state", str(tmp_path / "s")])
    assert result.exit_code == 0, result.stderr
    for name in ("spotify_clean.sqlite3", "spotify_clean_track_files.sqlite3"):
        assert (mirror / name).read_bytes() == (tmp_path / "src" / name).read_bytes()
        assert not (mirror / f"{name}.part").exists()
    ok = CliRunner().invoke(main, ["info", "000000000000000trackB1", "--mirror", str(mirror),
                                   "--state", str(tmp_path / "s")])
    assert ok.exit_code == 0


def test_resume_skips_what_the_part_file_holds(tmp_path, monkeypatch):
    db = tmp_path / "spotify_clean.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(os.urandom(100),) for _ in range(20000)])
    conn.commit()
    conn.close()
    original = db.read_bytes()
    zst = tmp_path / "spotify_clean.sqlite3.zst"
    compress(db, zst, content_size=False)
    db.unlink()
    monkeypatch.setattr(unpack_mod, "RESUME_MARGIN", 4096)
    monkeypatch.setattr(unpack_mod, "IN_CHUNK", 16384)
    # an interrupted run left a part file with a correct prefix and a torn tail
    part = tmp_path / "spotify_clean.sqlite3.part"
    part.write_bytes(original[:1_000_000] + b"\0" * 3000)
    writes = []
    real_open = open

    def counting_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        if str(path).endswith(".part"):
            orig_write = fh.write
            def counted(b, orig_write=orig_write):
                writes.append(len(b))
                return orig_write(b)

            fh.write = counted
        return fh

    monkeypatch.setattr("builtins.open", counting_open)
    out = unpack_mod.unpack(zst)
    assert out.read_bytes() == original
    assert sum(writes) <= len(original) - 1_000_000 + 3000 + 4096
    assert not part.exists()


def test_corrupt_zst_leaves_no_final_file(tmp_path):
    build_tiny(tmp_path / "src", features=False, ledger=False)
    zst = tmp_path / "spotify_clean.sqlite3.zst"
    compress(tmp_path / "src" / "spotify_clean.sqlite3", zst, content_size=False)
    data = bytearray(zst.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = os.urandom(64)
    zst.write_bytes(bytes(data))
    with pytest.raises(LongtailError):
        unpack_mod.unpack(zst)
    assert not (tmp_path / "spotify_clean.sqlite3").exists()


def _db_bytes(tmp_path, rows: int = 3000) -> bytes:
    db = tmp_path / "made.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(os.urandom(200),) for _ in range(rows)])
    conn.commit()
    conn.close()
    return db.read_bytes()


def zstd_d(path) -> bytes:
    """The oracle: what the zstd tool itself makes of a file."""
    import subprocess
    return subprocess.run(["zstd", "-d", "-c", str(path)], capture_output=True, check=True).stdout


@pytest.mark.parametrize("shape", ["frames", "concatenated", "skippable", "no-sizes"])
def test_every_frame_is_unpacked_as_zstd_does(tmp_path, shape, monkeypatch):
    import struct
    monkeypatch.setattr(unpack_mod, "IN_CHUNK", 4096)  # frames that straddle reads
    data = _db_bytes(tmp_path)
    third = len(data) // 3
    parts = [data[:third], data[third:2 * third], data[2 * third:]]
    sized = zstandard.ZstdCompressor(level=3, write_content_size=True)
    unsized = zstandard.ZstdCompressor(level=3, write_content_size=False)
    if shape == "frames":
        blob = b"".join(sized.compress(p) for p in parts)
    elif shape == "concatenated":
        halves = [tmp_path / "a.zst", tmp_path / "b.zst"]
        halves[0].write_bytes(sized.compress(data[:third]))
        halves[1].write_bytes(unsized.compress(data[third:]))
        blob = halves[0].read_bytes() + halves[1].read_bytes()  # `cat a.zst b.zst`
    elif shape == "skippable":
        blob = sized.compress(parts[0]) + struct.pack("<II", 0x184D2A53, 7) + b"comment" + sized.compress(
            parts[1] + parts[2])
    else:
        blob = b"".join(unsized.compress(p) for p in parts)
    zst = tmp_path / "spotify_clean.sqlite3.zst"
    zst.write_bytes(blob)
    assert zstd_d(zst) == data  # the file is what it claims
    out = unpack_mod.unpack(zst)
    assert out.read_bytes() == data


@pytest.mark.parametrize("content_size", [True, False])
@pytest.mark.parametrize("cut", [0.5, 0.999])
def test_a_truncated_stream_is_never_renamed_whatever_its_headers_say(tmp_path, content_size, cut):
    data = _db_bytes(tmp_path)
    cctx = zstandard.ZstdCompressor(level=3, write_content_size=content_size)
    zst = tmp_path / "spotify_clean.sqlite3.zst"
    blob = cctx.compress(data[: len(data) // 2]) + cctx.compress(data[len(data) // 2:])
    zst.write_bytes(blob[: int(len(blob) * cut)])
    with pytest.raises(LongtailError) as caught:
        unpack_mod.unpack(zst)
    assert "truncated" in str(caught.value)
    assert not (tmp_path / "spotify_clean.sqlite3").exists()
    assert not (tmp_path / "spotify_clean.sqlite3.part").exists()
