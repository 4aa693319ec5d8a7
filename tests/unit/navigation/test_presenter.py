"""Instructions in the session's locale, and opening hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cockpit.vehicle import Point
from navigation.ports import Maneuver, OpeningHours, Period, RouteStep
from navigation.presenter import instruction, is_open

HERE = Point(lat=31.23, lon=121.47)


def step(
    maneuver: Maneuver, road: str | None = "Yan'an Elevated Road", road_zh: str | None = "延安高架路"
) -> RouteStep:
    return RouteStep(
        maneuver=maneuver,
        road=road,
        road_zh=road_zh,
        distance_m=1,
        duration_s=1,
        location=HERE,
        bearing_deg=250,
    )


@pytest.mark.parametrize(
    ("s", "en", "zh"),
    [
        (step(Maneuver.DEPART), "Head west on Yan'an Elevated Road", "向西出发,沿延安高架路行驶"),
        (step(Maneuver.TURN_LEFT), "Turn left onto Yan'an Elevated Road", "左转进入延安高架路"),
        (step(Maneuver.ON_RAMP, road=None, road_zh=None), "Take the ramp", "进入匝道"),
        (
            step(Maneuver.ARRIVE, road=None, road_zh=None),
            "You have arrived at your destination",
            "已到达目的地",
        ),
    ],
)
def test_instructions_in_both_locales(s: RouteStep, en: str, zh: str) -> None:
    assert instruction(s, "en-US") == en
    assert instruction(s, "zh-CN") == zh


def test_waypoints_are_numbered_from_one() -> None:
    s = RouteStep(maneuver=Maneuver.WAYPOINT, distance_m=0, duration_s=0, location=HERE, waypoint_index=1)
    assert instruction(s, "en-US") == "You have reached stop 2"


def test_opening_hours_in_local_time_including_past_midnight() -> None:
    late = OpeningHours(
        text="Mo-Su 10:00-03:00", periods=(Period(days=tuple(range(7)), opens="10:00", closes="03:00"),)
    )
    weekdays = OpeningHours(
        text="Mo-Fr 08:00-18:00", periods=(Period(days=(0, 1, 2, 3, 4), opens="08:00", closes="18:00"),)
    )
    wednesday_1am_shanghai = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    wednesday_noon_shanghai = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    saturday_noon_shanghai = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    assert is_open(late, wednesday_1am_shanghai, "Asia/Shanghai") is True
    assert is_open(late, datetime(2026, 11, 24, 21, 0, tzinfo=UTC), "Asia/Shanghai") is False  # 05:00
    assert is_open(weekdays, wednesday_noon_shanghai, "Asia/Shanghai") is True
    assert is_open(weekdays, saturday_noon_shanghai, "Asia/Shanghai") is False
    assert is_open(weekdays, wednesday_noon_shanghai, "Europe/Berlin") is False  # 05:00 in Munich
    assert (
        is_open(OpeningHours(text="24/7", always_open=True), saturday_noon_shanghai, "Asia/Shanghai") is True
    )
    assert is_open(OpeningHours(text="call ahead"), saturday_noon_shanghai, "Asia/Shanghai") is None
