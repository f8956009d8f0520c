"""Plain files in the state directory written from several threads at once (covers: the TUI's
worker and the MPRIS face ask for the same album's cover as a track starts): each writer has
its own hidden copy in progress, and nobody looking for the file finds a half-written one."""

from __future__ import annotations

import threading
from pathlib import Path

from tui.files import write_atomically
from tui.mirror.art import ArtCache, Cover, image_size


def hammer(workers: int, fn) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def run(n: int) -> None:
        start.wait()
        try:
            fn(n)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_two_threads_writing_one_path_never_collide_and_leave_one_whole_copy(tmp_path):
    target = tmp_path / "ui.json"
    contents = {n: bytes([65 + n]) * (200_000 + n) for n in range(4)}

    def write_many(n: int) -> None:
        for _ in range(100):
            write_atomically(target, contents[n])

    assert hammer(4, write_many) == []
    assert target.read_bytes() in contents.values()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ui.json"]  # no copy in progress left behind


def test_a_cover_being_written_is_never_handed_out(tmp_path, small_demo):
    from test_tui import demo_session

    session = demo_session(small_demo, tmp_path)
    local = sorted(t for t, s in session.services.files.all_states() if s == "local")
    track = session.services.catalogue.track(local[0])
    art = session.services.state.art
    cache = ArtCache(art)
    art.mkdir(parents=True, exist_ok=True)
    (art / f"{track.album.id}.jpg.tmp").write_bytes(b"half a jpeg")  # what an older writer left
    assert cache.get(track.album.id) is None
    seen: list[Path | None] = []

    def look(_n: int) -> None:
        found = session.library.cover(track)
        seen.append(found)
        if found is not None:
            assert image_size(found.read_bytes()) is not None

    for _ in range(30):  # each round from the file, as at the first sight of the album
        (art / f"{track.album.id}.jpg").unlink(missing_ok=True)
        assert hammer(3, look) == []
    assert len(seen) == 90 and all(p is not None for p in seen)
    session.close()


def test_the_cache_answers_with_the_finished_file_only(tmp_path):
    cache = ArtCache(tmp_path / "art")
    put = cache.put("album", Cover(b"\xff\xd8\xff" + b"x" * 10, "image/jpeg"))
    assert cache.get("album") == put and put.name == "album.jpg"
    assert [p.name for p in (tmp_path / "art").iterdir()] == ["album.jpg"]
