"""Settings and wiring: providers chosen from settings, https enforced, nothing read at import."""

from __future__ import annotations

import pytest

from cockpit.errors import ConfigurationError
from cockpit.settings import get_settings
from navigation import wiring
from navigation.amap import AmapMaps
from navigation.osrm import OsrmRouting
from navigation.sandbox import SandboxPlaces, SandboxRouting
from navigation.settings import NavigationSettings

ENV = {
    "NAVIGATION_TABLE": "nav-table",
    "CHARGING_FUNCTION": "charging-fn",
    "NAVIGATION_ROUTING_PROVIDER": "sandbox",
    "NAVIGATION_PLACES_PROVIDER": "sandbox",
    "AMAP_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:amap",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_sandbox_by_default(env: pytest.MonkeyPatch) -> None:
    s = get_settings(NavigationSettings)
    assert isinstance(wiring.places_provider(s), SandboxPlaces)
    assert isinstance(wiring.routing_provider(s), SandboxRouting)
    assert s.timeout_s == 4.0 and s.amap_base_url == "https://restapi.amap.com"


def test_real_providers_from_settings(env: pytest.MonkeyPatch) -> None:
    env.setenv("NAVIGATION_ROUTING_PROVIDER", "osrm")
    env.setenv("NAVIGATION_PLACES_PROVIDER", "amap")
    s = get_settings(NavigationSettings)
    assert isinstance(wiring.routing_provider(s), OsrmRouting)
    assert isinstance(wiring.places_provider(s), AmapMaps)  # the key is read on the first call, not here


def test_plain_http_only_to_loopback_in_development(env: pytest.MonkeyPatch) -> None:
    env.setenv("NAVIGATION_ROUTING_PROVIDER", "osrm")
    env.setenv("OSRM_BASE_URL", "http://osrm.internal.example")
    with pytest.raises(ConfigurationError, match="OSRM_BASE_URL"):
        wiring.routing_provider(get_settings(NavigationSettings))


@pytest.mark.parametrize("missing", ["NAVIGATION_TABLE", "CHARGING_FUNCTION", "AMAP_SECRET_ARN"])
def test_required_settings_fail_loudly(env: pytest.MonkeyPatch, missing: str) -> None:
    env.delenv(missing)
    with pytest.raises(ConfigurationError, match="NavigationSettings"):
        get_settings(NavigationSettings)


def test_unknown_provider_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("NAVIGATION_ROUTING_PROVIDER", "bing")
    with pytest.raises(ConfigurationError):
        get_settings(NavigationSettings)


@pytest.mark.parametrize(
    ("url", "ok"),
    [("http://localhost:5000", True), ("http://127.0.0.1:5000", True), ("http://127.0.0.1.nip.io", False)],
)
def test_the_osrm_url_follows_the_one_url_rule(env: pytest.MonkeyPatch, url: str, ok: bool) -> None:
    # a string prefix once took http://127.0.0.1.nip.io (a name anyone can point anywhere) and refused
    # localhost; netguard's rule decides now, as it does for the CPO and partners
    env.setenv("NAVIGATION_ROUTING_PROVIDER", "osrm")
    env.setenv("OSRM_BASE_URL", url)
    env.setenv("COCKPIT_DEV_MODE", "true")
    if ok:
        assert isinstance(wiring.routing_provider(get_settings(NavigationSettings)), OsrmRouting)
    else:
        with pytest.raises(ConfigurationError, match="only to a loopback address"):
            wiring.routing_provider(get_settings(NavigationSettings))
