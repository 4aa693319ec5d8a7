"""The SSRF guard: every address form a resolver accepts, every resolved address, pinned connections."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from cockpit.partners.netguard import AddressRefused, GuardedBackend, check_url, numeric_host, refusal
from cockpit.partners.transport import pinned_client
from tests.unit.conftest import NetworkBlocked

PUBLIC = "93.184.216.34"


def resolver_of(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, _port: int) -> list[str]:
        if host not in table:
            raise OSError("no such name")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("[::1]", "::1"),
    ],
)
def test_numeric_hosts_are_read_in_every_notation(host: str, address: str) -> None:
    assert numeric_host(host) == ipaddress.ip_address(address)


def test_names_are_not_numeric_and_malformed_numbers_are_refused() -> None:
    assert numeric_host("api.acme-parking.example") is None
    assert numeric_host("1.2.3.example") is None
    for bad in ("0x", "09.1.1.1", "256.1.1.1", "1.2.3.4294967296"):
        with pytest.raises(AddressRefused):
            numeric_host(bad)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.8", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, not a bind
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "carries 127.0.0.1"),
        ("::ffff:169.254.169.254", "carries 169.254.169.254"),
        ("::127.0.0.1", "carries 127.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "carries 169.254.169.254"),
        ("2002:a9fe:a9fe::1", "carries 169.254.169.254"),
        ("198.18.0.1", "private"),
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address: str, why: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and why in reason


def test_public_addresses_pass_and_development_mode_allows_loopback_only() -> None:
    for public in (PUBLIC, "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"):
        assert refusal(ipaddress.ip_address(public)) is None
    for local in ("127.0.0.1", "::1"):
        assert refusal(ipaddress.ip_address(local), allow_local=True) is None
    unspecified = "0.0.0.0"  # noqa: S104 - an address under test, not a bind
    never_even_locally = ("10.0.0.8", "169.254.169.254", "fd00:ec2::254", unspecified, "224.0.0.1")
    for never in (*never_even_locally, "::ffff:169.254.169.254"):
        assert refusal(ipaddress.ip_address(never), allow_local=True) is not None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://api.acme.example/v2", "only https"),
        ("ftp://api.acme.example/", "only https"),
        ("https://user:pw@api.acme.example/", "credentials"),
        ("https:///nohost", "no host"),
        ("https://localhost/v2", "loopback"),
        ("https://api.localhost/v2", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[::ffff:a9fe:a9fe]/", "metadata"),
        ("https://2130706433/", "loopback"),
        ("https://0177.0.0.1/", "loopback"),
        ("https://internal.acme.example/", "private"),
        ("https://mixed.acme.example/", "private"),
        ("https://nowhere.acme.example/", "does not resolve"),
    ],
)
def test_partner_urls_are_refused_unless_https_to_public_addresses(url: str, why: str) -> None:
    resolve = resolver_of(
        {
            "api.acme.example": [PUBLIC],
            "internal.acme.example": ["10.1.2.3"],
            "mixed.acme.example": [PUBLIC, "192.168.7.7"],  # every address is checked, not the first
        }
    )
    with pytest.raises(AddressRefused, match=why):
        check_url(url, resolver=resolve)


def test_a_public_https_url_passes_and_names_its_addresses() -> None:
    resolve = resolver_of({"api.acme.example": [PUBLIC, "2606:2800:220:1::1"]})
    got = check_url("https://api.acme.example/v2", resolver=resolve)
    assert [str(a) for a in got] == [PUBLIC, "2606:2800:220:1::1"]


def test_development_mode_allows_http_only_to_loopback() -> None:
    assert check_url("http://127.0.0.1:8080/v2", dev_mode=True)
    with pytest.raises(AddressRefused, match="private"):
        check_url("http://10.0.0.8/v2", dev_mode=True)
    with pytest.raises(AddressRefused, match="private"):
        check_url("https://10.0.0.8/v2", dev_mode=True)
    with pytest.raises(AddressRefused, match="metadata"):
        check_url("http://169.254.169.254/", dev_mode=True)


def test_the_backend_checks_every_connection_so_rebinding_cannot_reach_a_private_address() -> None:
    answers = iter([[PUBLIC], ["10.0.0.8"]])
    backend = GuardedBackend(resolver=lambda _h, _p: next(answers))
    check_url("https://rebind.acme.example/", resolver=lambda _h, _p: [PUBLIC])  # registration: fine
    with pytest.raises(NetworkBlocked):  # first connect: public, so a socket is opened (blocked here)
        backend.connect_tcp("rebind.acme.example", 443)
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.8"):  # the name now answers private: no socket
        backend.connect_tcp("rebind.acme.example", 443)


def test_the_pinned_client_refuses_before_any_socket_and_never_follows_redirects() -> None:
    client = pinned_client(resolver=lambda _h, _p: ["127.0.0.1"])
    with pytest.raises(AddressRefused, match="loopback"):
        client.get("https://partner.example/v2/spots")
    assert client.follow_redirects is False and client.trust_env is False
    with pytest.raises(AddressRefused, match="unix"):
        GuardedBackend().connect_unix_socket("/var/run/docker.sock")
    assert isinstance(client, httpx.Client)
