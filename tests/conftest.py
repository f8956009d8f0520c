from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import build_tiny
from mpd_fixtures import served  # noqa: F401 - the MPD face's fixture, for every MPD test

from tui.demo.build import DemoSpec, build_demo
from tui.demo.paths import DemoPaths

SMALL_DEMO = DemoSpec(tracks=4000, audio_tracks=24, seed=4242)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the developer's real config or data directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("LONGTAIL_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("LONGTAIL_DATA", str(home / "data"))
    monkeypatch.delenv("LONGTAIL_MIRROR", raising=False)
    monkeypatch.delenv("LONGTAIL_STATE", raising=False)


@pytest.fixture(scope="session")
def tiny_mirror(tmp_path_factory) -> Path:
    """A hand-written catalogue (blog DDL variant, with ean/upc) as a mirror root."""
    root = tmp_path_factory.mktemp("tiny-mirror")
    build_tiny(root / "annas_archive_spotify_2025_07_metadata", with_ean_upc=True)
    return root


@pytest.fixture(scope="session")
def tiny_mirror_no_ean(tmp_path_factory) -> Path:
    """The same catalogue, as third parties read the real file: no ean/upc on tracks."""
    root = tmp_path_factory.mktemp("tiny-mirror-no-ean")
    build_tiny(root, with_ean_upc=False)
    return root


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> DemoPaths:
    """A small demo mirror built by the real demo builder (real audio, real torrents)."""
    home = tmp_path_factory.mktemp("demo") / "home"
    return build_demo(DemoPaths(home), SMALL_DEMO)
