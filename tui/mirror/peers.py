"""Known peers, resolved once: libtorrent dials addresses, not names."""

from __future__ import annotations

import ipaddress
import socket

from tui.config.peers import PeerAddress
from tui.errors import LongtailError


def resolve_peers(peers: list[PeerAddress]) -> list[tuple[str, int]]:
    """Every address of every peer (a name may have an IPv4 and an IPv6 one), duplicates dropped."""
    out: dict[tuple[str, int], None] = {}
    for peer in peers:
        try:
            infos = socket.getaddrinfo(peer.host, peer.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
            raise LongtailError(f"cannot resolve the peer {peer} ({reason})",
                             "check the name, or give the peer's IP address") from None
        for _family, _type, _proto, _name, address in infos:
            out[(str(address[0]), peer.port)] = None
    return list(out)


def all_loopback(peers: list[tuple[str, int]]) -> bool:
    return bool(peers) and all(ipaddress.ip_address(host.split("%")[0]).is_loopback for host, _ in peers)
