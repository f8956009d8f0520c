"""The catalogue reader against real SQLite files in the archive's schema."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from expect import present
from fixtures import build_tiny

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.records import parse_replaygain
from tui.catalogue.schema import LARGE_TABLES
from tui.errors import MirrorError, SchemaError
from tui.mirror.layout import discover


def open_catalogue(root: Path) -> Catalogue:
    layout = discover(root)
    return Catalogue(CataloguePaths.from_databases(layout.databases))


@pytest.fixture(params=["blog-ddl", "no-ean-upc"])
def catalogue(request, tiny_mirror, tiny_mirror_no_ean):
    root = tiny_mirror if request.param == "blog-ddl" else tiny_mirror_no_ean
    cat = open_catalogue(root)
    yield cat
    cat.close()


def test_every_query_is_served_by_an_index(catalogue):
    plans = catalogue.query_plans()
    assert len(plans) >= 40
    # lists, tiers and shuffle keep their SQL behind the catalogue, so this covers them too
    assert {"artists.first", "tier-vorbis.after", "shuffle_probe", "popularity_zero_count_range",
            "genre_track_rowids", "ledger_archived_by_tier"} <= set(plans)
    for name, steps in plans.items():
        for step in steps:
            if name.endswith(".scan"):
                # a list's background anchor scan reads only its index, never the table
                assert "COVERING INDEX" in step or not step.startswith("SCAN"), f"{name}: {step}"
                continue
            if step.startswith("SCAN"):
                table = step.split()[1]
                assert table not in LARGE_TABLES and not any(
                    t in step for t in LARGE_TABLES), f"{name} scans a large table: {step}"


def test_ean_upc_columns_follow_the_file(tiny_mirror, tiny_mirror_no_ean):
    with_cols = open_catalogue(tiny_mirror)
    without = open_catalogue(tiny_mirror_no_ean)
    assert with_cols.schema.has("tracks", "external_id_ean")
    assert not without.schema.has("tracks", "external_id_ean")
    assert "NULL AS external_id_ean" in without.track_columns
    assert "NULL AS external_id_ean" not in with_cols.track_columns
    for cat in (with_cols, without):
        track = present(cat.track("000000000000000trackB1"))
        assert track.name == "Around the World" and track.ean is None
        cat.close()


def test_track_credits_album_and_tier(catalogue):
    t = catalogue.track("000000000000000trackC2")
    assert t.name == "Lose Yourself to Dance"
    # credited order is track_artists' insertion order, not the artists' rowid order
    assert t.artist_names == ["Pharrell Williams", "Daft Punk"]
    assert t.album.name == "Random Access Memories" and t.album.id == "00000000000000000albm3"
    assert (t.disc_number, t.track_number) == (2, 2)
    assert t.tier == "vorbis"
    zero = catalogue.track("000000000000000trackA4")
    assert zero.popularity == 0 and zero.tier == "opus" and zero.isrc is None


def test_rowid_holes_empty_names_and_scripts(catalogue):
    assert catalogue.track_by_rowid(3) is None  # a hole
    tracks = catalogue.tracks_by_rowids([15, 3, 11, 13, 14, 1])
    assert [t.rowid for t in tracks] == [15, 11, 13, 1]
    assert tracks[0].name == "x" * 300
    assert tracks[1].name == "" and tracks[1].album.name == ""
    assert tracks[2].name == "سألوني الناس" and tracks[2].artist_names == ["فيروز"]
    assert catalogue.max_track_rowid() == 15


def test_isrc_siblings(catalogue):
    t = catalogue.track("000000000000000trackB1")
    siblings = catalogue.isrc_siblings(t)
    assert [s.id for s in siblings] == ["000000000000000trackD1", "000000000000000trackG1"]
    assert catalogue.isrc_siblings(catalogue.track("000000000000000trackA4")) == []


def test_audio_features_join_on_text_id_with_real_tempo(catalogue):
    f = catalogue.audio_features("000000000000000trackB1")
    assert f.tempo == pytest.approx(121.293) and isinstance(f.tempo, float)
    assert f.key_name == "G major"
    # null_response rows are not features
    assert catalogue.audio_features("000000000000000trackA1") is None
    assert catalogue.audio_features("000000000000000trackA2") is None


def test_ledger_codec_and_replaygain(catalogue):
    vorbis = catalogue.ledger("000000000000000trackB1")
    assert vorbis.status == "success" and vorbis.codec == "vorbis"
    assert vorbis.replaygain.track_gain_db == pytest.approx(-9.5)
    assert vorbis.replaygain.album_gain_db == pytest.approx(-9.0)
    opus = catalogue.ledger("000000000000000trackA4")
    assert opus.codec == "opus" and opus.reencoded_kbit_vbr == 75
    missing = catalogue.ledger("000000000000000trackD1")
    assert missing.codec is None and missing.replaygain is None and not missing.archived
    assert catalogue.ledger("000000000000000trackE1") is None


def test_replaygain_offsets():
    import struct
    packet = b"OggS" + bytes(140) + struct.pack("<4f", -6.5, 0.75, -7.0, 0.8) + bytes(8)
    rg = present(parse_replaygain(packet))
    assert (rg.track_gain_db, rg.track_peak, rg.album_gain_db) == (-6.5, 0.75, -7.0)
    assert parse_replaygain(b"OggS" + bytes(20)) is None
    assert parse_replaygain(None) is None


def test_artist_discography_groups(catalogue):
    d = catalogue.discography(2)
    assert [a.name for a in d.albums] == ["Random Access Memories", "Homework"]  # newest first
    assert [a.name for a in d.singles] == ["Around the World"]
    assert [a.name for a in d.appears_on] == ["Best of the 90s"]
    assert d.compilations == ()
    pharrell = catalogue.discography(3)
    assert [a.name for a in pharrell.appears_on] == ["Random Access Memories"]
    assert catalogue.artist("0000000000000000artst1").genres == ("icelandic post-rock", "post-rock")


def test_album_credits_tracks_images(catalogue):
    album = catalogue.album("00000000000000000albm3")
    assert [a.name for a in album.artists] == ["Daft Punk"]
    assert album.label == "Columbia" and album.year == "2013"
    assert [i.width for i in album.images] == [640, 300, 64]
    tracks = catalogue.album_tracks(album.rowid)
    assert [(t.disc_number, t.track_number) for t in tracks] == [(1, 1), (2, 2)]
    compilation = catalogue.album("00000000000000000albm8")
    assert [a.name for a in compilation.artists] == ["Various Artists"]


def test_name_prefix_uses_capitalisation_variants(catalogue):
    names = [r[2] for r in catalogue.artists_by_prefix("sigur")]
    assert names == ["Sigur Rós"]
    assert [r[2] for r in catalogue.albums_by_prefix("random")] == ["Random Access Memories"]
    assert catalogue.artists_by_prefix("") == []
    page = catalogue.artists_page(None, 0, 3)
    nxt = catalogue.artists_page(page[-1].name, page[-1].rowid, 3)
    assert not {r[0] for r in page} & {r[0] for r in nxt}


def test_databases_are_never_modified(tmp_path):
    build_tiny(tmp_path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    mtimes = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    cat = open_catalogue(tmp_path)
    cat.track_details(present(cat.track("000000000000000trackB1")))
    with pytest.raises(sqlite3.OperationalError):
        cat.conn().execute("DELETE FROM tracks")
    cat.close()
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert before == after
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}


def test_missing_column_is_a_one_line_schema_error(tmp_path):
    build_tiny(tmp_path, drop_column=("tracks", "duration_ms"))
    with pytest.raises(SchemaError) as err:
        open_catalogue(tmp_path)
    assert "duration_ms" in str(err.value) and "\n" not in str(err.value)


def test_missing_table_and_foreign_files(tmp_path):
    (tmp_path / "a").mkdir()
    conn = sqlite3.connect(tmp_path / "a" / "spotify_clean.sqlite3")
    conn.execute("CREATE TABLE something_else (x)")
    conn.close()
    with pytest.raises(SchemaError, match="no table 'tracks'"):
        open_catalogue(tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "spotify_clean.sqlite3").write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(MirrorError, match="not an SQLite database"):
        open_catalogue(tmp_path / "b")


def test_optional_database_that_is_garbage(tmp_path):
    build_tiny(tmp_path, features=False)
    (tmp_path / "spotify_clean_audio_features.sqlite3").write_bytes(os.urandom(4096))
    with pytest.raises(MirrorError, match="spotify_clean_audio_features"):
        open_catalogue(tmp_path)


def test_optional_databases_may_be_absent(tmp_path):
    build_tiny(tmp_path, features=False, ledger=False)
    cat = open_catalogue(tmp_path)
    details = cat.track_details(present(cat.track("000000000000000trackB1")))
    assert details.features is None and details.ledger is None
    assert len(details.isrc_siblings) == 2


def test_a_page_after_an_anchor_costs_the_same_anywhere_in_a_run_of_equal_keys():
    """Keyset pages seek; they never walk the rows before the anchor. Counted in SQLite VM steps
    (deterministic), over 60,000 tracks mostly of popularity 0 and 30,000 artists by name."""
    import sqlite3

    from tui.catalogue.queries import LISTINGS

    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE tracks (rowid INTEGER PRIMARY KEY, popularity INTEGER);"
                       "CREATE INDEX tracks_popularity ON tracks(popularity);"
                       "CREATE TABLE artists (rowid INTEGER PRIMARY KEY, id TEXT, name TEXT, popularity INTEGER);"
                       "CREATE INDEX artists_name ON artists(name);")
    conn.executemany("INSERT INTO tracks VALUES (?, ?)", ((i, 0 if i % 10 else 5) for i in range(1, 60_001)))
    conn.executemany("INSERT INTO artists VALUES (?, ?, ?, ?)",
                     ((i, str(i), f"{i // 3:06d}", 0) for i in range(1, 30_001)))

    def steps(sql: str, params: dict) -> int:
        count = [0]

        def tick() -> int:
            count[0] += 1
            return 0

        conn.set_progress_handler(tick, 100)
        assert len(conn.execute(sql, params).fetchall()) == params["limit"]
        conn.set_progress_handler(None, 0)
        return count[0]

    for listing, early, late in (("tier-opus", (0, 100), (0, 59_000)), ("tier-vorbis", (5, 59_990), (5, 1_000)),
                                 ("artists", ("000010", 30), ("009000", 27_000))):
        sql = LISTINGS[listing].after
        near = steps(sql, {"k1": early[0], "k2": early[1], "limit": 50})
        far = steps(sql, {"k1": late[0], "k2": late[1], "limit": 50})
        assert far <= 2 * near + 5, (listing, near, far)
