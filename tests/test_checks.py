"""Integrity checks on real demo files and on damaged copies of them."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import Settings, StatePaths
from tui.core.services import Location, open_services
from tui.mirror.ogg import ogg_crc


@pytest.fixture
def svc(small_demo, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(small_demo.mirror, mirror)
    services = open_services(Location(mirror, StatePaths(tmp_path / "state"), None), Settings())
    yield services
    services.close()


def local_entries(services):
    ids = sorted(t for t, s in services.files.all_states() if s == "local")
    return [services.files.entry(t) for t in ids]


def codes_of(services, track_id, decode=False):
    from tui.mirror.checks import Checker
    from tui.player.mpv_engine import MpvDecoder
    result = Checker(services.catalogue, services.files, MpvDecoder().decode_errors if decode else None).check(track_id)
    return result.verdict, set(result.codes), result


def test_ogg_crc_matches_libogg():
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("ogg"))

    class OggPage(ctypes.Structure):
        _fields_ = [("header", ctypes.c_char_p), ("header_len", ctypes.c_long),
                    ("body", ctypes.c_char_p), ("body_len", ctypes.c_long)]

    for data in (b"OggS" + bytes(23), os.urandom(300), b"OggS\x00\x02" + os.urandom(100)):
        header, body = bytearray(data[:27]), data[27:]
        hbuf = ctypes.create_string_buffer(bytes(header), len(header))
        page = OggPage(ctypes.cast(hbuf, ctypes.c_char_p), len(header), body, len(body))
        lib.ogg_page_checksum_set(ctypes.byref(page))
        expected = int.from_bytes(hbuf.raw[22:26], "little")
        header[22:26] = b"\0\0\0\0"
        assert ogg_crc(bytes(header) + body) == expected


def test_pristine_files_pass_every_check(svc):
    for entry in local_entries(svc):
        verdict, codes, result = codes_of(svc, entry.track_id)
        assert verdict == "ok" and codes == set(), (entry.track_id, result.problems)


def test_pristine_file_passes_a_full_decode(svc):
    entry = local_entries(svc)[0]
    verdict, _codes, _ = codes_of(svc, entry.track_id, decode=True)
    assert verdict == "ok"


def test_bit_flip(svc):
    entry = local_entries(svc)[0]
    data = bytearray(entry.path.read_bytes())
    data[len(data) // 2] ^= 0x10
    entry.path.write_bytes(bytes(data))
    verdict, codes, _ = codes_of(svc, entry.track_id)
    assert verdict == "corrupt"
    assert {"sha256-mismatch", "piece-hash-mismatch", "ogg-crc"} <= codes
    assert "size-mismatch" not in codes


def test_truncation(svc):
    entry = local_entries(svc)[1]
    data = entry.path.read_bytes()
    entry.path.write_bytes(data[: len(data) * 2 // 3])
    verdict, codes, _ = codes_of(svc, entry.track_id)
    assert verdict == "corrupt"
    assert {"size-mismatch", "sha256-mismatch", "piece-hash-mismatch", "ogg-structure"} <= codes


def test_zero_filled_hole(svc):
    entry = local_entries(svc)[2]
    data = bytearray(entry.path.read_bytes())
    data[5000:25000] = bytes(20000)
    entry.path.write_bytes(bytes(data))
    verdict, codes, _result = codes_of(svc, entry.track_id, decode=True)
    assert verdict == "corrupt"
    assert {"sha256-mismatch", "piece-hash-mismatch", "ogg-structure"} <= codes
    assert "size-mismatch" not in codes


def test_swapped_with_another_tracks_file(svc):
    a, b = local_entries(svc)[3], local_entries(svc)[4]
    other = b.path.read_bytes()
    a.path.write_bytes(other)
    verdict, codes, _ = codes_of(svc, a.track_id)
    assert verdict == "corrupt" and "sha256-mismatch" in codes
    if len(other) != a.size:
        assert "size-mismatch" in codes
    track_a, track_b = svc.catalogue.track(a.track_id), svc.catalogue.track(b.track_id)
    if abs(track_a.duration_ms - track_b.duration_ms) > 1000:
        assert "duration-mismatch" in codes


def test_vorbis_file_where_the_ledger_says_opus(svc):
    entries = local_entries(svc)
    opus = next(e for e in entries if svc.catalogue.ledger(e.track_id).codec == "opus")
    vorbis = next(e for e in entries if svc.catalogue.ledger(e.track_id).codec == "vorbis")
    opus.path.write_bytes(vorbis.path.read_bytes())
    verdict, codes, result = codes_of(svc, opus.track_id)
    assert verdict == "corrupt" and "codec-mismatch" in codes
    assert "vorbis" in next(p.detail for p in result.problems if p.code == "codec-mismatch")


def test_stray_non_audio_file(svc, tmp_path):
    """A data folder with no torrent holding a text file named like a track."""
    track_id = local_entries(svc)[0].track_id
    folder = svc.layout.root / "annas_archive_data__aacid__spotify_files_pop_9__20260301T000000Z--20260301T000001Z"
    folder.mkdir()
    for entry in local_entries(svc):
        entry.path.unlink()  # the real copy is gone; only the stray file remains
    (folder / f"aacid__spotify_files_pop_9__20260301T000000Z__{track_id}__x").write_text(
        "this is not audio\n" * 200)
    from tui.mirror.layout import discover
    svc.files.refresh(discover(svc.layout.root))
    entry = svc.files.entry(track_id)
    assert entry.local and entry.torrent_path is None
    verdict, codes, result = codes_of(svc, track_id)
    assert verdict == "corrupt"
    assert {"sha256-mismatch", "ogg-structure", "codec-mismatch"} <= codes
    assert any("no .torrent" in n for n in result.notes)


def test_missing_file(svc):
    entry = local_entries(svc)[0]
    entry.path.unlink()
    verdict, codes, _ = codes_of(svc, entry.track_id)
    assert verdict == "missing" and codes == set()


def test_boundary_piece_is_blamed_on_the_damaged_file(svc):
    """Two local neighbours share a piece; only the one whose own bytes are wrong is corrupt."""
    from tui.mirror.aacid import track_id_from_name
    from tui.mirror.torrents import parse_torrent
    for torrent in svc.layout.torrents:
        parsed = parse_torrent(torrent)
        files = parsed.files
        for left, right in itertools.pairwise(files):
            l_entry = svc.files.entry(track_id_from_name(left.path))
            r_entry = svc.files.entry(track_id_from_name(right.path))
            shared = (left.offset + left.size - 1) // parsed.piece_length == right.offset // parsed.piece_length
            if shared and l_entry and r_entry and l_entry.local and r_entry.local:
                break
        else:
            continue
        break
    else:
        pytest.skip("no two adjacent local files share a piece in this demo")
    data = bytearray(l_entry.path.read_bytes())
    data[-10] ^= 0xFF  # damage the left file's last bytes: inside the shared piece
    l_entry.path.write_bytes(bytes(data))
    verdict_l, codes_l, _ = codes_of(svc, l_entry.track_id)
    verdict_r, codes_r, result_r = codes_of(svc, r_entry.track_id)
    assert verdict_l == "corrupt" and "piece-hash-mismatch" in codes_l
    assert verdict_r == "ok" and codes_r == set()
    assert any("neighbouring file" in n for n in result_r.notes)


def test_cli_json_exit_codes_and_nothing_altered(small_demo, tmp_path):
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    exe = Path(sys.executable).with_name("longtail")
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    entries = local_entries(services)
    services.close()
    before = {e.path: e.path.read_bytes() for e in entries}
    out = subprocess.run([str(exe), "check", "--sample", "100", "--seed", "1", "--json", "--state", str(home)],
                         capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    assert out.returncode == 0
    assert doc["checked"] == len(entries) and doc["summary"] == {"ok": len(entries), "missing": 0, "corrupt": 0}
    assert {r["id"] for r in doc["results"]} == {e.track_id for e in entries}
    assert all(r["verdict"] == "ok" and r["problems"] == [] for r in doc["results"])
    # damage one; exit 1; the file is not altered by checking
    bad = entries[0]
    data = bytearray(before[bad.path])
    data[100] ^= 1
    bad.path.write_bytes(bytes(data))
    out = subprocess.run([str(exe), "check", bad.track_id, entries[1].track_id, "--json", "--state", str(home)],
                         capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    assert out.returncode == 1 and doc["summary"]["corrupt"] == 1
    result = next(r for r in doc["results"] if r["id"] == bad.track_id)
    assert result["verdict"] == "corrupt" and {"sha256-mismatch", "piece-hash-mismatch"} <= {
        p["code"] for p in result["problems"]}
    assert bad.path.read_bytes() == bytes(data)
    info = json.loads(subprocess.run([str(exe), "info", bad.track_id, "--json", "--state", str(home)],
                                     capture_output=True, text=True, timeout=60).stdout)
    assert info["verdict"] == "corrupt"  # the last check's verdict travels with the track
    usage = subprocess.run([str(exe), "check", "--sample", "0", "--state", str(home)],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def test_repair_moves_aside_and_fetches_again(small_demo, tmp_path):
    home = tmp_path / "demo"
    shutil.copytree(small_demo.home, home)
    exe = Path(sys.executable).with_name("longtail")
    services = open_services(Location(home / "mirror", StatePaths(home / "state"), None), Settings())
    entry = local_entries(services)[0]
    services.close()
    pristine = entry.path.read_bytes()
    damaged = bytearray(pristine)
    damaged[2000] ^= 0x40
    entry.path.write_bytes(bytes(damaged))
    out = subprocess.run([str(exe), "check", entry.track_id, "--repair", "--json", "--state", str(home)],
                         capture_output=True, text=True, timeout=180)
    doc = json.loads(out.stdout)
    result = doc["results"][0]
    assert result["verdict"] == "ok", out.stderr
    assert any("repaired" in n for n in result.get("notes", []))
    assert entry.path.read_bytes() == pristine
    kept = list((home / "state" / "quarantine").glob(f"{entry.track_id}.*"))
    assert kept and kept[0].read_bytes() == bytes(damaged)  # moved aside, never deleted
    assert out.returncode == 0
