"""Audio-feature filters: Camelot keys, ranges, and shuffle over a feature-filtered set on the
demo's real features database (the archive's schema), checked against SQL and chi-square."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from expect import present

from tui.catalogue.catalogue import Catalogue
from tui.catalogue.databases import CataloguePaths
from tui.catalogue.features import FeatureFilter, camelot, feature_filter, parse_feature_words, parse_key
from tui.catalogue.shuffle import Shuffle, ShuffleFilter
from tui.mirror.layout import discover

EXE = Path(sys.executable).with_name("longtail")
# the Camelot wheel as DJs print it: number+letter -> key
WHEEL = {"1A": "G#m", "2A": "D#m", "3A": "A#m", "4A": "Fm", "5A": "Cm", "6A": "Gm", "7A": "Dm", "8A": "Am",
         "9A": "Em", "10A": "Bm", "11A": "F#m", "12A": "C#m", "1B": "B", "2B": "F#", "3B": "C#", "4B": "G#",
         "5B": "D#", "6B": "A#", "7B": "F", "8B": "C", "9B": "G", "10B": "D", "11B": "A", "12B": "E"}


@pytest.mark.parametrize("code,name", list(WHEEL.items()))
def test_camelot_codes_and_key_names_agree(code, name):
    pitch, mode = parse_key(code)
    assert camelot(pitch, present(mode)) == code
    assert parse_key(name) == (pitch, mode) if name.endswith("m") else parse_key(name) == (pitch, None)


@pytest.mark.parametrize("bad", ["H", "13A", "0B", "Cx", ""])
def test_a_key_that_is_not_one_is_refused(bad):
    with pytest.raises(ValueError):
        parse_key(bad)


def test_ranges_and_words():
    f = parse_feature_words("tempo 120..128 key 8A energy 0.6..")
    assert f == FeatureFilter(tempo=(120.0, 128.0), key=9, mode=0, energy=(0.6, 1.0))
    assert feature_filter(valence="..0.3").valence == (0.0, 0.3)
    for bad in ({"energy": "2..3"}, {"energy": "0.9..0.1"}, {"loudness": "0..1"}, {"energy": "lots"}):
        with pytest.raises(ValueError):
            feature_filter(**bad)
    with pytest.raises(ValueError):
        feature_filter(key="8A", mode="major")  # 8A is minor
    assert not f.matches((1, 124.0, 9, 0, 0.7, None, None, None, None))  # null_response = 1 never matches
    assert f.matches((0, 124.3, 9, 0, 0.7, None, None, None, None))


def demo_catalogue(small_demo) -> tuple[Catalogue, Path]:
    layout = discover(small_demo.mirror)
    return Catalogue(CataloguePaths.from_databases(layout.databases)), \
        next(small_demo.mirror.rglob("spotify_clean_audio_features.sqlite3"))


def oracle(features_db: Path, main_db: Path, where: str) -> set[str]:
    conn = sqlite3.connect(f"file:{features_db}?mode=ro", uri=True)
    conn.execute(f"ATTACH 'file:{main_db}?mode=ro' AS m")
    ids = {r[0] for r in conn.execute(
        f"SELECT f.track_id FROM track_audio_features AS f JOIN m.tracks AS t ON t.id = f.track_id "
        f"WHERE f.null_response = 0 AND {where}")}
    conn.close()
    return ids


def test_a_full_pass_is_exactly_the_filtered_set_and_never_a_null_response(small_demo):
    catalogue, features_db = demo_catalogue(small_demo)
    flt = ShuffleFilter(min_popularity=1, features=feature_filter(tempo="90..140", energy="0.5.."))
    expected = oracle(features_db, catalogue.paths.main,
                      "f.tempo BETWEEN 90 AND 140 AND f.energy >= 0.5 AND t.popularity >= 1")
    assert 50 < len(expected) < 2000
    got = [t.id for t in Shuffle(catalogue, flt, seed=7)]
    assert len(got) == len(set(got)) and set(got) == expected  # every one once, nothing else
    conn = sqlite3.connect(f"file:{features_db}?mode=ro", uri=True)
    null_ids = {r[0] for r in conn.execute("SELECT track_id FROM track_audio_features WHERE null_response = 1")}
    assert null_ids and not set(got) & null_ids
    wide = {t.id for t in Shuffle(catalogue, ShuffleFilter(features=feature_filter(energy="0..1")), seed=3)}
    assert wide and not wide & null_ids  # even a filter that keeps every value leaves them out
    catalogue.close()


def test_draws_are_uniform_over_a_feature_filtered_set(small_demo):
    """The first draw of many seeds, over a set of K tracks: chi-square against uniform."""
    catalogue, features_db = demo_catalogue(small_demo)
    flt = ShuffleFilter(features=feature_filter(key="8A"))
    members = sorted(oracle(features_db, catalogue.paths.main, "f.key = 9 AND f.mode = 0"))
    k = len(members)
    assert 30 <= k <= 2000
    draws = 25 * k
    counts = Counter(next(iter(Shuffle(catalogue, flt, seed=s))).id for s in range(draws))
    assert set(counts) <= set(members)
    expected = draws / k
    chi2 = sum((counts.get(m, 0) - expected) ** 2 / expected for m in members)
    # k-1 degrees of freedom: mean k-1, sd sqrt(2(k-1)); 5 sd is p < 1e-6 for a fair shuffle
    assert chi2 < (k - 1) + 5 * (2 * (k - 1)) ** 0.5, (chi2, k)
    catalogue.close()


def test_cli_feature_filters(small_demo, tmp_path):
    args = ["--mirror", str(small_demo.mirror), "--state", str(tmp_path / "state")]
    out = subprocess.run([EXE, "shuffle", "-n", "5", "--key", "8A", "--tempo", "100..140", "--json", *args],
                         capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    assert "key A minor (8A)" in doc["filter"] and len(doc["tracks"]) == 5
    for t in doc["tracks"]:
        info = json.loads(subprocess.run([EXE, "info", t["id"], "--json", *args], capture_output=True,
                                         text=True, timeout=60).stdout)
        f = info["audio_features"]
        assert (f["key"], f["mode"]) == (9, 0) and 100 <= f["tempo"] <= 140
    bad = subprocess.run([EXE, "shuffle", "--key", "H", *args], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Camelot" in bad.stderr
