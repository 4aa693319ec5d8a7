"""Geometry on the WGS-84 sphere: distances, bearings, great-circle interpolation, positions along a route."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate, pairwise

from cockpit.vehicle import Point

EARTH_RADIUS_KM = 6371.0088
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(a: Point, b: Point) -> float:
    """Initial bearing from a to b, degrees clockwise from north."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    y = math.sin(dlon) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def compass(bearing: float) -> str:
    return COMPASS[int((bearing + 22.5) % 360 // 45)]


def interpolate(a: Point, b: Point, fraction: float) -> Point:
    """The point `fraction` of the way from a to b along the great circle."""
    d = haversine_km(a, b) / EARTH_RADIUS_KM
    if d < 1e-12:
        return a
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    sa, sb = math.sin((1 - fraction) * d) / math.sin(d), math.sin(fraction * d) / math.sin(d)
    x = sa * math.cos(lat1) * math.cos(lon1) + sb * math.cos(lat2) * math.cos(lon2)
    y = sa * math.cos(lat1) * math.sin(lon1) + sb * math.cos(lat2) * math.sin(lon2)
    z = sa * math.sin(lat1) + sb * math.sin(lat2)
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    lon = math.degrees(math.atan2(y, x))
    return Point(lat=round(lat, 6), lon=round(lon, 6))


def _segment_km(p: Point, a: Point, b: Point) -> tuple[float, float]:
    """(distance from p to segment ab, position of the closest point as a fraction of ab), in a local
    equirectangular projection (exact enough for segments below ~100 km)."""
    scale = math.cos(math.radians(p.lat))
    ax, ay = (a.lon - p.lon) * scale, a.lat - p.lat
    bx, by = (b.lon - p.lon) * scale, b.lat - p.lat
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy) * math.pi / 180 * EARTH_RADIUS_KM, t


class Polyline:
    """A route's geometry with the cumulative distance (km) at each point."""

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = list(points)
        steps = [haversine_km(a, b) for a, b in pairwise(self.points)]
        self.cumulative = [0.0, *accumulate(steps)]

    @property
    def length_km(self) -> float:
        return self.cumulative[-1]

    def locate(self, p: Point) -> tuple[float, float]:
        """(distance off the line, km along the line of the closest point)."""
        if len(self.points) == 1:
            return haversine_km(p, self.points[0]), 0.0
        best = (math.inf, 0.0)
        for i, (a, b) in enumerate(pairwise(self.points)):
            off, t = _segment_km(p, a, b)
            if off < best[0]:
                best = (off, self.cumulative[i] + t * (self.cumulative[i + 1] - self.cumulative[i]))
        return best

    def point_at(self, km: float) -> Point:
        """The point `km` along the line (clamped to its ends)."""
        if km <= 0 or len(self.points) == 1:
            return self.points[0]
        i = bisect_left(self.cumulative, km)
        if i >= len(self.points):
            return self.points[-1]
        a, b = self.points[i - 1], self.points[i]
        span = self.cumulative[i] - self.cumulative[i - 1]
        return interpolate(a, b, (km - self.cumulative[i - 1]) / span if span else 0.0)

    def section(self, start_km: float, end_km: float, max_points: int = 100) -> list[Point]:
        """The points between two positions along the line (at least two, at most max_points)."""
        i = max(0, bisect_left(self.cumulative, start_km) - 1)
        j = min(len(self.points), bisect_left(self.cumulative, end_km) + 1)
        part = self.points[i:j] if j - i >= 2 else self.points[max(0, j - 2) : max(j, 2)]
        return thin(part, max_points)


def thin(points: Sequence[Point], max_points: int) -> list[Point]:
    """Every k-th point so that at most max_points remain, always keeping the first and the last."""
    if len(points) <= max_points:
        return list(points)
    stride = math.ceil((len(points) - 1) / (max_points - 1))
    kept = list(points[::stride])
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept
