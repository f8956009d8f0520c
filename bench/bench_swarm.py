"""The real swarm's shape, on loopback in a network namespace of its own: first audio from a
missing track against the physical limit, with a corrupt seeder too, beside aria2c and
qBittorrent fetching the same file, and the cost of adding an archive-sized torrent.

    .venv/bin/python bench/bench_swarm.py [--runs 6] [--corrupt-runs 20] [--skip-clients]

The swarm (bench/swarm_kit.py): 24 real ~4 MB Vorbis files in two v1 torrents (4 MiB and
16 MiB pieces) announcing to opentracker; four libtorrent seeders, aria2c and qBittorrent,
rate-limited (the swarm's capacity is the sum of their limits); no `--peer`: peers come from
the tracker. First audio is request -> mpv started playing (`Started`, ao=null). The limit is
the bytes of the pieces mpv needs before it can start (the head and the tail's) divided by
the swarm's capacity.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import swarm_kit as kit

from tui.player.source import Source, SourceResolver

MB = 1_000_000
RATES = {"lt-a": 5 * MB, "lt-b": 3 * MB, "lt-c": 2 * MB, "lt-d": 1 * MB, "aria2c": 1500_000, "qbittorrent": 1500_000}


def options():  # how a user's longtail meets this swarm: listening on lo, peers from the tracker
    from tui.mirror.torrent_add import SwarmOptions

    return SwarmOptions(listen=("127.0.0.1:0",), dht=False, lsd=False, utp=True, upnp=False)


class StreamOnly(SourceResolver):
    """The player's resolver for one fetchable file: its stream from the torrent service."""

    def __init__(self, service, entry) -> None:
        self.service, self.entry = service, entry

    def resolve(self, track_id: str) -> Source:
        return Source(track_id, "vorbis", "stream", stream=self.service.stream(self.entry), duration_ms=200_000)


def first_audio(mirror: Path, state: Path, track_id: str) -> dict:
    """One cold start: a new session, the track requested, mpv playing it; then the whole file."""
    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover
    from tui.mirror.torrent_add import first_needed
    from tui.mirror.torrent_service import TorrentService
    from tui.player.events import Ended, Started
    from tui.player.mpv_engine import MpvEngine
    from tui.player.player import Player

    files = FileIndex(state / "files.sqlite3")
    files.refresh(discover(mirror))
    entry = files.entry(track_id)
    assert entry is not None and entry.state == "fetchable", entry
    service = TorrentService(files, state / "parts", state / "quarantine", [], loopback=False, swarm=options(),
                             seed=False)
    while not service.session.listen_port():  # a session that is up, as the TUI's is before Enter
        time.sleep(0.01)
    time.sleep(0.2)
    started, ended = threading.Event(), threading.Event()

    def listen(event) -> None:
        if isinstance(event, Started):
            started.set()
        elif isinstance(event, Ended):
            ended.set()

    player = Player(StreamOnly(service, entry), MpvEngine(ao="null"))
    player.subscribe(listen)
    began = time.monotonic()
    player.play([track_id])
    ok = started.wait(float(__import__("os").environ.get("AUDIO_WAIT", "60")))
    audio = time.monotonic() - began
    status = service.wait(track_id, float(__import__("os").environ.get("AUDIO_WAIT", "60")))
    torrent = next(iter(service.torrents.values()))
    meta = torrent.meta
    needed = first_needed(torrent, entry, 64 * 1024)
    pieces = meta.file_pieces(meta.file(entry.file_index))
    downloaded = service.downloaded_bytes()
    named = sorted(service.banned_addresses)  # shut out by our own smart-ban
    player.close()
    service.close()
    entry.path.unlink(missing_ok=True)
    files.close()
    return {"ok": ok and status is not None and status.state == "done", "first_audio": audio,
            "needed": sum(meta.piece_size(p) for p in needed), "pieces": sum(meta.piece_size(p) for p in pieces),
            "downloaded": downloaded, "added_ms": status.added_ms if status else None,
            "hash_failures": status.hash_failures if status else 0, "banned": status.banned if status else 0,
            "named": named, "state": status.line() if status else "vanished"}


