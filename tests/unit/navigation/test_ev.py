"""EV feasibility and the choice of charging stops, against an in-memory charging domain."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cockpit.vehicle import Point, VehicleContext
from navigation import ev
from navigation.geo import Polyline, interpolate
from navigation.ports import Station

START, END = Point(lat=31.0, lon=120.0), Point(lat=31.0, lon=123.0)  # about 286 km due east
LINE = Polyline([interpolate(START, END, i / 60) for i in range(61)])


def station(sid: str, km: float, power: float, *, detour: float = 1.0, free: int = 2) -> Station:
    return Station(
        id=sid,
        name=sid,
        location=interpolate(START, END, km / LINE.length_km),
        detour_km=detour,
        max_power_kw=power,
        available_evses=free,
    )


class FakeCharging:
    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = list(stations)
        self.windows: list[list[Point]] = []

    def __call__(self, window: list[Point]) -> Sequence[Station]:
        self.windows.append(window)
        return self.stations


def car(percent: float, *, capacity: float = 60, use: float = 15) -> ev.Energy:
    found = ev.energy(
        VehicleContext(battery_percent=percent, battery_capacity_kwh=capacity, consumption_kwh_per_100km=use)
    )
    assert found is not None
    return found


def test_energy_from_battery_or_from_range() -> None:
    assert car(50).range_km == pytest.approx(200) and car(50).full_range_km == pytest.approx(400)
    assert car(50).reserve_km == pytest.approx(40)
    by_range = ev.energy(VehicleContext(range_km=120, battery_percent=40))
    assert by_range is not None and by_range.full_range_km == pytest.approx(300) and by_range.basis == "range"
    assert ev.energy(VehicleContext(battery_percent=40)) is None
    assert ev.energy(None) is None


def test_prefers_a_fast_free_charger_far_enough_along() -> None:
    # 25 % of 400 km = 100 km, minus the 40 km reserve: chargers up to ~60 km are reachable.
    find = FakeCharging(
        [
            station("slow-far", 55, 60),
            station("fast-far", 50, 180),
            station("fast-busy", 52, 350, free=0),
            station("too-early", 10, 350),
            station("out-of-reach", 80, 350),
        ]
    )
    plan = ev.plan_stops(LINE, LINE.length_km, car(25), find)
    assert [s.station.id for s in plan.stops] == ["fast-far"]
    assert plan.complete and plan.final_range_km >= car(25).reserve_km
    (stop,) = plan.stops
    assert stop.arrival_range_km == pytest.approx(100 - 50 - 0.5, abs=0.5)
    assert find.windows and len(find.windows[0]) >= 2


def test_several_stops_on_a_long_trip_with_a_small_battery() -> None:
    chargers = [station(f"s{km}", km, 120) for km in range(20, 290, 20)]
    plan = ev.plan_stops(LINE, LINE.length_km, car(30, capacity=30), FakeCharging(chargers))
    # 30 kWh / 15 kWh per 100 km: 200 km full, 20 km reserve; 30 % reaches 40 km, then 80 % gives
    # 160 km, so at most 140 km per hop: 20 → 140 → 260 → the end (286).
    assert plan.complete
    assert [s.station.id for s in plan.stops] == ["s20", "s140", "s260"]
    assert all(s.arrival_range_km >= 20 for s in plan.stops)


def test_no_reachable_charger_is_reported_not_hidden() -> None:
    plan = ev.plan_stops(LINE, LINE.length_km, car(25), FakeCharging([station("far", 200, 350)]))
    assert plan.stops == [] and not plan.complete


def test_charge_minutes_and_connectors() -> None:
    e = car(25)
    assert ev.charge_minutes(e, 40, 100) == pytest.approx((80 - 10) / 100 * 60 / 70 * 60, abs=1)
    assert ev.charge_minutes(ev.Energy("range", 80, None, None), 40, 100) is None
    assert ev.connectors_for(VehicleContext(connectors=("GB_T_DC", "GB_T_AC"))) == (("GB_T_DC",), 50.0)
    assert ev.connectors_for(VehicleContext(connectors=("TYPE2",))) == (("TYPE2",), None)
    assert ev.connectors_for(VehicleContext()) == ((), 50.0)
