"""A stream's reads are answered whatever happens to the torrent underneath: the torrent
added afresh for the next request once the file is done (docs/libtorrent.md P6), or a
read_piece answer that never comes (P13). Real libtorrent sessions over 127.0.0.1."""

from __future__ import annotations

import threading
from typing import Any

from expect import present
from test_fetch import make_service, mirror, missing_entries, seeder  # noqa: F401 - fixtures

from tui.mirror.file_index import FileEntry


def two_of_one_torrent(files) -> tuple[FileEntry, FileEntry]:
    by_torrent: dict[str, list[FileEntry]] = {}
    for entry in missing_entries(files):
        by_torrent.setdefault(str(entry.info_hash), []).append(entry)
    first, second = next(entries for entries in by_torrent.values() if len(entries) >= 2)[:2]
    return first, second


def read_all(stream, timeout: float) -> bytes | None:
    """Everything the stream gives, as mpv reads it; None if a read was still waiting at the timeout."""
    out: list[bytes] = []
    done = threading.Event()

    def run() -> None:
        while chunk := stream.read(64 * 1024):
            out.append(chunk)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(timeout):
        stream.cancel()
        return None
    return b"".join(out)


def test_a_done_files_stream_reads_on_after_its_torrent_is_added_again(mirror, seeder, small_demo):  # noqa: F811
    _root, files, state = mirror
    first, second = two_of_one_torrent(files)
    service = make_service(files, state, [seeder.endpoint])
    try:
        service.request(first)
        assert present(service.wait(first.track_id, 30)).state == "done"
        stream = service.stream(first)  # as the player opens it; nothing of it read yet
        old = service.torrents[str(first.info_hash)]
        service.request(second)  # the next queued track: the finished torrent is added afresh
        assert service.torrents[str(first.info_hash)] is not old
        got = read_all(stream, 20)
        stream.close()
        assert present(service.wait(second.track_id, 30)).state == "done"
    finally:
        service.close()
    assert got == (small_demo.swarm / first.rel_path).read_bytes()


class LosesFirstRead:
    """A torrent handle whose first read_piece is never answered (a dropped alert, P13)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.lost: list[int] = []
        self.asked: list[int] = []

    def read_piece(self, piece: int) -> None:
        self.asked.append(piece)
        if not self.lost:
            self.lost.append(piece)
            return
        self._handle.read_piece(piece)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def test_a_read_whose_answer_was_lost_is_asked_again(mirror, seeder, small_demo):  # noqa: F811
    _root, files, state = mirror
    entry = missing_entries(files)[0]
    service = make_service(files, state, [seeder.endpoint])
    try:
        stream = service.stream(entry)  # the fetch has only begun: reads go through read_piece
        torrent = stream.torrent
        with service.cond:
            handle = torrent.handle = LosesFirstRead(torrent.handle)
        got = read_all(stream, 20)
        stream.close()
    finally:
        service.close()
    assert handle.lost and handle.asked.count(handle.lost[0]) >= 2  # the lost read was asked again
    assert got == (small_demo.swarm / entry.rel_path).read_bytes()
