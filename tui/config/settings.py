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
from pathlib import Path

import msgspec

from tui.config import schema
from tui.config.paths import config_file_path
from tui.config.peers import PeerAddress, parse_peer
from tui.errors import UsageError

MAX_SHOWN = 3  # problems in the one-line error; the rest are counted


class Settings(schema.ConfigFile, kw_only=True):
    """Every setting: the config file's schema itself (`schema.ConfigFile`: its keys, sections
    and defaults are declared there once), plus what is resolved when it is loaded."""

    mirror_dir: Path | None = None  # `mirror`, relative to the config file, or $LONGTAIL_MIRROR
    state_dir: Path | None = None  # `state`, likewise, or $LONGTAIL_STATE
    source: Path | None = None  # the config file the values came from
    lastfm_session: str | None = None  # lent for one run (the demo's sink); else `scrobble login`'s

    @property
    def peer_addresses(self) -> list[PeerAddress]:
        return [parse_peer(p) for p in self.peers]  # checked when the file was loaded

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_file_path()
        settings = cls()
        if path.exists() and not path.is_file():  # a FIFO would hang the read
            raise UsageError(f"config file {path} {_not_a_file(path)}",
                             "replace it with a TOML file, or point LONGTAIL_CONFIG elsewhere")
        if path.is_file():
            config = schema.load(_read(path))
            settings = cls(**msgspec.structs.asdict(config), source=path)
            if config.mirror is not None:
                settings.mirror_dir = schema.source_relative(config.mirror, path)
            if config.state is not None:
                settings.state_dir = schema.source_relative(config.state, path)
        for variable, attribute in (("LONGTAIL_MIRROR", "mirror_dir"), ("LONGTAIL_STATE", "state_dir")):
            value = os.environ.get(variable)
            if value:
                if why := schema.path_problem(value):
                    raise UsageError(f"${variable} {why}", f"set {variable} to a directory, or unset it")
                setattr(settings, attribute, Path(value).expanduser())
        return settings


MAX_DEPTH = 6  # the deepest a setting goes is [keymap.SCREEN] id = ["key", ...]: 3


def _parsed(path: Path) -> dict:
    """The TOML of the file, or ValueError saying why not in a few words."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"is not valid TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ValueError(f"nests arrays or tables more than {MAX_DEPTH} deep, as no setting of longtail's does"
                         ) from None
    if _depth(raw) > MAX_DEPTH:
        raise ValueError(f"nests arrays or tables more than {MAX_DEPTH} deep, as no setting of longtail's does")
    return raw


def _depth(value: object) -> int:
    """How deep arrays and tables nest, walked without recursion (what schema.problems recurses into)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level + 1)
            if level + 1 <= MAX_DEPTH:  # deeper than that is reported as it is; no need to walk on
                stack.extend((child, level + 1) for child in children)
    return deepest


def _read(path: Path) -> dict:
    """The parsed file, or one line for each thing wrong with it."""
    try:
        raw = _parsed(path)
    except ValueError as exc:
        raise UsageError(f"config file {path} {exc}", "fix it, or point LONGTAIL_CONFIG elsewhere") from None
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path} ({exc.strerror})",
                         "fix its permissions, or point LONGTAIL_CONFIG elsewhere") from None
    found = schema.problems(raw)
    if found:
        more = f" (and {len(found) - MAX_SHOWN} more)" if len(found) > MAX_SHOWN else ""
        raise UsageError(f"config file {path}: " + "; ".join(found[:MAX_SHOWN]) + more,
                         "fix it (`longtail config` lists every problem)" if more else "fix it")
    return raw


def config_problems(path: Path | None = None) -> tuple[Path, schema.ConfigFile | None, list[str]]:
    """Every problem of the config file (for `longtail config`), the TOML syntax included,
    and the config as far as it is right (None when it could not be read at all)."""
    path = path or config_file_path()
    if not path.exists():
        return path, schema.ConfigFile(), []
    if not path.is_file():
        return path, None, [_not_a_file(path)]
    try:
        raw = _parsed(path)
    except ValueError as exc:
        return path, None, [str(exc).removeprefix("is ")]
    except OSError as exc:
        return path, None, [f"not readable ({exc.strerror})"]
    config, found = schema.checked(raw)
    return path, config, found


def _not_a_file(path: Path) -> str:
    kind = "a directory" if path.is_dir() else "not a regular file (a FIFO or a device?)"
    return f"is {kind}; a config file is a TOML file"
