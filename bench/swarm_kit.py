"""A swarm shaped like the archive's, on loopback, for bench_swarm.py and the swarm tests.

Real Vorbis files of ~4 MB (160 kbit/s, as the archive's popular tier), v1 torrents of
4 MiB and 16 MiB pieces announcing to a local opentracker, and seeders of mixed rates:
libtorrent sessions in their own processes, aria2c and qBittorrent (other clients, as a
public swarm has), and optionally a corrupt copy served by aria2c `--bt-seed-unverified`
(it sends what it has without checking it). Rate limits apply on loopback only because
every address is put in the global peer class (docs/libtorrent.md P8).

Everything that would start DHT, LSD or UPnP runs in a network namespace of its own:
`in_own_netns()` re-runs the calling script under `unshare -n` with lo up.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLDER = "annas_archive_data__aacid__spotify_files_pop_{n}__20260116T000346Z--20260116T000347Z"
SEEDER = r"""
import json, sys, time, libtorrent as lt
cfg = json.loads(sys.argv[1])
s = lt.session({"listen_interfaces": f"{cfg.get('host', '127.0.0.1')}:{cfg['port']}", "enable_dht": False,
                "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                "allow_multiple_connections_per_ip": True, "tick_interval": 100, "upload_rate_limit": cfg["rate"],
                "enable_outgoing_utp": True, "enable_incoming_utp": True, "alert_mask": 0, **cfg.get("settings", {})})
f = lt.ip_filter(); f.add_rule("0.0.0.0", "255.255.255.255", 1 << s.global_peer_class_id); s.set_peer_class_filter(f)
for torrent, save in cfg["torrents"]:
    a = lt.add_torrent_params(); a.ti = lt.torrent_info(torrent); a.save_path = save
    a.flags |= lt.torrent_flags.seed_mode; a.flags &= ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    s.add_torrent(a)
print("ready", flush=True)
sys.stdin.read()
"""


def in_own_netns() -> None:
    """Re-run this script in a network namespace of its own (nothing leaves the machine)."""
    if os.environ.get("LONGTAIL_NETNS") == "1":
        return
    if not shutil.which("unshare"):
        sys.exit("bench: needs unshare (util-linux) to run in its own network namespace")
    env = dict(os.environ, LONGTAIL_NETNS="1")
    cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", sys.executable, *sys.argv]
    sys.exit(subprocess.run(cmd, env=env).returncode)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vorbis_files(cache: Path, n: int, seconds: int = 200) -> list[Path]:
    """n real Ogg Vorbis files at 160 kbit/s (~4 MB each), made once with ffmpeg and cached."""
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = cache / f"noise-160k-{seconds}s-{i:03d}.ogg"
        if not path.exists():
            colour = ("pink", "white", "brown")[i % 3]
            tmp = path.with_suffix(".tmp.ogg")
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                            f"anoisesrc=d={seconds}:c={colour}:a=0.3:seed={i + 1}", "-ac", "2", "-ar", "44100",
                            "-c:a", "libvorbis", "-b:a", "160k", "-minrate", "160k", "-maxrate", "160k", str(tmp)],
                           check=True)  # managed bitrate: 160 kbit/s as the archive's popular tier, ~4 MB
            tmp.rename(path)
        out.append(path)
    return out


def catalogue_mirror(demo: Path, mirror: Path, n: int) -> list[str]:
    """A mirror holding a small demo catalogue (its metadata folder only), and n of its track ids."""
    import sqlite3

    from tui.demo.build import DemoSpec, build_demo
    from tui.demo.paths import DemoPaths

    paths = build_demo(DemoPaths(demo), DemoSpec(tracks=2000, audio_tracks=6, seed=7))
    metadata = next(paths.mirror.glob("annas_archive_spotify_*_metadata"))
    shutil.copytree(metadata, mirror / metadata.name)
    conn = sqlite3.connect(f"file:{mirror / metadata.name / 'spotify_clean.sqlite3'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY rowid LIMIT ?", (n,))]
    conn.close()
    return ids


def track_ids(n: int, seed: int) -> list[str]:
    from tui.demo.rows import Ids

    ids = Ids(seed)
    return [ids.next() for _ in range(n)]


@dataclass
class Folder:
    name: str
    piece: int
    torrent: Path
    ids: list[str]
    names: list[str]  # file names, in the order of ids


def make_folder(swarm: Path, mirror: Path, audio: list[Path], ids: list[str], number: int, piece: int,
                trackers: tuple[str, ...]) -> Folder:
    """A data folder of `audio` under AACID names in the swarm (complete), an empty twin in the
    mirror, and its v1 torrent (with `trackers`) in the mirror."""
    from tui.mirror.torrents import make_v1_torrent

    name = FOLDER.format(n=number)
    data = swarm / name
    data.mkdir(parents=True, exist_ok=True)
    names = []
    for track_id, src in zip(ids, audio, strict=True):
        file_name = f"aacid__spotify_files_pop_{number}__20260116T000346Z__{track_id}__AbCdEfGhJkLmNpQrStUvWx"
        target = data / file_name
        if not target.exists():
            os.link(src, target)  # the same bytes, no copy
        names.append(file_name)
    (mirror / name).mkdir(parents=True, exist_ok=True)
    torrent = mirror / f"{name}.torrent"
    make_v1_torrent(data, piece, torrent, trackers)
    return Folder(name, piece, torrent, ids, names)


def corrupt_copy(swarm: Path, evil: Path, folder: Folder) -> None:
    """The folder's files with one byte flipped in every 16 KiB block: every piece fails its hash."""
    (evil / folder.name).mkdir(parents=True, exist_ok=True)
    for file_name in folder.names:
        body = bytearray((swarm / folder.name / file_name).read_bytes())
        for offset in range(100, len(body), 16384):
            body[offset] ^= 0xFF
        (evil / folder.name / file_name).write_bytes(bytes(body))


