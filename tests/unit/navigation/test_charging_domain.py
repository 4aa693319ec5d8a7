"""Navigation's charging stops reach charging through the one internal client, held to the tool's
contract: arguments checked before the call, the driver's role, the result checked after, and
charging's own pointers never leaked to the driver (they name arguments navigation built)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from cockpit import aws
from cockpit.errors import ToolNotFound, UpstreamError, ValidationFailed
from cockpit.tools.model import Caller, Role
from cockpit.vehicle import Point
from navigation.charging_domain import LambdaChargingStations
from navigation.ports import StationQuery

CAR = Caller(sub="vin-1", role=Role.VEHICLE)
SQUARE = Point(lat=31.2304, lon=121.4737)
STATION = {
    "id": "CN-SHA-0001",
    "name": "People's Square P1",
    "operator": "State Grid",
    "address": "People's Square",
    "city": "Shanghai",
    "location": {"lat": 31.2304, "lon": 121.4737},
    "distance_km": 0.1,
    "max_power_kw": 120,
    "connectors": [{"standard": "CCS2", "power_kw": 120, "status": "AVAILABLE"}],
    "price": None,
    "available_evses": 2,
    "total_evses": 4,
}


class FakeLambda:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.sent: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.sent.append(json.loads(request["Payload"]))
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer).encode())}


@pytest.fixture
def lam(monkeypatch: pytest.MonkeyPatch) -> FakeLambda:
    fake = FakeLambda({"status": "succeeded", "result": {"stations": [STATION]}})
    monkeypatch.setattr(aws, "client_within", lambda _service, _what: fake)
    return fake


def query(**kw: Any) -> StationQuery:
    return StationQuery(center=SQUARE, radius_km=5, caller=CAR, **kw)


def test_stations_are_asked_as_the_driver_in_the_envelope(lam: FakeLambda) -> None:
    (found,) = LambdaChargingStations("charging-fn").find(query(connectors=("CCS2", "CCS2"), locale="zh-CN"))
    assert found.id == "CN-SHA-0001" and found.connectors == ("CCS2",)
    (sent,) = lam.sent
    assert (sent["kind"], sent["tool"], sent["caller"], sent["locale"]) == (
        "tool_invocation",
        "charging_find_stations",
        {"sub": "vin-1", "role": "vehicle"},
        "zh-CN",
    )
    assert sent["arguments"]["connectors"] == ["CCS2"]


def test_arguments_charging_would_refuse_are_refused_before_the_call(lam: FakeLambda) -> None:
    with pytest.raises(ValidationFailed) as caught:
        LambdaChargingStations("fn").find(query(connectors=("NACS",), min_power_kw=5000))
    assert caught.value.errors is None  # charging's pointers name nothing the driver sent
    assert lam.sent == []


def test_the_tools_roles_hold_for_the_caller_navigation_asks_for(lam: FakeLambda) -> None:
    partner = StationQuery(center=SQUARE, radius_km=5, caller=Caller(sub="p-1", role=Role.PARTNER))
    with pytest.raises(ToolNotFound):
        LambdaChargingStations("fn").find(partner)
    assert lam.sent == []


def test_a_result_that_breaks_the_tools_schema_is_502(lam: FakeLambda) -> None:
    lam.answer = {"status": "succeeded", "result": {"stations": [{**STATION, "max_power_kw": "fast"}]}}
    with pytest.raises(UpstreamError, match="schema"):
        LambdaChargingStations("fn").find(query())
