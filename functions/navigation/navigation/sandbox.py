"""The `sandbox` provider: deterministic places and a simulated router, no network.

Routing is a simulation and says so (`simulated: true`, a note): each leg is the great circle between
its points, cut into road classes (streets at both ends, an arterial, an expressway in the middle on
longer legs), each class's length scaled by a road factor and driven at the class's speed (slower in
rush hour, local time). Chinese expressways charge tolls per km; German motorways are free for cars.
The geometry is the great circle itself, sampled along the way and encoded as a real polyline.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from cockpit.clock import utcnow
from cockpit.errors import NoRoute
from cockpit.money import Money
from cockpit.vehicle import Point
from navigation.geo import bearing_deg, haversine_km, interpolate
from navigation.ports import (
    Avoid,
    Maneuver,
    Parking,
    Place,
    PlaceQuery,
    Route,
    RouteRequest,
    RouteStep,
)
from navigation.sandbox_data import City, Names, nearest_city, places

MAX_LEG_KM = 1500.0
SIMULATION_NOTE = (
    "Simulated route: great-circle legs scaled by road factors, speeds by road class; not a road network."
)
_TOLL_CNY_PER_KM = Decimal("0.50")


@dataclass(frozen=True)
class RoadClass:
    name: str
    factor: float  # road km per great-circle km
    kmh: float
    rush_factor: float
    tolled_in_china: bool = False


STREET = RoadClass("street", 1.35, 25, 0.6)
ARTERIAL = RoadClass("arterial", 1.25, 45, 0.6)
HIGHWAY = RoadClass("highway", 1.15, 100, 0.8, tolled_in_china=True)
NATIONAL = RoadClass("national", 1.3, 60, 0.75)
_LOCAL: Names = ("local road", "本地道路")


# --- places ------------------------------------------------------------------------------------------


class SandboxPlaces:
    name = "sandbox"

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock

    def search(self, query: PlaceQuery) -> Sequence[Place]:
        text = _norm(query.text)
        scored: list[tuple[float, float, str, Place]] = []
        for entry in _index():
            place = entry.place
            if query.category is not None and place.category is not query.category:
                continue
            distance = haversine_km(query.center, place.location) if query.center else 0.0
            if query.center is not None and distance > query.radius_km:
                continue
            score = entry.score(text) if text else 1.0
            if score > 0:
                scored.append((-score, distance, place.id, place))
        scored.sort(key=lambda s: s[:3])
        return [self._live(p) for *_, p in scored[: query.limit]]

    def _live(self, place: Place) -> Place:
        """Free parking spaces follow the local hour (busy by day, quiet at night), varied per car park."""
        if place.parking is None or place.parking.total_spaces is None:
            return place
        hour = self.clock().astimezone(ZoneInfo(place.time_zone)).hour
        busy = 0.9 if 10 <= hour < 19 else 0.6 if 7 <= hour < 22 else 0.2
        jitter = (zlib.crc32(f"{place.id}:{hour}".encode()) % 21 - 10) / 100
        total = place.parking.total_spaces
        free = max(0, min(total, round(total * (1 - busy - jitter))))
        return place.model_copy(update={"parking": Parking(**{**dict(place.parking), "free_spaces": free})})


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class _Entry:
    """A place with its names and words normalized once."""

    place: Place
    names: tuple[str, ...]
    haystack: str

    def score(self, text: str) -> float:
        if text in self.names:
            return 4.0
        if any(n.startswith(text) for n in self.names):
            return 3.0
        if any(text in n for n in self.names):
            return 2.0
        words = [w for w in text.replace("'", " ").split() if len(w) > 1]
        return 1.0 if words and all(w in self.haystack for w in words) else 0.0


@cache
def _index() -> tuple[_Entry, ...]:
    entries = []
    for p in places():
        names = tuple(n for n in (_norm(p.name), _norm(p.name_zh or "")) if n)
        words = (*names, _norm(p.address), _norm(p.address_zh or ""), p.category.value)
        entries.append(_Entry(p, names, " ".join(words)))
    return tuple(entries)


# --- routing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    road: RoadClass
    start: Point
    gc_km: float
    names: Names
    bearing: float


class SandboxRouting:
    name = "sandbox"

    def route(self, request: RouteRequest) -> Route:
        points = list(request.points)
        country = self._country(points)
        steps: list[RouteStep] = []
        geometry: list[Point] = [points[0]]
        toll_km = 0.0
        for leg, (a, b) in enumerate(pairwise(points)):
            d = haversine_km(a, b)
            if d > MAX_LEG_KM:
                raise NoRoute(f"no road route of a drivable length joins point {leg} and point {leg + 1}")
            segments = self._segments(a, b, d, request.avoid, country)
            for i, seg in enumerate(segments):
                previous = segments[i - 1].road if i else None
                km = seg.gc_km * seg.road.factor
                steps.append(
                    RouteStep(
                        maneuver=_maneuver(previous, seg, first=(leg == 0 and i == 0)),
                        road=seg.names[0],
                        road_zh=seg.names[1],
                        distance_m=round(km * 1000, 1),
                        duration_s=round(km / self._speed(seg.road, country, seg.start, request) * 3600, 1),
                        location=seg.start,
                        bearing_deg=round(seg.bearing, 1),
                    )
                )
                if seg.road.tolled_in_china and country == "CN":
                    toll_km += km
            geometry.extend(_sample(a, b, d)[1:])
            last = leg == len(points) - 2
            steps.append(
                RouteStep(
                    maneuver=Maneuver.ARRIVE if last else Maneuver.WAYPOINT,
                    distance_m=0,
                    duration_s=0,
                    location=b,
                    waypoint_index=None if last else leg,
                )
            )
        notes = [SIMULATION_NOTE]
        if Avoid.FERRIES in request.avoid:
            notes.append("The simulation has no ferries: none to avoid.")
        return Route(
            distance_m=round(sum(s.distance_m for s in steps), 1),
            duration_s=round(sum(s.duration_s for s in steps), 1),
            geometry=tuple(geometry),
            steps=tuple(steps),
            tolls=_tolls(country, toll_km),
            toll_distance_m=round(toll_km * 1000, 1) if country else None,
            provider=self.name,
            simulated=True,
            notes=tuple(notes),
        )

    @staticmethod
    def _country(points: Sequence[Point]) -> str | None:
        city = nearest_city(points[0]) or nearest_city(points[-1])
        return city.country_code if city else None

    @staticmethod
    def _segments(
        a: Point, b: Point, d: float, avoid: frozenset[Avoid], country: str | None
    ) -> list[_Segment]:
        if d < 2:
            plan = [(STREET, d)]
        elif d < 12:
            plan = [(STREET, 0.8), (ARTERIAL, d - 1.6), (STREET, 0.8)]
        else:
            no_highway = Avoid.HIGHWAYS in avoid or (Avoid.TOLLS in avoid and country == "CN")
            middle = NATIONAL if no_highway else HIGHWAY
            plan = [(STREET, 0.8), (ARTERIAL, 2.5), (middle, d - 6.6), (ARTERIAL, 2.5), (STREET, 0.8)]
        out: list[_Segment] = []
        done = 0.0
        city_a, city_b = nearest_city(a), nearest_city(b)
        for road, km in plan:
            start = interpolate(a, b, done / d) if d else a
            city = city_a if done < d / 2 else city_b
            out.append(
                _Segment(
                    road, start, km, _road_name(road, start, city or city_a or city_b), bearing_deg(a, b)
                )
            )
            done += km
        return out

    @staticmethod
    def _speed(road: RoadClass, country: str | None, at: Point, request: RouteRequest) -> float:
        kmh = 120.0 if road is HIGHWAY and country == "DE" else road.kmh
        city = nearest_city(at)
        local = request.depart_at.astimezone(ZoneInfo(city.time_zone if city else "UTC"))
        minutes = local.hour * 60 + local.minute
        rush = local.weekday() < 5 and (7 * 60 <= minutes < 9 * 60 + 30 or 17 * 60 <= minutes < 19 * 60 + 30)
        return kmh * road.rush_factor if rush else kmh


def _tolls(country: str | None, toll_km: float) -> Money | None:
    """Chinese expressways charge per km; German motorways are free for cars; elsewhere unknown."""
    if country == "CN":
        return Money.from_major(_TOLL_CNY_PER_KM * Decimal(str(round(toll_km, 1))), "CNY")
    return Money(amount=0, currency="EUR") if country == "DE" else None


def _maneuver(previous: RoadClass | None, seg: _Segment, *, first: bool) -> Maneuver:
    if first:
        return Maneuver.DEPART
    if previous is None:
        return Maneuver.CONTINUE
    if seg.road is HIGHWAY:
        return Maneuver.ON_RAMP
    if previous is HIGHWAY:
        return Maneuver.OFF_RAMP
    left = zlib.crc32(f"{seg.start.lat:.3f},{seg.start.lon:.3f}".encode()) % 2 == 0
    return Maneuver.TURN_LEFT if left else Maneuver.TURN_RIGHT


def _road_name(road: RoadClass, at: Point, city: City | None) -> Names:
    if road is HIGHWAY:
        return city.highway if city else ("expressway", "高速公路")
    if road is NATIONAL:
        return ("G312 National Road", "G312国道") if city and city.country_code == "CN" else ("B13", "B13")
    if city is None:
        return _LOCAL
    pick = zlib.crc32(f"{at.lat:.3f},{at.lon:.3f}".encode())
    names = city.streets if road is STREET else city.arterials
    return names[pick % len(names)]


def _sample(a: Point, b: Point, d: float) -> list[Point]:
    """Points along the great circle from a to b, about every km (at most 400 per leg)."""
    n = max(1, min(400, math.ceil(d)))
    return [a, *(interpolate(a, b, i / n) for i in range(1, n)), b]
