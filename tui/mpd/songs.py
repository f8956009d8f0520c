"""A catalogue track as MPD's song tags. Song URIs are stable: `longtail:track:<spotify id>`;
the tier and the file's state travel in `Comment`, which clients show."""

from __future__ import annotations

from tui.core.types import Track, track_id_in

URI_PREFIX = "longtail:track:"


def uri(track_id: str) -> str:
    return URI_PREFIX + track_id


def track_id_of(value: str) -> str | None:
    """The track id in a song URI (or a bare 22-character id), else None."""
    return track_id_in(value[len(URI_PREFIX):] if value.startswith(URI_PREFIX) else value)


def song_lines(track: Track, file_state: str | None = None, pos: int | None = None,
               song_id: int | None = None) -> list[str]:
    duration = track.duration_ms / 1000
    lines = [f"file: {uri(track.id)}", f"Title: {track.name}"]
    lines += [f"Artist: {name}" for name in track.artist_names]
    if track.artist_names:
        lines.append(f"AlbumArtist: {track.artist_names[0]}")
    lines += [f"Album: {track.album.name}", f"Track: {track.track_number}", f"Disc: {track.disc_number}"]
    if track.album.release_date:
        lines.append(f"Date: {track.album.release_date}")
    if track.isrc:
        lines.append(f"ISRC: {track.isrc}")
    comment = f"{track.tier} · popularity {track.popularity}"
    if file_state:
        comment += f" · {file_state}"
    lines += [f"Comment: {comment}", f"Time: {round(duration)}", f"duration: {duration:.3f}"]
    if pos is not None:
        lines.append(f"Pos: {pos}")
    if song_id is not None:
        lines.append(f"Id: {song_id}")
    return lines


def tag_values(track: Track, tag: str) -> list[str]:
    """What a filter's tag compares against."""
    if tag in ("artist", "albumartist", "artistsort", "albumartistsort", "performer", "composer"):
        return list(track.artist_names)
    if tag == "album":
        return [track.album.name]
    if tag == "title":
        return [track.name]
    if tag == "file":
        return [uri(track.id)]
    if tag == "date":
        return [track.album.release_date]
    if tag == "isrc":
        return [track.isrc or ""]
    if tag == "any":
        return [track.name, track.album.name, *track.artist_names]
    return []
