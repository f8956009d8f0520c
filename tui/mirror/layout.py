"""Discover what a mirror holds, by the archive's own file names.

The metadata databases may sit at the root or inside the metadata torrent's
folder (`annas_archive_spotify_2025_07_metadata/`); data folders
(`annas_archive_data__aacid__...`) and their `.torrent` files may sit anywhere a
few levels down. Data folders hold ~60,000 files each, so the walk never descends
into them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from tui.catalogue.schema import DATABASE_NAMES, MAIN_DB
from tui.errors import MirrorError
from tui.mirror.coverart import COVERART_SUFFIX

DATA_FOLDER_PREFIX = "annas_archive_data__"
MAX_DEPTH = 4  # mirror/<group>/<subgroup>/<folder> is deep enough for any sane layout
MAX_FOLDERS = 20_000  # walked within MAX_DEPTH: more is not a mirror (a home directory, /proc)
# A mirror's own folders (never the data folders' insides) list in well under a second; a walk
# still going after this long is over a network share or a tree that is not a mirror
MAX_SECONDS = 30.0


@dataclass
class MirrorLayout:
    root: Path
    databases: dict[str, Path] = field(default_factory=dict)  # file name -> path
    compressed_only: dict[str, Path] = field(default_factory=dict)  # name -> .zst path
    torrents: list[Path] = field(default_factory=list)
    data_folders: dict[str, Path] = field(default_factory=dict)  # folder name -> path
    coverart: list[Path] = field(default_factory=list)  # the cover-art torrent's tar (docs/archive.md)
    lyrics_dumps: list[Path] = field(default_factory=list)  # LRCLIB's published SQLite dumps
    catalogues: list[Path] = field(default_factory=list)  # every main database seen: one is a mirror
    folders_walked: int = 0
    deadline: float = 0.0  # time.monotonic() the walk must end by

    @property
    def main_db(self) -> Path | None:
        return self.databases.get(MAIN_DB)

    def require_main(self) -> Path:
        if self.main_db is not None:
            return self.main_db
        if MAIN_DB in self.compressed_only:
            raise MirrorError(
                f"{self.compressed_only[MAIN_DB]} is still compressed",
                "run `longtail unpack` to decompress it beside itself",
            )
        raise MirrorError(
            f"no {MAIN_DB} under {self.root}",
            "point --mirror at the folder holding the archive's metadata databases",
        )

    def save_path_for(self, torrent_name: str, torrent_file: Path) -> Path:
        """Directory a torrent's data folder lives in (or would be downloaded to)."""
        folder = self.data_folders.get(torrent_name)
        if folder is not None:
            return folder.parent
        return torrent_file.parent


def discover(root: Path) -> MirrorLayout:
    root = Path(root).expanduser()
    if not root.exists():
        raise MirrorError(f"mirror {root} does not exist", "check the path given to --mirror")
    if not root.is_dir():
        raise MirrorError(f"mirror {root} is not a directory",
                          "point --mirror at the mirror's root folder")
    layout = MirrorLayout(root=root, deadline=time.monotonic() + MAX_SECONDS)
    zst: dict[str, Path] = {}
    _walk(root, 0, layout, zst)
    if len(layout.catalogues) > 1:
        shown = ", ".join(str(p.parent) for p in layout.catalogues[:3])
        raise MirrorError(f"{root} holds {len(layout.catalogues)} catalogues ({shown})",
                          "point --mirror at the folder of one of them")
    for name, path in zst.items():
        if name not in layout.databases:
            layout.compressed_only[name] = path
    layout.torrents.sort()
    layout.coverart.sort()
    layout.lyrics_dumps.sort()
    return layout


def _walk(directory: Path, depth: int, layout: MirrorLayout, zst: dict[str, Path]) -> None:
    layout.folders_walked += 1
    if layout.folders_walked > MAX_FOLDERS:
        raise MirrorError(f"{layout.root} holds more than {MAX_FOLDERS:,} folders within {MAX_DEPTH} levels",
                          "point --mirror at the folder holding the archive's databases and torrents")
    if time.monotonic() > layout.deadline:
        raise MirrorError(f"looking through {layout.root} took more than {MAX_SECONDS:.0f} s "
                          f"({layout.folders_walked:,} folders so far)",
                          "point --mirror at the folder holding the archive's databases and torrents, "
                          "on a local disk")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    subdirs = []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
            # a data folder may be a link to another disk; any other linked folder is not walked
            # (a link back up, or /proc's, would make the walk endless)
            walkable = is_dir and not entry.is_symlink()
        except OSError:
            continue
        if is_dir:
            if name.startswith(DATA_FOLDER_PREFIX):
                layout.data_folders.setdefault(name, Path(entry.path))
            elif walkable and not name.startswith(".") and depth < MAX_DEPTH:
                subdirs.append(Path(entry.path))
            continue
        if name == MAIN_DB and _is_regular(entry):
            _note_catalogue(layout, Path(entry.path))
        if name in DATABASE_NAMES:
            layout.databases.setdefault(name, Path(entry.path))
        elif name.endswith(".zst") and name[:-4] in DATABASE_NAMES:
            zst.setdefault(name[:-4], Path(entry.path))
        elif name.startswith("lrclib-db-dump-") and name.endswith(".sqlite3") and _is_regular(entry):
            layout.lyrics_dumps.append(Path(entry.path))
        elif name.endswith(".torrent"):
            layout.torrents.append(Path(entry.path))
        elif name.endswith(COVERART_SUFFIX) and _is_regular(entry):
            layout.coverart.append(Path(entry.path))
    for sub in sorted(subdirs):
        _walk(sub, depth + 1, layout, zst)


def _note_catalogue(layout: MirrorLayout, path: Path) -> None:
    try:
        same = any(os.path.samefile(path, seen) for seen in layout.catalogues)
    except OSError:
        same = False
    if not same:
        layout.catalogues.append(path)


def _is_regular(entry: os.DirEntry) -> bool:
    """A file (or a symlink to one): a FIFO or device under a tar's name is never opened."""
    try:
        return entry.is_file()
    except OSError:
        return False
