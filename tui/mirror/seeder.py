"""A loopback seeder: serves complete copies of data folders on 127.0.0.1.

The demo uses it as its "swarm"; tests and bench/ use it as a real BitTorrent
peer. Settings follow what docs/libtorrent.md records:
no DHT/LSD/UPnP/NAT-PMP, several connections per IP allowed, a 100 ms tick.
"""

from __future__ import annotations

import time
from pathlib import Path

import libtorrent as lt

from tui.mirror.torrents import LOAD_LIMITS


def loopback_settings(port: int = 0) -> dict:
    return {
        "listen_interfaces": f"127.0.0.1:{port}",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "tick_interval": 100,
        "alert_mask": lt.alert_category.error | lt.alert_category.status,
        "user_agent": "longtail-seeder",
    }


class LoopbackSeeder:
    def __init__(self, torrents: list[tuple[Path, Path]], port: int = 0,
                 upload_rate_limit: int = 0) -> None:
        """`torrents`: (.torrent path, save path holding the complete data folder)."""
        self.torrents = torrents
        self.port = port
        self.upload_rate_limit = upload_rate_limit
        self.session: lt.session | None = None
        self.handles: list[lt.torrent_handle] = []

    def start(self, wait_seconds: float = 10.0) -> int:
        settings = loopback_settings(self.port)
        if self.upload_rate_limit:
            settings["upload_rate_limit"] = self.upload_rate_limit
        ses = lt.session(settings)  # type: ignore[call-overload]  # the stubs lack the dict form
        if self.upload_rate_limit:
            # Rate limits skip the local peer class, so loopback would be unlimited (docs/libtorrent.md P8).
            f = lt.ip_filter()
            f.add_rule("0.0.0.0", "255.255.255.255", 1 << ses.global_peer_class_id)
            ses.set_peer_class_filter(f)
        for torrent, save_path in self.torrents:
            atp = lt.add_torrent_params()
            atp.ti = lt.torrent_info(torrent.read_bytes(), dict(LOAD_LIMITS))  # type: ignore[call-overload]
            atp.save_path = str(save_path)
            atp.flags = (atp.flags | lt.torrent_flags.seed_mode) & ~lt.torrent_flags.auto_managed \
                & ~lt.torrent_flags.paused
            self.handles.append(ses.add_torrent(atp))
        self.session = ses
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if all(h.status().is_seeding for h in self.handles) and ses.listen_port():
                break
            time.sleep(0.02)
        self.port = ses.listen_port()
        return self.port

    @property
    def endpoint(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def uploaded_bytes(self) -> int:
        return sum(h.status().total_payload_upload for h in self.handles)

    def stop(self) -> None:
        if self.session is not None:
            self.session.pause()
            self.session = None
            self.handles = []

    def __enter__(self) -> LoopbackSeeder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
