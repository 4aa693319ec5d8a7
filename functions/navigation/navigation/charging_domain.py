"""The charging domain behind the ChargingStations port: charging_find_stations, by Lambda Invoke.

The call carries the driver's own identity (navigation asks on the driver's behalf) and goes through
the layer's LambdaTarget, so payload, FunctionError and timeout handling are the router's own. A
failed call raises the problem the charging function answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.dispatch.targets import LambdaTarget
from cockpit.errors import UpstreamError, from_problem
from cockpit.money import Money
from cockpit.tools.model import ToolInvocation
from cockpit.vehicle import Point
from navigation.ports import Station, StationQuery

TOOL = "charging_find_stations"


class _Estimate(BaseModel):
    cost: Money


class _Price(BaseModel):
    estimate: _Estimate | None = None


class _Connector(BaseModel):
    standard: str


class _Station(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    address: str = ""
    location: Point
    detour_km: float | None = None
    max_power_kw: float
    available_evses: int = 0
    connectors: list[_Connector] = []
    price: _Price | None = None


class _Stations(BaseModel):
    stations: list[_Station]


class LambdaChargingStations:
    def __init__(self, function_name: str) -> None:
        self._target = LambdaTarget(function_name)

    def find(self, query: StationQuery) -> Sequence[Station]:
        arguments: dict[str, Any] = {
            "location": query.center.model_dump(),
            "radius_km": query.radius_km,
            "limit": query.limit,
        }
        if query.route:
            arguments["route"] = [p.model_dump() for p in query.route]
        if query.connectors:
            arguments["connectors"] = list(dict.fromkeys(query.connectors))
        if query.min_power_kw is not None:
            arguments["min_power_kw"] = query.min_power_kw
        invocation = ToolInvocation(
            invocation_id=uuid.uuid4().hex,
            tool=TOOL,
            arguments=arguments,
            caller=query.caller,
            locale=query.locale,
        )
        result = self._target.invoke(invocation)
        if result.status != "succeeded":
            if result.error is not None:
                raise from_problem(result.error)
            raise UpstreamError(f"{TOOL}: the charging function answered {result.status}")
        try:
            found = _Stations.model_validate(result.result or {})
        except ValidationError:
            raise UpstreamError(f"{TOOL}: the charging function answered an unexpected shape") from None
        return [
            Station(
                id=s.id,
                name=s.name,
                address=s.address,
                location=s.location,
                detour_km=s.detour_km,
                max_power_kw=s.max_power_kw,
                available_evses=s.available_evses,
                connectors=tuple(dict.fromkeys(c.standard for c in s.connectors)),
                estimated_cost=s.price.estimate.cost if s.price and s.price.estimate else None,
            )
            for s in found.stations
        ]
