"""Search over tracks, artists and albums, ranked for a listener.

With the sidecar FTS5 index: every word of the query must appear somewhere in
the title, the artists or the album (the last word as a prefix, for type-ahead).
Candidates come out of the index most-popular-first (see search_index), then are
ranked: exact title, title prefix, artist match, the rest; popularity breaks ties.
While the index is being built the results cover what is indexed so far, and say
so. With no index at all, artists and albums are found by name prefix through
the catalogue's own name indexes, and tracks are not searchable.

No input is ever an error: every word is quoted before it reaches FTS5.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.records import NamedHit, Track
from tui.catalogue.search_index import IndexStatus, read_status, shard_paths
from tui.catalogue.search_shard import decode_rowid
from tui.catalogue.text import PREFIX_MIN_CHARS, last_token, match_expression, tokens, tokens_tuple
from tui.db import read_only_uri

Kind = Literal["track", "artist", "album"]
KINDS: tuple[Kind, ...] = ("track", "artist", "album")
CANDIDATES = 40


@dataclass
class SearchResults:
    query: str
    tracks: list[Track] = field(default_factory=list)
    artists: list[NamedHit] = field(default_factory=list)
    albums: list[NamedHit] = field(default_factory=list)
    source: str = "fts"  # fts | fts-partial | prefix
    note: str | None = None

    def by_kind(self, kind: Kind) -> list:
        if kind == "track":
            return self.tracks
        return self.artists if kind == "artist" else self.albums


class Searcher:
    def __init__(self, catalogue: Catalogue, index_path: Path) -> None:
        self.catalogue = catalogue
        self.index_path = index_path
        self._local = threading.local()
        self._status: IndexStatus | None = None
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._searching: set[int] = set()  # threads in a search now: what `interrupt` may cancel

    def status(self, refresh: bool = False) -> IndexStatus:
        if refresh or self._status is None or not self._status.complete:
            self._status = read_status(self.index_path)
        return self._status

    def _conn(self) -> sqlite3.Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "shards", None) != self.status().shards:
            paths = shard_paths(self.index_path)
            if not paths:
                return None
            try:
                conn = sqlite3.connect(read_only_uri(paths[0]), uri=True,
                                       check_same_thread=False, timeout=5)
                for i, extra in enumerate(paths[1:], start=1):
                    conn.execute("ATTACH DATABASE ? AS ?", (read_only_uri(extra), f"s{i}"))
                conn.execute("SELECT 1 FROM track_fts LIMIT 0")
            except sqlite3.Error:
                return None
            self._local.conn = conn
            self._local.shards = self.status().shards
            self._local.schemas = ["main"] + [f"s{i}" for i in range(1, len(paths))]
            with self._lock:
                self._conns.append(conn)
        return conn

    def interrupt(self) -> None:
        """Cancel the searches in flight (a newer keystroke arrived), and only them: the tiers'
        counts or a list's page on another thread run on."""
        with self._lock:
            for conn in self._conns:
                conn.interrupt()
            searching = set(self._searching)
        self.catalogue.interrupt_threads(searching)

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    # -- the one entry point ----------------------------------------------------------

    def search(self, query: str, kinds: tuple[Kind, ...] = KINDS, limit: int = 20) -> SearchResults:
        ident = threading.get_ident()
        with self._lock:
            self._searching.add(ident)
        try:
            return self._search(query, kinds, limit)
        finally:
            with self._lock:
                self._searching.discard(ident)

    def _search(self, query: str, kinds: tuple[Kind, ...], limit: int) -> SearchResults:
        query = query if isinstance(query, str) else str(query)
        results = SearchResults(query)
        limit = max(1, min(int(limit), 500))
        if not tokens(query):
            return results
        status = self.status()
        conn = self._conn() if status.exists else None
        if conn is None:
            results.source = "prefix"
            results.note = IndexStatus(False, "absent", 0, 0, 0, False).note
            text = query.strip()
            if "artist" in kinds:
                results.artists = self.catalogue.artists_by_prefix(text, limit)
            if "album" in kinds:
                results.albums = self.catalogue.albums_by_prefix(text, limit)
            return results
        if not status.complete:
            results.source = "fts-partial"
            results.note = status.note
        try:
            if "track" in kinds:
                results.tracks = self._tracks(conn, query, limit)
            if "artist" in kinds:
                results.artists = self._named(conn, "artist_fts", query, limit, self._artist_rows)
            if "album" in kinds:
                results.albums = self._named(conn, "album_fts", query, limit, self._album_rows)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                return SearchResults(query, note="cancelled")
            raise
        return results

    # -- tracks ----------------------------------------------------------------------

    def _candidates(self, conn: sqlite3.Connection, table: str, expr: str | None, n: int) -> list[int]:
        if expr is None:
            return []
        found: list[int] = []
        for schema in getattr(self._local, "schemas", ["main"]):
            try:
                found += [r[0] for r in conn.execute(
                    f"SELECT rowid FROM {schema}.{table}(?) ORDER BY rowid LIMIT ?", (expr, n))]
            except sqlite3.OperationalError as exc:
                if "interrupted" in str(exc):
                    raise
                return []  # a token FTS5 still refuses: no results, never an error
        # Each shard gives its most popular first; merged, the first n are the global top n.
        return [decode_rowid(r)[0] for r in sorted(found)[:n]]

    def _two_phase(self, conn: sqlite3.Connection, table: str, query: str, column: str | None,
                   n: int) -> list[int]:
        """Whole-word matches first (they stream and stop early); prefixes only to fill up.

        A one- or two-letter last word ("midnight r", typed on the way to "midnight river")
        is too short to search as a prefix: the other words are searched, with more
        candidates, and the short word is matched as a prefix when ranking.
        """
        toks = tokens(query[:2000])
        if len(toks) > 1 and len(toks[-1]) < PREFIX_MIN_CHARS:
            rest = " ".join(toks[:-1])
            exact = self._candidates(conn, table, match_expression(query, column, prefix=False), n)
            wider = self._candidates(conn, table, match_expression(rest, column, prefix=False), n * 5)
            return list(dict.fromkeys(exact + wider))
        rowids = self._candidates(conn, table, match_expression(query, column, prefix=False), n)
        if len(rowids) < n and len(last_token(query)) >= PREFIX_MIN_CHARS:
            more = self._candidates(conn, table, match_expression(query, column, prefix=True), n)
            rowids = list(dict.fromkeys(rowids + more))
        return rowids

    def _tracks(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Track]:
        n = max(CANDIDATES, limit)
        rowids = self._two_phase(conn, "track_fts", query, None, n)
        title_rowids: list[int] = []
        if len(rowids) >= n:
            # More matches than candidates: also take the titles that contain every word,
            # most popular first, so an exact title with modest popularity is not crowded
            # out by popular tracks that match through their artist or album. (With fewer
            # matches, every title match is already among them.)
            title_rowids = self._two_phase(conn, "track_fts", query, "name", n)
        ordered = list(dict.fromkeys(title_rowids + rowids))
        tracks = self.catalogue.tracks_by_rowids(ordered)
        q_tokens = tokens(query)
        q_fold = " ".join(q_tokens)
        ranked = []
        for t in tracks:
            title_tokens = tokens_tuple(t.name)
            title = " ".join(title_tokens)
            haystack = [*title_tokens, *(w for a in t.artist_names for w in tokens_tuple(a)),
                        *tokens_tuple(t.album.name)]
            if not _all_present(q_tokens, haystack):
                continue  # a stale index entry (the catalogue changed since it was indexed)
            artists = [" ".join(tokens_tuple(a)) for a in t.artist_names]
            if title == q_fold:
                tier = 0
            elif title.startswith(q_fold):
                tier = 1
            elif any(a == q_fold or a.startswith(q_fold) for a in artists):
                tier = 2
            else:
                tier = 3
            ranked.append((tier, -t.popularity, t.rowid, t))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked[:limit]]

    # -- artists and albums --------------------------------------------------------------

    def _artist_rows(self, rowids: list[int]) -> list[NamedHit]:
        return self.catalogue.named_by_rowids("artist", rowids)

    def _album_rows(self, rowids: list[int]) -> list[NamedHit]:
        return self.catalogue.named_by_rowids("album", rowids)

    def _named(self, conn: sqlite3.Connection, table: str, query: str, limit: int,
               fetch: Callable[[list[int]], list[NamedHit]]) -> list[NamedHit]:
        rowids = self._two_phase(conn, table, query, None, max(CANDIDATES, limit))
        hits = fetch(rowids)
        if len(last_token(query)) < PREFIX_MIN_CHARS:
            # short last word: complete it through the catalogue's own name index
            by_name = (self.catalogue.artists_by_prefix if table == "artist_fts"
                       else self.catalogue.albums_by_prefix)(query.strip(), limit)
            seen = {h.rowid for h in hits}
            hits += [h for h in by_name if h.rowid not in seen]
        q_tokens = tokens(query)
        q_fold = " ".join(q_tokens)
        ranked = []
        for h in hits:
            name_tokens = tokens(h.name)
            if not _all_present(q_tokens, name_tokens):
                continue
            name = " ".join(name_tokens)
            tier = 0 if name == q_fold else (1 if name.startswith(q_fold) else 2)
            ranked.append((tier, -h.popularity, h.rowid, h))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked[:limit]]


def _all_present(query_tokens: list[str], haystack: list[str]) -> bool:
    """Every query word is a word of the haystack; the last may be a prefix."""
    if not query_tokens:
        return False
    *whole, last = query_tokens
    words = set(haystack)
    if len(last) < PREFIX_MIN_CHARS and not whole:
        return last in words  # a lone short word: as a word (names complete through prefixes)
    return all(w in words for w in whole) and any(h.startswith(last) for h in haystack)


