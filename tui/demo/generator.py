"""Synthetic catalogues in the archive's exact schema.

One generator serves three masters: the demo mirror (tens of thousands of tracks
with a few hundred real audio files), the tests' fixtures (small, with every edge
case), and bench/ (metadata-only catalogues of 1-10 million tracks). It streams
rows to SQLite in batches, so memory stays flat at any size.

Shape follows the archive's published figures: ~80% of tracks have popularity 0,
~4.4 tracks per album, ~16 tracks per artist, most releases are singles, ISRCs
shared between singles, albums and compilations, rowid holes, empty album names
after takedowns, every script.
"""

from __future__ import annotations

import json
import random
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tui.demo import schema
from tui.demo.names import NameMaker

BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       dtype=np.uint8)
FETCHED_AT = 1_752_000_000_000  # 2025-07, the scrape's cutoff, epoch ms
MARKETS = ("", "US,GB,DE,FR,SE,JP,BR,MX", "AD,AE,AR,AT,AU,BE,BG,BO,BR,CA,CH,CL,CO,CR,CY,CZ,"
           "DE,DK,DO,EC,EE,ES,FI,FR,GB,GR,GT,HK,HN,HU,ID,IE,IL,IN,IS,IT,JP,KR,LT,LU,LV,MX,MY,"
           "NI,NL,NO,NZ,PA,PE,PH,PL,PT,PY,RO,SE,SG,SK,SV,TH,TR,TW,US,UY,VN,ZA", "JP", "KR,JP,TW")
FLUSH = 20_000


class Ids:
    """Unique base62 ids, 22 characters, generated in vectorised blocks."""

    def __init__(self, seed: int) -> None:
        self.np_rng = np.random.default_rng(seed)
        self.buf: list[str] = []

    def next(self) -> str:
        if not self.buf:
            block = BASE62[self.np_rng.integers(0, 62, size=(8192, 22))].tobytes()
            self.buf = [block[i:i + 22].decode() for i in range(0, len(block), 22)]
        return self.buf.pop()


@dataclass
class AudioTrack:
    """A track chosen to get a real audio file."""

    track_rowid: int
    track_id: str
    popularity: int
    name: str
    artists: list[str]
    album: str
    album_artist: str
    album_id: str
    upc: str | None
    isrc: str | None
    track_number: int
    disc_number: int
    release_date: str
    seconds: float
    album_seed: int


@dataclass
class GenSpec:
    tracks: int = 40_000
    seed: int = 20250701
    with_ean_upc: bool = True
    features: bool = True
    ledger: bool = True
    playlists: bool = True
    audio_tracks: int = 0  # how many tracks get a real audio file (demo)
    audio_seconds: tuple[float, float] = (9.0, 18.0)
    rowid_hole_rate: float = 0.02
    edge_cases: bool = True
    images: bool = True


@dataclass
class GenResult:
    main: Path
    features: Path | None
    ledger_rows: int
    audio: list[AudioTrack] = field(default_factory=list)
    tracks: int = 0
    albums: int = 0
    artists: int = 0
    max_track_rowid: int = 0


def _connect_new(path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    return conn


class _Writer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pending: dict[str, list[tuple]] = {}
        self.sql: dict[str, str] = {}
        self.count = 0

    def add(self, table: str, columns: str, row: tuple) -> None:
        rows = self.pending.get(table)
        if rows is None:
            rows = self.pending[table] = []
            marks = ",".join("?" * len(row))
            self.sql[table] = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        rows.append(row)
        self.count += 1
        if self.count >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                self.conn.executemany(self.sql[table], rows)
                rows.clear()
        self.count = 0


def _isrc(rng: random.Random, year: int) -> str:
    cc = rng.choice(("US", "GB", "DE", "FR", "SE", "JP", "KR", "BR", "QZ", "IS", "RU", "GR"))
    reg = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(3))
    return f"{cc}{reg}{year % 100:02d}{rng.randrange(100000):05d}"