@dataclass
class Swarm:
    """The processes of a loopback swarm; `close` ends them all."""

    work: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    rates: dict[str, int] = field(default_factory=dict)  # seeder -> bytes/s (good copies only)
    tracker: str = ""

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()

    @property
    def capacity(self) -> int:
        return sum(self.rates.values())

    def start_tracker(self, info_hashes: list[str], port: int | None = None) -> str:
        # opentracker chroots into -d and drops to the user "nobody" before it reads the whitelist:
        # a directory of its own that nobody may read, the whitelist inside it
        home = self.work / "tracker"
        home.mkdir(mode=0o755, exist_ok=True)
        whitelist = home / "whitelist"
        whitelist.write_text("".join(f"{h}\n" for h in info_hashes))
        whitelist.chmod(0o644)
        port = port or free_port()
        self.procs.append(subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(port), "-P", str(port),
                                            "-d", str(home), "-w", "whitelist"], cwd=home,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.tracker = f"http://127.0.0.1:{port}/announce"
        return self.tracker

    def libtorrent_seeder(self, name: str, torrents: list[tuple[Path, Path]], rate: int,
                          port: int | None = None, host: str = "127.0.0.1", settings: dict | None = None) -> None:
        """`host`: another loopback address (127.0.0.2...) gives the seeder an address of its own,
        as peers of a real swarm have (what an IP ban needs to tell them apart); `settings`: more
        libtorrent settings of the seeder's session."""
        cfg = {"port": port or free_port(), "rate": rate, "torrents": [[str(t), str(s)] for t, s in torrents],
               "host": host, "settings": settings or {}}
        proc = subprocess.Popen([sys.executable, "-c", SEEDER, json.dumps(cfg)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        self.procs.append(proc)
        self.rates[name] = rate

    def aria2_seeder(self, name: str, torrents: list[Path], save: Path, rate: int, good: bool = True,
                     port: int | None = None, host: str | None = None) -> None:
        """aria2c seeding what is in `save` without checking it (so a corrupt copy goes out as is);
        `host`: a loopback address of its own to listen and announce from."""
        port = port or free_port()
        bind = [f"--interface={host}"] if host else []
        log = self.work / f"{name}.log"
        self.procs.append(subprocess.Popen(
            ["aria2c", "--seed-ratio=0.0", "--bt-seed-unverified=true", "--check-integrity=false", "-d", str(save),
             f"--listen-port={port}", f"--dht-listen-port={free_port()}", "--enable-dht=false",
             "--bt-enable-lpd=false", "--enable-peer-exchange=false", f"--max-upload-limit={rate}",
             "--file-allocation=none", "--quiet=true", f"--log={log}", "--log-level=warn", *bind,
             *map(str, torrents)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if good:
            self.rates[name] = rate

    def qbittorrent(self, name: str) -> Qbittorrent:
        return Qbittorrent(self, self.work / name)


class Qbittorrent:
    """qbittorrent-nox with a profile of its own, driven through its Web API."""

    def __init__(self, swarm: Swarm, profile: Path) -> None:
        self.swarm = swarm
        config = profile / "qBittorrent" / "config"
        config.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (config / "qBittorrent.conf").write_text(
            "[LegalNotice]\nAccepted=true\n\n[Preferences]\n"
            f"WebUI\\Port={self.port}\nWebUI\\LocalHostAuth=false\nWebUI\\CSRFProtection=false\n"
            f"WebUI\\HostHeaderValidation=false\nConnection\\PortRangeMin={free_port()}\n")
        self.proc = subprocess.Popen(["qbittorrent-nox", f"--profile={profile}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        swarm.procs.append(self.proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.get("app/version")
                break
            except OSError:
                time.sleep(0.2)
        self.post("app/setPreferences", json=json.dumps({
            "dht": False, "lsd": False, "pex": False, "upnp": False, "limit_lan_peers": True,
            "limit_utp_rate": True, "max_connec": 500, "max_connec_per_torrent": 100}))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2/{path}"

    def get(self, path: str, **params: str) -> object:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url(path) + query, timeout=5) as reply:
            body = reply.read()
        try:
            return json.loads(body)
        except ValueError:
            return body.decode()

    def post(self, path: str, **fields: str) -> None:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url(path), data=data), timeout=10):
            pass

    def add(self, torrent: Path, save: Path, paused: bool = False, up_limit: int = 0, skip_check: bool = True) -> str:
        """Add a torrent (multipart upload, as the Web API wants); returns its info hash."""
        import libtorrent as lt

        boundary = "longtail-bench"
        parts = [("savepath", str(save)), ("skip_checking", "true" if skip_check else "false"),
                 ("paused", "true" if paused else "false"), ("upLimit", str(up_limit)), ("sequentialDownload", "false")]
        body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                        for k, v in parts)
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"torrents\"; filename=\"{torrent.name}\"\r\n"
                 "Content-Type: application/x-bittorrent\r\n\r\n").encode() + torrent.read_bytes() + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.url("torrents/add"), data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=10):
            pass
        return str(lt.torrent_info(str(torrent)).info_hash())

    def files(self, info_hash: str) -> list[dict]:
        """The torrent's files, or [] while qBittorrent does not know it yet (its API says 404)."""
        try:
            return self.get("torrents/files", hash=info_hash)  # type: ignore[return-value]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise
