"""The demo mirror is a faithful miniature: real layout, schema, audio and torrents."""

from __future__ import annotations

import hashlib
import sqlite3

import mutagen
from expect import present
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.mirror.file_index import FileIndex
from tui.mirror.layout import discover
from tui.mirror.torrents import parse_torrent


def test_layout_and_databases(small_demo):
    layout = discover(small_demo.mirror)
    assert set(layout.databases) == {
        "spotify_clean.sqlite3", "spotify_clean_audio_features.sqlite3",
        "spotify_clean_track_files.sqlite3", "spotify_clean_playlists.sqlite3"}
    assert len(layout.torrents) == 4 and len(layout.data_folders) >= 1
    assert all(t.name.startswith("annas_archive_data__aacid__spotify_files_pop_") for t in layout.torrents)
    conn = sqlite3.connect(present(layout.main_db))
    zero_share = conn.execute("SELECT avg(popularity = 0) FROM tracks").fetchone()[0]
    assert 0.7 < zero_share < 0.9
    n_artists = conn.execute("SELECT count(*) FROM artists").fetchone()[0]
    max_rowid, n_tracks = conn.execute("SELECT max(rowid), count(*) FROM tracks").fetchone()
    assert n_tracks == 4000 and max_rowid > n_tracks  # rowid holes
    assert n_artists > 100


def test_audio_is_real_tagged_and_matches_the_ledger(small_demo):
    layout = discover(small_demo.mirror)
    cat = Catalogue(CataloguePaths.from_databases(layout.databases))
    index = FileIndex(small_demo.state / "check.sqlite3")
    index.refresh(layout)
    counts = index.counts()
    assert counts["files"] == 24 and 0 < counts["local"] < 24
    for torrent in layout.torrents:
        parsed = parse_torrent(torrent)
        assert parsed.piece_length == 32 * 1024
        for f in parsed.files:
            track_id = f.path.split("__")[-2]
            full = small_demo.swarm / f.path
            data = full.read_bytes()
            track = present(cat.track(track_id))
            ledger = present(cat.ledger(track_id))
            assert ledger.sha256_with_embedded_meta == hashlib.sha256(data).hexdigest()
            audio = mutagen.File(full)
            if track.popularity > 0:
                assert isinstance(audio, OggVorbis) and ledger.codec == "vorbis"
                assert data[28:35] == b"\x01vorbis"
            else:
                assert isinstance(audio, OggOpus) and ledger.codec == "opus"
                assert data[28:36] == b"OpusHead"
            assert abs(audio.info.length * 1000 - track.duration_ms) < 100
            assert audio["TITLE"] == [track.name or " "]
            assert audio["ISRC"] == [track.isrc] if track.isrc else True
            # the archive's tag bug, reproduced: album peak is a copy of the album gain
            assert audio["REPLAYGAIN_ALBUM_PEAK"] == audio["REPLAYGAIN_ALBUM_GAIN"]
            assert ledger.replaygain is not None
            entry = present(index.entry(track_id))
            if entry.local:
                assert entry.path.read_bytes() == data
    cat.close()