def _release_date(rng: random.Random) -> tuple[str, str]:
    year = int(2025 - min(75, rng.expovariate(1 / 9)))
    r = rng.random()
    if r < 0.08:
        return str(year), "year"
    if r < 0.12:
        return f"{year}-{rng.randint(1, 12):02d}", "month"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "day"


def _album_popularity(rng: random.Random) -> int:
    # ~78% of albums sit in the long tail; the rest are skewed toward low values.
    if rng.random() < 0.74:
        return 0
    return min(100, 1 + int(rng.expovariate(1 / 14)))


def _track_popularity(rng: random.Random, album_pop: int) -> int:
    if album_pop == 0:
        return 0 if rng.random() < 0.985 else rng.randint(1, 6)
    if rng.random() < 0.22:
        return 0
    return max(1, min(100, int(album_pop + rng.gauss(0, 6))))


def generate(directory: Path, spec: GenSpec,
             progress: Callable[[int, int], None] | None = None) -> GenResult:
    """Write spotify_clean.sqlite3 (+ features, ledger, playlists) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed)
    names = NameMaker(random.Random(spec.seed + 1))
    ids = Ids(spec.seed)
    main_path = directory / "spotify_clean.sqlite3"
    conn = _connect_new(main_path)
    conn.executescript(schema.MAIN_TABLES + schema.tracks_ddl(spec.with_ean_upc))
    w = _Writer(conn)
    for i, markets in enumerate(MARKETS, start=1):
        w.add("available_markets", "rowid, available_markets", (i, markets))

    n_tracks_target = spec.tracks
    n_artists = max(8, n_tracks_target // 16)
    artist_rowids: list[int] = []
    artist_names: list[str] = []
    artist_pop: list[int] = []
    rowid = 0
    for _ in range(n_artists):
        rowid += 1 + (1 if rng.random() < spec.rowid_hole_rate else 0)
        name = names.artist()
        pop = 0 if rng.random() < 0.55 else min(100, int(rng.expovariate(1 / 18)))
        followers = int(10 ** rng.uniform(0, 2 + pop / 20))
        artist_rowids.append(rowid)
        artist_names.append(name)
        artist_pop.append(pop)
        w.add("artists", "rowid, id, fetched_at, name, followers_total, popularity",
              (rowid, ids.next(), FETCHED_AT, name, followers, pop))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            w.add("artist_genres", "artist_rowid, genre", (rowid, names.genre()))
        if spec.images and rng.random() < 0.6:
            for size in (640, 320, 160):
                w.add("artist_images", "artist_rowid, width, height, url",
                      (rowid, size, size, f"https://i.scdn.co/image/ab6761610000e5eb{rng.getrandbits(96):024x}"))
    various_rowid = rowid + 1
    artist_index = {r: i for i, r in enumerate(artist_rowids)}
    w.add("artists", "rowid, id, fetched_at, name, followers_total, popularity",
          (various_rowid, ids.next(), FETCHED_AT, "Various Artists", 0, 0))
    n_artists_total = n_artists + 1

    # Zipf-ish choice of an album's main artist, so some artists have long discographies.
    artist_weights = np.cumsum(1.0 / np.arange(1, n_artists + 1) ** 0.8)
    artist_weights /= artist_weights[-1]
    perm = list(range(n_artists))
    random.Random(spec.seed + 2).shuffle(perm)
    np_rng = np.random.default_rng(spec.seed + 3)

    def pick_artist() -> int:
        return perm[int(np.searchsorted(artist_weights, np_rng.random()))]

    # Every artist is in the catalogue because of a release: the first albums go to each
    # artist once (in a shuffled order), the rest by the Zipf-like weights.
    unreleased = list(range(n_artists))
    random.Random(spec.seed + 4).shuffle(unreleased)

    def pick_main_artist() -> int:
        return unreleased.pop() if unreleased else pick_artist()

    recordings: list[tuple[str, str, list[int]]] = []  # (isrc, name, artist indexes)
    audio: list[AudioTrack] = []
    audio_quota = {"vorbis": spec.audio_tracks // 2, "opus": spec.audio_tracks - spec.audio_tracks // 2}
    track_rowid = 0
    album_rowid = 0
    tracks_written = 0
    albums_written = 0
    track_cols = ("rowid, id, fetched_at, name, preview_url, album_rowid, track_number, "
                  "external_id_isrc, " + ("external_id_ean, external_id_upc, " if spec.with_ean_upc else "")
                  + "popularity, available_markets_rowid, disc_number, duration_ms, explicit")
    album_cols = ("rowid, id, fetched_at, name, album_type, available_markets_rowid, external_id_upc, "
                  "external_id_amgid, copyright_c, copyright_p, label, popularity, release_date, "
                  "release_date_precision, total_tracks")
    edge_names = [
        "", "x" * 300, "Ἀθῆναι" * 3, "שיר של לילה ארוך", "ليلة في القاهرة", "夜に駆ける 🌙",
        "🎧🎧🎧", "Sigur Rós & Sóley", "AND OR NOT NEAR \"quoted\" * - : ^",
        "Robert'); DROP TABLE tracks;--", "NEAR(a b) title:x ^start", "Björk Guðmundsdóttir",
    ] if spec.edge_cases else []

    while tracks_written < n_tracks_target:
        album_rowid += 1 + (1 if rng.random() < spec.rowid_hole_rate else 0)
        r = rng.random()
        album_type = "single" if r < 0.6 else ("album" if r < 0.9 else "compilation")
        n = {"single": rng.randint(1, 3), "album": rng.randint(6, 16),
             "compilation": rng.randint(10, 20)}[album_type]
        if rng.random() < 0.003:  # audiobooks: many chapters ("Kapitel 37 ...")
            album_type, n = "album", rng.randint(30, 60)
            audiobook = True
        else:
            audiobook = False
        n = min(n, n_tracks_target - tracks_written) or 1
        style = names.style()
        main_artists = [pick_main_artist()]
        if rng.random() < 0.08:
            main_artists.append(pick_artist())
        if album_type == "compilation":
            credited = [various_rowid]
        else:
            credited = [artist_rowids[a] for a in dict.fromkeys(main_artists)]
        album_pop = _album_popularity(rng)
        release, precision = _release_date(rng)
        year = int(release[:4])
        album_name = names.title(style) if not audiobook else names.phrase(style, 1, 3) + " (Hörbuch)"
        if edge_names and rng.random() < 0.004:
            album_name = rng.choice(edge_names)
        if rng.random() < 0.001:
            album_name = ""  # takedown
        album_id = ids.next()
        upc = f"{rng.randrange(10**11, 10**12)}{rng.randrange(10)}"
        w.add("albums", album_cols,
              (album_rowid, album_id, FETCHED_AT, album_name, album_type,
               rng.randint(1, len(MARKETS)), upc, None,
               f"© {year} {names.label()}", f"℗ {year} {names.label()}", names.label(),
               album_pop, release, precision, n))
        albums_written += 1
        if spec.images:
            art = f"{rng.getrandbits(96):024x}"
            for size, variant in ((640, "ab67616d0000b273"), (300, "ab67616d00001e02"),
                                  (64, "ab67616d00004851")):
                w.add("album_images", "album_rowid, width, height, url",
                      (album_rowid, size, size, f"https://i.scdn.co/image/{variant}{art}"))
        for index, a_rowid in enumerate(credited):
            w.add("artist_albums", "artist_rowid, album_rowid, is_appears_on, is_implicit_appears_on, index_in_album",
                  (a_rowid, album_rowid, 0, 0, index))
        appears: set[int] = set()

        # Decide whether this whole album gets real audio (demo only).
        album_audio = False
        if spec.audio_tracks and 2 <= n <= 12 and not audiobook and album_type != "compilation":
            tier = "vorbis" if album_pop > 0 else "opus"
            if audio_quota[tier] >= n and rng.random() < 0.35:
                album_audio = True
        album_seed = rng.getrandbits(32)
        disc_size = n if n <= 12 or rng.random() < 0.7 else (n + 1) // 2
        for i in range(n):
            track_rowid += 1 + (1 if rng.random() < spec.rowid_hole_rate else 0)
            disc, number = divmod(i, disc_size)
            if album_type == "compilation":
                if recordings and rng.random() < 0.7:
                    isrc, name, t_artists = rng.choice(recordings)
                else:
                    t_artists = [pick_artist()]
                    name = names.title()
                    isrc = _isrc(rng, year)
                for a in t_artists:
                    appears.add(artist_rowids[a])
                t_artist_rowids = [artist_rowids[a] for a in t_artists]
            else:
                if audiobook:
                    name = f"Kapitel {i + 1} - {album_name}"
                    isrc = _isrc(rng, year)
                elif album_type == "album" and recordings and rng.random() < 0.05:
                    isrc, name, _ = rng.choice(recordings)  # the single, again on the album
                else:
                    name = names.title(style)
                    isrc = _isrc(rng, year)
                t_artist_rowids = list(credited)
                if rng.random() < 0.1:
                    feat = pick_artist()
                    if artist_rowids[feat] not in t_artist_rowids:
                        t_artist_rowids.append(artist_rowids[feat])
                        appears.add(artist_rowids[feat])
                t_artists_idx = [artist_index[a] for a in t_artist_rowids if a in artist_index]
                if len(recordings) < 50_000:
                    recordings.append((isrc, name, t_artists_idx))
                elif rng.random() < 0.01:
                    recordings[rng.randrange(len(recordings))] = (isrc, name, t_artists_idx)
            if edge_names and rng.random() < 0.002:
                name = rng.choice(edge_names)
            pop = _track_popularity(rng, album_pop)
            if album_audio:
                pop = max(pop, 1) if album_pop > 0 else 0
            duration = int(max(30_000, rng.gauss(200_000, 60_000)))
            if rng.random() < 0.2:
                duration = (duration // 60_000 + 1) * 60_000  # the blog's whole-minute peaks
            track_id = ids.next()
            if album_audio:
                seconds = round(rng.uniform(*spec.audio_seconds), 2)
                duration = int(seconds * 1000)
            isrc_value = isrc if rng.random() > 0.01 else None
            row = [track_rowid, track_id, FETCHED_AT, name,
                   f"https://p.scdn.co/mp3-preview/{rng.getrandbits(160):040x}" if rng.random() < 0.3 else None,
                   album_rowid, number + 1, isrc_value]
            if spec.with_ean_upc:
                row += [None, upc if rng.random() < 0.05 else None]
            row += [pop, rng.randint(1, len(MARKETS)), disc + 1, duration,
                    1 if rng.random() < 0.135 else 0]
            w.add("tracks", track_cols, tuple(row))
            for a in t_artist_rowids:
                w.add("track_artists", "track_rowid, artist_rowid", (track_rowid, a))
            if album_audio:
                audio.append(AudioTrack(
                    track_rowid, track_id, pop, name,
                    [artist_names[artist_index[a]] if a != various_rowid else "Various Artists"
                     for a in t_artist_rowids],
                    album_name, artist_names[artist_index[credited[0]]],
                    album_id, upc, isrc_value, number + 1, disc + 1, release,
                    duration / 1000, album_seed))
            tracks_written += 1
            if progress and tracks_written % 50_000 == 0:
                progress(tracks_written, n_tracks_target)
        if album_audio:
            audio_quota["vorbis" if album_pop > 0 else "opus"] -= n
        for a_rowid in appears - set(credited):
            implicit = 1 if album_type != "compilation" else 0
            w.add("artist_albums", "artist_rowid, album_rowid, is_appears_on, is_implicit_appears_on, index_in_album",
                  (a_rowid, album_rowid, 1 - implicit, implicit, None))
    w.flush()
    if progress:
        progress(tracks_written, n_tracks_target)
    conn.executescript(schema.MAIN_INDEXES)
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()

    result = GenResult(main_path, None, 0, audio, tracks_written, albums_written,
                       n_artists_total, track_rowid)
    if spec.features:
        result.features = write_features(directory, main_path, spec.seed)
    return result


def _iter_tracks(main_path: Path, columns: str = "rowid, id, popularity, duration_ms"):
    conn = sqlite3.connect(main_path)
    try:
        yield from conn.execute(f"SELECT {columns} FROM tracks ORDER BY rowid")
    finally:
        conn.close()


def write_features(directory: Path, main_path: Path, seed: int) -> Path:
    rng = random.Random(seed + 10)
    path = directory / "spotify_clean_audio_features.sqlite3"
    conn = _connect_new(path)
    conn.executescript(schema.AUDIO_FEATURES)
    w = _Writer(conn)
    cols = ("rowid, track_id, fetched_at, null_response, duration_ms, time_signature, tempo, key, "
            "mode, danceability, energy, loudness, speechiness, acousticness, instrumentalness, "
            "liveness, valence")
    own = 0
    for rowid, track_id, _pop, duration in _iter_tracks(main_path):
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
    conn = _connect_new(path)
    conn.executescript(schema.TRACK_FILES)
    w = _Writer(conn)
    cols = ("rowid, track_id, filename, reencoded_kbit_vbr, fetched_at, session_country, "
            "sha256_original, sha256_with_embedded_meta, status, isrc_has_download, "
            "track_popularity, secondary_priority, prefixed_ogg_packet, alternatives, "
            "file_id_ogg_vorbis_96, file_id_ogg_vorbis_160, file_id_ogg_vorbis_320, file_id_aac_24, "
            "language_of_performance, artist_roles, has_lyrics, licensor, original_title, "
            "version_title, file_id_mp3_96, content_ratings, filesize_bytes")
    statuses, weights = zip(*STATUSES_POP0)
    own = 0
    for rowid, track_id, pop, duration in _iter_tracks(main_path):
        own += 1
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


def write_playlists(directory: Path, main_path: Path, seed: int, count: int = 12) -> Path:
    rng = random.Random(seed + 30)
    names = NameMaker(random.Random(seed + 31))
    path = directory / "spotify_clean_playlists.sqlite3"
    conn = _connect_new(path)
    conn.executescript(schema.PLAYLISTS + schema.PLAYLISTS_INDEXES)
    src = sqlite3.connect(main_path)
    max_rowid = src.execute("SELECT max(rowid) FROM tracks").fetchone()[0] or 1
    ids = Ids(seed + 32)
    for p in range(1, count + 1):
        n = rng.randint(15, 80)
        rowids = []
        while len(rowids) < n:
            r = rng.randint(1, max_rowid)
            if src.execute("SELECT 1 FROM tracks WHERE rowid = ?", (r,)).fetchone():
                rowids.append(r)
        conn.execute("INSERT INTO playlists VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (
            p, ids.next(), ids.next(), FETCHED_AT, names.title(), "A demo playlist", 0, 1, None,
            "demo", "longtail demo", rng.randint(1000, 90000), n))
        for pos, r in enumerate(rowids):
            conn.execute("INSERT INTO playlist_tracks (playlist_rowid, position, is_episode, track_rowid, "
                         "added_at, is_local) VALUES (?,?,?,?,?,?)",
                         (p, pos, 0, r, 1_700_000_000 + rng.randrange(10**7), 0))
    conn.commit()
    conn.close()
    src.close()
    return path
