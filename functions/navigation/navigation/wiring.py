"""Builds the navigation service from settings, once per container: providers, charging, the table."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cockpit import aws
from cockpit.errors import ConfigurationError
from cockpit.settings import get_settings, once_per_container, per_container
from navigation.charging_domain import LambdaChargingStations
from navigation.ports import ChargingStations, Destinations, PlacesProvider, RoutingProvider
from navigation.sandbox import SandboxPlaces, SandboxRouting
from navigation.service import NavigationService
from navigation.settings import NavigationSettings
from navigation.store import DestinationStore

if TYPE_CHECKING:
    from navigation.amap import AmapMaps


@once_per_container
def service() -> NavigationService:
    return build(get_settings(NavigationSettings))


def build(
    s: NavigationSettings,
    *,
    places: PlacesProvider | None = None,
    routing: RoutingProvider | None = None,
    stations: ChargingStations | None = None,
    destinations: Destinations | None = None,
) -> NavigationService:
    """The navigation service the settings describe; each override replaces the part it names (tests)."""
    return NavigationService(
        places=places or places_provider(s),
        routing=routing or routing_provider(s),
        stations=stations or LambdaChargingStations(s.charging_function),
        destinations=destinations or DestinationStore(s.table),
    )


@per_container
def amap() -> AmapMaps:
    from navigation.amap import AmapMaps  # httpx and the AMap wire models only when AMap is used

    s = get_settings(NavigationSettings)
    _require_https(s.amap_base_url, "AMAP_BASE_URL", dev_mode=s.dev_mode)
    return AmapMaps(amap_key, base_url=s.amap_base_url, timeout_s=s.timeout_s)


def places_provider(s: NavigationSettings) -> PlacesProvider:
    return SandboxPlaces() if s.places_provider == "sandbox" else amap()


def routing_provider(s: NavigationSettings) -> RoutingProvider:
    if s.routing_provider == "sandbox":
        return SandboxRouting()
    if s.routing_provider == "amap":
        return amap()
    from navigation.osrm import OsrmRouting  # httpx only when OSRM is used

    _require_https(s.osrm_base_url, "OSRM_BASE_URL", dev_mode=s.dev_mode)
    return OsrmRouting(base_url=s.osrm_base_url, timeout_s=s.timeout_s)


def _require_https(url: str, name: str, *, dev_mode: bool) -> None:
    if not (url.startswith("https://") or (dev_mode and url.startswith("http://127.0.0.1"))):
        raise ConfigurationError(f"{name} must be https (loopback http only in development mode)")


@per_container
def amap_key() -> str:
    """The AMap web service key from Secrets Manager (read on first use, cached per container)."""
    arn = get_settings(NavigationSettings).amap_secret_arn
    value = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return str(json.loads(value).get("key") or "")
