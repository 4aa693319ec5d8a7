"""Navigation as the car uses it, over HTTP with real tokens: find a place, plan the route, send the
destination to the car and read it back; the navigation function asks the charging function through
Lambda Invoke between processes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from cockpit_dev import lambda_auth
from navigation import polyline
from tests.support.local_gateway import GatewayUrl

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
WEST_LAKE = {"lat": 30.2590, "lon": 120.1388}
TokenFactory = Callable[..., str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def invoke(
    http: httpx.Client, token: str, tool: str, arguments: dict[str, Any], **headers: str
) -> httpx.Response:
    return http.post(
        f"/v1/tools/{tool}/invoke", json={"arguments": arguments}, headers=bearer(token) | headers
    )


def result(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    assert doc["status"] == "succeeded", doc
    return doc["result"]  # type: ignore[no-any-return]


def test_find_plan_and_send_a_destination(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    tools = http.get("/v1/tools", params={"format": "mcp"}, headers=bearer(car)).json()["tools"]
    names = {t["name"]: t for t in tools}
    assert names["navigation_set_destination"]["annotations"]["readOnlyHint"] is False
    assert names["navigation_plan_route"]["annotations"]["readOnlyHint"] is True

    found = result(
        invoke(http, car, "navigation_search_places", {"query": "parking near the Bund", "radius_km": 1})
    )
    parking = found["places"][0]
    assert parking["category"] == "parking" and parking["parking"]["free_spaces"] >= 0

    route = result(
        invoke(
            http, car, "navigation_plan_route", {"origin": PEOPLES_SQUARE, "destination": parking["location"]}
        )
    )["route"]
    points = polyline.decode(route["polyline"])
    assert points[0].lat == PEOPLES_SQUARE["lat"] and route["steps"][-1]["maneuver"] == "arrive"

    sent = result(
        invoke(
            http,
            car,
            "navigation_set_destination",
            {"destination": parking["location"], "name": parking["name"], "place_id": parking["id"]},
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
    )["destination"]
    assert sent["place_id"] == parking["id"]
    assert result(invoke(http, car, "navigation_get_destination", {}))["destination"] == sent

    on_the_way = result(
        invoke(
            http,
            car,
            "navigation_search_places",
            {"query": "coffee", "along_route": True, "location": PEOPLES_SQUARE, "radius_km": 1},
        )
    )
    assert all(p["category"] == "cafe" and p["detour_km"] <= 2 for p in on_the_way["places"])


def test_chargers_near_a_point_come_from_the_charging_function(
    http: httpx.Client, token: TokenFactory
) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    found = result(
        invoke(http, car, "navigation_search_places", {"query": "充电站", "location": PEOPLES_SQUARE})
    )
    assert found["places"] and all(p["id"].startswith("CN-SHA-") for p in found["places"])
    assert all(p["category"] == "charging" for p in found["places"])


def test_bad_input_over_http(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    same = invoke(
        http, car, "navigation_plan_route", {"origin": PEOPLES_SQUARE, "destination": PEOPLES_SQUARE}
    )
    assert same.status_code == 422 and same.headers["content-type"].startswith("application/problem+json")
    assert same.json()["errors"][0]["pointer"] == "/arguments/destination"
    long = invoke(http, car, "navigation_search_places", {"query": "x" * 2000})
    assert long.status_code == 422 and long.json()["errors"][0]["pointer"] == "/arguments/query"


@pytest.mark.local_only  # calls the Lambda Invoke API the way the assistant's dispatcher does
def test_an_ev_with_a_low_battery_gets_a_charging_stop(gateway_url: GatewayUrl, cockpit_home: Path) -> None:
    key = lambda_auth.credential(cockpit_home)  # the runtime's own: its Lambda API refuses others
    client = boto3.client(
        "lambda",
        endpoint_url=gateway_url.lambda_url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=Config(read_timeout=60, retries={"max_attempts": 1}),
    )
    event = {
        "kind": "tool_invocation",
        "invocation_id": uuid.uuid4().hex,
        "tool": "navigation_plan_route",
        "arguments": {"destination": WEST_LAKE},
        "caller": {"sub": "vin-e2e-ev", "role": "vehicle"},
        "locale": "zh-CN",
        "vehicle": {
            "location": PEOPLES_SQUARE,
            "battery_percent": 20,
            "battery_capacity_kwh": 75,
            "consumption_kwh_per_100km": 16,
            "connectors": ["GB_T_DC"],
        },
    }
    answer = client.invoke(FunctionName="NavigationFunction", Payload=json.dumps(event).encode())
    doc = json.loads(answer["Payload"].read())
    assert doc["status"] == "succeeded", doc
    route = doc["result"]["route"]
    assert route["feasible_on_current_charge"] is False
    (stop,) = route["charging_stops"]
    assert stop["station_id"].startswith("CN-SHA-") and stop["arrival_battery_percent"] >= 10
    assert route["steps"][0]["instruction"].startswith("向")
