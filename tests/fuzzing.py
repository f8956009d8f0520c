"""Fuzz targets and byte mutators, shared by tests/test_fuzz.py (hypothesis, bounded) and
bench/bench_fuzz.py (a long mutation run that counts crashes and hangs).

A target returns "ok" or "rejected" (a clean, one-line refusal: TorrentError, UsageError);
anything else it raises is a crash, and a broken invariant is an AssertionError."""

from __future__ import annotations

import random
from pathlib import Path

from tui.config import Settings
from tui.errors import TorrentError, UsageError
from tui.mirror.ogg import OggScanner
from tui.mirror.torrents import parse_torrent

INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, ord("0"), ord("9"), ord(":"), ord("e"), ord("d"), ord("l"), ord("i"),
               ord("-"), ord("/"), ord("."), ord("["), ord("]"), ord('"'), ord("="), ord("\n")]


def mutate(data: bytes, rng: random.Random, others: list[bytes], rounds: int = 0) -> bytes:
    """A few random edits: bit flips, interesting bytes, inserts, deletes, copies, cuts, splices."""
    out = bytearray(data)
    for _ in range(rounds or rng.randint(1, 6)):
        op = rng.randrange(8)
        at = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and out:
            out[min(at, len(out) - 1)] = rng.choice(INTERESTING)
        elif op == 2:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 3 and out:
            del out[at:at + rng.randint(1, 64)]
        elif op == 4 and out:
            start = rng.randrange(len(out))
            out[at:at] = out[start:start + rng.randint(1, 256)]
        elif op == 5:
            del out[at:]
        elif op == 6 and others:
            other = rng.choice(others)
            cut = rng.randrange(len(other) + 1)
            out[at:] = other[cut:]
        elif op == 7 and out:  # a number somewhere, as bencode and TOML carry them
            out[at:at] = str(rng.choice([-1, 0, 2**31, 2**63, 10**20, rng.randrange(10**6)])).encode()
    return bytes(out)


def torrent_target(data: bytes, workdir: Path) -> str:
    path = workdir / "fuzz.torrent"
    path.write_bytes(data)
    try:
        parsed = parse_torrent(path)
    except TorrentError as exc:
        assert "\n" not in str(exc)
        return "rejected"
    folder = parsed.name
    offset = 0
    for f in parsed.files:
        parts = f.path.split("/")
        assert f.path == folder or parts[0] == folder, f.path  # never outside the torrent's folder
        assert not any(p in ("", ".", "..") for p in parts) and "\0" not in f.path, f.path
        assert f.size >= 0 and f.offset == offset
        offset += f.size
    assert offset == parsed.total_size
    assert len(parsed.piece_hashes) == 20 * parsed.num_pieces
    return "ok"


def _scan(data: bytes, cuts: list[int]) -> tuple:
    scanner = OggScanner()
    start = 0
    for cut in [*sorted(set(c for c in cuts if 0 < c < len(data))), len(data)]:
        if cut > start:
            scanner.feed(data[start:cut])
        start = cut
    info = scanner.finish()
    return (info.pages, [(p.code, p.detail) for p in info.problems],
            [(link.serial, link.codec, link.last_granule, link.ended) for link in info.links], info.duration_ms)


def ogg_target(data: bytes, cuts: list[int]) -> str:
    """The page scanner never raises, and what it finds does not depend on how the bytes arrive."""
    whole = _scan(data, [])
    assert _scan(data, cuts) == whole, (whole, cuts)
    return "ok" if not whole[1] else "rejected"


def config_target(data: bytes, workdir: Path) -> str:
    path = workdir / "config.toml"
    path.write_bytes(data)
    try:
        settings = Settings.load(path)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return "rejected"
    assert settings.playback.replaygain in ("track", "album", "off")
    assert isinstance(settings.playback.preamp, float) and -15 <= settings.playback.preamp <= 15
    assert isinstance(settings.seeding.upload_limit_kib, int) and settings.seeding.upload_limit_kib >= 0
    assert isinstance(settings.seeding.enabled, bool) and isinstance(settings.keymap, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in settings.keymap.items())
    assert settings.mirror_dir is None or "\0" not in str(settings.mirror_dir)
    return "ok"


CONFIG_SEEDS = [
    b'mirror = "/data/spotify"\ntheme = "nord"\npeers = ["192.0.2.10:6881", "[::1]:7000"]\n'
    b'[seeding]\nenabled = true\nupload_limit_kib = 512\nratio = 2.0\n'
    b'[playback]\nreplaygain = "track"\npreamp = 0.0\n[keymap]\n"app.search" = "ctrl+s"\n',
    b'state = "state"\n[playback]\nreplaygain = "album"\npreamp = -3\n',
    b"",
]


def torrent_seeds(folders: list[Path]) -> list[bytes]:
    return [p.read_bytes() for folder in folders for p in sorted(folder.glob("*.torrent"))]


def ogg_seeds(folders: list[Path], head: int = 24_000) -> list[bytes]:
    """The first pages of real Vorbis and Opus files (and one whole, with its end)."""
    files = sorted(p for folder in folders for p in folder.glob("annas_archive_data__*/*") if p.is_file())
    seeds = [p.read_bytes()[:head] for p in files[:6]]
    return [*seeds, files[0].read_bytes()] if files else seeds