def aria2c_time(torrent: Path, index: int, out: Path) -> float:
    began = time.monotonic()
    subprocess.run(["aria2c", f"--select-file={index + 1}", "--seed-time=0", "-d", str(out), "--enable-dht=false",
                    "--bt-enable-lpd=false", "--file-allocation=none", "--quiet=true", "--bt-stop-timeout=60",
                    f"--listen-port={kit.free_port()}", str(torrent)], check=False, timeout=120)
    return time.monotonic() - began


def qbittorrent_time(qb: kit.Qbittorrent, torrent: Path, index: int, out: Path) -> float:
    info_hash = qb.add(torrent, out, paused=True, skip_check=False)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not qb.files(info_hash):
        time.sleep(0.1)
    others = [str(i) for i in range(len(qb.files(info_hash))) if i != index]
    qb.post("torrents/filePrio", hash=info_hash, id="|".join(others), priority="0")
    began = time.monotonic()
    qb.post("torrents/resume", hashes=info_hash)
    while time.monotonic() - began < 120:
        if qb.files(info_hash)[index]["progress"] >= 1.0:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    qb.post("torrents/delete", hashes=info_hash, deleteFiles="true")
    return elapsed


def cli_first_audio(mirror: Path, state: Path, track_id: str) -> float:
    """`longtail play ID --json` from a process start (the file index already built, as a user's
    is) to its "started" line; the fetched file is taken away again afterwards."""
    import json
    import os

    exe = Path(sys.executable).with_name("longtail")
    config = state / "config.toml"
    state.mkdir(parents=True, exist_ok=True)
    config.write_text('[swarm]\nlisten = ["127.0.0.1:0"]\ndht = false\nlsd = false\nupnp = false\n')
    env = dict(os.environ, LONGTAIL_CONFIG=str(config))
    subprocess.run([str(exe), "index", "--files-only", "--mirror", str(mirror), "--state", str(state)], env=env,
                   capture_output=True, check=True)
    began = time.monotonic()
    proc = subprocess.Popen([str(exe), "play", track_id, "--json", "--ao", "null", "--no-seed", "--mirror",
                             str(mirror), "--state", str(state)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    elapsed = float("nan")
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line).get("event") == "started":
            elapsed = time.monotonic() - began
            break
    proc.terminate()
    proc.wait(20)
    for path in mirror.rglob(f"*{track_id}*"):
        if path.is_file():
            path.unlink()
    return elapsed


def add_cost(work: Path) -> dict:
    """A 60,000-file torrent (16 MiB pieces): request -> added, the first time and again, beside
    the previous way (our own parse of every file, a rename for each of the 59,999 others)."""
    import libtorrent as lt
    from bench_file_index import FOLDER, PER_TORRENT, make_mirror

    from tui.mirror.file_index import FileIndex
    from tui.mirror.layout import discover
    from tui.mirror.torrent_service import TorrentService
    from tui.mirror.torrents import parse_torrent

    mirror = work / "big"
    make_mirror(mirror, None, PER_TORRENT)  # one torrent of the archive's shape, 1% of its files on disk
    torrent = mirror / f"{FOLDER.format(n=0)}.torrent"
    files = FileIndex(work / "big-files.sqlite3")
    files.refresh(discover(mirror))
    entry = next(files.torrent_entries(files.torrents()[0][0], 30_000, 30_000))
    service = TorrentService(files, work / "big-parts", work / "big-q", [], loopback=True)
    out = {}
    try:
        status = service.request(entry)
        out["first"] = status.added_ms
        for again in range(3):  # as after the track finished (P6: removed, added again)
            service.cancel(entry.track_id)
            with service.cond:
                handle = service.torrents.pop(entry.info_hash).handle
            service.session.remove_torrent(handle)
            time.sleep(0.2)
            out[f"again{again}"] = service.request(entry).added_ms
    finally:
        service.close()
    t0 = time.perf_counter()  # the previous add path, timed the same way
    parsed = parse_torrent(torrent)
    atp = lt.add_torrent_params()
    atp.ti = parsed.info
    atp.renamed_files = {f.file_index: str(work / "old" / str(f.file_index)) for f in parsed.files
                         if f.file_index != entry.file_index}
    ses = lt.session({"listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False})
    atp.save_path = str(mirror)
    atp.file_priorities = [0] * len(parsed.files)
    ses.add_torrent(atp)
    out["previous"] = (time.perf_counter() - t0) * 1000
    files.close()
    return out


def main() -> None:
    kit.in_own_netns()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--corrupt-runs", type=int, default=20)
    parser.add_argument("--skip-clients", action="store_true")
    parser.add_argument("--own-addresses", action="store_true",
                        help="each seeder at a loopback address of its own, as in a real swarm (lets an IP ban work)")
    parser.add_argument("--without-own-ban", action="store_true",
                        help="the baseline: no block alerts, no smart-ban of our own (libtorrent's alone)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a libtorrent setting of longtail's session, for an A/B (repeatable)")
    parser.add_argument("--seeder-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a libtorrent setting of the four libtorrent seeders (repeatable)")
    parser.add_argument("--per-run", action="store_true", help="each clean fetch's extra bytes, in order")
    parser.add_argument("--ab", action="append", default=[], metavar="NAME=VALUE",
                        help="every other clean fetch with this libtorrent setting of longtail's session: "
                             "an A/B side by side in one run (repeatable)")
    parser.add_argument("--clean-only", action="store_true",
                        help="only the clean swarm's first audio (no corrupt seeder, CLI or add cost)")
    args = parser.parse_args()
    if args.without_own_ban:
        _without_own_ban()
    if args.setting:
        _with_settings(args.setting)
    if args.ab:
        _alternating(args.ab)
    work = Path(tempfile.mkdtemp(prefix="longtail-bench-swarm-"))
    audio = kit.vorbis_files(kit.ROOT / "bench" / "data" / "swarm-audio", 24)
    mirror, swarm_dir = work / "mirror", work / "swarm"
    ids = kit.catalogue_mirror(work / "demo", mirror, 48)  # real catalogue ids, for `longtail play`
    port = kit.free_port()
    tracker = f"http://127.0.0.1:{port}/announce"
    folders = {4: kit.make_folder(swarm_dir, mirror, audio, ids[:24], 0, 4 << 20, (tracker,)),
               16: kit.make_folder(swarm_dir, mirror, audio, ids[24:], 1, 16 << 20, (tracker,))}
    import libtorrent as lt

    hashes = [str(lt.torrent_info(str(f.torrent)).info_hash()) for f in folders.values()]
    swarm = kit.Swarm(work)
    try:
        swarm.start_tracker(hashes, port)
        pairs = [(f.torrent, swarm_dir) for f in folders.values()]
        if args.seeder_setting:
            print(f"the libtorrent seeders with {typed_settings(args.seeder_setting)}")
        for n, name in enumerate(("lt-a", "lt-b", "lt-c", "lt-d")):
            swarm.libtorrent_seeder(name, pairs, RATES[name], host=f"127.0.0.{11 + n}" if args.own_addresses
                                    else "127.0.0.1", settings=typed_settings(args.seeder_setting))
        swarm.aria2_seeder("aria2c", [f.torrent for f in folders.values()], swarm_dir, RATES["aria2c"],
                           host="127.0.0.20" if args.own_addresses else None)
        qb = swarm.qbittorrent("qb-seed")
        for f in folders.values():
            qb.add(f.torrent, swarm_dir, up_limit=RATES["qbittorrent"])
        swarm.rates["qbittorrent"] = RATES["qbittorrent"]
        time.sleep(3)  # every seeder announced
        report(work, mirror, swarm, folders, args)
    finally:
        swarm.close()


def _change_session_settings(change) -> None:  # type: ignore[no-untyped-def]
    """longtail's session settings passed through `change(lt, settings)` from here on."""
    from tui.mirror import torrent_add, torrent_service

    settings = torrent_add.session_settings

    def changed(lt, *args):  # type: ignore[no-untyped-def]
        return change(lt, settings(lt, *args))

    torrent_add.session_settings = changed
    torrent_service.session_settings = changed  # type: ignore[attr-defined]


def _without_own_ban() -> None:
    """What longtail did before its own smart-ban, for an A/B in the same swarm."""
    from tui.mirror import smart_ban

    smart_ban.CONFIRMATIONS = 1 << 30
    _change_session_settings(lambda lt, out: {**out, "alert_mask": out["alert_mask"]
                                              & ~int(lt.alert_category.block_progress)})


def typed_settings(pairs: list[str]) -> dict[str, int | bool]:
    """NAME=VALUE pairs as libtorrent settings: ints and booleans as given."""
    named = dict(pair.split("=", 1) for pair in pairs)
    return {k: (v == "true" if v in ("true", "false") else int(v)) for k, v in named.items()}


def _with_settings(pairs: list[str]) -> None:
    """longtail's session with some libtorrent settings changed (NAME=VALUE pairs)."""
    typed = typed_settings(pairs)
    print(f"longtail's session with {typed}")
    _change_session_settings(lambda _lt, out: {**out, **typed})


AB_ON = threading.Event()  # set: the next fetch's session has the --ab settings


def _alternating(pairs: list[str]) -> None:
    typed = typed_settings(pairs)
    print(f"every other clean fetch with {typed} on longtail's session")
    _change_session_settings(lambda _lt, out: {**out, **typed} if AB_ON.is_set() else out)


def report(work: Path, mirror: Path, swarm: kit.Swarm, folders: dict, args) -> None:
    capacity = swarm.capacity
    print(f"## Swarm: {len(swarm.rates)} seeders ({', '.join(swarm.rates)}), capacity {capacity / MB:.1f} MB/s\n")
    print("| pieces | runs | first audio p50 (max) | limit p50 | ratio p50 (max) | extra bytes p50 | added p50 |")
    print("|---|---|---|---|---|---|---|")
    clean: dict[int, list[dict]] = {}
    run = 0
    for piece, folder in folders.items():
        results, other = [], []
        for i in range(args.runs):
            with_ab = bool(args.ab) and i % 2 == 1
            (AB_ON.set if with_ab else AB_ON.clear)()
            # a track may come round again: each fetch has a state directory of its own
            (other if with_ab else results).append(
                first_audio(mirror, work / f"state-{run}", folder.ids[i % len(folder.ids)]))
            run += 1
        AB_ON.clear()
        clean[piece] = results
        arms = [(f"{piece} MiB", results)] + ([(f"{piece} MiB, {' '.join(args.ab)}", other)] if args.ab else [])
        for label, arm in arms:
            print(row(label, arm, capacity))
            if args.per_run:  # in the order they ran: a drift over the runs shows here
                print("  extra bytes per run: " + " ".join(
                    f"{(r['downloaded'] - r['pieces']) / r['pieces'] * 100:.1f}%/{r['pieces'] >> 20}MiB" for r in arm))
    if args.clean_only:
        return
    aria, qbit = {}, {}
    if not args.skip_clients:
        qb = swarm.qbittorrent("qb-leech")
        for piece, folder in folders.items():
            aria[piece] = statistics.median(aria2c_time(folder.torrent, i, work / f"aria-{piece}-{i}")
                                            for i in range(args.runs, args.runs + 3))
            qbit[piece] = statistics.median(qbittorrent_time(qb, folder.torrent, i, work / f"qb-{piece}-{i}")
                                            for i in range(args.runs + 3, args.runs + 6))
    kit.corrupt_copy(work / "swarm", work / "evil", folders[16])
    swarm.aria2_seeder("evil", [folders[16].torrent], work / "evil", 20 * MB, good=False,
                       host="127.0.0.99" if args.own_addresses else None)
    time.sleep(3)
    corrupt = []
    for i in range(args.corrupt_runs):
        track = folders[16].ids[(args.runs + 6 + i) % 24]
        corrupt.append(first_audio(mirror, work / f"state-{run}", track))
        run += 1
    print(row("16 MiB + a corrupt seeder", corrupt, capacity))
    stalls = sum(1 for r in corrupt if not r["ok"])
    clean16 = statistics.median(r["first_audio"] for r in clean[16])
    worst = max(r["first_audio"] for r in corrupt)
    print(f"\ncorrupt seeder: {stalls} stalls in {len(corrupt)} runs; first audio p50 "
          f"{statistics.median(r['first_audio'] for r in corrupt):.2f} s, max {worst:.2f} s, "
          f"{statistics.median(r['first_audio'] for r in corrupt) / clean16:.2f}× the clean swarm's p50; "
          f"hash failures {sum(r['hash_failures'] for r in corrupt)}, peers banned {sum(r['banned'] for r in corrupt)}"
          f" (by our smart-ban: {sum(1 for r in corrupt if r['named'])} runs, "
          f"addresses {sorted({a for r in corrupt for a in r['named']})})")
    for piece in aria:
        ours = statistics.median(r["first_audio"] for r in clean[piece])
        print(f"{piece} MiB, the whole file: aria2c {aria[piece]:.2f} s, qBittorrent {qbit[piece]:.2f} s; "
              f"longtail's first audio {ours:.2f} s")
    cli = [cli_first_audio(mirror, work / f"cli-{i}", folders[16].ids[(args.runs + 6 + args.corrupt_runs + i) % 24])
           for i in range(3)]
    print(f"`longtail play --json` of a missing track (16 MiB pieces), start to first audio: "
          f"p50 {statistics.median(cli):.2f} s ({', '.join(f'{c:.2f}' for c in cli)}); in-process p50 {clean16:.2f} s, "
          f"+{statistics.median(cli) - clean16:.2f} s")
    cost = add_cost(work)
    print(f"\n60,000-file torrent, request -> added: first {cost['first']:.0f} ms, again "
          f"{', '.join(f'{cost[k]:.0f}' for k in ('again0', 'again1', 'again2'))} ms; the previous add path "
          f"{cost['previous']:.0f} ms ({cost['previous'] / max(cost['first'], 0.001):.0f}× the first)")


def row(label: str, results: list[dict], capacity: int) -> str:
    audio = [r["first_audio"] for r in results]
    limits = [r["needed"] / capacity for r in results]
    ratios = [a / lim for a, lim in zip(audio, limits, strict=True)]
    extra = [(r["downloaded"] - r["pieces"]) / r["pieces"] for r in results]
    added = [r["added_ms"] for r in results if r["added_ms"] is not None]
    failed = [r["state"] for r in results if not r["ok"]]
    note = f" ({len(failed)} failed: {failed[0]})" if failed else ""
    return (f"| {label} | {len(results)} | {statistics.median(audio):.2f} s ({max(audio):.2f}) | "
            f"{statistics.median(limits):.2f} s | {statistics.median(ratios):.2f}× ({max(ratios):.2f}) | "
            f"{statistics.median(extra) * 100:.1f}% (mean {statistics.mean(extra) * 100:.1f}%) | "
            f"{statistics.median(added):.0f} ms |{note}")


if __name__ == "__main__":
    main()
