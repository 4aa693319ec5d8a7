"""The navigation service with in-memory fakes of its ports (the sandbox providers are pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cockpit.errors import NotFound, UpstreamTimeout, ValidationFailed
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit.vehicle import Point, VehicleContext
from navigation.geo import interpolate
from navigation.models import Destination, PlanRouteArgs, SearchPlacesArgs, SetDestinationArgs
from navigation.ports import Station, StationQuery
from navigation.sandbox import SandboxPlaces, SandboxRouting
from navigation.service import NavigationService

SQUARE = Point(lat=31.2304, lon=121.4737)
HONGQIAO = Point(lat=31.1945, lon=121.3205)
WEST_LAKE = Point(lat=30.2590, lon=120.1388)
NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai
NIGHT = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)  # Thursday 03:30 in Shanghai


class Destinations:
    def __init__(self) -> None:
        self.by_sub: dict[str, Destination] = {}

    def current(self, sub: str) -> Destination | None:
        return self.by_sub.get(sub)

    def set(self, sub: str, destination: Destination) -> Destination:
        self.by_sub[sub] = destination
        return destination


class Charging:
    """Stations every 10 km along the straight line Shanghai → Hangzhou, or a failure."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.queries: list[StationQuery] = []

    def find(self, query: StationQuery) -> Sequence[Station]:
        self.queries.append(query)
        if self.fail:
            raise self.fail
        return [
            Station(
                id=f"CN-T-{i:02d}",
                name=f"T{i}",
                location=interpolate(SQUARE, WEST_LAKE, i / 17),
                max_power_kw=120,
                available_evses=1,
                detour_km=0.5,
            )
            for i in range(1, 17)
        ]


def service(at: datetime = NOON, charging: Charging | None = None) -> NavigationService:
    return NavigationService(
        places=SandboxPlaces(lambda: at),
        routing=SandboxRouting(),
        stations=charging or Charging(),
        destinations=Destinations(),  # type: ignore[arg-type]
        clock=lambda: at,
    )


def inv(
    vehicle: VehicleContext | None = None, locale: str = "en-US", key: str | None = None
) -> ToolInvocation:
    return ToolInvocation(
        invocation_id="i",
        tool="t",
        arguments={},
        caller=Caller(sub="vin-1", role=Role.VEHICLE),
        locale=locale,
        vehicle=vehicle,
        idempotency_key=key,
    )


def search(svc: NavigationService, invocation: ToolInvocation | None = None, **args: Any) -> Any:
    return svc.search_places(invocation or inv(), SearchPlacesArgs(**args))


def test_names_follow_the_session_locale() -> None:
    zh = search(service(), inv(locale="zh-CN"), query="starbucks", location=SQUARE, radius_km=3)
    en = search(service(), inv(), query="星巴克", location=SQUARE, radius_km=3)
    assert zh.places and all(p.name.startswith("星巴克") for p in zh.places)
    assert [p.id for p in zh.places] == [p.id for p in en.places]
    assert all(p.name.startswith("Starbucks") for p in en.places)


def test_open_now_in_local_time() -> None:
    by_day = search(service(NOON), query="coffee", location=SQUARE, radius_km=15, open_now=True, limit=50)
    by_night = search(service(NIGHT), query="coffee", location=SQUARE, radius_km=15, open_now=True, limit=50)
    assert by_day.places and all(p.opening_hours.open_now for p in by_day.places)
    assert by_night.places == []


def test_the_vehicle_location_is_the_default_center() -> None:
    found = search(service(), inv(VehicleContext(location=HONGQIAO)), query="parking", radius_km=2)
    assert found.places and all(p.distance_km <= 2 for p in found.places)


def test_an_unknown_anchor_is_404() -> None:
    with pytest.raises(NotFound):
        search(service(), query="parking near Atlantis")


