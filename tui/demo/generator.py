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

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tui.demo import schema
from tui.demo.names import NameMaker
from tui.demo.rows import FETCHED_AT, Ids, Writer, connect_new, isrc_code
from tui.demo.sidecars import write_features

MARKETS = ("", "US,GB,DE,FR,SE,JP,BR,MX", "AD,AE,AR,AT,AU,BE,BG,BO,BR,CA,CH,CL,CO,CR,CY,CZ,"
           "DE,DK,DO,EC,EE,ES,FI,FR,GB,GR,GT,HK,HN,HU,ID,IE,IL,IN,IS,IT,JP,KR,LT,LU,LV,MX,MY,"
           "NI,NL,NO,NZ,PA,PE,PH,PL,PT,PY,RO,SE,SG,SK,SV,TH,TR,TW,US,UY,VN,ZA", "JP", "KR,JP,TW")


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
    conn = connect_new(main_path)
    conn.executescript(schema.MAIN_TABLES + schema.tracks_ddl(spec.with_ean_upc))
    w = Writer(conn)
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
                    isrc = isrc_code(rng, year)
                for a in t_artists:
                    appears.add(artist_rowids[a])
                t_artist_rowids = [artist_rowids[a] for a in t_artists]
            else:
                if audiobook:
                    name = f"Kapitel {i + 1} - {album_name}"
                    isrc = isrc_code(rng, year)
                elif album_type == "album" and recordings and rng.random() < 0.05:
                    isrc, name, _ = rng.choice(recordings)  # the single, again on the album
                else:
                    name = names.title(style)
                    isrc = isrc_code(rng, year)
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


