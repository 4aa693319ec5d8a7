"""The one rule for where the gateway may send a partner request (SSRF guard).

A partner URL must be `https` to a name whose EVERY resolved address is public. The check happens
where the connection is made: `GuardedBackend` resolves the name, checks each address and connects to
the address it checked (the name stays in the URL, so TLS SNI, certificate verification and the Host
header are the partner's name), so a DNS answer that changes between check and connect (rebinding)
never reaches a private address. Local development mode alone may reach loopback addresses (plain
`http` too, on loopback only: a loopback address or `localhost`, see `url_refusal`).

Registration (the contracts function, through `check_destination`, which answers a 422 problem naming
the field) and invocation (the partner target, `check_url` and `GuardedBackend`) use this one rule;
so do the first-party providers' configured URLs (`url_refusal`: charging's CPO, navigation's AMap and
OSRM, payments' processor).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore

from cockpit.errors import ProblemItem, UnsafeDestination

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure instance metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS instance metadata over IPv6
    ipaddress.ip_address("169.254.170.2"),  # ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud instance metadata
    ipaddress.ip_address("168.63.129.16"),  # Azure platform (wire server)
}
# Names that mean "this machine" or a provider's internal zone, refused before any lookup.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata")
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".intranet")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


class AddressRefused(ValueError):
    """The URL or one of the addresses its host resolves to may not be called."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver answers for host (A and AAAA)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host names, in every form a resolver accepts: dotted, decimal
    (2130706433), octal (0177.0.0.1), hex (0x7f.1), shortened (127.1) and IPv6 literals."""
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        pass
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    try:
        values = [int(p, 16) if p[:2].lower() == "0x" else int(p, 8) if len(p) > 1 and p[0] == "0" else int(p)
                  for p in parts]  # fmt: skip
    except ValueError:  # "0x" alone, or an 8 or 9 in an octal part: no resolver reads it as an address
        raise AddressRefused(f"{host!r} is a malformed numeric address") from None
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        raise AddressRefused(f"{host!r} is a malformed numeric address")
    number = 0
    for v in leading:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(number)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
    NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:ab:cd::) or Teredo."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = int(ip)
    if ip in _NAT64 or (packed >> 32 == 0 and packed > 1):
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, *, allow_local: bool = False) -> str | None:
    """Why `ip` may not be called, or None. `allow_local` (development mode only) lets loopback
    addresses through; private, metadata, link-local, multicast and unspecified ones never are."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = refusal(inner, allow_local=allow_local)
            return f"carries {inner}, which {why}" if why else None
    if ip in _METADATA:
        return "is a cloud metadata address"
    checks: Iterable[tuple[bool, str]] = (
        (ip.is_unspecified, "is unspecified"),
        (ip.is_multicast, "is multicast"),
        (ip.is_link_local, "is link-local"),
        (not allow_local and ip.is_loopback, "is loopback"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "is carrier-grade NAT space"),
        (ip.is_reserved and not ip.is_loopback, "is reserved"),
        (ip.is_private and not ip.is_loopback, "is private"),
    )
    for hit, why in checks:
        if hit:
            return why
    if not ip.is_global and not (allow_local and ip.is_loopback):
        return "is not a public address"
    return None


def check_addresses(host: str, addresses: Iterable[str], *, allow_local: bool) -> list[IPAddress]:
    """Every address parsed and checked; AddressRefused names the first that fails."""
    checked: list[IPAddress] = []
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%")[0])
        why = refusal(ip, allow_local=allow_local)
        if why:
            raise AddressRefused(f"{host} resolves to {ip}, which {why}")
        checked.append(ip)
    if not checked:
        raise AddressRefused(f"{host} resolves to no address")
    return checked


def url_refusal(url: str, *, dev_mode: bool) -> str | None:
    """Why the gateway may not call `url`, or None: THE rule for every partner and provider URL (a
    registered contract, an OAuth token endpoint, OCPI_VERSION_URL, AMAP_BASE_URL, OSRM_BASE_URL,
    STRIPE_API_BASE), decided from the URL alone, before any lookup.

    https to a host; plain http only in local development and only to loopback written as such: a
    loopback address (127.0.0.0/8, ::1) or the name `localhost`. A name that merely resolves there
    (`127.0.0.1.nip.io`) is not loopback to this rule. A numeric host is checked as the address it is
    (private, metadata, link-local… refused). Names are checked where the connection is made
    (`resolve`, `GuardedBackend`), since a lookup's answer may change."""
    try:
        checked_target(url, dev_mode=dev_mode)
    except AddressRefused as exc:
        return str(exc)
    return None


