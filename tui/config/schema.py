"""The config file's schema: every key typed and bounded (msgspec), and every problem found
at once, one line each, naming the key.

Keys that only the TUI can judge (keymap ids and keys, themes) are typed here and checked
against the app's bindings when the TUI starts (`tui.ui.keys`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec

from tui.config.peers import parse_peer

AO_NAME = re.compile(r"^[a-z0-9_-]+(,[a-z0-9_-]+)*,?$")  # mpv's --ao: names in order of preference
PATH_MAX, NAME_MAX = 4096, 255
MOVED = {"ao": "[playback] ao"}  # keys that have one home now


class Playback(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    replaygain: Literal["track", "album", "off"] = "track"
    preamp: Annotated[float, msgspec.Meta(ge=-15.0, le=15.0)] = 0.0  # dB
    ao: str | None = None


class Seeding(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    enabled: bool = True
    upload_limit_kib: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] = 512  # 0: unlimited
    ratio: Annotated[float, msgspec.Meta(ge=0.0, le=1000.0)] = 2.0


class Mpd(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The MPD face (`longtail serve`, and the TUI with `in_tui`): where it listens (HOST:PORT
    or a Unix socket path), and the password clients must give (needed beyond this machine)."""

    listen: str = "127.0.0.1:6600"
    password: str = ""
    in_tui: bool = False  # the same MPD face while the TUI is open


class ListenBrainzSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    token: str = ""  # your profile page on listenbrainz.org has it
    url: str = "https://api.listenbrainz.org"  # a self-hosted server's root


class LastfmSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    api_key: str = ""
    api_secret: str = ""
    url: str = "https://ws.audioscrobbler.com/2.0/"


