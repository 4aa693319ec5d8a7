"""Distances on the WGS-84 sphere: great-circle to a point, and to a route given as points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

EARTH_RADIUS_KM = 6371.0088

LatLon = tuple[float, float]


def haversine_km(a: LatLon, b: LatLon) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _segment_km(p: LatLon, a: LatLon, b: LatLon) -> float:
    """Distance from p to segment ab, in a local equirectangular projection (exact enough below ~100 km)."""
    scale = math.cos(math.radians(p[0]))

    def xy(q: LatLon) -> tuple[float, float]:
        return (q[1] - p[1]) * scale, q[0] - p[0]

    (ax, ay), (bx, by) = xy(a), xy(b)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    cx, cy = ax + t * dx, ay + t * dy
    return math.hypot(cx, cy) * math.pi / 180 * EARTH_RADIUS_KM


def route_distance_km(p: LatLon, route: Sequence[LatLon]) -> float:
    """Shortest distance from p to the polyline through `route`."""
    if len(route) == 1:
        return haversine_km(p, route[0])
    return min(_segment_km(p, a, b) for a, b in pairwise(route))