def checked_target(url: str, *, dev_mode: bool) -> Target:
    """`url_refusal`'s rule, raising AddressRefused; the target it checked."""
    target = parse_target(url, dev_mode=dev_mode)
    literal = numeric_host(target.host)
    if literal is not None:
        check_addresses(target.host, [str(literal)], allow_local=dev_mode)
    loopback = literal.is_loopback if literal is not None else target.host.lower().rstrip(".") == "localhost"
    if target.scheme == "http" and not loopback:
        raise AddressRefused(f"{url}: plain http is allowed only to a loopback address")
    return target


def check_url(url: str, *, dev_mode: bool = False, resolver: Resolver | None = None) -> list[IPAddress]:
    """Check a partner URL: the URL rule (`url_refusal`), then every address its host resolves to.
    Returns the addresses."""
    target = checked_target(url, dev_mode=dev_mode)
    return resolve(target.host, target.port, dev_mode=dev_mode, resolver=resolver)


@dataclass(frozen=True)
class Destination:
    """A checked URL: its scheme, host, port and the addresses it resolved to (all public)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def check_destination(
    url: str, *, dev_mode: bool, resolve: Resolver = system_resolver, field: str = "base_url"
) -> Destination:
    """`check_url` for a value a caller gave us: UnsafeDestination (422) names `field` and the reason."""
    try:
        target = parse_target(url, dev_mode=dev_mode)
        literal = numeric_host(target.host)
        if (
            isinstance(literal, ipaddress.IPv4Address)
            and ":" not in target.host
            and target.host != str(literal)
        ):
            # 2130706433, 0177.0.0.1, 0x7f.1, 127.1: no partner needs them; they exist to fool checks
            raise AddressRefused(f"{target.host} is a numeric address in a non-standard form; use {literal}")
        addresses = check_url(url, dev_mode=dev_mode, resolver=resolve)
    except AddressRefused as exc:
        pointer = "/" + field.replace(".", "/")
        raise UnsafeDestination(
            f"{field}: {exc}", errors=[ProblemItem(pointer=pointer, message=str(exc))]
        ) from None
    return Destination(target.scheme, target.host, target.port, tuple(addresses))


def unsafe_reason(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the gateway must not connect to `address`, or None if it may."""
    return refusal(address, allow_local=allow_loopback)


def parse_target(url: str, *, dev_mode: bool = False) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(f"{url!r} is not a valid URL") from None
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not dev_mode):
        raise AddressRefused(f"{url}: only https URLs may be called")
    if not parts.hostname:
        raise AddressRefused(f"{url}: the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(f"{url}: credentials in the URL are not allowed")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def resolve(host: str, port: int, *, dev_mode: bool, resolver: Resolver | None = None) -> list[IPAddress]:
    """The checked addresses of host: a numeric host in any notation is checked as is, a name is
    resolved and every answer must pass."""
    literal = numeric_host(host)
    if literal is not None:
        return check_addresses(host, [str(literal)], allow_local=dev_mode)
    name = host.lower().rstrip(".")
    if (name in _LOCAL_NAMES or name.endswith(_INTERNAL_SUFFIXES)) and not (dev_mode and name == "localhost"):
        raise AddressRefused(f"{host} names the local machine (loopback) or an internal zone")
    if name == "localhost":  # development mode: what a developer means, without asking a resolver
        return [ipaddress.IPv4Address("127.0.0.1")]
    try:
        answers = (resolver or system_resolver)(host, port)
    except (OSError, UnicodeError):
        raise AddressRefused(f"{host} does not resolve") from None
    return check_addresses(host, answers, allow_local=dev_mode)


class GuardedBackend(httpcore.SyncBackend):
    """An httpcore network backend that connects only to addresses it has just checked.

    httpcore asks for a TCP connection to (host, port); we resolve host ourselves, refuse it unless
    every address passes `refusal`, and open the socket to a checked address. TLS is then started by
    httpcore with the original name (SNI and certificate), and the request keeps its Host header.
    """

    def __init__(self, *, dev_mode: bool = False, resolver: Resolver | None = None) -> None:
        self.dev_mode = dev_mode
        self.resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, dev_mode=self.dev_mode, resolver=self.resolver)
        last: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, *_args: Any, **_kwargs: Any) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are never partner addresses")