class Scrobble(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    listenbrainz: ListenBrainzSettings = msgspec.field(default_factory=ListenBrainzSettings)
    lastfm: LastfmSettings = msgspec.field(default_factory=LastfmSettings)


DHT_ROUTERS = ("dht.libtorrent.org:25401", "router.bittorrent.com:6881", "router.utorrent.com:6881",
               "dht.transmissionbt.com:6881")  # libtorrent's own defaults, and Transmission's


class Swarm(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """How longtail meets the swarm: where it listens, and which ways it finds peers (besides
    the torrents' own trackers, always asked)."""

    listen: list[str] = msgspec.field(default_factory=lambda: ["0.0.0.0:0", "[::]:0"])  # port 0: any free one
    dht: bool = True
    dht_bootstrap: list[str] = msgspec.field(default_factory=lambda: list(DHT_ROUTERS))
    lsd: bool = True  # local service discovery (peers on the same network)
    utp: bool = True  # uTP besides TCP
    upnp: bool = True  # UPnP and NAT-PMP port mappings on the router


class ConfigFile(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    mirror: str | None = None
    state: str | None = None
    theme: str | None = None
    keymap_preset: Literal["longtail", "cmus", "ncmpcpp"] = "longtail"  # [keymap] goes on top
    confirm_quit: bool = True  # `q` while music plays asks first, as cmus's does
    art: bool = True
    lyrics_pane: bool = True  # the library shows the playing track's lyrics beside the tracks, when wide
    peers: list[str] = msgspec.field(default_factory=list)
    keymap: dict[str, str] = msgspec.field(default_factory=dict)
    playback: Playback = msgspec.field(default_factory=Playback)
    seeding: Seeding = msgspec.field(default_factory=Seeding)
    swarm: Swarm = msgspec.field(default_factory=Swarm)
    mpd: Mpd = msgspec.field(default_factory=Mpd)
    scrobble: Scrobble = msgspec.field(default_factory=Scrobble)


def path_problem(text: str) -> str | None:
    """Why `text` cannot be a path, or None."""
    if not text:
        return "is empty"
    if "\0" in text:
        return "contains a NUL character"
    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) >= PATH_MAX:
        return f"is {len(raw):,} bytes long; paths end at {PATH_MAX - 1:,}"
    if any(len(part) > NAME_MAX for part in raw.split(b"/")):
        return f"has a name longer than {NAME_MAX} bytes"
    return None


def ao_problem(text: str) -> str | None:
    if AO_NAME.match(text):
        return None
    return f"{text!r} is not an mpv audio output name (pipewire, pulse, alsa, jack, sdl, null…)"


def shown_key(key: str) -> str:
    """A config key as a problem line names it: as written when it is plain, else quoted (a
    newline in a key would break the one line)."""
    return key if key and key.isprintable() and key.strip() == key else repr(key)


def problems(raw: dict[str, Any]) -> list[str]:
    """Everything wrong with a parsed config file, as "key: what is wrong" lines."""
    return checked(raw)[1]


def checked(raw: dict[str, Any]) -> tuple[ConfigFile, list[str]]:
    """The config as far as it is right (each wrong key left at its default, so that what
    depends on the others is still judged), and every problem, of every kind, at once."""
    found = _typed(raw, ConfigFile, "")
    config = msgspec.convert(_well_typed(raw, ConfigFile), ConfigFile)
    for key, value in (("mirror", config.mirror), ("state", config.state)):
        if value is not None and (why := path_problem(value)):
            found.append(f"{key}: {why}")
    if config.playback.ao is not None and (why := ao_problem(config.playback.ao)):
        found.append(f"playback.ao: {why}")
    for key, values, any_port in (("peers", config.peers, False), ("swarm.listen", config.swarm.listen, True),
                                  ("swarm.dht_bootstrap", config.swarm.dht_bootstrap, False)):
        for i, peer in enumerate(values):
            try:
                parse_peer(peer, any_port)
            except ValueError as exc:
                found.append(f"{key}[{i}]: {exc}")
    if not config.swarm.listen:
        found.append("swarm.listen: give at least one address to listen on (\"0.0.0.0:0\" is any free port)")
    return config, found


def _well_typed(raw: dict[str, Any], struct: type[msgspec.Struct]) -> dict[str, Any]:
    """`raw` without the keys `_typed` finds wrong (sections are kept, minus their own)."""
    fields = {f.name: f for f in msgspec.structs.fields(struct)}
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            continue
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct) and isinstance(value, dict):
            kept[key] = _well_typed(value, field.type)
        elif key == "keymap" and isinstance(value, dict):
            kept[key] = {k: v for k, v in value.items() if isinstance(v, str)}
        else:
            try:
                msgspec.convert({key: value}, struct)
            except msgspec.ValidationError:
                continue
            kept[key] = value
    return kept


def load(raw: dict[str, Any]) -> ConfigFile:
    return msgspec.convert(raw, ConfigFile)


def _typed(raw: dict[str, Any], struct: type[msgspec.Struct], prefix: str) -> list[str]:
    """Type errors key by key (msgspec stops at the first; a user wants them all)."""
    found = []
    fields = {f.name: f for f in msgspec.structs.fields(struct)}
    for key, value in raw.items():
        name = f"{prefix}{shown_key(key)}"
        field = fields.get(key)
        if field is None:
            known = ", ".join(sorted(fields))
            moved = MOVED.get(name)
            found.append(f"{name}: moved to {moved}" if moved else
                         f"{name}: not a setting longtail knows (known here: {known})")
            continue
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct) and isinstance(value, dict):
            found += _typed(value, field.type, f"{name}.")
            continue
        if key == "keymap" and isinstance(value, dict):  # binding id = "keys", each on its own
            found += [f"{name}.{shown_key(k)}: expected a string of keys such as \"ctrl+f\" or \"n,right\", got {v!r}"
                      for k, v in value.items() if not isinstance(v, str)]
            continue
        try:
            msgspec.convert({key: value}, struct)
        except msgspec.ValidationError as exc:
            found.append(f"{name}: {_words(str(exc), value, field.type)}")
    return found


def _words(message: str, value: object, field_type: object) -> str:
    """msgspec's message in words, without its `$.path` (the key is named already)."""
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
    if get_origin(field_type) is Literal:
        return f"must be one of {', '.join(map(str, get_args(field_type)))}, got {shown}"
    text = message.split(" - at `$", 1)[0].split(", got", 1)[0].replace(" | null", "")
    for theirs, ours in (("Expected `str`", "expected a string"), ("Expected `int`", "expected a whole number"),
                         ("Expected `float`", "expected a number"), ("Expected `bool`", "expected true or false"),
                         ("Expected `array`", "expected a list"), ("Expected `object`", "expected a table")):
        text = text.replace(theirs, ours)
    return f"{text.replace('`', '')}, got {shown}"


def source_relative(text: str, config: Path) -> Path:
    """A path from the config file: `~` expanded, relative ones taken from the file's folder."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else config.parent / path
