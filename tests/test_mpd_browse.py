"""The MPD face's folders, stored playlists and pictures, driven by python-mpd2 over the
real session on the demo: the `lsinfo` tree reaches every credited track exactly as the
catalogue has it (also with folders forced small, so the character folders are walked),
the archive's playlists load only what can play, and `albumart`/`readpicture` chunks
reassemble to the cover's bytes."""

from __future__ import annotations

import contextlib
import socket
import sqlite3

import mpd
import pytest
from mpd_fixtures import client, raw, uri
from test_ordering import local_tracks, player_of

from tui.core.session import Session
from tui.demo.paths import DemoPaths
from tui.mpd import browse
from tui.mpd.server import MpdFace


def walk(c: mpd.MPDClient, path: str, seen: dict[str, list[str]], depth: int = 0) -> int:
    """Every folder under `path` listed; songs collected by the folder they are in. Returns the depth."""
    deepest = depth
    for entry in c.lsinfo(path):
        if "directory" in entry:
            assert entry["directory"].startswith(path + "/")
            deepest = max(deepest, walk(c, entry["directory"], seen, depth + 1))
        elif "file" in entry:
            seen.setdefault(entry["file"], []).append(path)
    return deepest


def credited_tracks(session: Session) -> set[str]:
    """The truth: every track of an album credited to an artist, straight from the catalogue file."""
    main = session.services.catalogue.paths.main
    with sqlite3.connect(f"file:{main}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id FROM tracks WHERE album_rowid IN (SELECT album_rowid FROM artist_albums)")
        return {uri(r[0]) for r in rows}


@pytest.mark.parametrize("page", [browse.PAGE, 4])
def test_the_artists_tree_reaches_every_credited_track(served, monkeypatch, page: int) -> None:
    session, face = served
    monkeypatch.setattr(browse, "PAGE", page)
    c = client(face)
    assert c.lsinfo()[:2] == [{"directory": "Artists"}, {"directory": "Tiers"}]
    seen: dict[str, list[str]] = {}
    deepest = walk(c, "Artists", seen)
    assert set(seen) == credited_tracks(session)
    if page == 4:
        assert deepest >= 4  # Artists/<A>/<Ab>/.../artist/release: the character folders were used
        top = c.lsinfo("Artists")
        assert all(len(e["directory"].split("/")[-1]) == 1 for e in top)  # first characters only
    else:
        assert deepest == 2  # a few hundred artists: listed at once, then releases
    for song_uri, folders in list(seen.items())[:20]:  # a song's folder names its album
        album = c.lsinfo(song_uri)[0]["album"]
        assert any(f.split("/")[-1].startswith(album.replace("/", browse.SLASH)) for f in folders)
    with pytest.raises(mpd.CommandError):
        c.lsinfo("Artists/no such artist at all")
    c.close()


def test_stored_playlists_list_and_load_only_what_can_play(served) -> None:
    session, face = served
    c = client(face)
    listed = [p["playlist"] for p in c.listplaylists()]
    assert listed and len(set(listed)) == len(listed)
    assert [p["playlist"] for p in c.lsinfo() if "playlist" in p] == listed  # at the root, as MPD has them
    chosen = None
    for label in listed:  # one with tracks both here and absent
        playlist_id = browse.playlist_id_of(label)
        assert playlist_id is not None
        view = session.library.playlist(playlist_id)
        assert view is not None
        items = view.items()
        if any(i.playable for i in items) and any(not i.playable for i in items):
            chosen = label, items
            break
    assert chosen is not None
    label, items = chosen
    assert [s["file"] for s in c.listplaylistinfo(label)] == [uri(i.track.id) for i in items]
    assert c.listplaylist(label) == [uri(i.track.id) for i in items]
    c.load(label)
    queued = player_of(session).queue.items
    local = [i.track.id for i in items if i.file == "local"]
    assert queued and set(local) <= set(queued)  # the player's own rule chose, in the playlist's order:
    assert queued == [i.track.id for i in items if i.track.id in set(queued)]
    assert all(i.playable for i in items if i.track.id in set(queued))  # nothing absent joined
    with pytest.raises(mpd.CommandError):
        c.listplaylistinfo("nothing [0000000000000000000000]")
    c.close()


