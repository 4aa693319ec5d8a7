"""The SSRF guard (cockpit.partners.netguard): https to public addresses only, every resolved address
checked, numeric host tricks refused; loopback only in local development mode."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from cockpit.errors import UnsafeDestination
from cockpit.partners.netguard import check_destination, unsafe_reason, url_refusal

PUBLIC = "93.184.215.14"


def resolver(answers: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, _port: int) -> Sequence[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


DNS = resolver(
    {
        "api.partner.example": [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "internal.partner.example": ["10.1.2.3"],
        "mixed.partner.example": [PUBLIC, "192.168.1.10"],
        "metadata.partner.example": ["169.254.169.254"],
        "mapped.partner.example": ["::ffff:127.0.0.1"],
    }
)


def test_a_public_https_host_is_allowed_and_its_addresses_returned_for_pinning() -> None:
    found = check_destination("https://api.partner.example/v2", dev_mode=False, resolve=DNS)
    assert (found.scheme, found.host, found.port) == ("https", "api.partner.example", 443)
    assert found.addresses == (
        ipaddress.ip_address(PUBLIC),
        ipaddress.ip_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    )
    assert check_destination(f"https://{PUBLIC}:8443", dev_mode=False, resolve=DNS).port == 8443


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.partner.example", "only https"),
        ("ftp://api.partner.example", "only https"),
        ("https://169.254.169.254/latest/meta-data", "cloud metadata"),
        ("https://metadata.partner.example", "cloud metadata"),
        ("https://[fd00:ec2::254]/", "cloud metadata"),
        ("https://100.100.100.200/", "cloud metadata"),
        ("https://localhost/", "local machine"),
        ("https://api.localhost/", "local machine"),
        ("https://metadata.google.internal/", "internal zone"),
        ("https://127.0.0.1/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://[::ffff:127.0.0.1]/", "loopback"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),
        ("https://[2002:a9fe:a9fe::1]/", "cloud metadata"),
        ("https://mapped.partner.example", "loopback"),
        ("https://internal.partner.example", "private"),
        ("https://mixed.partner.example", "192.168.1.10"),
        ("https://2130706433/", "non-standard form"),
        ("https://0177.0.0.1/", "non-standard form"),
        ("https://0x7f.0.0.1/", "non-standard form"),
        ("https://127.1/", "non-standard form"),
        ("https://017700000001/", "non-standard form"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://100.64.0.1/", "carrier-grade NAT"),
        ("https://224.0.0.1/", "multicast"),
        ("https://user:pw@api.partner.example/", "credentials"),
        ("https://nowhere.partner.example/", "does not resolve"),
        ("https:///path", "no host"),
        ("https://api.partner.example:99999/", "not a valid URL"),
    ],
)
def test_unsafe_destinations_are_refused_naming_why(url: str, words: str) -> None:
    with pytest.raises(UnsafeDestination) as refused:
        check_destination(url, dev_mode=False, resolve=DNS)
    assert words in refused.value.detail
    assert refused.value.status == 422 and refused.value.errors[0].pointer == "/base_url"  # type: ignore[index]


def test_development_mode_allows_loopback_only() -> None:
    assert check_destination("http://127.0.0.1:8080/x", dev_mode=True, resolve=DNS).port == 8080
    assert check_destination("https://[::1]:8443", dev_mode=True, resolve=DNS).scheme == "https"
    local = check_destination("http://localhost:3000", dev_mode=True, resolve=DNS)
    assert local.addresses == (ipaddress.ip_address("127.0.0.1"),)
    for url in ("http://internal.partner.example", "http://api.partner.example", "https://169.254.169.254"):
        with pytest.raises(UnsafeDestination):
            check_destination(url, dev_mode=True, resolve=DNS)


def test_the_field_is_named_in_the_problem() -> None:
    with pytest.raises(UnsafeDestination) as refused:
        check_destination("http://x.example", dev_mode=False, resolve=DNS, field="auth.token_url")
    assert refused.value.errors[0].pointer == "/auth/token_url"  # type: ignore[index]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
        ("172.16.0.1", "private"),
        ("fe80::1", "link-local"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("::127.0.0.1", "loopback"),
        ("198.18.0.1", "private"),
    ],
)
def test_unsafe_reason(address: str, reason: str | None) -> None:
    found = unsafe_reason(ipaddress.ip_address(address))
    assert found is None if reason is None else reason in (found or "")


# The one URL rule (`url_refusal`): navigation used a string prefix (accepting http://127.0.0.1.nip.io,
# refusing localhost) and charging the opposite; both now ask netguard, as partner contracts do.
@pytest.mark.parametrize(
    ("url", "dev", "ok"),
    [
        ("https://cpo.example/ocpi/2.2.1", False, True),
        ("https://restapi.amap.com", False, True),
        ("http://cpo.example/ocpi/2.2.1", False, False),
        ("http://127.0.0.1:8080/ocpi/2.2.1", False, False),
        ("http://127.0.0.1:8080/ocpi/2.2.1", True, True),
        ("http://127.0.0.2:8080/x", True, True),
        ("http://[::1]:8080/ocpi", True, True),
        ("http://localhost:8080/ocpi", True, True),
        ("http://LOCALHOST.:8080/ocpi", True, True),
        ("http://localhost:8080/ocpi", False, False),
        ("http://127.0.0.1.nip.io/ocpi", True, False),  # a name, not loopback: the prefix check took it
        ("http://127.0.0.1.evil.example/ocpi", True, False),
        ("http://10.0.0.5/ocpi", True, False),
        ("https://10.0.0.5/ocpi", False, False),  # a numeric host is checked as the address it is
        ("https://169.254.169.254/latest", True, False),
        ("https://user:pw@cpo.example/ocpi", False, False),
        ("ftp://cpo.example/ocpi", True, False),
        ("https:///no-host", False, False),
        ("not a url", True, False),
    ],
)
def test_one_url_rule_for_every_provider_and_partner(url: str, dev: bool, ok: bool) -> None:
    assert (url_refusal(url, dev_mode=dev) is None) is ok


def test_registration_and_configuration_agree_on_plain_http() -> None:
    # what a partner may register in development is exactly what a provider may be configured with
    for url in ("http://127.0.0.1:9000/x", "http://localhost:9000/x", "http://[::1]:9000/x"):
        assert url_refusal(url, dev_mode=True) is None
        check_destination(url, dev_mode=True, resolve=DNS)
    for url in ("http://127.0.0.1.nip.io/x", "http://api.partner.example/x"):
        assert url_refusal(url, dev_mode=True) == f"{url}: plain http is allowed only to a loopback address"
        with pytest.raises(UnsafeDestination, match="only to a loopback address"):
            check_destination(
                url,
                dev_mode=True,
                resolve=resolver({"127.0.0.1.nip.io": ["127.0.0.1"]} | {"api.partner.example": [PUBLIC]}),
            )
