"""Search: the FTS5 sidecar index over real fixtures, and the prefix fallback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from expect import present
from test_catalogue import open_catalogue

from tui.catalogue.search import Searcher
from tui.catalogue.search_index import SearchIndexBuilder, read_status


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_mirror):
    cat = open_catalogue(tiny_mirror)
    path = tmp_path_factory.mktemp("state") / "search.sqlite3"
    status = SearchIndexBuilder(cat, path).build()
    assert status.complete
    yield Searcher(cat, path)
    cat.close()


def names(results):
    return [t.name for t in results.tracks]


def test_accents_fold(indexed):
    r = indexed.search("sigur ros", ("track",))
    assert names(r) == ["Svefn-g-englar", "Starálfur", "Flugufrelsarinn"]
    assert [a.name for a in indexed.search("sigur ros", ("artist",)).artists] == ["Sigur Rós"]
    assert [a.name for a in indexed.search("agætis", ("album",)).albums] == ["Ágætis byrjun"]
    assert names(indexed.search("STARALF")) == ["Starálfur"]


def test_words_across_title_artist_album(indexed):
    r = indexed.search("daft punk around")
    assert set(names(r)) == {"Around the World", "Around the World (Radio Edit)"}
    # "Homework" is the album: album words count too
    assert names(indexed.search("homework da funk")) == ["Da Funk"]


def test_ranking_exact_then_prefix_then_popularity(indexed):
    r = indexed.search("around the world")
    # exact titles first (more popular first), then the title that only starts with it
    assert names(r) == ["Around the World", "Around the World", "Around the World (Radio Edit)"]
    assert [t.popularity for t in r.tracks[:2]] == [70, 0]
    # artist matches: the more popular first
    r = indexed.search("pharrell")
    assert [t.id for t in r.tracks] == ["000000000000000trackC1", "000000000000000trackC2"]
    # a title match outranks a more popular track that matches by album name
    r = indexed.search("first")
    assert [t.name for t in r.tracks] == ["First Love"]


def test_scripts(indexed):
    assert names(indexed.search("سألوني")) == ["سألوني الناس"]
    assert [a.name for a in indexed.search("宇多田", ("artist",)).artists] == ["宇多田ヒカル"]
    assert [a.name for a in indexed.search("ヒカル", ("artist",)).artists] == ["宇多田ヒカル"]
    assert names(indexed.search("first love")) == ["First Love"]


@pytest.mark.parametrize("query", [
    "", " ", "\"", "'", "AND", "OR", "NOT", "NEAR", "*", "-", ":", "^", "a AND b", "NEAR(a b)",
    "name:x", "\"unbalanced", "x" * 10_000, "!!!???", "Robert'); DROP TABLE tracks;--",
    "' OR 1=1 --", "%", "_", "\\", "\x00", "🎧", "-around", "^around", "around*", "(around)",
])
def test_no_input_is_an_error(indexed, query):
    r = indexed.search(query, limit=5)
    assert isinstance(r.tracks, list) and isinstance(r.artists, list)


def test_metacharacters_are_text(indexed):
    r = indexed.search("AND OR NOT NEAR", ("artist",))
    assert [a.name for a in r.artists] == ["AND OR NOT NEAR \"x\" * - : ^"]
    assert indexed.search("around*").tracks  # the star is punctuation, "around" still matches


def test_fallback_before_any_index(tiny_mirror, tmp_path):
    cat = open_catalogue(tiny_mirror)
    s = Searcher(cat, tmp_path / "none.sqlite3")
    r = s.search("sigur")
    assert r.source == "prefix" and r.tracks == [] and "no search index" in present(r.note)
    assert [a.name for a in r.artists] == ["Sigur Rós"]
    assert [a.name for a in s.search("random access").albums] == ["Random Access Memories"]
    cat.close()


def test_partial_index_is_searchable_and_says_so(tiny_mirror, tmp_path):
    cat = open_catalogue(tiny_mirror)
    path = tmp_path / "search.sqlite3"
    calls = []
    # stop right after the popular tracks: the long tail is not indexed yet
    SearchIndexBuilder(cat, path, shards=1).build(lambda label, d, t: calls.append(label),
                                                  should_stop=lambda: "artists" in calls)
    status = read_status(path)
    assert status.exists and not status.complete
    s = Searcher(cat, path)
    r = s.search("around the world")
    assert r.source == "fts-partial" and "still being built" in present(r.note)
    assert 70 in [t.popularity for t in r.tracks]  # popular ones are in
    assert 0 not in [t.popularity for t in r.tracks]  # the long tail is not, yet
    SearchIndexBuilder(cat, path).build()
    s = Searcher(cat, path)
    r = s.search("around the world")
    assert r.source == "fts" and r.note is None and 0 in [t.popularity for t in r.tracks]
    cat.close()


@pytest.mark.parametrize("shards", [1, 2])
def test_interrupted_build_resumes_after_kill(small_demo, tmp_path, shards):
    """kill -9 of the build (and its shard processes) mid-way; the next run completes with
    nothing lost or doubled."""
    state = tmp_path / "state"
    env = dict(os.environ, LONGTAIL_STATE=str(state))
    code = (
        "from pathlib import Path\n"
        "from tui.core.services import open_services, Location\n"
        "from tui.config import Settings, StatePaths\n"
        "from tui.demo.paths import DemoPaths\n"
        "from tui.catalogue.search_index import SearchIndexBuilder\n"
        f"d = DemoPaths(Path({str(small_demo.home)!r}))\n"
        f"svc = open_services(Location(d.mirror, StatePaths(Path({str(state)!r})), d), Settings())\n"
        f"SearchIndexBuilder(svc.catalogue, svc.state.search_index, shards={shards}).build()\n"
    )
    import shutil

    for _attempt in range(5):  # the demo's index takes a second: on a busy machine it can finish first
        shutil.rmtree(state, ignore_errors=True)
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and read_status(state / "search.sqlite3").tracks == 0:
            time.sleep(0.002)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the build and its shard workers
        proc.wait(30)
        partial = read_status(state / "search.sqlite3")
        if proc.returncode == -signal.SIGKILL and not partial.complete:
            break
    assert proc.returncode == -signal.SIGKILL
    assert partial.exists and not partial.complete  # killed mid-way (in one of five tries)
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.layout import discover
    cat = Catalogue(CataloguePaths.from_databases(discover(small_demo.mirror).databases))
    done = SearchIndexBuilder(cat, state / "search.sqlite3").build()
    assert done.complete and done.tracks == 4000 and done.shards == shards
    # nothing indexed twice: every title finds its own track exactly once
    import sqlite3

    from tui.catalogue.search_index import shard_paths
    from tui.catalogue.search_shard import decode_rowid
    from tui.catalogue.text import match_expression
    conn = sqlite3.connect(state / "search.sqlite3")
    for i, extra in enumerate(shard_paths(state / "search.sqlite3")[1:], start=1):
        conn.execute("ATTACH DATABASE ? AS ?", (str(extra), f"s{i}"))
    schemas = ["main"] + [f"s{i}" for i in range(1, shards)]
    for track in cat.tracks_by_rowids(list(range(1, 4200, 13))):
        expr = match_expression(track.name + " " + " ".join(track.artist_names), None)
        if expr is None or len(track.name) > 200:
            continue
        hits = [decode_rowid(r[0])[0] for schema in schemas for r in conn.execute(
            f"SELECT rowid FROM {schema}.track_fts(?)", (expr,))]
        assert hits.count(track.rowid) == 1, track.name
    cat.close()


def test_incremental_when_the_catalogue_grows(tmp_path):
    import sqlite3

    from fixtures import build_tiny
    build_tiny(tmp_path / "m")
    cat = open_catalogue(tmp_path / "m")
    path = tmp_path / "search.sqlite3"
    SearchIndexBuilder(cat, path).build()
    cat.close()
    conn = sqlite3.connect(tmp_path / "m" / "spotify_clean.sqlite3")
    conn.execute("INSERT INTO tracks (rowid, id, fetched_at, name, album_rowid, track_number, popularity, "
                 "available_markets_rowid, disc_number, duration_ms, explicit) "
                 "VALUES (40, '000000000000000trackNW', 1, 'Brand New Song', 2, 3, 12, 1, 1, 1000, 0)")
    conn.execute("INSERT INTO track_artists VALUES (40, 2)")
    conn.commit()
    conn.close()
    cat = open_catalogue(tmp_path / "m")
    status = SearchIndexBuilder(cat, path).build()
    assert status.complete and status.tracks == 14
    assert names(Searcher(cat, path).search("brand new")) == ["Brand New Song"]
    cat.close()


def test_full_disk_is_a_clear_error(tiny_mirror, tmp_path, monkeypatch):
    import sqlite3 as sq

    from tui.catalogue import search_shard
    from tui.errors import LongtailError
    cat = open_catalogue(tiny_mirror)
    real = search_shard.ShardWorker._insert_tracks

    def full(self, conn, where, params):
        raise sq.OperationalError("database or disk is full")

    monkeypatch.setattr(search_shard.ShardWorker, "_insert_tracks", full)
    with pytest.raises(LongtailError, match="full"):
        SearchIndexBuilder(cat, tmp_path / "s.sqlite3", shards=1).build()
    monkeypatch.setattr(search_shard.ShardWorker, "_insert_tracks", real)
    # the catalogue is still usable, and search falls back or uses what exists
    assert present(cat.track("000000000000000trackB1")).name == "Around the World"
    Searcher(cat, tmp_path / "s.sqlite3").search("around")
    cat.close()


def test_python_tokens_match_sqlite_unicode61():
    """The ranking re-check must see the same words FTS5 indexed, in every script."""
    import random
    import sqlite3

    from tui.catalogue.text import space_out, tokens
    from tui.demo.names import NameMaker
    maker = NameMaker(random.Random(3))
    samples = [maker.title() for _ in range(400)] + [maker.artist() for _ in range(200)] + [
        "Ἀθῆναι ά ΆΈ", "Шамалый Ёлка", "سألوني", "שִׁיר", "Ágætis Øyvind Łódź Ærø ß ĳ ﬁx",
        "Việt Nguyễn ơ ư", "प्रेम", "Ωmega µ", "Ｆｕｌｌ", "x² ①②", "O'Brien's", "AC/DC", "夜に駆ける"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(name, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)")
    for i, text in enumerate(samples, start=1):
        conn.execute("INSERT INTO f (rowid, name) VALUES (?, ?)", (i, space_out(text)))
    indexed: dict[int, list[str]] = {}
    for term, doc, _col, _offset in conn.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, offset"):
        indexed.setdefault(doc, []).append(term)
    for i, text in enumerate(samples, start=1):
        assert tokens(text) == indexed.get(i, []), text


def test_short_last_word_while_typing(indexed):
    # "around the w" on the way to "around the world": the short last word is a prefix
    assert "Around the World" in names(indexed.search("around the w"))
    assert names(indexed.search("da f")) == ["Da Funk"]
    assert names(indexed.search("da x")) == []


def test_names_stored_decomposed_are_found_by_any_spelling(tmp_path):
    """Real catalogues store some names in NFD ("e" + U+0301): composed first, every spelling
    finds them, and an index built before that is rebuilt."""
    import sqlite3
    import unicodedata

    from fixtures import build_tiny

    from tui.catalogue.search_shard import INDEX_VERSION, connect_shard, get_state, set_state

    mirror = tmp_path / "mirror"
    build_tiny(mirror)
    nfd_track, nfd_artist = unicodedata.normalize("NFD", "Café München"), unicodedata.normalize("NFD", "한글 밴드")
    assert nfd_track != "Café München"
    with sqlite3.connect(mirror / "spotify_clean.sqlite3") as conn:
        conn.execute("UPDATE tracks SET name = ? WHERE rowid = (SELECT min(rowid) FROM tracks)", (nfd_track,))
        conn.execute("UPDATE artists SET name = ? WHERE rowid = (SELECT min(rowid) FROM artists)", (nfd_artist,))
    cat = open_catalogue(mirror)
    path = tmp_path / "state" / "search.sqlite3"
    path.parent.mkdir()
    assert SearchIndexBuilder(cat, path).build().complete
    searcher = Searcher(cat, path)
    for spelling in ("Café München", "cafe munchen", nfd_track, "CAFÉ MÜNCH"):
        assert [t.name for t in searcher.search(spelling, ("track",)).tracks] == [nfd_track], spelling
    for spelling in ("한글 밴드", nfd_artist, "한글"):
        assert [a.name for a in searcher.search(spelling, ("artist",)).artists] == [nfd_artist], spelling
    conn = connect_shard(path)
    set_state(conn, version=INDEX_VERSION - 1)  # as an older longtail left it
    conn.close()
    assert SearchIndexBuilder(cat, path).build().complete
    assert get_state(connect_shard(path), "version") == INDEX_VERSION
    cat.close()
