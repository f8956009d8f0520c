"""The file index's tables, and the triggers that keep its counts as the files change.

`file_counts` holds how many files are in each (tier, state), kept by SQLite itself on every
insert, delete and change of a file's row, inside the same transaction: the tiers screen,
`tiers` and the sweep read a dozen rows, never count millions. A track with more than one
copy (in two torrents) is listed in `multi`, so that its best copy is counted once.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 7  # 7: torrents.content_digest; 6: files.tier and the counts kept by triggers
TIERS = (1, 0, -1)  # popularity > 0 (Vorbis), popularity 0 (Opus), not in the catalogue
STATES = ("local", "damaged", "fetchable", "none")  # none: not here and no torrent holds it


def _category(row: str) -> str:
    """A file row's state for the counts, in SQL (`row` is NEW or OLD in a trigger)."""
    return (f"CASE WHEN {row}.disk = 1 AND {row}.bad = 0 THEN 'local' WHEN {row}.disk > 0 THEN 'damaged' "
            f"WHEN (SELECT info_hash FROM torrents WHERE id = {row}.torrent_id) IS NOT NULL THEN 'fetchable' "
            "ELSE 'none' END")


def _count(row: str, delta: str) -> str:
    return (f"UPDATE file_counts SET n = n {delta} 1 "
            f"WHERE tier = coalesce({row}.tier, -1) AND state = {_category(row)};")


QUIET = "WHEN NOT EXISTS (SELECT 1 FROM bulk)"  # a torrent's rows written at once: counted in one go

TRIGGERS = f"""
CREATE TRIGGER files_counted_in AFTER INSERT ON files {QUIET} BEGIN
    {_count("NEW", "+")}
    INSERT OR IGNORE INTO multi (track_id) SELECT NEW.track_id
        WHERE EXISTS (SELECT 1 FROM files WHERE track_id = NEW.track_id AND key != NEW.key);
END;
CREATE TRIGGER files_counted_out AFTER DELETE ON files {QUIET} BEGIN
    {_count("OLD", "-")}
END;
CREATE TRIGGER files_counted_again AFTER UPDATE OF disk, bad, tier ON files
    WHEN OLD.disk != NEW.disk OR OLD.bad != NEW.bad OR OLD.tier IS NOT NEW.tier BEGIN
    {_count("OLD", "-")}
    {_count("NEW", "+")}
END;
"""


_RANGE_COUNTS = f"""
    SELECT coalesce(tier, -1) AS t, {_category("f")} AS s, count(*) AS c
    FROM files AS f WHERE key >= :lo AND key < :hi GROUP BY t, s"""


def count_range(conn: sqlite3.Connection, lo: int, hi: int, sign: int) -> None:
    """Add (+1) or take away (-1) the rows with keys in [lo, hi) to the counts, in one pass:
    what the triggers do row by row, for a whole torrent (written while `bulk` has a row)."""
    for tier, state, n in conn.execute(_RANGE_COUNTS, {"lo": lo, "hi": hi}).fetchall():
        conn.execute("UPDATE file_counts SET n = n + ? WHERE tier = ? AND state = ?", (sign * n, tier, state))
    if sign > 0 and not track_index_deferred(conn):  # deferred: found when the index is built
        conn.execute("INSERT OR IGNORE INTO multi (track_id) SELECT f.track_id FROM files AS f "
                     "WHERE f.key >= ? AND f.key < ? AND EXISTS (SELECT 1 FROM files AS g "
                     "WHERE g.track_id = f.track_id AND g.key != f.key)", (lo, hi))


TRACK_INDEX = "CREATE INDEX IF NOT EXISTS files_track ON files(track_id)"


def track_index_deferred(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'files_track'").fetchone() is None


def defer_track_index(conn: sqlite3.Connection) -> None:
    """Drop the track id index while many torrents are written: ids arrive in random order,
    and keeping the index as they come costs more than every other part of a first index
    (a 10^7-file mirror halves its rate); building it once at the end is a sort."""
    conn.execute("DROP INDEX IF EXISTS files_track")


def build_track_index(conn: sqlite3.Connection) -> None:
    """The track id index again, and the tracks with several copies that its absence hid."""
    conn.execute(TRACK_INDEX)
    conn.execute("INSERT OR IGNORE INTO multi (track_id) "
                 "SELECT track_id FROM files GROUP BY track_id HAVING count(*) > 1")


def migrate(conn: sqlite3.Connection, version: str | None) -> bool:
    """Bring an index of the previous version up to this one in place, when that needs no
    re-read of the mirror (a first index of the archive takes ~20 minutes); False if it cannot."""
    if version != "6":
        return False
    conn.execute("ALTER TABLE torrents ADD COLUMN content_digest TEXT")  # known at each torrent's next read
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    return True


def create(conn: sqlite3.Connection) -> None:
    """Every table of the index, empty (an older layout is dropped: the index is a cache)."""
    for table in ("files", "torrents", "file_counts", "multi", "incomplete", "bulk"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.executescript(f"""
        CREATE TABLE torrents (
            id INTEGER PRIMARY KEY, torrent_path TEXT, size INTEGER, mtime_ns INTEGER, info_hash TEXT,
            name TEXT, save_path TEXT, piece_length INTEGER, num_pieces INTEGER, num_files INTEGER,
            total_size INTEGER, ignored INTEGER, data_mtime_ns INTEGER, content_digest TEXT);
        CREATE UNIQUE INDEX torrents_path ON torrents(torrent_path);
        -- Keyed by (torrent, file index): a torrent's 60,000 rows go in as one sequential
        -- append; the name is stored without the torrent's folder (half the bytes).
        CREATE TABLE files (
            key INTEGER PRIMARY KEY, track_id TEXT NOT NULL, torrent_id INTEGER NOT NULL,
            file_index INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
            offset INTEGER NOT NULL, disk INTEGER NOT NULL, bad INTEGER NOT NULL DEFAULT 0, tier INTEGER);
        {TRACK_INDEX};
        CREATE INDEX files_present ON files(track_id) WHERE disk > 0;
        CREATE TABLE file_counts (tier INTEGER NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL,
                                  PRIMARY KEY (tier, state)) WITHOUT ROWID;
        CREATE TABLE multi (track_id TEXT PRIMARY KEY) WITHOUT ROWID;
        -- a row here (inside a writer's own transaction only) quiets the per-row triggers
        CREATE TABLE bulk (on_ INTEGER);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        -- Files a fetch is writing: kept across rebuilds of a torrent's rows.
        CREATE TABLE incomplete (rel_path TEXT PRIMARY KEY, track_id TEXT);
        -- Tracks the last check found corrupt, kept across rebuilds too.
        CREATE TABLE IF NOT EXISTS bad (track_id TEXT PRIMARY KEY);
        {TRIGGERS}
    """)
    conn.executemany("INSERT INTO file_counts (tier, state, n) VALUES (?, ?, 0)",
                     [(t, s) for t in TIERS for s in STATES])
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [("schema_version", str(SCHEMA_VERSION)), ("generation", "0"), ("playable_generation", "0")])
