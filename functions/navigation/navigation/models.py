"""The navigation tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from cockpit.money import Money
from cockpit.vehicle import Point
from navigation.ports import Avoid, Category, Maneuver

MAX_WAYPOINTS = 16
QUERY = r"\S"  # not blank


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Waypoint = Annotated[Point, Field(description="A stop on the way, in order.")]
WAYPOINTS = "up to 16 stops on the way, in order"
DESTINATION = "Where to go."


def _once_each(kinds: list[Avoid]) -> list[Avoid]:
    if len(set(kinds)) != len(kinds):
        raise ValueError("each road kind at most once")
    return kinds


class SearchPlacesArgs(Args):
    query: str = Field(
        min_length=1,
        max_length=200,
        pattern=QUERY,
        description="what to look for, e.g. '星巴克' or 'parking near the Bund'",
    )
    location: Point | None = Field(
        default=None, description="Search around this point (default: the car's current location)."
    )
    along_route: bool = Field(
        default=False,
        description="search along the route to the current destination instead of around a point",
    )
    category: Category | None = Field(default=None, description="only places of this kind")
    open_now: bool = Field(default=False, description="only places open right now")
    radius_km: float = Field(
        default=5, gt=0, le=50, description="search radius (or corridor half-width along the route), km"
    )
    limit: int = Field(default=10, ge=1, le=50)


class PlanRouteArgs(Args):
    destination: Point = Field(description=DESTINATION)
    origin: Point | None = Field(
        default=None, description="Where to start (default: the car's current location)."
    )
    waypoints: list[Waypoint] = Field(default_factory=list, max_length=MAX_WAYPOINTS, description=WAYPOINTS)
    avoid: Annotated[list[Avoid], AfterValidator(_once_each)] = Field(
        default_factory=list,
        max_length=3,
        json_schema_extra={"uniqueItems": True},
        description="road kinds to avoid",
    )
    depart_at: AwareDatetime | None = Field(
        default=None, description="RFC 3339 departure time with offset (default: now)"
    )


class SetDestinationArgs(Args):
    destination: Point = Field(description=DESTINATION)
    name: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=QUERY, description="what to call it on the screen"
    )
    address: str | None = Field(default=None, min_length=1, max_length=300)
    place_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="the place's id from navigation_search_places",
    )
    waypoints: list[Waypoint] = Field(default_factory=list, max_length=MAX_WAYPOINTS, description=WAYPOINTS)


class GetDestinationArgs(Args):
    pass


# --- results ---------------------------------------------------------------------------------------


class HoursView(BaseModel):
    text: str
    open_now: bool | None


class ParkingView(BaseModel):
    price_per_hour: Money | None = None
    free_spaces: int | None = Field(default=None, ge=0)
    total_spaces: int | None = Field(default=None, ge=0)


class PlaceView(BaseModel):
    id: str
    name: str
    address: str
    location: Point
    distance_km: float | None = None
    detour_km: float | None = None
    category: Category
    city: str | None = None
    opening_hours: HoursView | None = None
    parking: ParkingView | None = None
    phone: str | None = None


class Anchor(BaseModel):
    name: str
    location: Point


class Places(BaseModel):
    places: list[PlaceView]
    near: Anchor | None = None
    provider: str


class StepView(BaseModel):
    instruction: str
    maneuver: Maneuver
    road: str | None = None
    distance_km: float
    duration_min: float
    location: Point


class ChargingStopView(BaseModel):
    station_id: str
    name: str
    location: Point
    address: str | None = None
    along_route_km: float
    detour_km: float
    max_power_kw: float
    arrival_battery_percent: float | None = None
    charge_to_percent: float | None = None
    charge_min: float | None = None
    estimated_cost: Money | None = None


class EnergyView(BaseModel):
    basis: str
    range_km: float
    reserve_km: float
    arrival_battery_percent: float | None = None
    arrival_range_km: float


class RouteView(BaseModel):
    distance_km: float
    duration_min: float
    polyline: str
    polyline_precision: int = 5
    steps: list[StepView]
    tolls: Money | None = None
    toll_distance_km: float | None = None
    origin: Point
    destination: Point
    waypoints: list[Point]
    depart_at: datetime
    arrive_at: datetime
    provider: str
    simulated: bool
    feasible_on_current_charge: bool | None = None
    charging_stops: list[ChargingStopView] = Field(default_factory=list)
    energy: EnergyView | None = None
    notes: list[str] = Field(default_factory=list)


class OneRoute(BaseModel):
    route: RouteView


class Destination(BaseModel):
    id: str
    destination: Point
    name: str | None = None
    address: str | None = None
    place_id: str | None = None
    waypoints: list[Point]
    set_at: datetime
    status: str = "sent"


class OneDestination(BaseModel):
    destination: Destination | None
