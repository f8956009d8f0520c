"""The optional databases of a synthetic mirror: audio features, the ledger (track_files)
with its ReplayGain packets, and playlists, in the archive's schema."""

from __future__ import annotations

import json
import random
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

from tui.demo import schema
from tui.demo.names import NameMaker
from tui.demo.rows import FETCHED_AT, Ids, Writer, connect_new


def _iter_tracks(main_path: Path, columns: str = "rowid, id, popularity, duration_ms") -> Iterator[tuple]:
    conn = sqlite3.connect(main_path)
    try:
        yield from conn.execute(f"SELECT {columns} FROM tracks ORDER BY rowid")
    finally:
        conn.close()


def write_features(directory: Path, main_path: Path, seed: int) -> Path:
    rng = random.Random(seed + 10)
    path = directory / "spotify_clean_audio_features.sqlite3"
    conn = connect_new(path)
    conn.executescript(schema.AUDIO_FEATURES)
    w = Writer(conn)
    cols = ("rowid, track_id, fetched_at, null_response, duration_ms, time_signature, tempo, key, "
            "mode, danceability, energy, loudness, speechiness, acousticness, instrumentalness, "
            "liveness, valence")
    own = 0
    for _rowid, track_id, _pop, duration in _iter_tracks(main_path):
        if rng.random() < 0.04:
            continue  # never fetched
        own += 1
        if rng.random() < 0.05:
            w.add("track_audio_features", cols, (own, track_id, FETCHED_AT, 1) + (None,) * 13)
            continue
        energy = rng.random()
        w.add("track_audio_features", cols, (
            own, track_id, FETCHED_AT, 0, duration, rng.choice((3, 4, 4, 4, 4, 5)),
            round(max(40.0, rng.gauss(120, 25)), 3),  # REAL in an integer-declared column
            rng.randint(-1, 11), rng.choice((0, 1, 1)), round(rng.random(), 3), round(energy, 3),
            round(-30 + 27 * energy + rng.gauss(0, 2), 3), round(rng.random() * 0.3, 4),
            round(rng.random(), 4), round(rng.random() ** 3, 4), round(rng.random() * 0.5, 4),
            round(rng.random(), 3)))
    w.flush()
    conn.executescript(schema.AUDIO_FEATURES_INDEXES)
    conn.commit()
    conn.close()
    return path


def ogg_packet_with_replaygain(rng: random.Random, track_gain: float, track_peak: float,
                               album_gain: float, album_peak: float) -> bytes:
    """A stand-in for Spotify's stripped first packet: OggS, noise, gains at 144..159."""
    head = b"OggS" + bytes(rng.getrandbits(8) for _ in range(140))
    gains = struct.pack("<4f", track_gain, track_peak, album_gain, album_peak)
    return head + gains + bytes(rng.getrandbits(8) for _ in range(16))


STATUSES_POP0 = (("success", 0.45), ("skipped_low_priority", 0.31),
                 ("skipped_isrc_has_download", 0.17), ("error_not_available", 0.025),
                 ("error_has_replacement", 0.02), ("todo_unk", 0.02), ("error_zero_duration", 0.005))


