"""AMap (Gaode) web service API v5: place text and around search, driving directions.

AMap works in GCJ-02 inside mainland China: points go out converted from WGS-84 and come back
converted to it. Numbers arrive as strings ("distance": "1523"). An answer with `status` "0" is an
error (its `info`/`infocode` name it) → 502; a timeout → 504. AMap's `navi.action` is what to do at
the end of a step, so it becomes the next step's maneuver; its Chinese `instruction` is not used,
the gateway renders every provider's steps in the session's locale itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.clock import utcnow
from cockpit.errors import ConfigurationError, NoRoute, UpstreamError
from cockpit.money import Money
from cockpit.vehicle import Point
from navigation.gcj02 import from_gcj02, to_gcj02
from navigation.http import get_json
from navigation.ports import (
    Avoid,
    Category,
    Maneuver,
    OpeningHours,
    Period,
    Place,
    PlaceQuery,
    Route,
    RouteRequest,
    RouteStep,
)

# AMap POI type codes (大类/中类) for the categories, and back.
TYPES: dict[Category, str] = {
    Category.RESTAURANT: "050000",
    Category.CAFE: "050500",
    Category.PARKING: "150900",
    Category.CHARGING: "011100",
    Category.HOTEL: "100000",
    Category.FUEL: "010100",
    Category.SERVICE_CENTER: "030000",
}
_PREFIXES = (
    ("0505", Category.CAFE),
    ("05", Category.RESTAURANT),
    ("1509", Category.PARKING),
    ("0111", Category.CHARGING),
    ("0101", Category.FUEL),
    ("10", Category.HOTEL),
    ("03", Category.SERVICE_CENTER),
    ("02", Category.SERVICE_CENTER),
)
ACTIONS: dict[str, Maneuver] = {
    "左转": Maneuver.TURN_LEFT,
    "右转": Maneuver.TURN_RIGHT,
    "向左前方行驶": Maneuver.SLIGHT_LEFT,
    "向右前方行驶": Maneuver.SLIGHT_RIGHT,
    "向左后方行驶": Maneuver.SHARP_LEFT,
    "向右后方行驶": Maneuver.SHARP_RIGHT,
    "左转调头": Maneuver.UTURN,
    "直行": Maneuver.CONTINUE,
    "靠左": Maneuver.KEEP_LEFT,
    "靠右": Maneuver.KEEP_RIGHT,
    "进入环岛": Maneuver.ROUNDABOUT,
    "离开环岛": Maneuver.ROUNDABOUT,
    "减速行驶": Maneuver.CONTINUE,
    "插入直行": Maneuver.MERGE,
}
# v5 driving `strategy`: 32 AMap's default; 35 no highways; 36 fewer tolls; 42 fewer tolls, no highways.
_STRATEGY = {(False, False): "32", (False, True): "35", (True, False): "36", (True, True): "42"}
_CHINA_TZ = "Asia/Shanghai"
MAX_PAGE_SIZE = 25


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Business(_Wire):
    opentime_today: str | None = None
    opentime_week: str | None = None
    tel: str | None = None


class _Poi(_Wire):
    id: str
    name: str
    location: str
    typecode: str = ""
    address: str | list[Any] = ""
    cityname: str | list[Any] = ""
    adname: str | list[Any] = ""
    distance: str | None = None
    business: _Business | None = None


class _Places(_Wire):
    status: str
    info: str = ""
    infocode: str = ""
    pois: list[_Poi] = []


class _StepCost(_Wire):
    duration: str = "0"


class _Navi(_Wire):
    action: str | list[Any] = ""
    assistant_action: str | list[Any] = ""


class _Step(_Wire):
    road_name: str | list[Any] = ""
    step_distance: str
    cost: _StepCost = Field(default_factory=_StepCost)
    navi: _Navi = Field(default_factory=_Navi)
    polyline: str


class _PathCost(_Wire):
    duration: str
    tolls: str = "0"
    toll_distance: str = "0"


class _Path(_Wire):
    distance: str
    cost: _PathCost
    steps: list[_Step] = Field(min_length=1)


class _RouteBody(_Wire):
    paths: list[_Path] = Field(min_length=1)


class _Directions(_Wire):
    status: str
    info: str = ""
    infocode: str = ""
    route: _RouteBody | None = None


# AMap infocodes that mean "no route between these points", not a failure of the service.
_NO_ROUTE = {"20800", "20801", "20802", "20803"}


class AmapMaps:
    """Both ports over AMap's web service API (one adapter: one key, one base URL)."""

    name = "amap"

    def __init__(
        self,
        key: Callable[[], str],
        *,
        base_url: str = "https://restapi.amap.com",
        timeout_s: float = 4.0,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._key = key
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._client = client or httpx.Client()
        self._clock = clock

    # --- places ---

    def search(self, query: PlaceQuery) -> Sequence[Place]:
        params = {"page_size": str(min(query.limit, MAX_PAGE_SIZE)), "show_fields": "business"}
        if query.text:
            params["keywords"] = query.text
        if query.category is not None and query.category in TYPES:
            params["types"] = TYPES[query.category]
        if query.center is not None:
            params |= {
                "location": _lonlat(query.center),
                "radius": str(min(50_000, round(query.radius_km * 1000))),
                "sortrule": "distance",
            }
            path = "/v5/place/around"
        else:
            path = "/v5/place/text"
        body = self._get(path, params, "AMap place search")
        try:
            parsed = _Places.model_validate(body)
        except ValidationError:
            raise UpstreamError("AMap place search: answered an unexpected shape") from None
        self._check(parsed.status, parsed.info, parsed.infocode, "AMap place search")
        return [self._place(p, query.category) for p in parsed.pois[: query.limit]]

    def _place(self, poi: _Poi, asked: Category | None) -> Place:
        location = _point(poi.location, "AMap place search")
        address = _text(poi.address)
        area = "".join(_text(x) for x in (poi.cityname, poi.adname))
        category = next((c for prefix, c in _PREFIXES if poi.typecode.startswith(prefix)), None)
        return Place(
            id=f"amap:{poi.id}"[:64],
            name=poi.name,
            name_zh=poi.name,
            address=f"{area}{address}" or poi.name,
            location=location,
            category=category or asked or Category.POI,
            city=_text(poi.cityname),
            time_zone=_CHINA_TZ,
            hours=self._hours(poi.business),
            phone=(poi.business.tel or None) if poi.business else None,
        )

    def _hours(self, business: _Business | None) -> OpeningHours | None:
        """Today's hours ("08:00-22:00", several joined by ";" or ","), as a period for today only."""
        today = business.opentime_today if business else None
        if business is None or not today:
            return None
        weekday = self._clock().astimezone(ZoneInfo(_CHINA_TZ)).weekday()
        periods = []
        for span in today.replace(",", ";").split(";"):
            opens, _, closes = span.strip().partition("-")
            try:
                periods.append(Period(days=(weekday,), opens=opens, closes=closes))
            except ValidationError:
                continue
        return OpeningHours(text=business.opentime_week or today, periods=tuple(periods))

    # --- routing ---

    def route(self, request: RouteRequest) -> Route:
        origin, *waypoints, destination = request.points
        params = {
            "origin": _lonlat(origin),
            "destination": _lonlat(destination),
            "strategy": _STRATEGY[(Avoid.TOLLS in request.avoid, Avoid.HIGHWAYS in request.avoid)],
            "show_fields": "cost,navi,polyline",
        }
        if waypoints:
            params["waypoints"] = ";".join(_lonlat(p) for p in waypoints)
        if Avoid.FERRIES in request.avoid:
            params["ferry"] = "1"
        body = self._get("/v5/direction/driving", params, "AMap driving directions")
        try:
            parsed = _Directions.model_validate(body)
        except ValidationError:
            raise UpstreamError("AMap driving directions: answered an unexpected shape") from None
        if parsed.status != "1" and parsed.infocode in _NO_ROUTE:
            raise NoRoute(f"AMap found no driving route ({parsed.info or parsed.infocode})")
        self._check(parsed.status, parsed.info, parsed.infocode, "AMap driving directions")
        if parsed.route is None:
            raise UpstreamError("AMap driving directions: answered no route")
        return self._route(parsed.route.paths[0], request)

    def _route(self, path: _Path, request: RouteRequest) -> Route:
        steps: list[RouteStep] = []
        geometry: list[Point] = []
        action = ""
        for i, raw in enumerate(path.steps):
            line = [_point(pair, "AMap driving directions") for pair in raw.polyline.split(";") if pair]
            if not line:
                raise UpstreamError("AMap driving directions: a step without geometry")
            geometry.extend(line if not geometry or geometry[-1] != line[0] else line[1:])
            road = _text(raw.road_name) or None
            steps.append(
                RouteStep(
                    maneuver=Maneuver.DEPART if i == 0 else ACTIONS.get(action, Maneuver.CONTINUE),
                    road=road,
                    road_zh=road,
                    distance_m=_number(raw.step_distance),
                    duration_s=_number(raw.cost.duration),
                    location=line[0],
                )
            )
            action = _text(raw.navi.action)
        steps.append(
            RouteStep(maneuver=Maneuver.ARRIVE, distance_m=0, duration_s=0, location=request.points[-1])
        )
        notes = (
            ["AMap avoids tolls as far as it can ('fewer tolls'), not strictly."]
            if Avoid.TOLLS in request.avoid
            else []
        )
        return Route(
            distance_m=_number(path.distance),
            duration_s=_number(path.cost.duration),
            geometry=tuple(geometry),
            steps=tuple(steps),
            tolls=Money.from_major(_decimal(path.cost.tolls), "CNY"),
            toll_distance_m=_number(path.cost.toll_distance),
            provider=self.name,
            notes=tuple(notes),
        )

    # --- the wire ---

    def _get(self, path: str, params: dict[str, str], what: str) -> Any:
        key = self._key()
        if not key or key == "unset":
            raise ConfigurationError("the AMap key is not set (secret AmapKeySecret, field key)")
        return get_json(
            self._client, self._base + path, {**params, "key": key}, timeout_s=self._timeout, what=what
        )

    @staticmethod
    def _check(status: str, info: str, infocode: str, what: str) -> None:
        if status != "1":
            raise UpstreamError(f"{what}: answered an error ({infocode or '?'} {info[:80]})".strip())


def _lonlat(p: Point) -> str:
    lat, lon = to_gcj02(p)
    return f"{lon:.6f},{lat:.6f}"


def _point(text: str, what: str) -> Point:
    try:
        lon, lat = (float(x) for x in text.split(","))
        return from_gcj02(lat, lon)
    except ValueError:
        raise UpstreamError(f"{what}: answered a malformed location") from None


def _text(value: str | list[Any]) -> str:
    """AMap answers an empty list where a string is absent."""
    return value if isinstance(value, str) else ""


def _number(text: str) -> float:
    try:
        return float(text or 0)
    except ValueError:
        raise UpstreamError("AMap: answered a malformed number") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        raise UpstreamError("AMap: answered a malformed amount") from None
