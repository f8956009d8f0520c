"""Hand-written catalogues in the archive's real schema, with known rows.

Generated catalogues (tui.demo.generator) give volume; these give exact facts to
assert on: credited order, ISRC siblings, rowid holes, empty names, scripts,
FTS metacharacters, REAL tempo in an integer column, ReplayGain in the packet.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from tui.demo import schema
from tui.demo.sidecars import ogg_packet_with_replaygain

# (rowid, id, name, popularity, followers)
ARTISTS = [
    (1, "0000000000000000artst1", "Sigur Rós", 61, 2_000_000),
    (2, "0000000000000000artst2", "Daft Punk", 80, 9_000_000),
    (3, "0000000000000000artst3", "Pharrell Williams", 85, 12_000_000),
    (5, "0000000000000000artst5", "宇多田ヒカル", 70, 3_000_000),  # rowid 4 is a hole
    (6, "0000000000000000artst6", "فيروز", 55, 1_000_000),
    (7, "0000000000000000artst7", "", 0, 0),  # empty name
    (8, "0000000000000000artst8", "AND OR NOT NEAR \"x\" * - : ^", 1, 10),
    (9, "0000000000000000artst9", "Various Artists", 0, 0),
]
# (rowid, id, name, type, popularity, release_date, precision, total, label)
ALBUMS = [
    (1, "00000000000000000albm1", "Ágætis byrjun", "album", 60, "1999-06-12", "day", 3, "Smekkleysa"),
    (2, "00000000000000000albm2", "Homework", "album", 75, "1997-01-20", "day", 2, "Virgin"),
    (3, "00000000000000000albm3", "Random Access Memories", "album", 82, "2013-05-17", "day", 2, "Columbia"),
    (4, "00000000000000000albm4", "Around the World", "single", 50, "1997", "year", 1, "Virgin"),
    (6, "00000000000000000albm6", "First Love", "album", 65, "1999-03", "month", 1, "EMI"),
    (7, "00000000000000000albm7", "", "single", 0, "2020-01-01", "day", 1, "Self"),  # takedown
    (8, "00000000000000000albm8", "Best of the 90s", "compilation", 40, "2005-01-01", "day", 2, "Comp"),
]
# (rowid, id, name, album_rowid, track_no, disc, isrc, popularity, duration_ms, artists in credited order)
TRACKS = [
    (1, "000000000000000trackA1", "Svefn-g-englar", 1, 1, 1, "ISRCSIGUR001", 55, 604_000, [1]),
    (2, "000000000000000trackA2", "Starálfur", 1, 2, 1, "ISRCSIGUR002", 50, 406_000, [1]),
    (4, "000000000000000trackA4", "Flugufrelsarinn", 1, 3, 1, None, 0, 467_000, [1]),  # rowid 3 hole
    (5, "000000000000000trackB1", "Around the World", 2, 1, 1, "GBDUW9700031", 70, 429_000, [2]),
    (6, "000000000000000trackB2", "Da Funk", 2, 2, 1, "GBDUW9600012", 68, 328_000, [2]),
    (7, "000000000000000trackC1", "Get Lucky (feat. Pharrell Williams)", 3, 1, 1,
     "USQX91300108", 84, 369_000, [2, 3]),
    (8, "000000000000000trackC2", "Lose Yourself to Dance", 3, 2, 2, "USQX91300109", 70, 353_000, [3, 2]),
    (9, "000000000000000trackD1", "Around the World (Radio Edit)", 4, 1, 1, "GBDUW9700031", 30, 240_000, [2]),
    (10, "000000000000000trackE1", "First Love", 6, 1, 1, "JPTO09900001", 60, 260_000, [5]),
    (11, "000000000000000trackF1", "", 7, 1, 1, None, 0, 180_000, [7]),
    (12, "000000000000000trackG1", "Around the World", 8, 1, 1, "GBDUW9700031", 0, 429_000, [2]),
    (13, "000000000000000trackG2", "سألوني الناس", 8, 2, 1, "LBFA07100001", 0, 200_000, [6]),
    (15, "000000000000000trackH1", "x" * 300, 7, 1, 1, None, 0, 100_000, [8]),  # rowid 14 hole
]
GENRES = [(1, "icelandic post-rock"), (1, "post-rock"), (2, "french house"), (2, "electro"),
          (5, "j-pop"), (6, "arabic pop")]
# album -> (artist rowid, is_appears_on, is_implicit, index_in_album)
ARTIST_ALBUMS = [
    (1, 1, 0, 0, 0), (2, 2, 0, 0, 0), (2, 3, 0, 0, 0), (3, 3, 0, 1, None), (2, 4, 0, 0, 0),
    (5, 6, 0, 0, 0), (7, 7, 0, 0, 0), (9, 8, 0, 0, 0), (2, 8, 1, 0, None), (6, 8, 1, 0, None),
    (8, 7, 0, 1, None),
]
# track id -> (status, reencoded kbit, track gain, peak, album gain)
LEDGER = {
    "000000000000000trackA1": ("success", None, -7.25, 0.98, -6.5),
    "000000000000000trackA4": ("success", 75, -3.0, 0.7, -3.0),
    "000000000000000trackB1": ("success", None, -9.5, 1.0, -9.0),
    "000000000000000trackC1": ("success", None, -8.0, 0.99, -8.1),
    "000000000000000trackD1": ("error_not_available", None, None, None, None),
    "000000000000000trackG1": ("skipped_isrc_has_download", None, None, None, None),
    "000000000000000trackG2": ("success", 75, -2.0, 0.5, -2.0),
}


def build_tiny(directory: Path, with_ean_upc: bool = True, drop_column: tuple[str, str] | None = None,
               features: bool = True, ledger: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    main = directory / "spotify_clean.sqlite3"
    conn = sqlite3.connect(main)
    ddl = schema.MAIN_TABLES + schema.tracks_ddl(with_ean_upc)
    if drop_column:
        table, column = drop_column
        ddl = "\n".join(line for line in ddl.splitlines()
                        if not (f"`{column}`" in line and _in_table(ddl, line, table)))
        ddl = ddl.replace(",\n);", "\n);")
    conn.executescript(ddl)
    conn.execute("INSERT INTO available_markets VALUES (1, ''), (2, 'US,GB')")
    for r in ARTISTS:
        conn.execute("INSERT INTO artists (rowid, id, fetched_at, name, followers_total, popularity) "
                     "VALUES (?,?,?,?,?,?)", (r[0], r[1], 1_752_000_000_000, r[2], r[4], r[3]))
    for a in ALBUMS:
        cols = "rowid, id, fetched_at, name, album_type, available_markets_rowid, label, popularity, " \
               "release_date, release_date_precision, total_tracks"
        conn.execute(f"INSERT INTO albums ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (a[0], a[1], 1, a[2], a[3], 2, a[8], a[4], a[5], a[6], a[7]))
        for size in (640, 300, 64):
            conn.execute("INSERT INTO album_images VALUES (?,?,?,?)",
                         (a[0], size, size, f"https://i.scdn.co/image/ab67616d0000b273{a[0]:024x}"))
    columns = {row[1] for row in conn.execute("PRAGMA table_info(tracks)")}
    for (rowid, id_, name, album, num, disc, isrc, pop, dur, artists) in TRACKS:
        values = {"rowid": rowid, "id": id_, "fetched_at": 1, "name": name, "album_rowid": album,
                  "track_number": num, "external_id_isrc": isrc, "popularity": pop,
                  "available_markets_rowid": 2, "disc_number": disc, "duration_ms": dur,
                  "explicit": 0}
        values = {k: v for k, v in values.items() if k in columns}
        conn.execute(f"INSERT INTO tracks ({', '.join(values)}) VALUES ({','.join('?' * len(values))})",
                     list(values.values()))
        # Inserted in credited order, so track_artists.rowid order is the credited order.
        for artist in artists:
            conn.execute("INSERT INTO track_artists VALUES (?, ?)", (rowid, artist))
    conn.executemany("INSERT INTO artist_genres VALUES (?, ?)", GENRES)
    conn.executemany("INSERT INTO artist_albums VALUES (?,?,?,?,?)", ARTIST_ALBUMS)
    indexes = schema.MAIN_INDEXES
    if drop_column:
        indexes = "\n".join(line for line in indexes.splitlines() if f"({drop_column[1]})" not in line)
    conn.executescript(indexes)
    conn.commit()
    conn.close()
    if features:
        build_features(directory)
    if ledger:
        build_ledger(directory)
    return main


def _in_table(ddl: str, line: str, table: str) -> bool:
    start = ddl.find(f"CREATE TABLE {table} (")
    end = ddl.find(");", start)
    pos = ddl.find(line)
    return start != -1 and start < pos < end


def build_features(directory: Path) -> Path:
    path = directory / "spotify_clean_audio_features.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(schema.AUDIO_FEATURES + schema.AUDIO_FEATURES_INDEXES)
    rows = [
        # rowid unrelated to tracks.rowid on purpose
        (100, "000000000000000trackB1", 0, 429_000, 4, 121.293, 7, 1, 0.9, 0.8, -7.5),
        (101, "000000000000000trackC1", 0, 369_000, 4, 116.0, 6, 0, 0.8, 0.81, -8.9),
        (102, "000000000000000trackA1", 1, None, None, None, None, None, None, None, None),
    ]
    for r in rows:
        conn.execute("INSERT INTO track_audio_features (rowid, track_id, fetched_at, null_response, "
                     "duration_ms, time_signature, tempo, key, mode, danceability, energy, loudness) "
                     "VALUES (?,?,1,?,?,?,?,?,?,?,?,?)", r)
    conn.commit()
    conn.close()
    return path


def build_ledger(directory: Path) -> Path:
    path = directory / "spotify_clean_track_files.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(schema.TRACK_FILES + schema.TRACK_FILES_INDEXES)
    rng = random.Random(5)
    for i, (track_id, (status, kbit, tg, tp, ag)) in enumerate(LEDGER.items(), start=1):
        packet = (ogg_packet_with_replaygain(rng, tg, tp, ag, tp)
                  if tg is not None and tp is not None and ag is not None else None)
        conn.execute("INSERT INTO track_files (rowid, track_id, reencoded_kbit_vbr, status, "
                     "sha256_with_embedded_meta, prefixed_ogg_packet) VALUES (?,?,?,?,?,?)",
                     (i * 10, track_id, kbit, status, "ab" * 32 if status == "success" else None,
                      packet))
    conn.commit()
    conn.close()
    return path