def write_ledger(directory: Path, main_path: Path, seed: int,
                 real_files: dict[str, dict] | None = None) -> Path:
    """spotify_clean_track_files.sqlite3; `real_files` maps track id -> facts of a real file."""
    real_files = real_files or {}
    rng = random.Random(seed + 20)
    path = directory / "spotify_clean_track_files.sqlite3"
    conn = connect_new(path)
    conn.executescript(schema.TRACK_FILES)
    w = Writer(conn)
    cols = ("rowid, track_id, filename, reencoded_kbit_vbr, fetched_at, session_country, "
            "sha256_original, sha256_with_embedded_meta, status, isrc_has_download, "
            "track_popularity, secondary_priority, prefixed_ogg_packet, alternatives, "
            "file_id_ogg_vorbis_96, file_id_ogg_vorbis_160, file_id_ogg_vorbis_320, file_id_aac_24, "
            "language_of_performance, artist_roles, has_lyrics, licensor, original_title, "
            "version_title, file_id_mp3_96, content_ratings, filesize_bytes")
    statuses, weights = zip(*STATUSES_POP0, strict=False)
    for own, (_rowid, track_id, pop, duration) in enumerate(_iter_tracks(main_path), start=1):
        real = real_files.get(track_id)
        if real is not None:
            status = "success"
        elif pop > 0:
            status = "success" if rng.random() < 0.97 else "error_not_available"
        else:
            status = rng.choices(statuses, weights)[0]
        success = status == "success"
        opus = pop == 0
        kbit = 75 if (success and opus) else None
        if real is not None:
            kbit = 75 if real["codec"] == "opus" else None
        sha = real["sha256"] if real else (f"{rng.getrandbits(256):064x}" if success else None)
        size = real["size"] if real else (
            int(duration / 1000 * (75 if opus else 160) * 125) if success and rng.random() < 0.07 else None)
        packet = None
        if success:
            tg = real["gain"] if real else round(rng.gauss(-6, 3), 2)
            tp = real["peak"] if real else round(rng.uniform(0.5, 1.0), 6)
            ag = real.get("album_gain", tg) if real else round(tg + rng.gauss(0, 1), 2)
            packet = ogg_packet_with_replaygain(rng, tg, tp, ag, tp)
        bucket = "50-to-100" if pop >= 50 else str(pop)
        w.add("track_files", cols, (
            own, track_id,
            f"track-popularity-{bucket}/X/XX/Artist/2020 Album ({track_id})/01 Artist - Title.ogg"
            if success else None,
            kbit, FETCHED_AT, "UNK", f"{rng.getrandbits(256):064x}" if success else None, sha,
            status, 1 if status == "skipped_isrc_has_download" else 0, pop,
            round(rng.uniform(-1, 3), 3), packet, None,
            None, f"{rng.getrandbits(160):040x}" if success else None, None, None,
            json.dumps([rng.choice(("en", "ja", "es", "de", "zxx", "ko", "pt"))]),
            json.dumps(["main_artist"]), rng.choice((0, 1)), None, None, None, None, None, size))
    w.flush()
    conn.executescript(schema.TRACK_FILES_INDEXES)
    conn.commit()
    conn.close()
    return path


def write_playlists(directory: Path, main_path: Path, seed: int, count: int = 120,
                    audio_ids: Sequence[str] = ()) -> Path:
    """Playlists as the archive has them: mostly catalogue tracks, with the odd podcast
    episode, a listener's local file and a track the catalogue does not have; a few of
    them hold the demo's real audio, so that a playlist can be played at once."""
    rng = random.Random(seed + 30)
    names = NameMaker(random.Random(seed + 31))
    path = directory / "spotify_clean_playlists.sqlite3"
    conn = connect_new(path)
    conn.executescript(schema.PLAYLISTS + schema.PLAYLISTS_INDEXES)
    src = sqlite3.connect(main_path)
    max_rowid = src.execute("SELECT max(rowid) FROM tracks").fetchone()[0] or 1
    audio_rowids = [r for (r,) in src.execute(
        f"SELECT rowid FROM tracks WHERE id IN ({','.join('?' * len(audio_ids))})", list(audio_ids))]
    ids = Ids(seed + 32)
    for p in range(1, count + 1):
        n = rng.randint(15, 80)
        rowids: list[int] = rng.sample(audio_rowids, min(len(audio_rowids), rng.randint(4, 10))) \
            if p % 4 == 1 and audio_rowids else []
        while len(rowids) < n:
            r = rng.randint(1, max_rowid)
            if src.execute("SELECT 1 FROM tracks WHERE rowid = ?", (r,)).fetchone():
                rowids.append(r)
        rng.shuffle(rowids)
        followers = None if p % 17 == 0 else int(rng.paretovariate(1.2) * 1000)
        name = names.title() if p % 3 else f"{names.title()} Mix"
        conn.execute("INSERT INTO playlists VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (
            p, ids.next(), ids.next(), FETCHED_AT, name, "A demo playlist", 0, 1, None,
            f"user{p % 9}", f"listener {p % 9}", followers, n))
        for pos, r in enumerate(rowids):
            row: tuple = (p, pos, 0, r, None, 0, None)
            roll = rng.random()
            if roll < 0.03:
                row = (p, pos, 1, None, ids.next(), 0, None)  # a podcast episode
            elif roll < 0.05:
                row = (p, pos, 0, None, None, 1, f"{names.title()} (home recording)")  # a local file
            elif roll < 0.07:
                row = (p, pos, 0, None, ids.next(), 0, None)  # not in the catalogue's tracks
            conn.execute("INSERT INTO playlist_tracks (playlist_rowid, position, is_episode, track_rowid, "
                         "id_if_not_in_tracks_table, added_at, is_local, name_if_is_local) "
                         "VALUES (?,?,?,?,?,?,?,?)", (*row[:5], 1_700_000_000 + rng.randrange(10**7), *row[5:]))
    conn.commit()
    conn.close()
    src.close()
    return path
