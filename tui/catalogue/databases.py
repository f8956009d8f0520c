"""Where the archive's metadata databases are, and how longtail opens them: read-only
and immutable (no journal is ever created beside a 125 GB file), the optional ones
attached as `af` (audio features), `tf` (the ledger) and `pl` (playlists)."""

from __future__ import annotations

import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tui.catalogue.schema import FEATURES_DB, LEDGER_DB, MAIN_DB, PLAYLISTS_DB
from tui.errors import MirrorError

SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_uri(path: Path) -> str:
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"


def check_sqlite_file(path: Path, label: str) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise MirrorError(f"cannot read {path} ({exc.strerror})",
                          "check the file's permissions") from None
    if head != SQLITE_MAGIC:
        raise MirrorError(
            f"{path} is not an SQLite database" + (" (empty file)" if not head else ""),
            f"replace it with the archive's {label} (unpack the .zst with `longtail unpack`)",
        )


@dataclass(frozen=True)
class CataloguePaths:
    main: Path
    features: Path | None = None
    ledger: Path | None = None
    playlists: Path | None = None

    @classmethod
    def from_databases(cls, dbs: dict[str, Path]) -> CataloguePaths:
        if MAIN_DB not in dbs:
            raise MirrorError(f"no {MAIN_DB} found", "point --mirror at the metadata folder")
        return cls(dbs[MAIN_DB], dbs.get(FEATURES_DB), dbs.get(LEDGER_DB), dbs.get(PLAYLISTS_DB))


def open_readonly(paths: CataloguePaths) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(sqlite_uri(paths.main), uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        for alias, path in (("af", paths.features), ("tf", paths.ledger), ("pl", paths.playlists)):
            if path is not None:
                conn.execute("ATTACH DATABASE ? AS " + alias, (sqlite_uri(path),))
    except sqlite3.DatabaseError as exc:
        raise MirrorError(f"cannot open the metadata databases ({exc})",
                          "check that the files are complete, unpacked SQLite files") from None
    return conn