def test_along_the_current_route() -> None:
    svc = service()
    with pytest.raises(ValidationFailed) as missing:
        search(svc, query="coffee", along_route=True, location=SQUARE)
    assert missing.value.errors and missing.value.errors[0].pointer == "/arguments/along_route"
    svc.set_destination(inv(key="k1"), SetDestinationArgs(destination=HONGQIAO))
    found = search(svc, query="coffee", along_route=True, location=SQUARE, radius_km=2)
    assert found.places
    assert all(p.detour_km <= 4 and p.distance_km <= 20 for p in found.places)
    with pytest.raises(ValidationFailed) as nowhere:
        search(svc, query="coffee", along_route=True)
    assert nowhere.value.errors and nowhere.value.errors[0].pointer == "/arguments/location"


def test_chargers_come_from_the_charging_domain_as_the_driver() -> None:
    charging = Charging()
    found = search(service(charging=charging), query="充电站", location=SQUARE, limit=3)
    assert [p.category.value for p in found.places] == ["charging"] * 3
    assert charging.queries[0].caller.sub == "vin-1"


LOW = VehicleContext(
    location=SQUARE,
    battery_percent=20,
    battery_capacity_kwh=75,
    consumption_kwh_per_100km=16,
    connectors=("CCS2",),
)


def test_a_stop_on_the_way_to_hangzhou() -> None:
    charging = Charging()
    route = service(charging=charging).plan_route(inv(LOW), PlanRouteArgs(destination=WEST_LAKE)).route
    assert route.feasible_on_current_charge is False
    (stop,) = route.charging_stops
    assert stop.arrival_battery_percent is not None and stop.arrival_battery_percent >= 10
    assert stop.charge_to_percent == 80 and stop.charge_min is not None and stop.charge_min > 0
    (query,) = charging.queries
    assert query.connectors == ("CCS2",) and query.min_power_kw == 50 and query.route is not None


def test_a_failing_charging_domain_still_answers_the_route() -> None:
    charging = Charging(fail=UpstreamTimeout("charging_find_stations: the domain function timed out"))
    route = service(charging=charging).plan_route(inv(LOW), PlanRouteArgs(destination=WEST_LAKE)).route
    assert route.feasible_on_current_charge is False and route.charging_stops == []
    assert any("unavailable" in n for n in route.notes)


def test_range_only_and_unknown_energy() -> None:
    by_range = VehicleContext(location=SQUARE, range_km=300)
    route = service().plan_route(inv(by_range), PlanRouteArgs(destination=WEST_LAKE)).route
    assert route.feasible_on_current_charge is True and route.energy and route.energy.basis == "range"
    unknown = (
        service().plan_route(inv(VehicleContext(location=SQUARE)), PlanRouteArgs(destination=WEST_LAKE)).route
    )
    assert unknown.feasible_on_current_charge is None and unknown.energy is None


def test_departure_and_arrival_times() -> None:
    later = NOON + timedelta(hours=2)
    route = (
        service().plan_route(inv(), PlanRouteArgs(origin=SQUARE, destination=HONGQIAO, depart_at=later)).route
    )
    assert route.depart_at == later
    assert (
        route.arrive_at == later + timedelta(minutes=route.duration_min)
        or abs((route.arrive_at - later).total_seconds() / 60 - route.duration_min) < 0.1
    )


def test_the_destination_id_comes_from_the_idempotency_key() -> None:
    svc = service()
    a = svc.set_destination(inv(key="same"), SetDestinationArgs(destination=HONGQIAO)).destination
    b = svc.set_destination(inv(key="same"), SetDestinationArgs(destination=HONGQIAO)).destination
    c = svc.set_destination(inv(key="other"), SetDestinationArgs(destination=HONGQIAO)).destination
    assert a and b and c and a.id == b.id != c.id


def test_a_named_place_is_looked_for_near_the_car_first() -> None:
    munich = inv(VehicleContext(location=Point(lat=48.14, lon=11.56)))
    found = search(service(), munich, query="parking near Starbucks", radius_km=1)
    assert found.near is not None and found.near.location.lat > 48  # the Starbucks in Munich
    assert found.places and all(p.distance_km <= 1 for p in found.places)  # distances from the anchor
    shanghai = search(service(), inv(VehicleContext(location=SQUARE)), query="parking near Starbucks")
    assert shanghai.near is not None and shanghai.near.location.lat < 32
