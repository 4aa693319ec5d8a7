"""The navigation tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cockpit.money import Money
from cockpit.vehicle import Point
from navigation.ports import Avoid, Category, Maneuver

MAX_WAYPOINTS = 16
QUERY = r"\S"  # not blank


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchPlacesArgs(Args):
    query: str = Field(min_length=1, max_length=200, pattern=QUERY)
    location: Point | None = None
    along_route: bool = False
    category: Category | None = None
    open_now: bool = False
    radius_km: float = Field(default=5, gt=0, le=50)
    limit: int = Field(default=10, ge=1, le=50)


class PlanRouteArgs(Args):
    destination: Point
    origin: Point | None = None
    waypoints: list[Point] = Field(default_factory=list, max_length=MAX_WAYPOINTS)
    avoid: list[Avoid] = Field(default_factory=list, max_length=3)
    depart_at: AwareDatetime | None = None


class SetDestinationArgs(Args):
    destination: Point
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=QUERY)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    place_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    waypoints: list[Point] = Field(default_factory=list, max_length=MAX_WAYPOINTS)


class GetDestinationArgs(Args):
    pass


# --- results ---------------------------------------------------------------------------------------


class HoursView(BaseModel):
    text: str
    open_now: bool | None


class ParkingView(BaseModel):
    price_per_hour: Money | None = None
    free_spaces: int | None = None
    total_spaces: int | None = None


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
