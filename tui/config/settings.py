"""Settings: the config file, checked against its schema, then the environment.

Precedence for every setting: command-line option, then environment variable, then the
config file (`$LONGTAIL_CONFIG`, else `<user config dir>/longtail/config.toml`), then the
default. The config file is the user's: longtail reads it and never writes it; what
longtail itself remembers (queue, positions, indexes) lives in the state directory.
Nothing wrong in it is ignored or corrected silently: every problem is reported, one
line each, naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tui.config import schema
from tui.config.paths import config_file_path
from tui.config.peers import PeerAddress, parse_peer
from tui.errors import UsageError

MAX_SHOWN = 3  # problems in the one-line error; the rest are counted


@dataclass
class Settings:
    mirror: Path | None = None
    state: Path | None = None
    ao: str | None = None
    peers: list[PeerAddress] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)
    replaygain: str = "track"  # track | album | off
    replaygain_preamp: float = 0.0
    seed: bool = True
    upload_limit_kib: int = 512
    seed_ratio: float = 2.0
    theme: str | None = None
    art: bool = True  # album art and spectrograms drawn in the TUI
    source: Path | None = None  # the config file the values came from

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_file_path()
        settings = cls()
        if path.is_file():
            settings._apply(schema.load(_read(path)), path)
            settings.source = path
        for variable, attribute in (("LONGTAIL_MIRROR", "mirror"), ("LONGTAIL_STATE", "state")):
            value = os.environ.get(variable)
            if value:
                if why := schema.path_problem(value):
                    raise UsageError(f"${variable} {why}", f"set {variable} to a directory, or unset it")
                setattr(settings, attribute, Path(value).expanduser())
        return settings

    def _apply(self, config: schema.ConfigFile, path: Path) -> None:
        if config.mirror is not None:
            self.mirror = schema.source_relative(config.mirror, path)
        if config.state is not None:
            self.state = schema.source_relative(config.state, path)
        self.ao = config.playback.ao or config.ao
        self.peers = [parse_peer(p) for p in config.peers]
        self.keymap = dict(config.keymap)
        self.replaygain, self.replaygain_preamp = config.playback.replaygain, config.playback.preamp
        self.seed = config.seeding.enabled
        self.upload_limit_kib, self.seed_ratio = config.seeding.upload_limit_kib, config.seeding.ratio
        self.theme = config.theme
        self.art = config.art


def _read(path: Path) -> dict:
    """The parsed file, or one line for each thing wrong with it."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML ({exc})",
                         "fix it, or point LONGTAIL_CONFIG elsewhere") from None
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path} ({exc.strerror})",
                         "fix its permissions, or point LONGTAIL_CONFIG elsewhere") from None
    found = schema.problems(raw)
    if found:
        more = f" (and {len(found) - MAX_SHOWN} more)" if len(found) > MAX_SHOWN else ""
        raise UsageError(f"config file {path}: " + "; ".join(found[:MAX_SHOWN]) + more,
                         "fix it (`longtail config` lists every problem)" if more else "fix it")
    return raw


def config_problems(path: Path | None = None) -> tuple[Path, list[str]]:
    """Every problem of the config file (for `longtail config`), the TOML syntax included."""
    path = path or config_file_path()
    if not path.is_file():
        return path, []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return path, [f"not readable TOML ({exc})"]
    return path, schema.problems(raw)
