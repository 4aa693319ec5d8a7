"""The sandbox provider: the places data set and the simulated router."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cockpit.errors import NoRoute
from cockpit.vehicle import Point
from navigation import sandbox_data
from navigation.geo import haversine_km
from navigation.ports import Avoid, Category, Maneuver, PlaceQuery, RouteRequest
from navigation.sandbox import SandboxPlaces, SandboxRouting

BUND = Point(lat=31.2400, lon=121.4900)
PEOPLES_SQUARE = Point(lat=31.2304, lon=121.4737)
HONGQIAO = Point(lat=31.1945, lon=121.3205)
WEST_LAKE = Point(lat=30.2590, lon=120.1388)
MARIENPLATZ = Point(lat=48.1374, lon=11.5755)
BMW_WELT = Point(lat=48.1771, lon=11.5562)
NOON_SHANGHAI = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # a Wednesday
SUNDAY_NIGHT = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)  # 03:00 Monday in Shanghai


def test_the_data_set_is_deterministic_and_covers_five_cities() -> None:
    built = sandbox_data.places()
    sandbox_data.places.cache_clear()
    assert sandbox_data.places() == built
    assert {p.city for p in built} == {"Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Munich"}
    assert len({p.id for p in built}) == len(built) > 200
    assert {p.category for p in built} == set(Category) - {
        Category.CHARGING
    }  # the charging domain owns those
    assert all(p.name_zh and p.address_zh for p in built)
    assert all((p.parking is not None) == (p.category is Category.PARKING) for p in built)


def test_chinese_and_english_names_find_the_same_brand() -> None:
    places = SandboxPlaces(lambda: NOON_SHANGHAI)
    zh = places.search(PlaceQuery(text="星巴克", center=PEOPLES_SQUARE, radius_km=15, limit=50))
    en = places.search(PlaceQuery(text="starbucks", center=PEOPLES_SQUARE, radius_km=15, limit=50))
    assert zh and [p.id for p in zh] == [p.id for p in en]
    distances = [haversine_km(PEOPLES_SQUARE, p.location) for p in zh]
    assert distances == sorted(distances)


def test_parking_carries_price_and_free_spaces_that_follow_the_hour() -> None:
    query = PlaceQuery(category=Category.PARKING, center=BUND, radius_km=1, limit=10)
    by_day = SandboxPlaces(lambda: NOON_SHANGHAI).search(query)
    by_night = SandboxPlaces(lambda: SUNDAY_NIGHT).search(query)
    assert len(by_day) >= 2
    for day, night in zip(by_day, by_night, strict=True):
        assert day.parking and night.parking and day.parking.price_per_hour
        assert day.parking.price_per_hour.currency == "CNY"
        assert day.parking.total_spaces is not None and day.parking.free_spaces is not None
        assert night.parking.free_spaces is not None
        assert 0 <= day.parking.free_spaces < night.parking.free_spaces <= day.parking.total_spaces


def test_a_query_that_matches_nothing_finds_nothing() -> None:
    assert SandboxPlaces().search(PlaceQuery(text="zzz-no-such-place")) == []


def request(*points: Point, avoid: frozenset[Avoid] = frozenset()) -> RouteRequest:
    return RouteRequest(points=points, avoid=avoid, depart_at=NOON_SHANGHAI)


def test_a_route_is_longer_than_the_great_circle_and_honest_about_it() -> None:
    route = SandboxRouting().route(request(PEOPLES_SQUARE, HONGQIAO))
    crow = haversine_km(PEOPLES_SQUARE, HONGQIAO)
    assert 1.15 * crow < route.distance_m / 1000 < 1.4 * crow
    assert route.simulated and "Simulated" in route.notes[0]
    assert route.geometry[0] == PEOPLES_SQUARE and route.geometry[-1] == HONGQIAO
    assert route.steps[0].maneuver is Maneuver.DEPART and route.steps[-1].maneuver is Maneuver.ARRIVE
    assert sum(s.distance_m for s in route.steps) == pytest.approx(route.distance_m, abs=1)


def test_expressways_charge_tolls_in_china_unless_avoided() -> None:
    tolled = SandboxRouting().route(request(PEOPLES_SQUARE, WEST_LAKE))
    assert tolled.tolls is not None and tolled.tolls.currency == "CNY" and tolled.tolls.amount > 5000
    assert any(s.maneuver is Maneuver.ON_RAMP for s in tolled.steps)
    free = SandboxRouting().route(request(PEOPLES_SQUARE, WEST_LAKE, avoid=frozenset({Avoid.TOLLS})))
    assert free.tolls is not None and free.tolls.amount == 0
    assert free.duration_s > tolled.duration_s
    assert not any(s.maneuver is Maneuver.ON_RAMP for s in free.steps)


def test_german_motorways_are_free_and_waypoints_are_announced() -> None:
    route = SandboxRouting().route(request(MARIENPLATZ, BMW_WELT, MARIENPLATZ))
    assert route.tolls is not None and (route.tolls.amount, route.tolls.currency) == (0, "EUR")
    waypoints = [s for s in route.steps if s.maneuver is Maneuver.WAYPOINT]
    assert [w.waypoint_index for w in waypoints] == [0] and waypoints[0].location == BMW_WELT


def test_rush_hour_is_slower() -> None:
    rush = RouteRequest(
        points=(PEOPLES_SQUARE, HONGQIAO), depart_at=datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    )
    assert (
        SandboxRouting().route(rush).duration_s
        > SandboxRouting().route(request(PEOPLES_SQUARE, HONGQIAO)).duration_s
    )


def test_no_road_between_continents() -> None:
    with pytest.raises(NoRoute):
        SandboxRouting().route(request(PEOPLES_SQUARE, MARIENPLATZ))