def test_a_playlist_with_nothing_here_is_refused_and_the_queue_stays(served) -> None:
    session, face = served
    [a] = local_tracks(session, 1)
    c = client(face)
    c.add(uri(a))
    for label in (p["playlist"] for p in c.listplaylists()):
        view = session.library.playlist(browse.playlist_id_of(label) or "")
        if view is not None and view.items() and not any(i.playable for i in view.items()):
            with pytest.raises(mpd.CommandError) as err:
                c.load(label)
            assert "[50@0]" in str(err.value)
            break
    else:
        pytest.skip("the demo has no playlist with nothing here")
    assert player_of(session).queue.items == [a]
    c.close()


def replies(face: MpdFace, *requests: str) -> list[tuple[dict[str, str], bytes]]:
    """Each request's reply on one connection, read as MPD frames it: lines, and for a
    binary chunk `binary: N`, N bytes, a newline, then `OK`."""
    host, port = face.address.rsplit(":", 1)
    out = []
    with socket.create_connection((host, int(port)), timeout=10) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"OK MPD ")
        for request in requests:
            s.sendall(request.encode() + b"\n")
            head: dict[str, str] = {}
            data = b""
            while True:
                line = f.readline().decode().rstrip("\n")
                if line.startswith(("OK", "ACK")):
                    head["end"] = line
                    break
                key, _, value = line.partition(": ")
                head[key] = value
                if key == "binary":
                    data = f.read(int(value))
                    assert f.read(1) == b"\n"
            out.append((head, data))
    return out


def test_albumart_and_readpicture_chunks_reassemble_to_the_cover(served) -> None:
    session, face = served
    with_cover = None
    for track_id in local_tracks(session, 5):
        track = session.library.track(track_id)
        assert track is not None
        if (path := session.library.cover(track)) is not None:
            with_cover = track_id, path.read_bytes()
            break
    assert with_cover is not None
    track_id, cover = with_cover
    c = client(face)
    assert c.albumart(uri(track_id))["binary"] == cover  # python-mpd2 asks chunk after chunk
    picture = c.readpicture(uri(track_id))
    assert picture["binary"] == cover and picture["type"].startswith("image/")
    c.close()
    offsets = range(0, len(cover), 100)  # by hand, 100 bytes at a time on one connection
    answers = replies(face, "binarylimit 100", *(f"albumart {uri(track_id)} {o}" for o in offsets))
    assert answers[0] == ({"end": "OK"}, b"")
    for offset, (head, data) in zip(offsets, answers[1:], strict=True):
        assert head["end"] == "OK" and int(head["size"]) == len(cover)
        assert int(head["binary"]) == len(data) == min(100, len(cover) - offset)
    assert b"".join(data for _head, data in answers[1:]) == cover
    [(head, _)] = replies(face, f"albumart {uri(track_id)} {len(cover) + 1}")
    assert head["end"].startswith("ACK [2@0] {albumart}")
    [(head, _)] = replies(face, "binarylimit 10")
    assert head["end"].startswith("ACK [2@0] {binarylimit}")


def test_no_cover_is_mpds_answer(served, monkeypatch) -> None:
    session, face = served
    [a] = local_tracks(session, 1)
    unknown = "longtail:track:0000000000000000000000"
    [(art, _), (picture, _)] = replies(face, f"albumart {unknown} 0", f"readpicture {unknown} 0")
    assert art["end"] == picture["end"].replace("readpicture", "albumart") == "ACK [50@0] {albumart} No such song"
    monkeypatch.setattr(session.library, "cover", lambda track: None)  # an album with no picture anywhere
    [(art, _), (picture, _)] = replies(face, f"albumart {uri(a)} 0", f"readpicture {uri(a)} 0")
    assert art["end"] == "ACK [50@0] {albumart} No file exists"
    assert picture == {"end": "OK"}  # MPD: no picture is an empty answer


def test_list_album_grouped_by_date_for_one_artist_as_mpd_sends_it(served, small_demo: DemoPaths) -> None:
    """`list album artist X group date` (ncmpcpp's and rmpc's album views): each date once,
    sorted, then that date's albums; the pairs equal the catalogue's own, read with SQL."""
    _session, face = served
    catalogue = next(small_demo.mirror.glob("annas_archive_spotify_*_metadata/spotify_clean.sqlite3"))
    with contextlib.closing(sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True)) as db:
        name = db.execute(
            "SELECT ar.name FROM artists ar JOIN track_artists ta ON ta.artist_rowid = ar.rowid"
            " JOIN tracks t ON t.rowid = ta.track_rowid WHERE length(ar.name) >= 8 AND ar.name NOT LIKE '%''%'"
            " GROUP BY ar.rowid HAVING count(DISTINCT t.album_rowid) >= 2 AND count(*) <= 20"
            " ORDER BY ar.rowid LIMIT 1").fetchone()[0]
        truth = set(db.execute(
            "SELECT DISTINCT al.release_date, al.name FROM artists ar"
            " JOIN track_artists ta ON ta.artist_rowid = ar.rowid JOIN tracks t ON t.rowid = ta.track_rowid"
            " JOIN albums al ON al.rowid = t.album_rowid"
            " WHERE ar.name = ? AND al.name != ''", (name,)))
    c = client(face)
    grouped = c.list("album", "artist", name, "group", "date")
    assert {(row["date"], row["album"]) for row in grouped} == truth
    lines = raw(face, f'list album artist "{name}" group date\n').splitlines()
    dates = [line.split(": ", 1)[1] for line in lines if line.startswith("Date: ")]
    assert dates == sorted(set(dates)), "each date once, in order"
    assert lines[0].startswith("Date: ") and lines[-1] == "OK"
    with pytest.raises(mpd.CommandError, match="give a filter"):
        c.list("album", "group", "albumartist")  # the whole catalogue's albums: refused, not read
    with pytest.raises(mpd.CommandError, match="Unknown tag type"):
        c.list("album", "artist", name, "group", "nosuchtag")
    c.close()


def test_listall_and_listallinfo_of_an_artist_are_its_credited_tracks_and_the_root_is_refused(served) -> None:
    session, face = served
    c = client(face)
    main = session.services.catalogue.paths.main
    with contextlib.closing(sqlite3.connect(f"file:{main}?mode=ro", uri=True)) as db:
        name = db.execute(
            "SELECT ar.name FROM artists ar JOIN artist_albums aa ON aa.artist_rowid = ar.rowid"
            " WHERE instr(ar.name, '/') = 0 GROUP BY ar.name HAVING count(DISTINCT aa.album_rowid) >= 2"
            " ORDER BY ar.name LIMIT 1").fetchone()[0]
        truth = {uri(r[0]) for r in db.execute(
            "SELECT id FROM tracks WHERE album_rowid IN (SELECT album_rowid FROM artist_albums"
            " WHERE artist_rowid IN (SELECT rowid FROM artists WHERE name = ?))", (name,))}
    folder = f"Artists/{name}"
    everything = c.listallinfo(folder)
    assert {e["file"] for e in everything if "file" in e} == truth
    assert all("title" in e for e in everything if "file" in e)  # songs with their tags
    releases = [e["directory"] for e in c.lsinfo(folder)]
    assert [e["directory"] for e in everything if "directory" in e] == releases
    plain = c.listall(folder)
    assert {e["file"] for e in plain if "file" in e} == truth and all(len(e) == 1 for e in plain)
    tiers = c.listall("Tiers")
    assert 0 < sum("file" in e for e in tiers) <= 2 * browse.TIER_SONGS
    for root in ("", "Artists"):
        with pytest.raises(mpd.CommandError, match="browse it with lsinfo"):
            c.listallinfo(root)
    c.close()
