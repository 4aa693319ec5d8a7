"""Which CPO URLs the gateway will talk to: netguard's one URL rule (tested in tests/unit/layer)."""

from __future__ import annotations

import pytest

from charging import wiring
from charging.settings import ChargingSettings
from cockpit.errors import ConfigurationError


@pytest.mark.parametrize(
    ("url", "dev"),
    [
        ("http://cpo.example/ocpi/2.2.1", False),
        ("http://127.0.0.1:8080/ocpi/2.2.1", False),
        ("http://127.0.0.1.nip.io/ocpi", True),
        ("http://10.0.0.5/ocpi", True),
        ("https:///no-host", False),
    ],
)
def test_a_cpo_url_outside_the_rule_is_refused_before_any_secret_is_read(url: str, dev: bool) -> None:
    s = ChargingSettings.model_construct(provider="ocpi", ocpi_version_url=url, dev_mode=dev)
    with pytest.raises(ConfigurationError, match="OCPI_VERSION_URL must be https"):
        wiring.operator(s)
