"""OSRM's route service (v1, `driving` profile): routing only, it has no place search.

`overview=full&geometries=polyline&steps=true`; avoid → `exclude=toll,motorway,ferry` (classes the
car profile defines). `code` "Ok" is success; NoRoute/NoSegment mean the points cannot be joined
(422); any other code, a non-JSON body or an unexpected shape → 502; a timeout → 504. OSRM knows no
toll prices, so `tolls` stays unknown.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.errors import NoRoute, UpstreamError
from cockpit.vehicle import Point
from navigation import polyline
from navigation.http import get_json
from navigation.ports import Avoid, Maneuver, Route, RouteRequest, RouteStep

_EXCLUDE = {Avoid.TOLLS: "toll", Avoid.HIGHWAYS: "motorway", Avoid.FERRIES: "ferry"}
_MODIFIERS = {
    "left": Maneuver.TURN_LEFT,
    "right": Maneuver.TURN_RIGHT,
    "slight left": Maneuver.SLIGHT_LEFT,
    "slight right": Maneuver.SLIGHT_RIGHT,
    "sharp left": Maneuver.SHARP_LEFT,
    "sharp right": Maneuver.SHARP_RIGHT,
    "uturn": Maneuver.UTURN,
    "straight": Maneuver.CONTINUE,
}
_TYPES = {
    "merge": Maneuver.MERGE,
    "on ramp": Maneuver.ON_RAMP,
    "off ramp": Maneuver.OFF_RAMP,
    "roundabout": Maneuver.ROUNDABOUT,
    "rotary": Maneuver.ROUNDABOUT,
    "roundabout turn": Maneuver.ROUNDABOUT,
    "exit roundabout": Maneuver.ROUNDABOUT,
    "exit rotary": Maneuver.ROUNDABOUT,
}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Maneuver(_Wire):
    type: str
    modifier: str | None = None
    location: tuple[float, float]
    bearing_after: float | None = None


class _Step(_Wire):
    distance: float = Field(ge=0)
    duration: float = Field(ge=0)
    name: str = ""
    mode: str = "driving"
    maneuver: _Maneuver


class _Leg(_Wire):
    steps: list[_Step]


class _Route(_Wire):
    distance: float = Field(ge=0)
    duration: float = Field(ge=0)
    geometry: str
    legs: list[_Leg] = Field(min_length=1)


class _Response(_Wire):
    code: str
    message: str = ""
    routes: list[_Route] = []


class OsrmRouting:
    name = "osrm"

    def __init__(
        self,
        *,
        base_url: str = "https://router.project-osrm.org",
        timeout_s: float = 4.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._client = client or httpx.Client()

    def route(self, request: RouteRequest) -> Route:
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in request.points)
        params = {"overview": "full", "geometries": "polyline", "steps": "true"}
        excluded = sorted(_EXCLUDE[a] for a in request.avoid)
        if excluded:
            params["exclude"] = ",".join(excluded)
        url = f"{self._base}/route/v1/driving/{coordinates}"
        body = get_json(self._client, url, params, timeout_s=self._timeout, what="OSRM route")
        try:
            parsed = _Response.model_validate(body)
        except ValidationError:
            raise UpstreamError("OSRM route: answered an unexpected shape") from None
        if parsed.code in ("NoRoute", "NoSegment"):
            raise NoRoute(f"OSRM found no route ({parsed.code})")
        if parsed.code != "Ok" or not parsed.routes:
            raise UpstreamError(f"OSRM route: answered {parsed.code[:40]}")
        return self._route(parsed.routes[0])

    def _route(self, raw: _Route) -> Route:
        try:
            geometry = polyline.decode(raw.geometry)
        except ValueError:
            raise UpstreamError("OSRM route: answered a malformed polyline") from None
        steps: list[RouteStep] = []
        last_leg = len(raw.legs) - 1
        for index, leg in enumerate(raw.legs):
            for step in leg.steps:
                kind = step.maneuver.type
                if kind == "depart" and index > 0:
                    continue  # the waypoint step before it says it
                maneuver = _maneuver(kind, step.maneuver.modifier, step.mode)
                if maneuver is Maneuver.ARRIVE and index < last_leg:
                    maneuver = Maneuver.WAYPOINT
                lon, lat = step.maneuver.location
                steps.append(
                    RouteStep(
                        maneuver=maneuver,
                        road=step.name or None,
                        road_zh=step.name or None,
                        distance_m=step.distance,
                        duration_s=step.duration,
                        location=_point(lat, lon),
                        bearing_deg=step.maneuver.bearing_after,
                        waypoint_index=index if maneuver is Maneuver.WAYPOINT else None,
                    )
                )
        return Route(
            distance_m=raw.distance,
            duration_s=raw.duration,
            geometry=tuple(p for i, p in enumerate(geometry) if i == 0 or p != geometry[i - 1]),
            steps=tuple(steps),
            provider=self.name,
        )


def _maneuver(kind: str, modifier: str | None, mode: str) -> Maneuver:
    if mode == "ferry":
        return Maneuver.FERRY
    if kind == "depart":
        return Maneuver.DEPART
    if kind == "arrive":
        return Maneuver.ARRIVE
    if kind in _TYPES:
        return _TYPES[kind]
    if kind == "fork" and modifier in ("left", "slight left", "sharp left"):
        return Maneuver.KEEP_LEFT
    if kind == "fork" and modifier in ("right", "slight right", "sharp right"):
        return Maneuver.KEEP_RIGHT
    return _MODIFIERS.get(modifier or "straight", Maneuver.CONTINUE)


def _point(lat: float, lon: float) -> Point:
    try:
        return Point(lat=lat, lon=lon)
    except ValidationError:
        raise UpstreamError("OSRM route: answered a coordinate out of range") from None
