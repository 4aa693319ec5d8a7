"""What the driver reads and hears: step instructions in the session's locale (en-US, zh-CN), place views."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from navigation.geo import compass
from navigation.models import HoursView, ParkingView, PlaceView, StepView
from navigation.ports import Maneuver, OpeningHours, Place, RouteStep

ZH = "zh-CN"
_COMPASS_ZH = {
    "N": "北",
    "NE": "东北",
    "E": "东",
    "SE": "东南",
    "S": "南",
    "SW": "西南",
    "W": "西",
    "NW": "西北",
}
_COMPASS_EN = {
    "N": "north",
    "NE": "northeast",
    "E": "east",
    "SE": "southeast",
    "S": "south",
    "SW": "southwest",
    "W": "west",
    "NW": "northwest",
}

# (with a road, without a road) per maneuver and locale.
_EN: dict[Maneuver, tuple[str, str]] = {
    Maneuver.DEPART: ("Head {dir} on {road}", "Head {dir}"),
    Maneuver.CONTINUE: ("Continue onto {road}", "Continue straight"),
    Maneuver.TURN_LEFT: ("Turn left onto {road}", "Turn left"),
    Maneuver.TURN_RIGHT: ("Turn right onto {road}", "Turn right"),
    Maneuver.SLIGHT_LEFT: ("Bear left onto {road}", "Bear left"),
    Maneuver.SLIGHT_RIGHT: ("Bear right onto {road}", "Bear right"),
    Maneuver.SHARP_LEFT: ("Turn sharp left onto {road}", "Turn sharp left"),
    Maneuver.SHARP_RIGHT: ("Turn sharp right onto {road}", "Turn sharp right"),
    Maneuver.UTURN: ("Make a U-turn onto {road}", "Make a U-turn"),
    Maneuver.KEEP_LEFT: ("Keep left onto {road}", "Keep left"),
    Maneuver.KEEP_RIGHT: ("Keep right onto {road}", "Keep right"),
    Maneuver.MERGE: ("Merge onto {road}", "Merge"),
    Maneuver.ON_RAMP: ("Take the ramp onto {road}", "Take the ramp"),
    Maneuver.OFF_RAMP: ("Take the exit towards {road}", "Take the exit"),
    Maneuver.ROUNDABOUT: ("At the roundabout, take the exit onto {road}", "Enter the roundabout"),
    Maneuver.FERRY: ("Take the ferry ({road})", "Take the ferry"),
    Maneuver.WAYPOINT: ("You have reached stop {n}", "You have reached stop {n}"),
    Maneuver.ARRIVE: ("You have arrived at your destination", "You have arrived at your destination"),
}
_ZH: dict[Maneuver, tuple[str, str]] = {
    Maneuver.DEPART: ("向{dir}出发,沿{road}行驶", "向{dir}出发"),
    Maneuver.CONTINUE: ("继续沿{road}行驶", "继续直行"),
    Maneuver.TURN_LEFT: ("左转进入{road}", "左转"),
    Maneuver.TURN_RIGHT: ("右转进入{road}", "右转"),
    Maneuver.SLIGHT_LEFT: ("向左前方行驶进入{road}", "向左前方行驶"),
    Maneuver.SLIGHT_RIGHT: ("向右前方行驶进入{road}", "向右前方行驶"),
    Maneuver.SHARP_LEFT: ("向左后方转弯进入{road}", "向左后方转弯"),
    Maneuver.SHARP_RIGHT: ("向右后方转弯进入{road}", "向右后方转弯"),
    Maneuver.UTURN: ("掉头进入{road}", "掉头"),
    Maneuver.KEEP_LEFT: ("靠左进入{road}", "靠左行驶"),
    Maneuver.KEEP_RIGHT: ("靠右进入{road}", "靠右行驶"),
    Maneuver.MERGE: ("汇入{road}", "汇入主路"),
    Maneuver.ON_RAMP: ("进入匝道,驶入{road}", "进入匝道"),
    Maneuver.OFF_RAMP: ("从出口驶出,前往{road}", "从出口驶出"),
    Maneuver.ROUNDABOUT: ("进入环岛,驶入{road}", "进入环岛"),
    Maneuver.FERRY: ("乘坐轮渡({road})", "乘坐轮渡"),
    Maneuver.WAYPOINT: ("已到达途经点{n}", "已到达途经点{n}"),
    Maneuver.ARRIVE: ("已到达目的地", "已到达目的地"),
}


def instruction(step: RouteStep, locale: str) -> str:
    zh = locale == ZH
    road = (step.road_zh or step.road) if zh else step.road
    with_road, without = (_ZH if zh else _EN)[step.maneuver]
    direction = compass(step.bearing_deg) if step.bearing_deg is not None else "N"
    return (with_road if road else without).format(
        road=road,
        dir=(_COMPASS_ZH if zh else _COMPASS_EN)[direction],
        n=(step.waypoint_index or 0) + 1,
    )


def step(s: RouteStep, locale: str) -> StepView:
    return StepView(
        instruction=instruction(s, locale),
        maneuver=s.maneuver,
        road=((s.road_zh or s.road) if locale == ZH else s.road) or None,
        distance_km=round(s.distance_m / 1000, 2),
        duration_min=round(s.duration_s / 60, 1),
        location=s.location,
    )


def is_open(hours: OpeningHours, moment: datetime, time_zone: str) -> bool | None:
    """Whether the place is open at `moment` (None when its hours say nothing usable)."""
    if hours.always_open:
        return True
    if not hours.periods:
        return None
    local = moment.astimezone(ZoneInfo(time_zone))
    minute = local.hour * 60 + local.minute
    yesterday = (local - timedelta(days=1)).weekday()
    for period in hours.periods:
        opens, closes = _minutes(period.opens), _minutes(period.closes)
        if closes > opens:
            if local.weekday() in period.days and opens <= minute < closes:
                return True
        elif (local.weekday() in period.days and minute >= opens) or (
            yesterday in period.days and minute < closes
        ):
            return True  # past midnight: opened today, or still open from yesterday
    return False


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def place(
    p: Place, locale: str, moment: datetime, *, distance_km: float | None, detour_km: float | None = None
) -> PlaceView:
    zh = locale == ZH
    return PlaceView(
        id=p.id,
        name=(p.name_zh or p.name) if zh else p.name,
        address=(p.address_zh or p.address) if zh else p.address,
        location=p.location,
        distance_km=None if distance_km is None else round(distance_km, 2),
        detour_km=None if detour_km is None else round(detour_km, 2),
        category=p.category,
        city=p.city or None,
        opening_hours=None
        if p.hours is None
        else HoursView(text=p.hours.text, open_now=is_open(p.hours, moment, p.time_zone)),
        parking=None if p.parking is None else ParkingView(**dict(p.parking)),
        phone=p.phone,
    )
