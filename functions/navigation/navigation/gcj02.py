"""WGS-84 <-> GCJ-02, the offset datum Chinese map services (AMap) use inside mainland China.

The gateway speaks WGS-84 (api.md); AMap takes and returns GCJ-02, which differs by a few hundred
metres. The forward transform is the published formula; the inverse has no closed form and is found
by fixed-point iteration (to ~1 cm). Outside China both datums are the same.
"""

from __future__ import annotations

import math

from cockpit.vehicle import Point

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # its first eccentricity squared


def in_china(lat: float, lon: float) -> bool:
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def _offset(lat: float, lon: float) -> tuple[float, float]:
    dlat, dlon = _dlat(lon - 105.0, lat - 35.0), _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def to_gcj02(p: Point) -> tuple[float, float]:
    """(lat, lon) in GCJ-02 of a WGS-84 point."""
    if not in_china(p.lat, p.lon):
        return p.lat, p.lon
    dlat, dlon = _offset(p.lat, p.lon)
    return p.lat + dlat, p.lon + dlon


def from_gcj02(lat: float, lon: float) -> Point:
    """The WGS-84 point whose GCJ-02 coordinates are (lat, lon)."""
    if not in_china(lat, lon):
        return Point(lat=lat, lon=lon)
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = to_gcj02(Point(lat=wlat, lon=wlon))
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < 1e-9 and abs(dlon) < 1e-9:
            break
    return Point(lat=round(wlat, 7), lon=round(wlon, 7))
