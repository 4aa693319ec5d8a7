"""Every bad input the issue lists, through the router: its own problem document, and nothing written.

Provider failures run against a map provider over real HTTP on loopback (AMap for places, OSRM for
routes, development mode) that stalls or answers garbage on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from cockpit_dev.template import Template
from navigation.handler import lambda_handler as navigation
from router.handler import lambda_handler as router
from tests.functional.navigation.conftest import FUNCTIONS, tool_event
from tests.support import events as ev
from tests.support import map_fixtures as fx
from tests.support.aws import aws_from_template, snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}
THERE = {"lat": 31.1945, "lon": 121.3205}


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def pointers(doc: dict[str, Any]) -> set[str]:
    return {e["pointer"] for e in doc.get("errors") or []}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("tool", "arguments", "pointer"),
    [
        ("navigation_search_places", {"query": ""}, "/arguments/query"),
        ("navigation_search_places", {"query": "   "}, "/arguments/query"),
        ("navigation_search_places", {"query": "停" * 2000}, "/arguments/query"),
        ("navigation_search_places", {"query": "cafe", "category": "spa"}, "/arguments/category"),
        ("navigation_search_places", {"query": "cafe", "limit": 0}, "/arguments/limit"),
        ("navigation_plan_route", {"destination": THERE, "waypoints": [HERE] * 17}, "/arguments/waypoints"),
        ("navigation_plan_route", {"destination": {"lat": 91, "lon": 0}}, "/arguments/destination/lat"),
        ("navigation_plan_route", {"destination": THERE, "avoid": ["tolls", "tolls"]}, "/arguments/avoid"),
        ("navigation_plan_route", {"destination": THERE, "depart_at": "tomorrow"}, "/arguments/depart_at"),
        (
            "navigation_set_destination",
            {"destination": THERE, "waypoints": [HERE] * 17},
            "/arguments/waypoints",
        ),
        ("navigation_set_destination", {"destination": THERE, "name": ""}, "/arguments/name"),
    ],
    ids=[
        "empty-query",
        "blank-query",
        "2000-char-query",
        "unknown-category",
        "limit-0",
        "17-waypoints",
        "latitude-91",
        "avoid-twice",
        "depart-at-not-a-time",
        "destination-17-waypoints",
        "empty-name",
    ],
)
def test_schema_refusals(tool: str, arguments: dict[str, Any], pointer: str) -> None:
    doc = ev.is_problem(call(tool, arguments, key="bad-1"), 422, "validation-failed")
    assert pointer in pointers(doc), doc


@pytest.mark.usefixtures("unchanged")
def test_destination_equal_to_origin() -> None:
    doc = ev.is_problem(call("navigation_plan_route", {"origin": HERE, "destination": HERE}), 422)
    assert pointers(doc) == {"/arguments/destination"}
    assert "origin" in doc["detail"]


@pytest.mark.usefixtures("unchanged")
def test_no_origin_and_no_vehicle_location() -> None:
    doc = ev.is_problem(call("navigation_plan_route", {"destination": THERE}), 422, "validation-failed")
    assert pointers(doc) == {"/arguments/origin"}


@pytest.mark.usefixtures("unchanged")
def test_departure_in_the_past() -> None:
    args = {"origin": HERE, "destination": THERE, "depart_at": "2020-01-01T08:00:00+08:00"}
    doc = ev.is_problem(call("navigation_plan_route", args), 422, "validation-failed")
    assert pointers(doc) == {"/arguments/depart_at"}


@pytest.mark.usefixtures("unchanged")
def test_another_continent_has_no_route() -> None:
    args = {"origin": HERE, "destination": {"lat": 48.1374, "lon": 11.5755}}
    ev.is_problem(call("navigation_plan_route", args), 422, "no-route")


@pytest.mark.usefixtures("unchanged")
def test_set_destination_needs_an_idempotency_key() -> None:
    ev.is_problem(call("navigation_set_destination", {"destination": THERE}), 400, "idempotency-key-required")


@pytest.mark.usefixtures("unchanged")
def test_along_route_without_a_destination() -> None:
    doc = ev.is_problem(call("navigation_search_places", {"query": "cafe", "along_route": True}), 422)
    assert pointers(doc) == {"/arguments/along_route"}


@pytest.mark.usefixtures("unchanged")
def test_the_function_itself_refuses_what_the_router_would() -> None:
    """Domain functions trust no caller: the same bad arguments straight to the function are refused."""
    out = navigation(
        tool_event("navigation_plan_route", {"destination": THERE, "waypoints": [HERE] * 17}), None
    )
    assert out["status"] == "failed" and out["error"]["status"] == 422
    assert "/arguments/waypoints" in {e["pointer"] for e in out["error"]["errors"]}


def test_idempotency_key_reused_for_another_destination(gateway: Template) -> None:
    first = call("navigation_set_destination", {"destination": THERE}, key="dest-key")
    assert first["statusCode"] == 200
    before = snapshot(gateway)
    again = call("navigation_set_destination", {"destination": HERE}, key="dest-key")
    ev.is_problem(again, 409, "idempotency-conflict")
    assert snapshot(gateway) == before
    replay = call("navigation_set_destination", {"destination": THERE}, key="dest-key")
    assert ev.body(replay) == ev.body(first)
    assert snapshot(gateway) == before


# --- providers that fail ----------------------------------------------------------------------------


class FakeMaps(ThreadingHTTPServer):
    """AMap and OSRM on loopback: `mode` is ok, stall (longer than the gateway waits) or garbage."""

    mode = "ok"


class _Handler(BaseHTTPRequestHandler):
    server: FakeMaps

    def do_GET(self) -> None:
        mode = self.server.mode
        if mode == "stall":
            time.sleep(1.5)
        if mode == "garbage":
            body = b'{"status": "1", "pois": [{"name": '
        elif self.path.startswith("/v5/place/"):
            body = json.dumps(fx.AMAP_AROUND).encode()
        else:
            body = json.dumps(fx.OSRM_ROUTE).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway gave up waiting, as it should

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def maps() -> Iterator[FakeMaps]:
    server = FakeMaps(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def real_providers(monkeypatch: pytest.MonkeyPatch, maps: FakeMaps) -> Iterator[Template]:
    base = f"http://127.0.0.1:{maps.server_address[1]}"
    params = {
        "NavigationRoutingProvider": "osrm",
        "NavigationPlacesProvider": "amap",
        "AmapBaseUrl": base,
        "OsrmBaseUrl": base,
        "NavigationTimeoutSeconds": "0.5",
        "DevelopmentMode": "true",
    }
    with aws_from_template(monkeypatch, *FUNCTIONS, parameters=params) as template:
        secret = template.secrets["AmapKeySecret"]
        boto3.client("secretsmanager").put_secret_value(
            SecretId=secret.name, SecretString='{"key": "k-test"}'
        )
        yield template


SEARCH = ("navigation_search_places", {"query": "parking", "location": HERE})
ROUTE = ("navigation_plan_route", {"origin": {"lat": 48.1374, "lon": 11.5755}, "destination": THERE})


def test_real_providers_answer(real_providers: Template) -> None:
    places = ev.body(call(*SEARCH))["result"]
    assert places["provider"] == "amap" and places["places"][0]["name"] == "外滩停车场"
    route = ev.body(call(*ROUTE))["result"]["route"]
    assert route["provider"] == "osrm" and route["simulated"] is False and route["notes"] == []
    later = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    timed = ev.body(call(ROUTE[0], {**ROUTE[1], "depart_at": later}))["result"]["route"]
    assert timed["notes"] == ["osrm does not plan for a departure time: durations are for current traffic."]


@pytest.mark.parametrize(
    ("mode", "status", "slug"),
    [("stall", 504, "upstream-timeout"), ("garbage", 502, "upstream-bad-response")],
)
@pytest.mark.parametrize(("tool", "arguments"), [SEARCH, ROUTE], ids=["amap-search", "osrm-route"])
def test_provider_failures(
    real_providers: Template, maps: FakeMaps, mode: str, status: int, slug: str, tool: str, arguments: Any
) -> None:
    maps.mode = mode
    before = snapshot(real_providers)
    ev.is_problem(call(tool, arguments), status, slug)
    assert snapshot(real_providers) == before
