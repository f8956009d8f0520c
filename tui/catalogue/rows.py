"""Rows of the user's metadata as typed records: every value checked by `typed` on the way
(a NULL name, a text popularity), and a track whose id is not a track id left out."""

from __future__ import annotations

from tui.catalogue import typed
from tui.catalogue.records import Album, AlbumRef, ArtistRef, Image, NamedHit, Track, is_track_id


def track(row: tuple, albums: dict[int, AlbumRef], artists: dict[int, list[ArtistRef]]) -> Track | None:
    (rowid, id_, name, pop, dur, disc, num, explicit, isrc, album_rowid, preview, ean, upc) = row
    if not (isinstance(id_, str) and is_track_id(id_)):
        typed.report("tracks", "id", rowid, id_, "that track is left out")
        return None
    album = albums.get(album_rowid) or AlbumRef(album_rowid, "", "")
    t = "tracks"
    return Track(rowid, id_, typed.text(name, t, "name", id_), typed.integer(pop, t, "popularity", id_),
                 typed.integer(dur, t, "duration_ms", id_), typed.integer(disc, t, "disc_number", id_),
                 typed.integer(num, t, "track_number", id_), bool(explicit),
                 typed.optional_text(isrc, t, "external_id_isrc", id_) or None,
                 album, tuple(artists.get(rowid, ())), typed.optional_text(preview, t, "preview_url", id_),
                 typed.optional_text(ean, t, "external_id_ean", id_),
                 typed.optional_text(upc, t, "external_id_upc", id_))


def album_ref(rowid: int, id_: str, name: object, album_type: object, release_date: object) -> AlbumRef:
    b = "albums"
    id_ = typed.text(id_, b, "id", rowid)
    return AlbumRef(rowid, id_, typed.text(name, b, "name", id_), typed.text(album_type, b, "album_type", id_),
                    typed.text(release_date, b, "release_date", id_))


def artist_ref(rowid: int, id_: str, name: object) -> ArtistRef:
    id_ = typed.text(id_, "artists", "id", rowid)
    return ArtistRef(rowid, id_, typed.text(name, "artists", "name", id_))


def named_hit(row: tuple, table: str) -> NamedHit:
    """An artist or album row of a list or search (`table`: artists or albums)."""
    rowid, id_, name, popularity = row
    id_ = typed.text(id_, table, "id", rowid)
    return NamedHit(rowid, id_, typed.text(name, table, "name", id_),
                    typed.integer(popularity, table, "popularity", id_))


def image(row: tuple, table: str, owner: object) -> Image:
    width, height, url = row
    return Image(typed.integer(width, table, "width", owner), typed.integer(height, table, "height", owner),
                 typed.text(url, table, "url", owner))


def album(row: tuple, artists: tuple[ArtistRef, ...], images: tuple[Image, ...]) -> Album:
    (rowid, id_, name, album_type, pop, release, precision, total, label, upc, c_c, c_p) = row
    b = "albums"
    return Album(rowid, id_, typed.text(name, b, "name", id_), typed.text(album_type, b, "album_type", id_),
                 typed.integer(pop, b, "popularity", id_), typed.text(release, b, "release_date", id_),
                 typed.text(precision, b, "release_date_precision", id_), typed.integer(total, b, "total_tracks", id_),
                 typed.text(label, b, "label", id_), typed.optional_text(upc, b, "external_id_upc", id_),
                 typed.optional_text(c_c, b, "copyright_c", id_), typed.optional_text(c_p, b, "copyright_p", id_),
                 artists, images)


def discography_rows(rows: list[tuple]) -> list[tuple]:
    """(album rowid, is_appears_on, is_implicit, id, name, type, release) with typed names."""
    out = []
    for r in rows:
        ref = album_ref(r[0], *r[3:7])
        out.append((r[0], r[1], r[2], ref.id, ref.name, ref.album_type, ref.release_date))
    return out
