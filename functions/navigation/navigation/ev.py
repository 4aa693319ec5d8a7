"""EV feasibility and charging stops: can the car make the trip on its charge, and if not, where to charge.

Range comes from the vehicle context: battery % * capacity / consumption when the car reports them,
else its own `range_km`. The car must arrive anywhere (a charger or the destination) with a reserve
of 10 % of a full battery (at least 10 km). Stops are chosen greedily along the route: among the
compatible fast chargers reachable with the reserve, prefer those in the far half of what is reachable
(fewer stops), then the most powerful, then the smallest detour; charge to 80 % (the fast part of the
curve) and go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cockpit.vehicle import Point, VehicleContext
from navigation.geo import Polyline
from navigation.ports import Station

RESERVE_FRACTION = 0.10
MIN_RESERVE_KM = 10.0
CHARGE_TO = 0.80
MAX_STOPS = 8
# Average power over a 10→80 % session relative to the charger's peak, and what a car accepts.
AVERAGE_POWER_SHARE = 0.7
CAR_MAX_KW = 150.0
DC_STANDARDS = ("GB_T_DC", "CCS2", "CHADEMO")
KNOWN_STANDARDS = (*DC_STANDARDS, "GB_T_AC", "TYPE2")


@dataclass(frozen=True)
class Energy:
    basis: str  # "battery" (capacity and consumption) or "range" (the car's own estimate)
    range_km: float
    full_range_km: float | None
    capacity_kwh: float | None

    @property
    def reserve_km(self) -> float:
        full = self.full_range_km if self.full_range_km is not None else self.range_km
        return max(MIN_RESERVE_KM, RESERVE_FRACTION * full)

    def percent(self, range_km: float) -> float | None:
        if self.full_range_km is None:
            return None
        return round(max(0.0, range_km) / self.full_range_km * 100, 1)


def energy(vehicle: VehicleContext | None) -> Energy | None:
    """What the car can drive now, if the vehicle context says enough to know."""
    if vehicle is None:
        return None
    pct, cap, use = vehicle.battery_percent, vehicle.battery_capacity_kwh, vehicle.consumption_kwh_per_100km
    if pct is not None and cap is not None and use is not None:
        full = cap / use * 100
        return Energy("battery", full * pct / 100, full, cap)
    if vehicle.range_km is not None:
        known_full = vehicle.range_km / (pct / 100) if pct else None
        return Energy("range", vehicle.range_km, known_full, cap)
    return None


@dataclass(frozen=True)
class Stop:
    station: Station
    along_km: float
    detour_km: float
    arrival_range_km: float


@dataclass(frozen=True)
class StopPlan:
    stops: list[Stop]
    complete: bool  # False: no reachable charger was found somewhere along the way
    final_range_km: float


Finder = Callable[[list[Point]], Sequence[Station]]


def plan_stops(line: Polyline, trip_km: float, e: Energy, find: Finder) -> StopPlan:
    """Charging stops along `line` (road km `trip_km`) so that every leg keeps the reserve."""
    scale = trip_km / line.length_km if line.length_km else 1.0  # road km per km of geometry
    position, range_left, reserve = 0.0, e.range_km, e.reserve_km
    stops: list[Stop] = []
    while position + range_left - reserve < trip_km:
        if len(stops) >= MAX_STOPS or (stops and e.full_range_km is None):
            return StopPlan(stops, False, range_left)
        reach = position + range_left - reserve
        if reach <= position:
            return StopPlan(stops, False, range_left)
        window = line.section(position / scale, reach / scale)
        best = _choose(line, scale, position, reach, find(window))
        if best is None:
            return StopPlan(stops, False, range_left)
        arrival = range_left - (best.along_km - position) - best.detour_km / 2
        stops.append(Stop(best.station, best.along_km, best.detour_km, arrival))
        full = e.full_range_km if e.full_range_km is not None else e.range_km
        range_left = full * CHARGE_TO - best.detour_km / 2
        position = best.along_km
    return StopPlan(stops, True, range_left - (trip_km - position))


@dataclass(frozen=True)
class _Candidate:
    station: Station
    along_km: float
    detour_km: float


def _choose(
    line: Polyline, scale: float, position: float, reach: float, found: Sequence[Station]
) -> _Candidate | None:
    candidates = []
    for station in found:
        off, along = line.locate(station.location)
        along_km, detour = along * scale, station.detour_km if station.detour_km is not None else 2 * off
        if position + 1.0 < along_km and along_km + detour / 2 <= reach:
            candidates.append(_Candidate(station, along_km, detour))
    if not candidates:
        return None
    far = [c for c in candidates if c.along_km >= position + (reach - position) / 2] or candidates
    return max(
        far,
        key=lambda c: (c.station.available_evses > 0, c.station.max_power_kw, -c.detour_km, c.along_km),
    )


def charge_minutes(e: Energy, arrival_range_km: float, power_kw: float) -> float | None:
    """Minutes to charge from the arrival level to 80 % at this charger (None without a capacity)."""
    arrival_pct = e.percent(arrival_range_km)
    if e.capacity_kwh is None or arrival_pct is None or power_kw <= 0:
        return None
    kwh = max(0.0, CHARGE_TO * 100 - arrival_pct) / 100 * e.capacity_kwh
    return round(kwh / (min(power_kw, CAR_MAX_KW) * AVERAGE_POWER_SHARE) * 60, 0)


def connectors_for(vehicle: VehicleContext) -> tuple[tuple[str, ...], float | None]:
    """(connector standards to ask for, minimum power): DC fast charging when the car has a DC inlet."""
    dc = tuple(c for c in vehicle.connectors if c in DC_STANDARDS)
    if dc:
        return dc, 50.0
    known = tuple(c for c in vehicle.connectors if c in KNOWN_STANDARDS)
    return (known, None) if known else ((), 50.0)
