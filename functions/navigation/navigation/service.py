"""Navigation logic: search places, plan routes (EV feasibility and charging stops), the car's destination."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from cockpit.clock import utcnow
from cockpit.errors import NotFound, ProblemError, ProblemItem, ValidationFailed
from cockpit.observability import logger
from cockpit.tools.model import ToolInvocation
from cockpit.vehicle import Point
from navigation import ev, polyline, presenter
from navigation.geo import Polyline, haversine_km
from navigation.models import (
    Anchor,
    ChargingStopView,
    Destination,
    EnergyView,
    OneDestination,
    OneRoute,
    Places,
    PlaceView,
    PlanRouteArgs,
    RouteView,
    SearchPlacesArgs,
    SetDestinationArgs,
)
from navigation.ports import (
    Category,
    ChargingStations,
    Destinations,
    Place,
    PlaceQuery,
    PlacesProvider,
    Route,
    RouteRequest,
    RoutingProvider,
    Station,
    StationQuery,
)
from navigation.query import parse

SAME_PLACE_KM = 0.02  # closer than 20 m is "the same place"
PAST_TOLERANCE = timedelta(minutes=5)
STOP_CORRIDOR_KM = 5.0
MAX_CORRIDOR_SAMPLES = 5
ANCHOR_KM = 100.0  # a named place is first looked for within this distance of the car


def _invalid(pointer: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[ProblemItem(pointer=pointer, message=message)])


class NavigationService:
    def __init__(
        self,
        places: PlacesProvider,
        routing: RoutingProvider,
        stations: ChargingStations,
        destinations: Destinations,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.places = places
        self.routing = routing
        self.stations = stations
        self.destinations = destinations
        self.clock = clock

    # -- places ---------------------------------------------------------------------------------

    def search_places(self, inv: ToolInvocation, args: SearchPlacesArgs) -> Places:
        asked = parse(args.query)
        category = args.category or asked.category
        reference = args.location or (inv.vehicle.location if inv.vehicle else None)
        if args.along_route:
            return self._along_route(inv, args, asked.text, category, reference)
        anchor = self._anchor(asked.near, reference, inv.locale) if asked.near else None
        center = anchor.location if anchor else reference
        if category is Category.CHARGING:
            if center is None:
                raise _invalid(
                    "/arguments/location", "charging stations are searched near a point: give location"
                )
            found = self._stations_as_places(inv, center, args.radius_km, args.limit * 3)
        else:
            want = min(50, args.limit * 3 if args.open_now else args.limit)
            query = PlaceQuery(
                text=asked.text, category=category, center=center, radius_km=args.radius_km, limit=want
            )
            found = list(self.places.search(query))
            if not found and asked.text and category is None and center is not None:
                # a place the driver names ("West Lake") is found wherever it is, as an anchor is
                found = list(self.places.search(PlaceQuery(text=asked.text, limit=want)))
        now = self.clock()
        views = []
        for place in found:  # distance from where the search is centred: the anchor, else the car
            view = presenter.place(
                place, inv.locale, now, distance_km=haversine_km(center, place.location) if center else None
            )
            if args.open_now and not (view.opening_hours and view.opening_hours.open_now):
                continue
            views.append(view)
        return Places(places=views[: args.limit], near=anchor, provider=self.places.name)

    def _anchor(self, near: str, reference: Point | None, locale: str) -> Anchor:
        """The place the driver names ("the Bund"): the best match near the car, else anywhere."""
        found: Sequence[Place] = ()
        if reference is not None:
            found = self.places.search(PlaceQuery(text=near, center=reference, radius_km=ANCHOR_KM, limit=1))
        if not found:
            found = self.places.search(PlaceQuery(text=near, limit=1))
        if not found:
            raise NotFound(f"no place matches {near[:80]!r} to search near")
        view = presenter.place(found[0], locale, self.clock(), distance_km=None)
        return Anchor(name=view.name, location=view.location)

    def _along_route(
        self,
        inv: ToolInvocation,
        args: SearchPlacesArgs,
        text: str,
        category: Category | None,
        reference: Point | None,
    ) -> Places:
        current = self.destinations.current(inv.caller.sub)
        if current is None:
            raise _invalid("/arguments/along_route", "there is no current route: set a destination first")
        if reference is None:
            raise _invalid("/arguments/location", "where the car is is unknown: give location")
        request = RouteRequest(
            points=(reference, *current.waypoints, current.destination), depart_at=self.clock()
        )
        line = Polyline(self.routing.route(request).geometry)
        samples = max(1, min(MAX_CORRIDOR_SAMPLES, math.ceil(line.length_km / (2 * args.radius_km))))
        seen: dict[str, tuple[float, float, Place]] = {}
        for i in range(samples):
            center = line.point_at(line.length_km * (i + 0.5) / samples)
            if category is Category.CHARGING:
                found: Sequence[Place] = self._stations_as_places(inv, center, args.radius_km * 2, 50)
            else:
                query = PlaceQuery(
                    text=text, category=category, center=center, radius_km=args.radius_km * 2, limit=50
                )
                found = self.places.search(query)
            for place in found:
                off, along = line.locate(place.location)
                if off <= args.radius_km and place.id not in seen:
                    seen[place.id] = (along, off, place)
        now = self.clock()
        views: list[PlaceView] = []
        for along, off, place in sorted(seen.values(), key=lambda s: (s[1] * 2 + s[0] * 0.1, s[2].id)):
            view = presenter.place(place, inv.locale, now, distance_km=along, detour_km=2 * off)
            if args.open_now and not (view.opening_hours and view.opening_hours.open_now):
                continue
            views.append(view)
        return Places(places=views[: args.limit], near=None, provider=self.places.name)

    def _stations_as_places(
        self, inv: ToolInvocation, center: Point, radius_km: float, limit: int
    ) -> list[Place]:
        query = StationQuery(
            center=center,
            radius_km=min(100.0, radius_km),
            limit=min(50, limit),
            caller=inv.caller,
            locale=inv.locale,
        )
        return [
            Place(
                id=s.id,
                name=s.name,
                address=s.address or s.name,
                location=s.location,
                category=Category.CHARGING,
            )
            for s in self.stations.find(query)
        ]

    # -- routes ---------------------------------------------------------------------------------

    def plan_route(self, inv: ToolInvocation, args: PlanRouteArgs) -> OneRoute:
        origin = args.origin or (inv.vehicle.location if inv.vehicle else None)
        if origin is None:
            raise _invalid("/arguments/origin", "no origin given and the car's current location is unknown")
        if not args.waypoints and haversine_km(origin, args.destination) < SAME_PLACE_KM:
            raise _invalid(
                "/arguments/destination", "the destination is the origin: there is no route to plan"
            )
        now = self.clock()
        if args.depart_at is not None and args.depart_at < now - PAST_TOLERANCE:
            raise _invalid("/arguments/depart_at", "depart_at lies in the past")
        depart = args.depart_at or now
        request = RouteRequest(
            points=(origin, *args.waypoints, args.destination), avoid=frozenset(args.avoid), depart_at=depart
        )
        route = self.routing.route(request)
        view = RouteView(
            distance_km=round(route.distance_m / 1000, 2),
            duration_min=round(route.duration_s / 60, 1),
            polyline=polyline.encode(route.geometry),
            steps=[presenter.step(s, inv.locale) for s in route.steps],
            tolls=route.tolls,
            toll_distance_km=None
            if route.toll_distance_m is None
            else round(route.toll_distance_m / 1000, 2),
            origin=origin,
            destination=args.destination,
            waypoints=list(args.waypoints),
            depart_at=depart,
            arrive_at=depart + timedelta(seconds=route.duration_s),
            provider=route.provider,
            simulated=route.simulated,
            notes=[*route.notes, *_timing_note(args, route)],
        )
        return OneRoute(route=self._with_energy(inv, route, view))

    def _with_energy(self, inv: ToolInvocation, route: Route, view: RouteView) -> RouteView:
        e = ev.energy(inv.vehicle)
        if e is None or inv.vehicle is None:
            return view
        trip_km = route.distance_m / 1000
        arrival = e.range_km - trip_km
        feasible = arrival >= e.reserve_km
        energy = EnergyView(
            basis=e.basis,
            range_km=round(e.range_km, 1),
            reserve_km=round(e.reserve_km, 1),
            arrival_battery_percent=e.percent(arrival),
            arrival_range_km=round(arrival, 1),
        )
        update: dict[str, object] = {"feasible_on_current_charge": feasible, "energy": energy}
        if not feasible:
            stops, notes = self._stops(inv, route, trip_km, e)
            update |= {"charging_stops": stops, "notes": [*view.notes, *notes]}
        return view.model_copy(update=update)

    def _stops(
        self, inv: ToolInvocation, route: Route, trip_km: float, e: ev.Energy
    ) -> tuple[list[ChargingStopView], list[str]]:
        assert inv.vehicle is not None
        connectors, min_kw = ev.connectors_for(inv.vehicle)

        def find(window: list[Point]) -> Sequence[Station]:
            query = StationQuery(
                center=window[0],
                route=tuple(window),
                radius_km=STOP_CORRIDOR_KM,
                connectors=connectors,
                min_power_kw=min_kw,
                caller=inv.caller,
                locale=inv.locale,
            )
            return self.stations.find(query)

        try:
            plan = ev.plan_stops(Polyline(route.geometry), trip_km, e, find)
        except ProblemError as exc:
            logger().warning("charging stops unavailable", extra={"status": exc.status})
            return [], [f"Charging stops are unavailable right now ({exc.title})."]
        stops = [
            ChargingStopView(
                station_id=s.station.id,
                name=s.station.name,
                location=s.station.location,
                address=s.station.address or None,
                along_route_km=round(s.along_km, 1),
                detour_km=round(s.detour_km, 2),
                max_power_kw=s.station.max_power_kw,
                arrival_battery_percent=e.percent(s.arrival_range_km),
                charge_to_percent=ev.CHARGE_TO * 100 if e.full_range_km else None,
                charge_min=ev.charge_minutes(e, s.arrival_range_km, s.station.max_power_kw),
                estimated_cost=s.station.estimated_cost,
            )
            for s in plan.stops
        ]
        notes = []
        if not plan.complete:
            notes.append(
                "No reachable compatible charger was found for part of the trip: plan again after charging."
            )
        return stops, notes

    # -- destination ----------------------------------------------------------------------------

    def set_destination(self, inv: ToolInvocation, args: SetDestinationArgs) -> OneDestination:
        destination = Destination(
            id=_destination_id(inv),
            destination=args.destination,
            name=args.name,
            address=args.address,
            place_id=args.place_id,
            waypoints=list(args.waypoints),
            set_at=self.clock(),
        )
        return OneDestination(destination=self.destinations.set(inv.caller.sub, destination))

    def get_destination(self, inv: ToolInvocation) -> OneDestination:
        return OneDestination(destination=self.destinations.current(inv.caller.sub))


def _timing_note(args: PlanRouteArgs, route: Route) -> list[str]:
    if args.depart_at is None or route.simulated:
        return []
    return [f"{route.provider} does not plan for a departure time: durations are for current traffic."]


def _destination_id(inv: ToolInvocation) -> str:
    """From (caller, Idempotency-Key): a duplicated invocation of one call finds its own record."""
    seed = json.dumps([inv.caller.sub, inv.idempotency_key]) if inv.idempotency_key else uuid.uuid4().hex
    return "dst_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
