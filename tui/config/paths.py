"""Where things are: the config file, the data root, and every file of a state directory."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import msgspec
import platformdirs

from tui.errors import UsageError

APP_NAME = "longtail"


def config_file_path() -> Path:
    env = os.environ.get("LONGTAIL_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_root() -> Path:
    """Where longtail keeps per-mirror state directories and the demo."""
    env = os.environ.get("LONGTAIL_DATA")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def default_state_dir(mirror: Path) -> Path:
    """One state directory per mirror: readable name plus a hash of the real path."""
    real = str(mirror.resolve())
    digest = hashlib.sha1(real.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    name = _SLUG.sub("_", mirror.resolve().name or "root")[:40]
    return data_root() / "mirrors" / f"{name}-{digest}"


class StatePaths(msgspec.Struct, frozen=True):
    """Everything longtail writes for one mirror lives under `root`, named here and nowhere else."""

    root: Path

    @property
    def file_index(self) -> Path:
        return self.root / "files.sqlite3"

    @property
    def search_index(self) -> Path:
        return self.root / "search.sqlite3"

    @property
    def playlist_index(self) -> Path:
        """Playlist names to search, and which playlists hold each track (most-followed first)."""
        return self.root / "playlists.sqlite3"

    @property
    def radio_vectors(self) -> Path:
        """Radio's sidecar: every track's audio features, quantised, grouped by key (numpy files)."""
        return self.root / "radio"

    @property
    def art(self) -> Path:
        """Album covers read from the files, by album id."""
        return self.root / "art"

    @property
    def coverart_index(self) -> Path:
        """Where each cover of the archive's cover-art tar sits in it (by file name)."""
        return self.root / "coverart.sqlite3"

    @property
    def stats(self) -> Path:
        return self.root / "stats.sqlite3"

    @property
    def lyrics_index(self) -> Path:
        """The LRCLIB dump's names, normalised and indexed."""
        return self.root / "lyrics.sqlite3"

    @property
    def scrobbles(self) -> Path:
        """Listens not yet sent (and those sent, for `scrobble status`)."""
        return self.root / "scrobbles.sqlite3"

    @property
    def player_state(self) -> Path:
        return self.root / "player.json"

    @property
    def ui_state(self) -> Path:
        """What the TUI remembers of the listener's choices (the theme picked in the palette)."""
        return self.root / "ui.json"

    @property
    def torrent_parts(self) -> Path:
        return self.root / "parts"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def verdicts(self) -> Path:
        return self.root / "checks.sqlite3"

    @property
    def sweep(self) -> Path:
        """`check --all`: its runs, the batches done, what it found."""
        return self.root / "sweep.sqlite3"

    @property
    def shuffle_subsets(self) -> Path:
        return self.root / "shuffle.sqlite3"

    def anchors(self, listing: str) -> Path:
        """Cached positions of a long sorted list (artists by name, a tier by popularity)."""
        return self.root / f"anchors-{listing}.json"

    @property
    def log(self) -> Path:
        """What native libraries (libmpv, ALSA, JACK) and longtail's threads have to say."""
        return self.root / "longtail.log"

    def ensure(self) -> StatePaths:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the state directory {self.root} ({exc.strerror})",
                "pass --state DIR pointing to a writable directory",
            ) from None
        if not os.access(self.root, os.W_OK | os.X_OK):  # a read-only mount says so here, not later
            raise UsageError(f"the state directory {self.root} is read-only",
                             "pass --state DIR pointing to a writable directory")
        return self
