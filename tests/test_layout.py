"""Discovery stays inside the mirror's own folders, and ends: bounded in depth, in folders
walked and in time, never following a linked folder other than a data folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tui.errors import MirrorError
from tui.mirror import layout as layout_mod
from tui.mirror.layout import discover


def _tree(root: Path, width: int) -> None:
    for a in range(width):
        for b in range(width):
            (root / f"g{a}" / f"s{b}").mkdir(parents=True)


def test_a_walk_slower_than_the_bound_ends_in_one_line(tmp_path, monkeypatch):
    """A network share that answers each listing slowly: the walk gives up at its bound
    rather than running for minutes (it has no other end but the folder count)."""
    _tree(tmp_path, 8)
    real_scandir = os.scandir

    def slow_scandir(path: str | os.PathLike[str]) -> object:
        time.sleep(0.05)
        return real_scandir(path)

    monkeypatch.setattr(layout_mod.os, "scandir", slow_scandir)
    monkeypatch.setattr(layout_mod, "MAX_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(MirrorError) as caught:
        discover(tmp_path)
    assert time.monotonic() - started < 2.0  # 73 folders would take 3.7 s
    message = str(caught.value)
    assert "took more than" in message and "folders so far" in message and "\n" not in message


def test_the_same_tree_at_full_speed_is_walked_whole(tmp_path):
    _tree(tmp_path, 8)
    (tmp_path / "g3" / "s4" / "x.torrent").write_bytes(b"d4:infod4:name1:xee")
    found = discover(tmp_path)
    assert found.folders_walked == 1 + 8 + 64
    assert found.torrents == [tmp_path / "g3" / "s4" / "x.torrent"]


def test_linked_folders_are_not_walked_but_a_linked_data_folder_is_found(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "loop").symlink_to(root)  # a link back up would make the walk endless
    (root / "proc").symlink_to("/proc")
    elsewhere = tmp_path / "other-disk" / "annas_archive_data__aacid__x"
    elsewhere.mkdir(parents=True)
    (root / "annas_archive_data__aacid__x").symlink_to(elsewhere)
    found = discover(root)
    assert found.folders_walked == 1
    assert found.data_folders == {"annas_archive_data__aacid__x": root / "annas_archive_data__aacid__x"}
