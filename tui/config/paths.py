"""The one place for configuration and paths.

Precedence for every setting: command-line option, then environment variable,
then the config file (`$LONGTAIL_CONFIG`, else `<user config dir>/longtail/config.toml`),
then the default. The config file is the user's: longtail reads it and never writes it;
what longtail itself remembers (queue, positions, indexes) lives in the state directory.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Settings:
    mirror: Path | None = None
    state: Path | None = None
    ao: str | None = None
    peers: list[str] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)
    replaygain: str = "track"  # track | album | off
    replaygain_preamp: float = 0.0
    seed: bool = True
    upload_limit_kib: int = 512
    seed_ratio: float = 2.0
    theme: str | None = None
    source: Path | None = None  # the config file the values came from

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_file_path()
        settings = cls()
        if path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise UsageError(
                    f"config file {path} is not valid TOML ({exc})",
                    "fix it or point LONGTAIL_CONFIG elsewhere",
                ) from None
            settings._apply(raw, path)
            settings.source = path
        env_mirror = os.environ.get("LONGTAIL_MIRROR")
        if env_mirror:
            settings.mirror = Path(env_mirror).expanduser()
        env_state = os.environ.get("LONGTAIL_STATE")
        if env_state:
            settings.state = Path(env_state).expanduser()
        return settings

    def _apply(self, raw: dict, path: Path) -> None:
        def as_path(value: object) -> Path:
            p = Path(str(value)).expanduser()
            return p if p.is_absolute() else (path.parent / p)

        if "mirror" in raw:
            self.mirror = as_path(raw["mirror"])
        if "state" in raw:
            self.state = as_path(raw["state"])
        if "ao" in raw:
            self.ao = str(raw["ao"])
        if "peers" in raw:
            peers = raw["peers"]
            if not isinstance(peers, list):
                raise UsageError(f"{path}: peers must be a list of \"HOST:PORT\" strings")
            self.peers = [str(p) for p in peers]
        if "keymap" in raw:
            if not isinstance(raw["keymap"], dict):
                raise UsageError(f"{path}: [keymap] must be a table of binding-id = \"keys\"")
            self.keymap = {str(k): str(v) for k, v in raw["keymap"].items()}
        playback = raw.get("playback", {})
        if isinstance(playback, dict):
            self.replaygain = str(playback.get("replaygain", self.replaygain))
            self.replaygain_preamp = float(playback.get("preamp", self.replaygain_preamp))
            if "ao" in playback:
                self.ao = str(playback["ao"])
        seeding = raw.get("seeding", {})
        if isinstance(seeding, dict):
            self.seed = bool(seeding.get("enabled", self.seed))
            self.upload_limit_kib = int(seeding.get("upload_limit_kib", self.upload_limit_kib))
            self.seed_ratio = float(seeding.get("ratio", self.seed_ratio))
        if "theme" in raw:
            self.theme = str(raw["theme"])


_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def default_state_dir(mirror: Path) -> Path:
    """One state directory per mirror: readable name plus a hash of the real path."""
    real = str(mirror.resolve())
    digest = hashlib.sha1(real.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    name = _SLUG.sub("_", mirror.resolve().name or "root")[:40]
    return data_root() / "mirrors" / f"{name}-{digest}"


@dataclass(frozen=True)
class StatePaths:
    """Everything longtail writes for one mirror lives under `root`, named here and nowhere else."""

    root: Path

    @property
    def file_index(self) -> Path:
        return self.root / "files.sqlite3"

    @property
    def search_index(self) -> Path:
        return self.root / "search.sqlite3"

    @property
    def stats(self) -> Path:
        return self.root / "stats.sqlite3"

    @property
    def player_state(self) -> Path:
        return self.root / "player.json"

    @property
    def torrent_parts(self) -> Path:
        return self.root / "parts"

    @property
    def torrent_resume(self) -> Path:
        return self.root / "resume"

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
        return self
