"""Polyline encoding, the GCJ-02 datum, great-circle helpers."""

from __future__ import annotations

import pytest

from cockpit.vehicle import Point
from navigation import gcj02, polyline
from navigation.geo import Polyline, bearing_deg, compass, haversine_km, interpolate, thin


def test_polyline_matches_the_documented_example() -> None:
    # The worked example of Google's Encoded Polyline Algorithm Format documentation.
    points = [Point(lat=38.5, lon=-120.2), Point(lat=40.7, lon=-120.95), Point(lat=43.252, lon=-126.453)]
    assert polyline.encode(points) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert polyline.decode("_p~iF~ps|U_ulLnnqC_mqNvxq`@") == points


def test_polyline_round_trips_at_precision_6_and_negative_zero_crossings() -> None:
    points = [
        Point(lat=-0.000001, lon=179.999999),
        Point(lat=0.0, lon=-180.0),
        Point(lat=31.230416, lon=121.473701),
    ]
    assert polyline.decode(polyline.encode(points, precision=6), precision=6) == points
    assert polyline.encode([]) == "" and polyline.decode("") == []


@pytest.mark.parametrize("text", ["_p~iF~ps|U_", "abc\x01", "_p~iF"])
def test_polyline_rejects_what_is_not_one(text: str) -> None:
    with pytest.raises(ValueError, match="polyline"):
        polyline.decode(text)


def test_gcj02_offsets_china_by_hundreds_of_metres_and_inverts() -> None:
    here = Point(lat=31.2304, lon=121.4737)
    lat, lon = gcj02.to_gcj02(here)
    assert 0.3 < haversine_km(here, Point(lat=lat, lon=lon)) < 0.8
    back = gcj02.from_gcj02(lat, lon)
    assert haversine_km(here, back) < 0.0001


def test_gcj02_leaves_the_rest_of_the_world_alone() -> None:
    munich = Point(lat=48.1374, lon=11.5755)
    assert gcj02.to_gcj02(munich) == (48.1374, 11.5755)
    assert gcj02.from_gcj02(48.1374, 11.5755) == munich


def test_great_circle_helpers() -> None:
    shanghai, hangzhou = Point(lat=31.2304, lon=121.4737), Point(lat=30.2741, lon=120.1551)
    assert 160 < haversine_km(shanghai, hangzhou) < 170
    assert compass(bearing_deg(shanghai, hangzhou)) == "SW"
    middle = interpolate(shanghai, hangzhou, 0.5)
    assert abs(haversine_km(shanghai, middle) - haversine_km(middle, hangzhou)) < 0.01


def test_polyline_locates_points_and_cuts_sections() -> None:
    line = Polyline(
        [interpolate(Point(lat=31.0, lon=121.0), Point(lat=31.0, lon=122.0), i / 10) for i in range(11)]
    )
    assert 94 < line.length_km < 96
    off, along = line.locate(Point(lat=31.05, lon=121.5))
    assert 5 < off < 6 and 47 < along < 48.5
    part = line.section(20, 40)
    assert part[0].lon <= 121.21 and part[-1].lon >= 121.41 and len(part) <= 100
    assert len(thin(line.points, 4)) <= 5 and thin(line.points, 4)[-1] == line.points[-1]


def test_point_at_walks_the_line() -> None:
    a, b = Point(lat=31.0, lon=121.0), Point(lat=31.0, lon=122.0)
    line = Polyline([a, interpolate(a, b, 0.5), b])
    assert line.point_at(-1) == a and line.point_at(1e6) == b
    middle = line.point_at(line.length_km / 4)
    assert haversine_km(a, middle) == pytest.approx(line.length_km / 4, rel=1e-3)
