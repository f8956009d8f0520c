"""Build the demo mirror: a miniature of the archive in its real layout.

    <home>/mirror/annas_archive_spotify_2025_07_metadata/spotify_clean*.sqlite3
    <home>/mirror/annas_archive_data__aacid__spotify_files_pop_0__...--....torrent
    <home>/mirror/annas_archive_data__aacid__spotify_files_pop_0__...--.../aacid__...  (about half)
    <home>/swarm/annas_archive_data__.../aacid__...                                  (all of it)
    <home>/state/                                                                    (longtail's state)

The swarm copy is what the loopback seeder serves, so a track missing from the
mirror can be fetched exactly as from the real swarm. The build goes to a
temporary folder and is renamed into place at the end, so an interrupted build
never leaves a half demo behind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tui.demo.audio import EncodedPiece, PieceSpec, encode
from tui.demo.generator import AudioTrack, GenSpec, generate
from tui.demo.paths import DEMO_VERSION, DemoPaths
from tui.demo.sidecars import write_ledger, write_playlists
from tui.mirror.aacid import aacid_for
from tui.mirror.torrents import make_v1_torrent

DEMO_SEED = 20250701
PIECE_LENGTH = 32 * 1024
METADATA_FOLDER = "annas_archive_spotify_2025_07_metadata"
SHORTUUID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base57
DATA_FOLDERS = {
    # tier -> the archive's folder naming; the real pop_0 name has been seen [L], the
    # Vorbis collections' names are a guess [G] and longtail never relies on them.
    "opus": ["annas_archive_data__aacid__spotify_files_pop_0__20260116T000346Z--20260116T000347Z",
             "annas_archive_data__aacid__spotify_files_pop_0__20260117T101500Z--20260117T101501Z"],
    "vorbis": ["annas_archive_data__aacid__spotify_files_pop_1__20260208T120000Z--20260208T120001Z",
               "annas_archive_data__aacid__spotify_files_pop_2__20260208T130000Z--20260208T130001Z"],
}


@dataclass(frozen=True)
class DemoSpec:
    tracks: int = 40_000
    audio_tracks: int = 180
    seed: int = DEMO_SEED
    local_share: float = 0.5
    workers: int = 2


def _shortuuid(rng: random.Random) -> str:
    return "".join(rng.choice(SHORTUUID_ALPHABET) for _ in range(22))


def _piece_job(args: tuple[PieceSpec, str, dict[str, list[str]]]) -> EncodedPiece:
    spec, path, tags = args
    return encode(spec, Path(path), tags)


def _tags_for(track: AudioTrack, album_gain: float | None = None) -> dict[str, list[str]]:
    tags = {
        "TITLE": [track.name or " "],
        "ARTIST": track.artists or [""],
        "ALBUM": [track.album or " "],
        "ALBUMARTIST": [track.album_artist],
        "TRACKNUMBER": [str(track.track_number)],
        "DISCNUMBER": [str(track.disc_number)],
        "DATE": [track.release_date],
        "URL": [f"https://open.spotify.com/track/{track.track_id}"],
    }
    if track.isrc:
        tags["ISRC"] = [track.isrc]
    if track.upc:
        tags["UPC"] = [track.upc]
    from tui.demo.covers import SIZE, cover_jpeg
    from tui.mirror.art import picture_tag

    tags["METADATA_BLOCK_PICTURE"] = [picture_tag(cover_jpeg(track.album_seed), "image/jpeg", SIZE, SIZE)]
    return tags


def _index_demo(tmp: DemoPaths) -> None:
    """Build the search, playlist and cover-art indexes, so the demo searches and shows covers at once."""
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.catalogue.search_index import SearchIndexBuilder
    from tui.mirror.layout import discover

    layout = discover(tmp.mirror)
    catalogue = Catalogue(CataloguePaths.from_databases(layout.databases))
    try:
        SearchIndexBuilder(catalogue, tmp.state / "search.sqlite3", shards=1).build()
        if catalogue.has_playlists:  # the Playlists screen searches whole words and shows holders at once
            from tui.catalogue.playlist_index import PlaylistIndex
            from tui.catalogue.playlists import Playlists

            index = PlaylistIndex(tmp.state / "playlists.sqlite3")
            Playlists(catalogue, index).build_index()
            index.close()
    finally:
        catalogue.close()
    from tui.config import StatePaths
    from tui.mirror.coverart import CoverArtIndex

    covers = CoverArtIndex(StatePaths(tmp.state).coverart_index)
    covers.build(layout.coverart[0])
    covers.close()


def build_demo(paths: DemoPaths, spec: DemoSpec = DemoSpec(),
               progress: Callable[[str, int, int], None] | None = None) -> DemoPaths:
    def step(label: str, done: int, total: int) -> None:
        if progress:
            progress(label, done, total)

    tmp_home = paths.home.with_name(paths.home.name + ".building")
    if tmp_home.exists():
        shutil.rmtree(tmp_home)
    tmp = DemoPaths(tmp_home)
    meta_dir = tmp.mirror / METADATA_FOLDER
    step("catalogue", 0, spec.tracks)
    result = generate(meta_dir, GenSpec(tracks=spec.tracks, seed=spec.seed,
                                        audio_tracks=spec.audio_tracks),
                      progress=lambda d, t: step("catalogue", d, t))
    rng = random.Random(spec.seed + 99)

    # Album gains need every track of the album first; compute track audio, then tag albums.
    jobs = []
    placements: list[tuple[AudioTrack, str, Path]] = []
    folder_cycle = {"opus": 0, "vorbis": 0}
    for track in result.audio:
        tier = "vorbis" if track.popularity > 0 else "opus"
        folders = DATA_FOLDERS[tier]
        folder = folders[folder_cycle[tier] % len(folders)]
        folder_cycle[tier] += 1
        collection = folder.split("__")[2]
        stamp = folder.split("__")[3].split("--")[0]
        name = aacid_for(collection, stamp, track.track_id, _shortuuid(rng))
        out = tmp.swarm / folder / name
        out.parent.mkdir(parents=True, exist_ok=True)
        spec_ = PieceSpec(seed=track.album_seed ^ track.track_number, seconds=track.seconds,
                          codec=tier, key_root=57 + track.album_seed % 8,
                          tempo=84 + track.album_seed % 40, brightness=(track.album_seed % 10) / 10,
                          level=0.55 + (track.album_seed % 7) / 15)
        jobs.append((spec_, str(out), _tags_for(track)))
        placements.append((track, folder, out))
    encoded: list[EncodedPiece] = []
    total = len(jobs)
    step("audio", 0, total)
    with ProcessPoolExecutor(max_workers=spec.workers) as pool:
        for i, piece in enumerate(pool.map(_piece_job, jobs, chunksize=2), start=1):
            encoded.append(piece)
            step("audio", i, total)

    # Album ReplayGain: mean of the album's track gains (and the archive's peak bug).
    album_gains: dict[str, list[float]] = {}
    for (track, _, _), piece in zip(placements, encoded, strict=False):
        album_gains.setdefault(track.album_id, []).append(piece.track_gain_db)
    import hashlib

    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    real_files: dict[str, dict] = {}
    for (track, _folder, out), piece in zip(placements, encoded, strict=False):
        gain = round(sum(album_gains[track.album_id]) / len(album_gains[track.album_id]), 2)
        audio = OggVorbis(out) if track.popularity > 0 else OggOpus(out)
        audio["REPLAYGAIN_ALBUM_GAIN"] = [f"{gain:.2f} dB"]
        audio["REPLAYGAIN_ALBUM_PEAK"] = [f"{gain:.2f} dB"]  # the archive's known bug, on purpose
        audio.save()
        data = out.read_bytes()
        real_files[track.track_id] = {
            "codec": "vorbis" if track.popularity > 0 else "opus", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "gain": piece.track_gain_db,
            "peak": piece.track_peak, "album_gain": gain}
    step("ledger", 0, 1)
    write_ledger(meta_dir, result.main, spec.seed, real_files)
    write_playlists(meta_dir, result.main, spec.seed, audio_ids=sorted(real_files))
    step("ledger", 1, 1)

    folders = sorted({folder for _, folder, _ in placements})
    step("torrents", 0, len(folders))
    for i, folder in enumerate(folders, start=1):
        make_v1_torrent(tmp.swarm / folder, PIECE_LENGTH, tmp.mirror / f"{folder}.torrent")
        step("torrents", i, len(folders))
    step("covers", 0, 1)
    from tui.demo.covers import COVERART_TAR, write_coverart_tar

    write_coverart_tar(result.main, tmp.mirror / COVERART_TAR,
                       {track.album_id: track.album_seed for track in result.audio})
    step("covers", 1, 1)
    from tui.demo.lyrics import LRCLIB_DUMP, write_lrclib_dump

    write_lrclib_dump(tmp.mirror / LRCLIB_DUMP, result.audio, spec.seed)
    # About half of the audio is local; the rest only the swarm has.
    local_rng = random.Random(spec.seed + 7)
    local = 0
    for _track, folder, out in placements:
        if local_rng.random() < spec.local_share:
            dest = tmp.mirror / folder / out.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, dest)
            local += 1
    tmp.state.mkdir(parents=True, exist_ok=True)
    step("search index", 0, 1)
    _index_demo(tmp)
    step("search index", 1, 1)
    tmp.marker.write_text(json.dumps({
        "version": DEMO_VERSION, "seed": spec.seed, "tracks": result.tracks,
        "albums": result.albums, "artists": result.artists, "audio_files": len(placements),
        "local_files": local}, indent=2))
    if paths.home.exists():
        shutil.rmtree(paths.home)
    os.replace(tmp_home, paths.home)
    return paths
