"""The charging domain behind the ChargingStations port: charging_find_stations, by Lambda Invoke.

The call carries the driver's own identity (navigation asks on the driver's behalf) and goes through the
layer's one function-to-function client (`cockpit.internal`), held to the tool's contract as the
dispatcher holds it: the caller's role and the arguments checked before the call (refused with a 422,
charging never asked), the result after. A failed call raises the problem the charging function
answered, without its pointers (they name arguments navigation built, not ones the driver sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.errors import UpstreamError
from cockpit.internal import FunctionClient
from cockpit.money import Money
from cockpit.tools.catalog import Catalog, first_party
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
    def __init__(self, function_name: str, catalog: Callable[[], Catalog] = first_party) -> None:
        self._client = FunctionClient(function_name)
        self._catalog = catalog  # read on the first search, not at cold start

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
        result = self._client.call_tool(
            self._catalog(), TOOL, arguments, query.caller, locale=query.locale, pointers={}
        )
        try:
            found = _Stations.model_validate(result)
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
