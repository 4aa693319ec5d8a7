"""The AMap and OSRM adapters against recorded response shapes, through httpx.MockTransport."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cockpit.errors import ConfigurationError, NoRoute, UpstreamError, UpstreamTimeout
from cockpit.vehicle import Point
from navigation.amap import AmapMaps
from navigation.geo import haversine_km
from navigation.osrm import OsrmRouting
from navigation.ports import Avoid, Category, Maneuver, PlaceQuery, RouteRequest
from navigation.presenter import is_open
from tests.support import map_fixtures as fx

BUND = Point(lat=31.2400, lon=121.4900)
NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, seen: list[httpx.Request]) -> httpx.Client:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(record))


def answer(body: Any, status: int = 200) -> Handler:
    return lambda _req: httpx.Response(status, json=body)


def amap(handler: Handler, seen: list[httpx.Request], key: str = "amap-test-key") -> AmapMaps:
    return AmapMaps(
        lambda: key, base_url="https://amap.test", client=client(handler, seen), clock=lambda: NOON
    )


def test_amap_around_search_converts_datums_and_reads_business_hours() -> None:
    seen: list[httpx.Request] = []
    found = amap(answer(fx.AMAP_AROUND), seen).search(
        PlaceQuery(text="", category=Category.PARKING, center=BUND, radius_km=1, limit=5)
    )
    (request,) = seen
    assert request.url.path == "/v5/place/around"
    params = request.url.params
    assert params["types"] == "150900" and params["radius"] == "1000" and params["key"] == "amap-test-key"
    lon, lat = map(float, params["location"].split(","))
    assert 0.3 < haversine_km(BUND, Point(lat=lat, lon=lon)) < 0.8  # sent in GCJ-02
    parking, cafe = found
    assert parking.category is Category.PARKING and parking.name == "外滩停车场"
    assert haversine_km(parking.location, Point(lat=31.238203, lon=121.494512)) > 0.3  # back to WGS-84
    assert parking.address == "上海市黄浦区中山东一路500号"
    assert cafe.category is Category.CAFE and cafe.address == "上海市黄浦区"  # AMap's [] for no address
    assert cafe.hours is not None and cafe.hours.periods[0].opens == "07:00"
    assert (
        parking.hours is not None and is_open(parking.hours, NOON, parking.time_zone) is True
    )  # 00:00-24:00
    assert is_open(cafe.hours, NOON.replace(hour=15), cafe.time_zone) is False  # 23:00 in Shanghai
    assert cafe.phone == "021-00000000"


def test_the_key_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    amap(answer(fx.AMAP_TEXT), []).search(PlaceQuery(text="外滩"))
    with pytest.raises(UpstreamError):
        amap(answer(fx.AMAP_ERROR), []).search(PlaceQuery(text="外滩"))
    assert "amap-test-key" not in caplog.text


def test_amap_text_search_without_a_point() -> None:
    seen: list[httpx.Request] = []
    (bund,) = amap(answer(fx.AMAP_TEXT), seen).search(PlaceQuery(text="外滩", limit=1))
    assert seen[0].url.path == "/v5/place/text" and seen[0].url.params["keywords"] == "外滩"
    assert bund.category is Category.POI and haversine_km(bund.location, BUND) < 0.6


def test_amap_driving_maps_actions_to_the_next_steps_maneuver() -> None:
    seen: list[httpx.Request] = []
    request = RouteRequest(
        points=(Point(lat=31.2304, lon=121.4737), Point(lat=31.1945, lon=121.3205)),
        avoid=frozenset({Avoid.TOLLS, Avoid.FERRIES}),
        depart_at=NOON,
    )
    route = amap(answer(fx.AMAP_DRIVING), seen).route(request)
    params = seen[0].url.params
    assert seen[0].url.path == "/v5/direction/driving"
    assert params["strategy"] == "36" and params["ferry"] == "1" and "polyline" in params["show_fields"]
    assert [s.maneuver for s in route.steps] == [
        Maneuver.DEPART,
        Maneuver.TURN_RIGHT,
        Maneuver.SLIGHT_LEFT,
        Maneuver.ARRIVE,
    ]
    assert route.steps[1].road == "西藏中路" and route.steps[1].distance_m == 1200
    assert route.distance_m == 19230 and route.duration_s == 1860
    assert route.tolls is not None and route.tolls.amount == 0
    assert len(route.geometry) == 6  # shared step ends are not repeated
    assert haversine_km(route.geometry[0], request.points[0]) < 0.1


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (answer(fx.AMAP_ERROR), UpstreamError),
        (answer({"status": "1", "pois": "not a list"}), UpstreamError),
        (lambda _r: httpx.Response(200, text="<html>busy</html>"), UpstreamError),
        (lambda _r: httpx.Response(503, text="unavailable"), UpstreamError),
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)), UpstreamTimeout),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)), UpstreamError),
    ],
    ids=["error-status", "bad-shape", "not-json", "http-503", "timeout", "unreachable"],
)
def test_amap_failures_are_502_or_504_without_the_key(handler: Handler, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        amap(handler, []).search(PlaceQuery(text="星巴克", center=BUND))
    assert "amap-test-key" not in str(raised.value) and "121." not in str(raised.value)


def test_amap_no_route_is_422() -> None:
    request = RouteRequest(points=(BUND, Point(lat=48.1374, lon=11.5755)), depart_at=NOON)
    with pytest.raises(NoRoute):
        amap(answer(fx.AMAP_NO_ROUTE), []).route(request)


def test_amap_without_a_key_is_a_configuration_error_and_calls_nothing() -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(ConfigurationError):
        amap(answer(fx.AMAP_TEXT), seen, key="unset").search(PlaceQuery(text="外滩"))
    assert seen == []


def osrm(handler: Handler, seen: list[httpx.Request]) -> OsrmRouting:
    return OsrmRouting(base_url="https://osrm.test", client=client(handler, seen))


MARIENPLATZ, STATION, BMW_WELT = (
    Point(lat=48.1374, lon=11.5755),
    Point(lat=48.1402, lon=11.5600),
    Point(lat=48.1771, lon=11.5562),
)


def test_osrm_route_with_a_waypoint() -> None:
    seen: list[httpx.Request] = []
    request = RouteRequest(
        points=(MARIENPLATZ, STATION, BMW_WELT),
        avoid=frozenset({Avoid.HIGHWAYS, Avoid.TOLLS}),
        depart_at=NOON,
    )
    route = osrm(answer(fx.OSRM_ROUTE), seen).route(request)
    url = seen[0].url
    assert url.path == "/route/v1/driving/11.575500,48.137400;11.560000,48.140200;11.556200,48.177100"
    assert url.params["exclude"] == "motorway,toll" and url.params["geometries"] == "polyline"
    assert [s.maneuver for s in route.steps] == [
        Maneuver.DEPART,
        Maneuver.TURN_RIGHT,
        Maneuver.WAYPOINT,
        Maneuver.KEEP_LEFT,
        Maneuver.ARRIVE,
    ]
    assert route.steps[2].waypoint_index == 0
    assert route.distance_m == 6120.4 and route.tolls is None
    assert route.geometry[0] == MARIENPLATZ and route.geometry[-1] == BMW_WELT


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (answer(fx.OSRM_NO_ROUTE, 400), NoRoute),
        (answer({"code": "InvalidQuery", "message": "bad"}, 400), UpstreamError),
        (answer({"code": "Ok", "routes": [{"distance": 1}]}), UpstreamError),
        (
            answer({**fx.OSRM_ROUTE, "routes": [{**fx.OSRM_ROUTE["routes"][0], "geometry": "~"}]}),
            UpstreamError,
        ),
        (lambda _r: httpx.Response(200, content=b"{not json"), UpstreamError),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectTimeout("slow", request=r)), UpstreamTimeout),
    ],
    ids=["no-route", "invalid-query", "bad-shape", "bad-polyline", "not-json", "timeout"],
)
def test_osrm_failures(handler: Handler, error: type[Exception]) -> None:
    with pytest.raises(error):
        osrm(handler, []).route(RouteRequest(points=(MARIENPLATZ, BMW_WELT), depart_at=NOON))


def test_fixtures_are_json() -> None:
    for body in (fx.AMAP_AROUND, fx.AMAP_TEXT, fx.AMAP_DRIVING, fx.OSRM_ROUTE):
        assert json.loads(json.dumps(body)) == body
