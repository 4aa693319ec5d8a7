"""The navigation ports: a places provider, a routing provider, and the charging domain's stations.

Adapters: `sandbox` (deterministic simulation, no network), `amap` (AMap/Gaode web service v5),
`osrm` (OSRM route service, routing only), and the charging function over Lambda Invoke. The service
speaks only to these Protocols; coordinates here are always WGS-84.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money
from cockpit.tools.model import Caller
from cockpit.vehicle import Point

if TYPE_CHECKING:
    from navigation.models import Destination


class Category(StrEnum):
    RESTAURANT = "restaurant"
    CAFE = "cafe"
    PARKING = "parking"
    CHARGING = "charging"
    HOTEL = "hotel"
    FUEL = "fuel"
    SERVICE_CENTER = "service_center"
    POI = "poi"


class Avoid(StrEnum):
    TOLLS = "tolls"
    HIGHWAYS = "highways"
    FERRIES = "ferries"


class Maneuver(StrEnum):
    DEPART = "depart"
    CONTINUE = "continue"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    SLIGHT_LEFT = "slight_left"
    SLIGHT_RIGHT = "slight_right"
    SHARP_LEFT = "sharp_left"
    SHARP_RIGHT = "sharp_right"
    UTURN = "uturn"
    KEEP_LEFT = "keep_left"
    KEEP_RIGHT = "keep_right"
    MERGE = "merge"
    ON_RAMP = "on_ramp"
    OFF_RAMP = "off_ramp"
    ROUNDABOUT = "roundabout"
    FERRY = "ferry"
    WAYPOINT = "waypoint"
    ARRIVE = "arrive"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(Model):
    """Open from `opens` to `closes` (local "HH:MM"; a close at or before the open runs past midnight)
    on the given weekdays (0 = Monday)."""

    days: tuple[int, ...] = Field(min_length=1)
    opens: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    closes: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


class OpeningHours(Model):
    text: str = Field(description="as the provider states them, e.g. 'Mo-Su 07:00-22:00' or '24/7'")
    periods: tuple[Period, ...] = ()
    always_open: bool = False


class Parking(Model):
    price_per_hour: Money | None = None
    free_spaces: int | None = Field(default=None, ge=0)
    total_spaces: int | None = Field(default=None, ge=0)


class Place(Model):
    id: str
    name: str
    name_zh: str | None = None
    address: str
    address_zh: str | None = None
    location: Point
    category: Category
    city: str = ""
    time_zone: str = "Asia/Shanghai"
    hours: OpeningHours | None = None
    parking: Parking | None = None
    phone: str | None = None


class PlaceQuery(Model):
    """What to look for: free text and/or a category, around a point (or anywhere)."""

    text: str = ""
    category: Category | None = None
    center: Point | None = None
    radius_km: float = 5.0
    limit: int = 10


class RouteRequest(Model):
    points: tuple[Point, ...] = Field(min_length=2, description="origin, waypoints…, destination")
    avoid: frozenset[Avoid] = frozenset()
    depart_at: datetime


class RouteStep(Model):
    maneuver: Maneuver
    road: str | None = None
    road_zh: str | None = None
    distance_m: float = Field(ge=0)
    duration_s: float = Field(ge=0)
    location: Point
    bearing_deg: float | None = None
    waypoint_index: int | None = None


class Route(Model):
    distance_m: float = Field(ge=0)
    duration_s: float = Field(ge=0)
    geometry: tuple[Point, ...]
    steps: tuple[RouteStep, ...]
    tolls: Money | None = None
    toll_distance_m: float | None = None
    provider: str
    simulated: bool = False
    notes: tuple[str, ...] = ()


class PlacesProvider(Protocol):
    name: str

    def search(self, query: PlaceQuery) -> Sequence[Place]:
        """Places matching the query, best first (nearest first when a center is given)."""
        ...


class RoutingProvider(Protocol):
    name: str

    def route(self, request: RouteRequest) -> Route: ...


class Station(Model):
    """A charging station as the charging domain reports it (the fields navigation uses)."""

    id: str
    name: str
    location: Point
    address: str = ""
    detour_km: float | None = None
    max_power_kw: float
    available_evses: int = 0
    connectors: tuple[str, ...] = ()
    estimated_cost: Money | None = None


class StationQuery(Model):
    """charging_find_stations' arguments, on behalf of the driver who asked navigation."""

    center: Point
    route: tuple[Point, ...] | None = Field(default=None, min_length=2, max_length=200)
    radius_km: float = Field(gt=0, le=100)
    connectors: tuple[str, ...] = ()
    min_power_kw: float | None = None
    limit: int = Field(default=50, ge=1, le=50)
    caller: Caller
    locale: str = "en-US"


class ChargingStations(Protocol):
    """The charging domain, as navigation needs it: stations near a point or along a stretch of route."""

    def find(self, query: StationQuery) -> Sequence[Station]: ...


class Destinations(Protocol):
    """Each vehicle's current destination (store.DestinationStore; an in-memory fake in tests)."""

    def current(self, sub: str) -> Destination | None: ...

    def set(self, sub: str, destination: Destination) -> Destination:
        """Make `destination` the vehicle's current one; what was stored."""
        ...
