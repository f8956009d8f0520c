"""The JSON shapes scripts rely on (see README, "Scripting")."""

from __future__ import annotations

from tui.core.types import Artist, AudioFeatures, FileEntry, LedgerEntry, PlaylistHit, Track
from tui.core.views import DetailsView, PlaylistView


def track_json(track: Track, file_state: str) -> dict:
    return {
        "id": track.id,
        "name": track.name,
        "artists": track.artist_names,
        "album": track.album.name,
        "album_id": track.album.id,
        "popularity": track.popularity,
        "duration_ms": track.duration_ms,
        "isrc": track.isrc,
        "tier": track.tier,
        "file": file_state,
        "disc_number": track.disc_number,
        "track_number": track.track_number,
        "explicit": track.explicit,
    }


def features_json(f: AudioFeatures | None) -> dict | None:
    if f is None:
        return None
    return {
        "tempo": f.tempo, "key": f.key, "mode": f.mode, "key_name": f.key_name,
        "time_signature": f.time_signature, "danceability": f.danceability,
        "energy": f.energy, "loudness": f.loudness, "speechiness": f.speechiness,
        "acousticness": f.acousticness, "instrumentalness": f.instrumentalness,
        "liveness": f.liveness, "valence": f.valence, "duration_ms": f.duration_ms,
    }


def ledger_json(entry: LedgerEntry | None) -> dict | None:
    if entry is None:
        return None
    rg = entry.replaygain
    return {
        "status": entry.status, "codec": entry.codec,
        "reencoded_kbit_vbr": entry.reencoded_kbit_vbr,
        "sha256_with_embedded_meta": entry.sha256_with_embedded_meta,
        "filesize_bytes": entry.filesize_bytes, "filename": entry.filename,
        "replaygain": None if rg is None else {
            "track_gain_db": round(rg.track_gain_db, 2), "track_peak": round(rg.track_peak, 6),
            "album_gain_db": round(rg.album_gain_db, 2), "album_peak": round(rg.album_peak, 6)},
        "original_title": entry.original_title, "version_title": entry.version_title,
    }


def file_json(entry: FileEntry | None) -> dict | None:
    if entry is None:
        return None
    return {
        "torrent": str(entry.torrent_path) if entry.torrent_path else None,
        "info_hash": entry.info_hash, "file_index": entry.file_index,
        "path": str(entry.path), "size": entry.size,
    }


def details_json(view: DetailsView) -> dict:
    details, album, entry, sibling_states = view.details, view.album, view.entry, view.sibling_files
    t = details.track
    out = track_json(t, view.file)
    out.update({
        "rowid": t.rowid,
        "artist_ids": [a.id for a in t.artists],
        "release_date": album.release_date if album else t.album.release_date,
        "album_type": t.album.album_type,
        "label": album.label if album else None,
        "genres": list(details.genres),
        "audio_features": features_json(details.features),
        "ledger": ledger_json(details.ledger),
        "file_entry": file_json(entry),
        "isrc_siblings": [track_json(s, sibling_states.get(s.id, "absent"))
                          for s in details.isrc_siblings],
        "verdict": view.verdict,  # the last `longtail check`, or null
        "damage": view.damage,  # why a damaged file is not the archive's, or null
        "playlists": [{"id": p.id, "name": p.name, "followers": p.followers} for p in view.playlists],
    })
    return out


def playlist_hit_json(hit: PlaylistHit) -> dict:
    return {"id": hit.id, "name": hit.name, "owner": hit.owner, "followers": hit.followers,
            "tracks_total": hit.tracks_total}


def playlist_json(view: PlaylistView) -> dict:
    p = view.playlist
    return {**playlist_hit_json(p.hit), "description": p.description, "truncated": p.truncated,
            "entries": [{"position": e.position, "kind": e.kind,
                         "track": track_json(e.track, view.files.get(e.track.id, "absent")) if e.track else None,
                         "name": e.name} for e in p.entries]}


def artist_json(artist: Artist) -> dict:
    return {"id": artist.id, "name": artist.name, "popularity": artist.popularity,
            "followers": artist.followers, "genres": list(artist.genres)}
