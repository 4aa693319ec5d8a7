"""The SSRF guard: may the gateway send a request to this URL? One function, used when a contract is
registered (base_url, token_url) and again at call time, where the caller connects to the returned
addresses only (pinned), so a DNS answer that changes in between cannot slip through.

Refused: anything but https (plain http only to loopback, only in local development mode); user info
in the URL; numeric hosts in any form but canonical dotted-decimal or bracketed IPv6 (decimal, octal,
hex and short forms like 2130706433, 0177.0.0.1, 0x7f.1, 127.1 are what getaddrinfo quietly accepts);
names of the local machine or an internal zone; and a host whose resolved addresses include a single
one that is not public: loopback, private, link-local (169.254.169.254 and the other cloud metadata
addresses), shared (100.64/10), multicast, reserved, unspecified, or an IPv6 address carrying one of
those as IPv4 (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cockpit.errors import ProblemItem, UnsafeDestination

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

# Names that mean "this machine" or a provider's internal zone, refused before any lookup.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata")
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".intranet")
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "168.63.129.16")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)
_DOTTED_DECIMAL = re.compile(
    r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
)


@dataclass(frozen=True)
class Destination:
    """A checked URL: connect to one of `addresses` (and nothing else), sending Host/SNI `host`."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (A and AAAA)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_destination(
    url: str, *, dev_mode: bool, resolve: Resolver = system_resolver, field: str = "base_url"
) -> Destination:
    """The checked destination of `url`, or UnsafeDestination (422) naming `field` and the reason.

    dev_mode (local development only) also admits loopback addresses (and the name localhost), over
    http or https.
    """

    def refuse(why: str) -> UnsafeDestination:
        return UnsafeDestination(
            f"{field} {why}", errors=[ProblemItem(pointer="/" + field.replace(".", "/"), message=why)]
        )

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse(f"is not a valid URL ({exc})") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".").lower()
    if scheme not in ("https", "http"):
        raise refuse("must use https")
    if not host:
        raise refuse("has no host")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not carry user information (credentials go in auth)")
    addresses = _addresses(host, port or (443 if scheme == "https" else 80), resolve, refuse, dev_mode)
    loopback = all(_effective(a).is_loopback for a in addresses)
    if scheme == "http" and not (dev_mode and loopback):
        raise refuse("must use https (plain http only to loopback in local development mode)")
    for address in addresses:
        why = unsafe_reason(address, allow_loopback=dev_mode)
        if why:
            raise refuse(f"resolves to {why} address {address}")
    return Destination(scheme, host, port or (443 if scheme == "https" else 80), tuple(addresses))


def _addresses(
    host: str, port: int, resolve: Resolver, refuse: Callable[[str], UnsafeDestination], dev_mode: bool
) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    if _NUMERIC_HOST.match(host):
        raise refuse(f"host {host!r} is a numeric address in a non-standard form; use dotted-decimal")
    if host == "localhost" and dev_mode:
        return [ipaddress.IPv4Address("127.0.0.1")]  # what a developer means, without asking a resolver
    if host in _LOCAL_NAMES or host.endswith(_INTERNAL_SUFFIXES):
        raise refuse(f"host {host!r} names the local machine or an internal zone")
    try:
        found = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
    except (OSError, UnicodeError, ValueError):
        raise refuse(f"host {host!r} does not resolve") from None
    if not found:
        raise refuse(f"host {host!r} does not resolve")
    return found


def _literal(host: str) -> IPAddress | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return None
    if _DOTTED_DECIMAL.match(host):
        return ipaddress.IPv4Address(host)
    return None


def _effective(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64), else itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def unsafe_reason(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the gateway must not connect to `address` ("private", "loopback", ...), or None if public."""
    effective = _effective(address)  # what an embedded IPv4 address reaches comes first: it is the target
    for candidate in (effective, address) if effective != address else (address,):
        if candidate in _METADATA:
            return "a cloud metadata"
        if candidate.is_loopback:
            if allow_loopback:
                continue
            return "a loopback"
        for reason, flag in (
            ("an unspecified", candidate.is_unspecified),
            ("a link-local", candidate.is_link_local),
            ("a multicast", candidate.is_multicast),
            ("a private", candidate.is_private),
            ("a reserved", candidate.is_reserved),
            ("a non-public", not candidate.is_global),
        ):
            if flag:
                return reason
    return None
