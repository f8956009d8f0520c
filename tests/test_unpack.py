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
    monkeypatch.setattr(unpack_mod, "CHUNK", 65536)
    # an interrupted run left a part file with a correct prefix and a torn tail
    part = tmp_path / "spotify_clean.sqlite3.part"
    part.write_bytes(original[:1_000_000] + b"\0" * 3000)
    writes = []
    real_open = open

    def counting_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        if str(path).endswith(".part"):
            orig_write = fh.write
            fh.write = lambda b: (writes.append(len(b)), orig_write(b))[1]
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
