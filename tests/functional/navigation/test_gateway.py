"""The navigation tools through the router (schema, policy, idempotency) and the navigation function,
which calls the charging function by Lambda Invoke (served in-process), with DynamoDB from moto."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.dispatch.core import ToolCall
from cockpit.tools.model import Caller, Role
from cockpit.vehicle import VehicleContext
from cockpit_dev.template import Template
from navigation import polyline
from navigation.handler import lambda_handler as navigation
from router.handler import lambda_handler as router
from router.service import dispatcher
from tests.functional.navigation.conftest import tool_event
from tests.support import events as ev

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
THE_BUND = {"lat": 31.2400, "lon": 121.4900}
HONGQIAO = {"lat": 31.1945, "lon": 121.3205}
WEST_LAKE = {"lat": 30.2590, "lon": 120.1388}
# 20 % of 75 kWh at 16 kWh/100 km: about 94 km, not enough for Hangzhou (~200 km by road).
LOW_BATTERY = {
    "location": PEOPLES_SQUARE,
    "battery_percent": 20,
    "battery_capacity_kwh": 75,
    "consumption_kwh_per_100km": 16,
    "connectors": ["GB_T_DC"],
}


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def ok(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 200, response
    doc = ev.body(response)
    assert doc["status"] == "succeeded", doc
    return doc["result"]  # type: ignore[no-any-return]


def test_starbucks_in_chinese_near_a_point(gateway: Template) -> None:
    found = ok(
        call("navigation_search_places", {"query": "星巴克", "location": PEOPLES_SQUARE, "radius_km": 10})
    )
    places = found["places"]
    assert places and all("Starbucks" in p["name"] for p in places)
    distances = [p["distance_km"] for p in places]
    assert distances == sorted(distances) and distances[-1] <= 10
    assert all(p["opening_hours"]["text"] for p in places)


def test_parking_near_the_bund_in_english_with_price_and_spaces(gateway: Template) -> None:
    found = ok(call("navigation_search_places", {"query": "parking near the Bund", "radius_km": 1}))
    assert found["near"]["name"] == "The Bund"
    assert found["places"]
    for p in found["places"]:
        assert p["category"] == "parking"
        assert (
            p["parking"]["price_per_hour"]["currency"] == "CNY"
            and p["parking"]["price_per_hour"]["amount"] > 0
        )
        assert 0 <= p["parking"]["free_spaces"] <= p["parking"]["total_spaces"]
        assert p["distance_km"] <= 1


def test_plan_route_across_shanghai(gateway: Template) -> None:
    route = ok(call("navigation_plan_route", {"origin": PEOPLES_SQUARE, "destination": HONGQIAO}))["route"]
    assert route["simulated"] is True and route["provider"] == "sandbox"
    assert 16 < route["distance_km"] < 30 and route["duration_min"] > 15
    points = polyline.decode(route["polyline"])
    assert (points[0].lat, points[0].lon) == (31.2304, 121.4737)
    assert (points[-1].lat, points[-1].lon) == (31.1945, 121.3205)
    assert route["steps"][0]["maneuver"] == "depart" and route["steps"][-1]["maneuver"] == "arrive"
    assert route["steps"][-1]["instruction"] == "You have arrived at your destination"
    assert "feasible_on_current_charge" not in route  # a direct call carries no vehicle context


def test_ev_route_to_hangzhou_proposes_a_charging_stop(gateway: Template) -> None:
    event = tool_event(
        "navigation_plan_route", {"destination": WEST_LAKE}, vehicle=LOW_BATTERY, locale="zh-CN"
    )
    out = navigation(event, None)
    assert out["status"] == "succeeded", out
    route = out["result"]["route"]
    assert route["feasible_on_current_charge"] is False
    stops = route["charging_stops"]
    assert len(stops) == 1
    stop = stops[0]
    assert stop["station_id"].startswith("CN-SHA-") and stop["max_power_kw"] >= 50
    assert stop["arrival_battery_percent"] >= 10 and stop["charge_to_percent"] == 80
    assert route["steps"][0]["instruction"].startswith("向")
    assert route["tolls"]["currency"] == "CNY" and route["tolls"]["amount"] > 0


def test_ev_route_within_range_is_feasible(gateway: Template) -> None:
    event = tool_event("navigation_plan_route", {"destination": HONGQIAO}, vehicle=LOW_BATTERY)
    route = navigation(event, None)["result"]["route"]
    assert route["feasible_on_current_charge"] is True
    assert route["charging_stops"] == []
    assert route["energy"]["arrival_battery_percent"] > 10


@pytest.mark.usefixtures("gateway")
def test_set_then_get_destination() -> None:
    assert ok(call("navigation_get_destination", {})) == {"destination": None}
    args = {"destination": THE_BUND, "name": "The Bund", "waypoints": [PEOPLES_SQUARE]}
    first = ok(call("navigation_set_destination", args, key="dest-1"))["destination"]
    assert first["destination"] == THE_BUND and first["status"] == "sent"
    got = ok(call("navigation_get_destination", {}))["destination"]
    assert got == first
    assert ok(call("navigation_get_destination", {}, sub="vin-test-2")) == {"destination": None}


def test_the_assistants_path_carries_the_vehicle_context(gateway: Template) -> None:
    """The layer's Dispatcher as the assistant uses it (ToolCall.vehicle): schema, policy, target, and the
    result checked against the tool's output schema, charging stops included."""
    call = ToolCall(
        tool="navigation_plan_route",
        arguments={"destination": WEST_LAKE, "avoid": ["ferries"]},
        caller=Caller(sub="vin-test-1", role=Role.VEHICLE),
        locale="en-US",
        vehicle=VehicleContext.model_validate(LOW_BATTERY),
    )
    answer = dispatcher().invoke(call)
    assert answer.status == "succeeded" and answer.result is not None
    route = answer.result["route"]
    assert route["feasible_on_current_charge"] is False and route["charging_stops"]
    assert route["steps"][0]["instruction"].startswith("Head ")
    assert "The simulation has no ferries: none to avoid." in route["notes"]


def test_places_along_the_current_route(gateway: Template) -> None:
    ok(call("navigation_set_destination", {"destination": HONGQIAO}, key="dest-along"))
    found = ok(
        call(
            "navigation_search_places",
            {"query": "parking", "along_route": True, "location": PEOPLES_SQUARE, "radius_km": 2},
        )
    )
    assert found["places"]
    assert all(p["category"] == "parking" and p["detour_km"] <= 4 for p in found["places"])
