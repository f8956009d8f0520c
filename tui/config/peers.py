"""Known peers as users write them: `host:port`, `[v6]:port` or `name:port`. Only the syntax
is checked here; names are resolved once, when fetching starts."""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

from tui.errors import quoted

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class PeerAddress(NamedTuple):
    host: str  # an IPv4 or IPv6 address (without brackets) or a host name
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_peer(text: str, any_port: bool = False) -> PeerAddress:
    """`text` as an address, or ValueError saying what is wrong with it in a few words.
    `any_port`: port 0 (a listen address: "any free port") is taken too."""
    text = text.strip()
    if text.startswith("["):
        host, close, rest = text[1:].partition("]")
        if not close or not rest.startswith(":"):
            raise ValueError(f"{quoted(text)} is not [IPv6]:PORT")
        port = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{quoted(host)} is not an IPv6 address") from None
    else:
        host, sep, port = text.rpartition(":")
        if not sep or not host:
            raise ValueError(f"{quoted(text)} is not HOST:PORT")
        if ":" in host:
            raise ValueError(f"{quoted(text)}: write an IPv6 address in brackets, [{host}]:{port}")
        if not _is_ipv4(host) and not _is_name(host):
            raise ValueError(f"{quoted(host)} is neither an IP address nor a host name")
    lowest = 0 if any_port else 1
    if not port.isascii() or not port.isdigit() or not lowest <= int(port) <= 65535:
        raise ValueError(f"port {quoted(str(port))} of {quoted(text)} is not a number from {lowest} to 65535")
    return PeerAddress(host, int(port))


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _is_name(host: str) -> bool:
    name = host.rstrip(".")
    labels = name.split(".")
    return (0 < len(name) <= 253 and name.isascii() and all(_LABEL.match(label) for label in labels)
            and not labels[-1].isdigit())  # "999.1.1.1" is a broken address, not a name
