"""Which CPO URLs the gateway will talk to."""

from __future__ import annotations

import pytest

from charging.wiring import acceptable_cpo_url


@pytest.mark.parametrize(
    ("url", "dev", "ok"),
    [
        ("https://cpo.example/ocpi/2.2.1", False, True),
        ("http://cpo.example/ocpi/2.2.1", False, False),
        ("http://127.0.0.1:8080/ocpi/2.2.1", False, False),
        ("http://127.0.0.1:8080/ocpi/2.2.1", True, True),
        ("http://[::1]:8080/ocpi", True, True),
        ("http://localhost:8080/ocpi", True, True),
        ("http://127.0.0.1.evil.example/ocpi", True, False),
        ("http://10.0.0.5/ocpi", True, False),
        ("ftp://cpo.example/ocpi", True, False),
        ("https:///no-host", False, False),
    ],
)
def test_cpo_urls(url: str, dev: bool, ok: bool) -> None:
    assert acceptable_cpo_url(url, dev_mode=dev) is ok
