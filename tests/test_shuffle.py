"""True shuffle: a seeded permutation, uniform, no repeats until the set is covered."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner
from expect import present
from test_catalogue import open_catalogue

from tui.catalogue.shuffle import Permutation, Shuffle, ShuffleFilter
from tui.cli import main

# chi-square critical values at p = 0.001 (so a correct shuffle fails 1 run in 1000)
CHI2_CRIT_001 = {7: 24.32, 12: 32.91, 19: 43.82}


def chi_square(counts: Counter, categories: list, n: int) -> float:
    expected = n / len(categories)
    return sum((counts.get(c, 0) - expected) ** 2 / expected for c in categories)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 1000, 4097])
def test_permutation_is_a_bijection(n):
    for seed in (0, 1, 12345):
        p = Permutation(n, seed)
        assert sorted(p(i) for i in range(n)) == list(range(n))


def test_seeds_give_different_orders():
    a = [Permutation(1000, 1)(i) for i in range(20)]
    b = [Permutation(1000, 2)(i) for i in range(20)]
    assert a != b


@pytest.fixture(scope="module")
def cat(tiny_mirror):
    c = open_catalogue(tiny_mirror)
    yield c
    c.close()


def test_covers_everything_once_and_skips_holes(cat):
    tracks = Shuffle(cat, seed=9).take(1000)
    rowids = [t.rowid for t in tracks]
    assert sorted(rowids) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]  # 3 and 14 are holes
    assert Shuffle(cat, seed=9).take(5) == tracks[:5]  # reproducible


def test_endless_starts_a_new_permutation(cat):
    sh = Shuffle(cat, seed=4, endless=True)
    first, second = sh.take(13), sh.take(13)
    assert sorted(t.rowid for t in first) == sorted(t.rowid for t in second)
    assert [t.rowid for t in first] != [t.rowid for t in second]
    empty = Shuffle(cat, ShuffleFilter(min_popularity=99), seed=1, endless=True)
    assert empty.take(5) == []  # an empty set ends even when endless


def test_uniform_over_whole_catalogue(cat):
    n = 13_000
    counts = Counter(Shuffle(cat, seed=s).take(1)[0].rowid for s in range(n))
    categories = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    assert chi_square(counts, categories, n) < CHI2_CRIT_001[12]


def test_uniform_over_a_filter_never_biased_by_popularity(cat):
    n = 8_000
    flt = ShuffleFilter(tier="vorbis")
    counts = Counter(Shuffle(cat, flt, seed=s).take(1)[0].rowid for s in range(n))
    categories = [1, 2, 5, 6, 7, 8, 9, 10]  # the eight tracks with popularity > 0
    assert set(counts) == set(categories)
    assert chi_square(counts, categories, n) < CHI2_CRIT_001[7]


def test_sparse_filter_uses_a_subset_index(small_demo, tmp_path):
    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover
    layout = discover(small_demo.mirror)
    c = Catalogue(CataloguePaths.from_databases(layout.databases))
    files = FileIndex(tmp_path / "files.sqlite3")
    subsets = tmp_path / "shuffle.sqlite3"
    files.refresh(layout)
    playable = Shuffle(c, ShuffleFilter(playable=True), seed=1, files=files, subsets_path=subsets)
    assert playable.strategy == "subset"  # 24 playable tracks of 4000
    got = playable.take(100)
    assert len(got) == 24 and len({t.id for t in got}) == 24
    assert all(present(files.entry(t.id)).state in ("local", "fetchable") for t in got)
    # uniform over the subset: first draws over many seeds, bucketed in 8 groups of 3
    ids = sorted(t.id for t in got)
    bucket = {track_id: i // 3 for i, track_id in enumerate(ids)}
    n = 4000
    counts = Counter(bucket[Shuffle(c, ShuffleFilter(playable=True), seed=s, files=files,
                                    subsets_path=subsets).take(1)[0].id] for s in range(n))
    assert chi_square(counts, list(range(8)), n) < CHI2_CRIT_001[7]
    local = Shuffle(c, ShuffleFilter(present_only=True), seed=2, files=files, subsets_path=subsets).take(100)
    assert local and all(present(files.entry(t.id)).present for t in local)
    c.close()


def test_popularity_range_genre_and_year(cat, tmp_path):
    subsets = tmp_path / "shuffle.sqlite3"
    high = Shuffle(cat, ShuffleFilter(min_popularity=60, max_popularity=80), seed=3, subsets_path=subsets).take(50)
    assert sorted(t.popularity for t in high) == [60, 68, 70, 70]
    opus = Shuffle(cat, ShuffleFilter(tier="opus"), seed=3).take(50)
    assert opus and all(t.popularity == 0 for t in opus)
    house = Shuffle(cat, ShuffleFilter(genre="french house"), seed=3, subsets_path=subsets).take(50)
    assert {t.id for t in house} == {"000000000000000trackB1", "000000000000000trackB2",
                                     "000000000000000trackC1", "000000000000000trackC2",
                                     "000000000000000trackD1", "000000000000000trackG1"}
    y1997 = Shuffle(cat, ShuffleFilter(year=1997), seed=3).take(50)
    assert {t.album.year for t in y1997} == {"1997"} and len(y1997) == 3


def test_cli_json_and_n_larger_than_the_set(tiny_mirror, tmp_path):
    result = CliRunner().invoke(main, ["shuffle", "-n", "50", "--seed", "5", "--tier", "vorbis", "--json",
                                       "--mirror", str(tiny_mirror), "--state", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["seed"] == 5 and len(doc["tracks"]) == 8
    assert len({t["id"] for t in doc["tracks"]}) == 8
    assert all(t["tier"] == "vorbis" for t in doc["tracks"])
    again = CliRunner().invoke(main, ["shuffle", "-n", "3", "--seed", "5", "--tier", "vorbis", "--json",
                                      "--mirror", str(tiny_mirror), "--state", str(tmp_path)])
    assert [t["id"] for t in json.loads(again.stdout)["tracks"]] == [t["id"] for t in doc["tracks"][:3]]


def test_shuffles_of_one_filter_built_at_once_share_one_subset(small_demo, tmp_path):
    """The TUI and a CLI (or two screens) may build one filter's subset together: each gets
    the whole set, none fails on the other's rows."""
    import sqlite3
    import threading

    from tui.catalogue.catalogue import Catalogue
    from tui.catalogue.databases import CataloguePaths
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover
    layout = discover(small_demo.mirror)
    files = FileIndex(tmp_path / "files.sqlite3")
    files.refresh(layout)
    subsets = tmp_path / "shuffle.sqlite3"
    for _ in range(10):
        if subsets.exists():
            with sqlite3.connect(subsets) as db:
                db.execute("UPDATE subsets SET signature = 'stale'")  # every shuffle rebuilds
        barrier = threading.Barrier(4)
        sizes: list[int] = []
        errors: list[BaseException] = []

        def build(barrier: threading.Barrier = barrier, sizes: list[int] = sizes,
                  errors: list[BaseException] = errors) -> None:
            c = Catalogue(CataloguePaths.from_databases(layout.databases))
            try:
                barrier.wait()
                sizes.append(len(Shuffle(c, ShuffleFilter(playable=True), seed=1, files=files,
                                         subsets_path=subsets).take(100)))
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
            finally:
                c.close()

        threads = [threading.Thread(target=build) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and sizes == [24] * 4, errors
