"""The encoded polyline format (Google's algorithm, precision 5 by default; OSRM's `polyline` geometry).

Each coordinate is rounded to 1e-precision, delta-encoded against the previous point, zig-zag
encoded (sign in the lowest bit) and written as 5-bit chunks, lowest first, each plus 63, with 0x20
set on every chunk but the last.
"""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.vehicle import Point


def _chunks(value: int) -> str:
    value = ~(value << 1) if value < 0 else value << 1
    out = []
    while value >= 0x20:
        out.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    out.append(chr(value + 63))
    return "".join(out)


def encode(points: Iterable[Point], precision: int = 5) -> str:
    factor = 10**precision
    out: list[str] = []
    last_lat = last_lon = 0
    for p in points:
        lat, lon = round(p.lat * factor), round(p.lon * factor)
        out.append(_chunks(lat - last_lat))
        out.append(_chunks(lon - last_lon))
        last_lat, last_lon = lat, lon
    return "".join(out)


def decode(text: str, precision: int = 5) -> list[Point]:
    """The points of an encoded polyline; ValueError when the text is not one."""
    factor = 10**precision
    values: list[int] = []
    shift = result = 0
    for ch in text:
        byte = ord(ch) - 63
        if not 0 <= byte < 64:
            raise ValueError("not an encoded polyline")
        result |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    if shift or len(values) % 2:
        raise ValueError("truncated encoded polyline")
    points: list[Point] = []
    lat = lon = 0
    for i in range(0, len(values), 2):
        lat += values[i]
        lon += values[i + 1]
        points.append(Point(lat=lat / factor, lon=lon / factor))
    return points
